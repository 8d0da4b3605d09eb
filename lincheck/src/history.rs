//! Histories: operations with a call and (unless they never returned) a return on one timeline.

use std::collections::HashMap;
use std::fmt;

/// A point on a history's timeline. Only the order of stamps matters to the checker: recorded
/// histories use nanoseconds since the recorder started, parsed logs use the event's position in
/// the file. A call and a return with equal stamps count as concurrent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(pub u64);

/// What a history's stamps count, for showing them to people.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StampUnit {
    /// Abstract instants (shown as `t=3`): hand-made histories.
    #[default]
    Plain,
    /// Nanoseconds since the recorder started (shown in milliseconds).
    Nanoseconds,
    /// Line numbers of a log file (shown as `line 3`).
    Line,
}

impl StampUnit {
    /// A stamp as people read it.
    pub fn show(self, stamp: Stamp) -> String {
        match self {
            StampUnit::Plain => format!("t={}", stamp.0),
            StampUnit::Nanoseconds => format!("{:.3} ms", stamp.0 as f64 / 1e6),
            StampUnit::Line => format!("line {}", stamp.0),
        }
    }
}

/// How an operation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<O> {
    /// It returned `output` at `at`.
    Returned {
        /// What the operation returned.
        output: O,
        /// When it returned.
        at: Stamp,
    },
    /// It never returned (a timed-out call, or a call still in flight when the history was
    /// taken): it may have taken effect at any time after its call, or never.
    Pending,
}

/// One operation of one client: what it asked, when, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation<I, O> {
    /// The client (process) that made the call. A client makes one call at a time (a call that
    /// never returns does not hold it up).
    pub client: u64,
    /// What the operation asked for.
    pub input: I,
    /// When it was called.
    pub call: Stamp,
    /// How it ended.
    pub outcome: Outcome<O>,
}

impl<I, O> Operation<I, O> {
    /// The output, if the operation returned.
    pub fn output(&self) -> Option<&O> {
        match &self.outcome {
            Outcome::Returned { output, .. } => Some(output),
            Outcome::Pending => None,
        }
    }

    /// When the operation returned, if it did.
    pub fn returned_at(&self) -> Option<Stamp> {
        match &self.outcome {
            Outcome::Returned { at, .. } => Some(*at),
            Outcome::Pending => None,
        }
    }

    /// True if the operation never returned.
    pub fn is_pending(&self) -> bool {
        matches!(self.outcome, Outcome::Pending)
    }
}

/// A concurrent history: every operation of every client, in call order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History<I, O> {
    operations: Vec<Operation<I, O>>,
    unit: StampUnit,
}

impl<I, O> Default for History<I, O> {
    fn default() -> Self {
        History { operations: Vec::new(), unit: StampUnit::Plain }
    }
}

impl<I, O> History<I, O> {
    /// Builds a history from operations, checking that each one returns no earlier than its call
    /// and that no client calls again before its previous call returned (a call that never
    /// returns retires nothing: like Jepsen's timed-out calls, it stays pending while the client
    /// goes on). The operations are sorted by call stamp (a stable sort, so equal stamps keep
    /// their order).
    pub fn new(mut operations: Vec<Operation<I, O>>) -> Result<Self, HistoryError> {
        operations.sort_by_key(|op| op.call);
        let mut busy_until: HashMap<u64, (usize, Option<Stamp>)> = HashMap::new();
        for (index, op) in operations.iter().enumerate() {
            if let Some(at) = op.returned_at() {
                if at < op.call {
                    return Err(HistoryError::ReturnBeforeCall { client: op.client, operation: index });
                }
            }
            if let Some(&(previous, until)) = busy_until.get(&op.client) {
                if until.is_some_and(|until| until > op.call) {
                    return Err(HistoryError::Overlapping {
                        client: op.client,
                        first: previous,
                        second: index,
                    });
                }
            }
            busy_until.insert(op.client, (index, op.returned_at()));
        }
        Ok(History { operations, unit: StampUnit::Plain })
    }

    /// The same history, with stamps that count `unit`.
    pub fn with_stamp_unit(self, unit: StampUnit) -> Self {
        History { unit, ..self }
    }

    /// What the stamps count.
    pub fn stamp_unit(&self) -> StampUnit {
        self.unit
    }

    /// The operations, in call order.
    pub fn operations(&self) -> &[Operation<I, O>] {
        &self.operations
    }

    /// The number of operations.
    pub fn len(&self) -> usize {
        self.operations.len()
    }

    /// True if the history has no operation.
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    /// The distinct clients, in ascending order.
    pub fn clients(&self) -> Vec<u64> {
        let mut clients: Vec<u64> = self.operations.iter().map(|op| op.client).collect();
        clients.sort_unstable();
        clients.dedup();
        clients
    }
}

