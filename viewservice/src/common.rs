//! What the view service and its clients share: the view, the RPC messages and the timing.

use std::fmt;
use std::time::Duration;

use labrpc::Method;
use serde::{Deserialize, Serialize};

/// How often every server pings the view service.
pub const PING_INTERVAL: Duration = Duration::from_millis(100);

/// A server that misses this many pings in a row is dead.
pub const DEAD_PINGS: u32 = 5;

/// How long a server may stay silent before it counts as dead: `DEAD_PINGS` ping intervals.
pub const DEAD_AFTER: Duration = Duration::from_millis(100 * DEAD_PINGS as u64);

/// Who is primary and who is backup. Views are numbered from 1; view 0 is the empty view
/// before any server has pinged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct View {
    /// The view's number: one more than the view before it.
    pub viewnum: u64,
    /// The server that serves clients in this view, if any.
    pub primary: Option<String>,
    /// The server that mirrors the primary in this view, if any.
    pub backup: Option<String>,
}

impl View {
    /// Whether `server` is the primary of this view.
    pub fn is_primary(&self, server: &str) -> bool {
        self.primary.as_deref() == Some(server)
    }

    /// Whether `server` is the backup of this view.
    pub fn is_backup(&self, server: &str) -> bool {
        self.backup.as_deref() == Some(server)
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".to_string());
        write!(f, "view {} (primary {}, backup {})", self.viewnum, name(&self.primary), name(&self.backup))
    }
}

/// A server's heartbeat: "I am alive, and the latest view I know is `viewnum`".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingArgs {
    /// The pinging server's name.
    pub me: String,
    /// The latest view the server knows; 0 right after it (re)started.
    pub viewnum: u64,
}

/// Why the view service refused a ping. A refused ping changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PingError {
    /// The ping carried an empty server name.
    EmptyName,
    /// The ping claimed to know a view that does not exist yet.
    ViewnumAhead {
        /// The viewnum the ping carried.
        got: u64,
        /// The view service's current viewnum.
        current: u64,
    },
}

impl fmt::Display for PingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PingError::EmptyName => write!(f, "a ping must name the pinging server; the name was empty"),
            PingError::ViewnumAhead { got, current } => write!(
                f,
                "the ping claimed view {got}, but the current view is {current}; ping with the latest view the view service returned"
            ),
        }
    }
}

impl std::error::Error for PingError {}

/// The answer to a ping: the current view, or why the ping was refused.
pub type PingReply = Result<View, PingError>;

/// `ViewServer.Ping`: a server's heartbeat, answered with the current view.
pub struct Ping;
impl Method for Ping {
    const NAME: &'static str = "ViewServer.Ping";
    type Args = PingArgs;
    type Reply = PingReply;
}

/// `ViewServer.Get`: the current view, for clients. It does not count as a ping.
pub struct Get;
impl Method for Get {
    const NAME: &'static str = "ViewServer.Get";
    type Args = ();
    type Reply = View;
}
