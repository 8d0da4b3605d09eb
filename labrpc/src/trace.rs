//! The optional event trace: what the network did, in order, for failure diagnostics.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde::Serialize;

/// One thing the network did (or a server reported), with the time since the network started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceEvent {
    /// Time since the network was created, in microseconds.
    pub at_us: u64,
    /// What happened.
    #[serde(flatten)]
    pub what: EventKind,
}

/// The kinds of traced event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// A call left its caller.
    Send {
        /// Call id.
        id: u64,
        /// Caller.
        from: String,
        /// Server.
        to: String,
        /// Method.
        method: &'static str,
        /// Encoded argument size.
        bytes: usize,
    },
    /// A call reached its handler.
    Deliver {
        /// Call id.
        id: u64,
    },
    /// A call was not delivered.
    Drop {
        /// Call id.
        id: u64,
        /// Why (cut, unreliable, dead server...).
        reason: String,
    },
    /// A reply reached its caller.
    Reply {
        /// Call id.
        id: u64,
        /// Encoded reply size.
        bytes: usize,
    },
    /// A reply was lost.
    ReplyLost {
        /// Call id.
        id: u64,
        /// Why.
        reason: String,
    },
    /// A call failed with a programming error (no such method, bad arguments, panic).
    Failed {
        /// Call id.
        id: u64,
        /// The error.
        error: String,
    },
    /// A node was killed.
    Kill {
        /// The node.
        node: String,
    },
    /// A server was registered (a start, or a restart after a kill).
    Register {
        /// The node.
        node: String,
        /// Its life number: 0 for the first, one more for each restart.
        incarnation: u64,
    },
    /// The directed link `from -> to` was cut.
    Cut {
        /// Sender side.
        from: String,
        /// Receiver side.
        to: String,
    },
    /// The directed link `from -> to` was repaired.
    Repair {
        /// Sender side.
        from: String,
        /// Receiver side.
        to: String,
    },
    /// The network was split into groups (replacing earlier cuts).
    Partition {
        /// The groups of node names.
        groups: Vec<Vec<String>>,
    },
    /// Every cut was repaired.
    Heal,
    /// Calls on `from -> to` are now held.
    Hold {
        /// Sender side.
        from: String,
        /// Receiver side.
        to: String,
    },
    /// Calls on `from -> to` are no longer held.
    Unhold {
        /// Sender side.
        from: String,
        /// Receiver side.
        to: String,
    },
    /// Another knob changed (unreliability, delays, reordering) or the network shut down.
    Knob {
        /// A short description, e.g. `S1 unreliable: true`.
        change: String,
    },
    /// A call on a held link was released.
    Release {
        /// Call id.
        id: u64,
    },
    /// A server reported something worth showing, such as a new view.
    Note {
        /// The reporting node.
        node: String,
        /// The report.
        text: String,
    },
}

/// Records events when enabled; costs one atomic load per event when not.
pub(crate) struct Trace {
    enabled: AtomicBool,
    start: Instant,
    events: Mutex<Vec<TraceEvent>>,
}

impl Trace {
    pub(crate) fn new() -> Trace {
        Trace { enabled: AtomicBool::new(false), start: Instant::now(), events: Mutex::new(Vec::new()) }
    }

    pub(crate) fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::Release);
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Records the event built by `what`, which runs only when tracing is on.
    pub(crate) fn record(&self, what: impl FnOnce() -> EventKind) {
        if self.is_enabled() {
            let at = Instant::now().saturating_duration_since(self.start);
            let event = TraceEvent { at_us: micros(at), what: what() };
            self.events.lock().push(event);
        }
    }

    pub(crate) fn events(&self) -> Vec<TraceEvent> {
        self.events.lock().clone()
    }

    /// Writes every event as one JSON object per line.
    pub(crate) fn write_json_lines(&self, out: &mut dyn Write) -> io::Result<()> {
        for event in self.events.lock().iter() {
            serde_json::to_writer(&mut *out, event).map_err(io::Error::other)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