/// Why a set of operations is not a well-formed history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryError {
    /// An operation returned before it was called.
    ReturnBeforeCall {
        /// Its client.
        client: u64,
        /// Its index in call order.
        operation: usize,
    },
    /// A client called again while an earlier call of its own was outstanding.
    Overlapping {
        /// The client.
        client: u64,
        /// The earlier operation's index in call order.
        first: usize,
        /// The later operation's index in call order.
        second: usize,
    },
    /// A return for a client with no call outstanding.
    ReturnWithoutCall {
        /// The client.
        client: u64,
    },
    /// Events were added out of time order.
    OutOfOrder {
        /// The stamp of the latest event added before.
        latest: Stamp,
        /// The stamp of the event that came too early.
        offending: Stamp,
    },
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryError::ReturnBeforeCall { client, operation } => write!(
                f,
                "operation {operation} of client {client} returns before it is called; \
                 stamps must follow real time"
            ),
            HistoryError::Overlapping { client, first, second } => write!(
                f,
                "client {client} calls operation {second} while operation {first} is still \
                 outstanding; a client makes one call at a time"
            ),
            HistoryError::ReturnWithoutCall { client } => {
                write!(f, "client {client} returns but has no call outstanding")
            }
            HistoryError::OutOfOrder { latest, offending } => write!(
                f,
                "an event at stamp {} was added after one at stamp {}; add events in time order",
                offending.0, latest.0
            ),
        }
    }
}

impl std::error::Error for HistoryError {}

/// Builds a history from a stream of call and return events in time order, matching each return
/// to its client's outstanding call, as log formats and recorders produce them.
#[derive(Debug)]
pub struct HistoryBuilder<I, O> {
    operations: Vec<Operation<I, O>>,
    outstanding: HashMap<u64, usize>,
    latest: Stamp,
}

impl<I, O> Default for HistoryBuilder<I, O> {
    fn default() -> Self {
        HistoryBuilder { operations: Vec::new(), outstanding: HashMap::new(), latest: Stamp(0) }
    }
}

impl<I, O> HistoryBuilder<I, O> {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    fn advance(&mut self, at: Stamp) -> Result<(), HistoryError> {
        if at < self.latest {
            return Err(HistoryError::OutOfOrder { latest: self.latest, offending: at });
        }
        self.latest = at;
        Ok(())
    }

    /// Records that `client` called an operation with `input` at `at`.
    pub fn call(&mut self, client: u64, input: I, at: Stamp) -> Result<(), HistoryError> {
        if let Some(&first) = self.outstanding.get(&client) {
            return Err(HistoryError::Overlapping { client, first, second: self.operations.len() });
        }
        self.advance(at)?;
        self.outstanding.insert(client, self.operations.len());
        self.operations.push(Operation { client, input, call: at, outcome: Outcome::Pending });
        Ok(())
    }

    /// The input of `client`'s outstanding call, if it has one.
    pub fn outstanding_input(&self, client: u64) -> Option<&I> {
        self.outstanding.get(&client).map(|&index| &self.operations[index].input)
    }

    /// Records that `client`'s outstanding call returned `output` at `at`.
    pub fn ret(&mut self, client: u64, output: O, at: Stamp) -> Result<(), HistoryError> {
        let Some(&index) = self.outstanding.get(&client) else {
            return Err(HistoryError::ReturnWithoutCall { client });
        };
        self.advance(at)?;
        self.outstanding.remove(&client);
        self.operations[index].outcome = Outcome::Returned { output, at };
        Ok(())
    }

    /// Records that `client`'s outstanding call will never return (it timed out): it stays
    /// pending, and the client may call again.
    pub fn abandon(&mut self, client: u64) -> Result<(), HistoryError> {
        match self.outstanding.remove(&client) {
            Some(_) => Ok(()),
            None => Err(HistoryError::ReturnWithoutCall { client }),
        }
    }

    /// The history; calls still outstanding are pending. Its stamps are
    /// [`StampUnit::Plain`] until [`History::with_stamp_unit`] says otherwise.
    pub fn finish(self) -> History<I, O> {
        // Events came in time order, so the operations are already in call order.
        History { operations: self.operations, unit: StampUnit::Plain }
    }
}

impl<I, O> History<I, O> {
    /// A history from operations already in call order whose returns follow their calls, as the
    /// recorder makes them.
    pub(crate) fn from_call_ordered(operations: Vec<Operation<I, O>>, unit: StampUnit) -> Self {
        debug_assert!(operations.windows(2).all(|pair| pair[0].call <= pair[1].call));
        History { operations, unit }
    }
}
