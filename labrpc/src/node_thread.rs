//! Threads that belong to a node: started through its endpoint, their panics recorded by the
//! network.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::core::Core;
use crate::error::SpawnError;
use crate::hold_off::HeldWork;
use crate::panics::{panic_message, NodePanic};
use crate::thread::JoinHandle;

/// A thread of a node, started with [`Endpoint::spawn`](crate::Endpoint::spawn).
///
/// A server starts every thread it needs this way (a tick thread, a background sender...), so
/// that a panic in any of them is reported with the test's failure instead of going unnoticed.
/// Dropping a `NodeThread` lets the thread run on, detached; [`join`](NodeThread::join) waits
/// for it.
#[derive(Debug)]
#[must_use = "a server should join its threads when it is killed, so none outlives its test"]
pub struct NodeThread {
    name: String,
    handle: JoinHandle<Option<NodePanic>>,
}

impl NodeThread {
    /// The thread's full name, `"{node}-{thread}"`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the thread has ended.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// Waits for the thread to end. Returns its panic if it panicked (the network has recorded
    /// it already: see [`Network::panics`](crate::Network::panics)). Never panics itself.
    pub fn join(self) -> Option<NodePanic> {
        // The body runs under `catch_unwind`, so only a panic in the recording itself (a payload
        // whose `drop` panics) can end the thread with an error.
        self.handle.join().unwrap_or_else(|_| {
            log::error!("thread {} panicked while its panic was being recorded", self.name);
            None
        })
    }
}

/// Starts thread `"{node}-{thread}"` running `body`; a panic in `body` is recorded in `core`.
pub(crate) fn spawn<F: FnOnce() + Send + 'static>(
    core: &Arc<Core>,
    node: &str,
    thread: &str,
    body: F,
) -> Result<NodeThread, SpawnError> {
    let name = format!("{node}-{thread}");
    if core.is_shut_down() {
        return Err(SpawnError::Shutdown { thread: name });
    }
    let recorder = Arc::clone(core);
    let (node, thread_name) = (node.to_string(), name.clone());
    let spawned = std::time::Instant::now();
    let handle = crate::thread::spawn(&name, move || {
        // A thread that starts long after its spawn was held off by the machine.
        recorder.note_hold_off(spawned.elapsed(), || HeldWork::ThreadStart { thread: thread_name.clone() });
        let payload = catch_unwind(AssertUnwindSafe(body)).err()?;
        let message = panic_message(payload.as_ref());
        Some(recorder.record_panic(node, thread_name, None, message))
    })
    .map_err(|error| SpawnError::Refused { thread: name.clone(), detail: error.to_string() })?;
    Ok(NodeThread { name, handle })
}
