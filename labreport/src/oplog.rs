//! The client operations of one scenario, stamped with the network's clock, for its report.

use std::collections::HashMap;
use std::sync::Arc;

use labrpc::Network;
use parking_lot::Mutex;

use lincheck::{History, HistoryError, KvInput, KvOutput, Operation, Outcome, Stamp, StampUnit};

/// One client operation: what was asked, when, and what came back.
#[derive(Debug, Clone)]
pub struct OpRecord {
    /// The clerk's node name.
    pub client: String,
    /// What the clerk was asked to do.
    pub input: KvInput,
    /// When it was called, on the network's clock (microseconds).
    pub call_us: u64,
    /// When it returned, on the network's clock; `None` while it has not.
    pub return_us: Option<u64>,
    /// What it returned: the value read, `Ok`, or why the clerk gave up (`Err`).
    pub output: Option<Result<KvOutput, String>>,
    /// The call and return as the checker's stamps: nanoseconds on the network's clock, made
    /// strictly increasing in log order (the clock can tie).
    call_ns: u64,
    return_ns: Option<u64>,
}

/// A shared log of client operations, cheap to clone.
#[derive(Clone)]
pub struct OpLog {
    net: Network,
    log: Arc<Mutex<Log>>,
}

#[derive(Default)]
struct Log {
    ops: Vec<OpRecord>,
    latest_ns: u64,
}

impl Log {
    /// A stamp for an event at `us`: later than every stamp before it.
    fn stamp(&mut self, us: u64) -> u64 {
        self.latest_ns = (us * 1000).max(self.latest_ns + 1);
        self.latest_ns
    }
}

/// A call in the log, waiting for its return.
#[must_use = "report how the call ended with `returned` or `gave_up`; otherwise it stays pending"]
pub struct OpInFlight {
    log: Arc<Mutex<Log>>,
    net: Network,
    index: usize,
}

impl OpLog {
    /// An empty log on `net`'s clock.
    pub fn new(net: &Network) -> OpLog {
        OpLog { net: net.clone(), log: Arc::new(Mutex::new(Log::default())) }
    }

    /// Records that `client` calls `input`, now.
    pub fn call(&self, client: &str, input: KvInput) -> OpInFlight {
        let mut log = self.log.lock();
        let call_us = self.net.now_us();
        let call_ns = log.stamp(call_us);
        log.ops.push(OpRecord {
            client: client.to_string(),
            input,
            call_us,
            return_us: None,
            output: None,
            call_ns,
            return_ns: None,
        });
        OpInFlight { log: Arc::clone(&self.log), net: self.net.clone(), index: log.ops.len() - 1 }
    }

    /// Every operation so far, in call order.
    pub fn records(&self) -> Vec<OpRecord> {
        self.log.lock().ops.clone()
    }

    /// The operations as a history for the linearizability checker; see [`history_of`].
    pub fn history(&self) -> Result<History<KvInput, KvOutput>, HistoryError> {
        history_of(&self.log.lock().ops)
    }
}

/// `records` as a history for the linearizability checker, its operations in the same order.
/// An operation whose clerk gave up stays pending: it may or may not have taken effect.
pub fn history_of(records: &[OpRecord]) -> Result<History<KvInput, KvOutput>, HistoryError> {
    let mut numbers: HashMap<&str, u64> = HashMap::new();
    let operations = records
        .iter()
        .map(|op| {
            let outcome = match (&op.output, op.return_ns) {
                (Some(Ok(output)), Some(at)) => Outcome::Returned { output: output.clone(), at: Stamp(at) },
                _ => Outcome::Pending,
            };
            let client = client_number(&mut numbers, &op.client);
            Operation { client, input: op.input.clone(), call: Stamp(op.call_ns), outcome }
        })
        .collect();
    Ok(History::new(operations)?.with_stamp_unit(StampUnit::Nanoseconds))
}

/// A clerk's number in the checker's explanations: `clerk-7` is client 7 (a name without a
/// number of its own gets one past every clerk's).
fn client_number<'a>(numbers: &mut HashMap<&'a str, u64>, name: &'a str) -> u64 {
    if let Some(&number) = numbers.get(name) {
        return number;
    }
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let number = name[name.len() - digits..]
        .parse()
        .ok()
        .filter(|n| !numbers.values().any(|taken| taken == n))
        .unwrap_or(1_000_000 + numbers.len() as u64);
    numbers.insert(name, number);
    number
}

impl OpInFlight {
    /// Records that the call returned `output`, now.
    pub fn returned(self, output: KvOutput) {
        self.end(Ok(output));
    }

    /// Records that the clerk gave up, saying why; the operation's effect is unknown.
    pub fn gave_up(self, why: String) {
        self.end(Err(why));
    }

    fn end(self, output: Result<KvOutput, String>) {
        let mut log = self.log.lock();
        let now_us = self.net.now_us();
        let stamp = log.stamp(now_us);
        let op = &mut log.ops[self.index];
        op.return_us = Some(now_us);
        op.return_ns = Some(stamp);
        op.output = Some(output);
    }
}
