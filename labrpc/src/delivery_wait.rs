//! How long a call waited for the network to start delivering it, beyond any delay the test
//! planned: on a machine that gives every thread its turn, microseconds. A long wait means the
//! machine held the network's threads off, so a scenario whose timing it upset did not get a
//! fair run (the harness asks [`crate::Network::longest_delivery_wait`] when a scenario fails).

use std::fmt;
use std::time::Duration;

/// The call that waited longest between leaving its caller (or its held link's release) and
/// the start of its delivery on a worker, before its planned delays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryWait {
    /// The call's id, as the trace and the log show it.
    pub id: u64,
    /// The caller.
    pub from: String,
    /// The server called.
    pub to: String,
    /// The method called.
    pub method: &'static str,
    /// How long it waited.
    pub waited: Duration,
}

impl fmt::Display for DeliveryWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rpc #{} {} {} -> {} waited for delivery", self.id, self.method, self.from, self.to)
    }
}
