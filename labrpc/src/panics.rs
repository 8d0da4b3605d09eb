//! The panics of nodes' threads and handlers, recorded so that a test can fail with them.

use std::any::Any;
use std::fmt;

use crate::sync::Mutex;

/// How many panics a network keeps (the first ones); later ones are only counted, so a thread
/// that panics in a loop cannot fill memory. [`Network::panic_count`](crate::Network::panic_count)
/// says how many there were in all.
pub const PANIC_RECORD_LIMIT: usize = 64;

/// A panic in a node's thread (one started with [`Endpoint::spawn`](crate::Endpoint::spawn)) or
/// in one of its handlers, as the network recorded it. Its `Display` is a sentence for a test
/// failure: `s1's thread s1-tick panicked: not implemented: ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodePanic {
    /// The node whose code panicked.
    pub node: String,
    /// The thread: a spawned thread's full name (`"s1-tick"`), or `"handler of Method.Name"`.
    pub thread: String,
    /// The method, when a handler panicked.
    pub method: Option<&'static str>,
    /// The panic's message.
    pub message: String,
    /// When, in microseconds since the network was created (the trace's clock).
    pub at_us: u64,
}

impl fmt::Display for NodePanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let NodePanic { node, thread, message, .. } = self;
        match self.method {
            Some(method) => write!(f, "{node}'s handler of {method} panicked: {message}"),
            None => write!(f, "{node}'s thread {thread} panicked: {message}"),
        }
    }
}

/// The first [`PANIC_RECORD_LIMIT`] panics, and how many there were in all.
#[derive(Default)]
pub(crate) struct PanicRecord {
    state: Mutex<Recorded>,
}

#[derive(Default)]
struct Recorded {
    kept: Vec<NodePanic>,
    total: u64,
}

/// What became of a panic handed to [`PanicRecord::add`].
pub(crate) enum Kept {
    /// It is in the record.
    Yes,
    /// It is the first one past the limit: only counted, as every later one will be.
    FirstOverLimit,
    /// Only counted.
    No,
}

impl PanicRecord {
    /// Adds `panic` to the record, or only counts it once the record is full.
    pub(crate) fn add(&self, panic: NodePanic) -> Kept {
        let mut state = self.state.lock();
        state.total += 1;
        if state.kept.len() < PANIC_RECORD_LIMIT {
            state.kept.push(panic);
            Kept::Yes
        } else if state.total == PANIC_RECORD_LIMIT as u64 + 1 {
            Kept::FirstOverLimit
        } else {
            Kept::No
        }
    }

    /// The recorded panics, in the order they happened.
    pub(crate) fn list(&self) -> Vec<NodePanic> {
        self.state.lock().kept.clone()
    }

    /// How many panics there were, recorded or not.
    pub(crate) fn total(&self) -> u64 {
        self.state.lock().total
    }
}

/// The message of a caught panic's payload (`panic!` gives a `&str` or a `String`).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}
