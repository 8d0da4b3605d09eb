//! The one place that fails a scenario whose server threads panicked.
//!
//! A server handler or tick thread that panics dies quietly: the network turns the panic into an
//! error reply, and the test sees only a service that stops answering. The harness looks for such
//! panics here, and only here. Two callers reach every scenario's network through it: the
//! polling helper ([`super::poll::poll_until`]), at every look, and the end of every scenario
//! (`Drop` for [`super::Scenario`]), once the story is over.

use labrpc::Network;

/// Fails the test if a server thread on `net` has panicked.
//
// INTEGRATION POINT: labrpc is gaining `Network::panics()`. When it lands, fail here with a
// sentence naming each panicked thread and its message, e.g.
//     let panics = net.panics();
//     assert!(panics.is_empty(), "a server thread panicked: {panics:?}");
// Both callers pass the scenario's own network, so nothing else needs to change.
pub fn assert_no_server_panicked(net: &Network) {
    let _ = net;
}
