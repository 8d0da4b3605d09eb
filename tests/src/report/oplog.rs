//! The client operations of one scenario, stamped with the network's clock, for its report.

use std::sync::Arc;

use labrpc::Network;
use parking_lot::Mutex;

use crate::linearizability::{History, KvInput, KvOutput, Operation, Outcome, Stamp};

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
    /// Orders call and return events strictly, for the checker (the clock can tie).
    call_seq: u64,
    return_seq: Option<u64>,
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
    next_seq: u64,
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
        let call_seq = log.next_seq;
        log.next_seq += 1;
        log.ops.push(OpRecord {
            client: client.to_string(),
            input,
            call_us: self.net.now_us(),
            return_us: None,
            output: None,
            call_seq,
            return_seq: None,
        });
        OpInFlight { log: Arc::clone(&self.log), net: self.net.clone(), index: log.ops.len() - 1 }
    }

    /// Every operation so far, in call order.
    pub fn records(&self) -> Vec<OpRecord> {
        self.log.lock().ops.clone()
    }

    /// The operations as a history for the linearizability checker; see [`history_of`].
    pub fn history(&self) -> History<KvInput, KvOutput> {
        history_of(&self.log.lock().ops)
    }
}

/// `records` as a history for the linearizability checker, its operations in the same order.
/// An operation whose clerk gave up stays pending: it may or may not have taken effect.
pub fn history_of(records: &[OpRecord]) -> History<KvInput, KvOutput> {
    {
        let mut clients: Vec<&str> = Vec::new();
        let operations = records
            .iter()
            .map(|op| {
                let client = clients.iter().position(|c| *c == op.client).unwrap_or_else(|| {
                    clients.push(&op.client);
                    clients.len() - 1
                });
                let outcome = match (&op.output, op.return_seq) {
                    (Some(Ok(output)), Some(at)) => {
                        Outcome::Returned { output: output.clone(), at: Stamp(at) }
                    }
                    _ => Outcome::Pending,
                };
                Operation {
                    client: client as u64,
                    input: op.input.clone(),
                    call: Stamp(op.call_seq),
                    outcome,
                }
            })
            .collect();
        // One clerk makes one call at a time and stamps are strictly increasing, so this holds.
        History::new(operations).unwrap_or_default()
    }
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
        let seq = log.next_seq;
        log.next_seq += 1;
        let op = &mut log.ops[self.index];
        op.return_us = Some(self.net.now_us());
        op.return_seq = Some(seq);
        op.output = Some(output);
    }
}
