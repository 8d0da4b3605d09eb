//! Held calls, as the guided interleavings use them: waiting for calls to be held on a link and
//! releasing or abandoning one, failing the test with the network's sentence if that cannot be.

use labrpc::HeldCall;

use super::cluster::Cluster;
use crate::bounds::VIEW_CHANGE;

impl Cluster {
    /// Waits, at most [`VIEW_CHANGE`], until `count` calls are held on `from -> to`, and lists
    /// them in arrival order.
    #[track_caller]
    pub fn held_calls(&self, from: &str, to: &str, count: usize) -> Vec<HeldCall> {
        self.net.wait_for_held(from, to, count, VIEW_CHANGE).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Delivers the held call `call` now.
    #[track_caller]
    pub fn release(&self, call: &HeldCall) {
        self.net.release(call.id).unwrap_or_else(|e| panic!("{e}"));
    }

    /// Tells the caller of the held call `call` that its reply was lost; the request stays held.
    #[track_caller]
    pub fn abandon(&self, call: &HeldCall) {
        self.net.abandon(call.id).unwrap_or_else(|e| panic!("{e}"));
    }
}
