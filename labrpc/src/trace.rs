//! The optional event trace: what the network did, in order, for failure diagnostics.

use crate::time::{Duration, Instant};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::sync::Mutex;
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
        /// The arguments as JSON, cut short past [`SUMMARY_LIMIT`] characters.
        #[serde(skip_serializing_if = "Option::is_none")]
        args: Option<String>,
    },
    /// A call reached its handler.
    Deliver {
        /// Call id.
        id: u64,
    },
    /// A call was not delivered, or its caller stopped waiting for it.
    Drop {
        /// Call id.
        id: u64,
        /// Why (cut, unreliable, dead server...).
        reason: String,
        /// Whether the reason is that the server is dead (or died while the caller waited).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        dead: bool,
    },
    /// A reply reached its caller.
    Reply {
        /// Call id.
        id: u64,
        /// Encoded reply size.
        bytes: usize,
        /// The reply as JSON, cut short past [`SUMMARY_LIMIT`] characters.
        #[serde(skip_serializing_if = "Option::is_none")]
        reply: Option<String>,
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
    /// A node's thread or handler panicked (see [`NodePanic`](crate::NodePanic)).
    Panic {
        /// The node.
        node: String,
        /// The thread's name, or `handler of Method.Name`.
        thread: String,
        /// The panic's message.
        message: String,
    },
    /// A server reported something worth showing, such as a new view.
    Note {
        /// The reporting node.
        node: String,
        /// The report.
        text: String,
    },
}

/// How many characters of a message's JSON the trace keeps: enough to read its fields, not so
/// many that a 10,000-key state transfer fills memory.
pub const SUMMARY_LIMIT: usize = 400;

/// `value` as JSON for the trace, cut short past [`SUMMARY_LIMIT`] characters.
pub(crate) fn summary<T: Serialize + ?Sized>(value: &T) -> String {
    let mut json =
        serde_json::to_string(value).unwrap_or_else(|e| format!("(not representable as JSON: {e})"));
    if let Some((cut, _)) = json.char_indices().nth(SUMMARY_LIMIT) {
        let total = json.len();
        json.truncate(cut);
        json.push_str(&format!("… ({total} bytes in all)"));
    }
    json
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
            let event = TraceEvent { at_us: self.now_us(), what: what() };
            self.events.lock().push(event);
        }
    }

    /// Microseconds since the network started: the trace's clock.
    pub(crate) fn now_us(&self) -> u64 {
        micros(Instant::now().saturating_duration_since(self.start))
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
