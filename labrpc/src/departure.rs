//! A call on its way out: what the caller hands the network, and what a held link keeps until
//! its release. Kept apart from the call path (`call.rs`) so that the network's shared state,
//! which holds departures, does not depend on the code that sends them.

use std::sync::Arc;
use std::time::Instant;

use crate::channel::Sender;

use crate::error::RpcError;
use crate::node::{Incarnation, Node};

/// Where a call's outcome goes: its caller waits on the other end.
pub(crate) type ReplySender = Sender<Result<Vec<u8>, RpcError>>;

/// One call's identity and payload: who calls whom (and which lives of theirs), what, with what.
pub(crate) struct Call {
    pub(crate) id: u64,
    pub(crate) from: Arc<Node>,
    pub(crate) from_life: Arc<Incarnation>,
    pub(crate) to: Arc<Node>,
    pub(crate) to_life: Arc<Incarnation>,
    pub(crate) method: &'static str,
    pub(crate) args: Vec<u8>,
    /// When the call was free to leave: when it was sent, or released from a held link. Its
    /// worker measures from here how long it waited beyond its planned delays.
    pub(crate) ready_at: Instant,
}

/// A call that passed the caller's checks and waits to leave: at once, or when the test releases
/// its held link. Its fate (drops, delays) is drawn when it leaves.
pub(crate) struct Departure {
    pub(crate) call: Call,
    pub(crate) reply: ReplySender,
    /// The test told the caller, while the call was held, that its reply was lost: the request
    /// still goes on when released, and its reply goes nowhere.
    pub(crate) abandoned: bool,
}
