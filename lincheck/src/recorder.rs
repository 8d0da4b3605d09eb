//! The history recorder: a thread-safe log of calls and returns with monotonic timestamps.

use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;

use super::history::{History, Operation, Outcome, Stamp, StampUnit};

/// A thread-safe log of operations, shared by cheap clones. Each call is stamped when it is
/// recorded and each return when it is reported, in nanoseconds since the recorder was made;
/// stamps are strictly increasing in the order events reach the log, so the log's order is
/// real-time order.
///
/// Record a call *before* sending the request and its return *after* the reply arrived; the
/// checker then never sees two operations as ordered when they overlapped.
pub struct Recorder<I, O> {
    log: Arc<Mutex<Log<I, O>>>,
    started: Instant,
}

impl<I, O> Clone for Recorder<I, O> {
    fn clone(&self) -> Self {
        Recorder { log: Arc::clone(&self.log), started: self.started }
    }
}

struct Log<I, O> {
    operations: Vec<Operation<I, O>>,
    latest: u64,
    clients: u64,
}

impl<I: Clone, O: Clone> Default for Recorder<I, O> {
    fn default() -> Self {
        Self::new()
    }
}

impl<I: Clone, O: Clone> Recorder<I, O> {
    /// An empty log; its clock starts now.
    pub fn new() -> Self {
        Recorder {
            log: Arc::new(Mutex::new(Log { operations: Vec::new(), latest: 0, clients: 0 })),
            started: Instant::now(),
        }
    }

    /// A client id no one else in this log has.
    pub fn new_client(&self) -> u64 {
        let mut log = self.log.lock();
        log.clients += 1;
        log.clients - 1
    }

    fn stamp(&self, log: &mut Log<I, O>) -> Stamp {
        let now = u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        log.latest = now.max(log.latest + 1);
        Stamp(log.latest)
    }

    /// Records that `client` calls an operation with `input`, now. Report its return on the
    /// result; if that is dropped without a return (the call panicked, or never came back),
    /// the operation stays pending: it may have taken effect, or not.
    pub fn call(&self, client: u64, input: I) -> PendingCall<I, O> {
        let mut log = self.log.lock();
        let call = self.stamp(&mut log);
        log.operations.push(Operation { client, input, call, outcome: Outcome::Pending });
        PendingCall { recorder: self.clone(), index: log.operations.len() - 1 }
    }

    /// The history so far. Calls that have not returned yet are pending in it.
    pub fn history(&self) -> History<I, O> {
        let log = self.log.lock();
        History::from_call_ordered(log.operations.clone(), StampUnit::Nanoseconds)
    }
}

/// A recorded call waiting for its return.
#[must_use = "report the return with `returned`; a call dropped without it is recorded as pending"]
pub struct PendingCall<I, O> {
    recorder: Recorder<I, O>,
    index: usize,
}

impl<I: Clone, O: Clone> PendingCall<I, O> {
    /// Records that the call returned `output`, now.
    pub fn returned(self, output: O) {
        let mut log = self.recorder.log.lock();
        let at = self.recorder.stamp(&mut log);
        log.operations[self.index].outcome = Outcome::Returned { output, at };
    }
}
