//! How long the machine held off the network's own work beyond what the test planned: a call
//! waiting for a worker to start its delivery, a planned delay that ran long, a node's thread
//! waiting to start or to wake from a sleep. On a machine that gives every thread its turn,
//! microseconds. A long hold-off means the machine, not the code under test, kept something
//! from happening on time, so a scenario whose timing it upset did not get a fair run (the
//! harness asks [`crate::Network::longest_hold_off`] when a scenario fails).

use std::fmt;
use std::time::Duration;

/// The work the machine held off longest, and for how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldOff {
    /// What was held off.
    pub work: HeldWork,
    /// How long past its time it started (or woke).
    pub waited: Duration,
}

/// Work of the network that can be held off by a busy machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeldWork {
    /// A call, between leaving its caller (or its held link's release) and the start of its
    /// delivery on a worker, or in its planned request delay past that delay's end.
    Delivery {
        /// The call's id, as the trace and the log show it.
        id: u64,
        /// The caller.
        from: String,
        /// The server called.
        to: String,
        /// The method called.
        method: &'static str,
    },
    /// A node's thread (see [`Endpoint::spawn`](crate::Endpoint::spawn)), between its spawn
    /// and the first line of its body.
    ThreadStart {
        /// The thread's full name, `"{node}-{thread}"`.
        thread: String,
    },
    /// A node's [`Endpoint::sleep`](crate::Endpoint::sleep), past the end of the sleep.
    Wake {
        /// The sleeping node.
        node: String,
        /// The name of the thread that slept, if it has one.
        thread: Option<String>,
        /// How long it asked to sleep.
        slept: Duration,
    },
}

impl fmt::Display for HoldOff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.work {
            HeldWork::Delivery { id, from, to, method } => {
                write!(f, "rpc #{id} {method} {from} -> {to} waited for delivery")
            }
            HeldWork::ThreadStart { thread } => write!(f, "thread {thread} waited to start"),
            HeldWork::Wake { node, thread, slept } => {
                let thread = thread
                    .as_deref()
                    .map_or_else(|| format!("a thread of {node}"), |t| format!("thread {t}"));
                write!(f, "{thread} woke late from a {} ms sleep", slept.as_millis())
            }
        }
    }
}
