//! The one place that fails a scenario whose server threads panicked.
//!
//! A server's handler or tick thread that panics dies quietly: the network turns a handler's
//! panic into an error reply, and a tick thread's panic ends only that thread, so the test sees
//! at most a service that stops answering, and may even pass. The network records every such
//! panic (`labrpc::Network::panics`); the harnesses look at that record here, at every poll and
//! when a scenario ends, and fail the test with the node, the thread and the message.

use labrpc::Network;

/// How many recorded panics a failure message lists (the rest are counted).
const SHOWN: usize = 5;

/// Fails the test if a thread of a server on `net` has panicked.
pub fn assert_no_server_panicked(net: &Network) {
    if let Some(report) = panic_report(net) {
        panic!("{report}");
    }
}

/// The sentence a test fails with when servers on `net` panicked, or `None` if none did.
pub fn panic_report(net: &Network) -> Option<String> {
    let panics = net.panics();
    let first = panics.first()?;
    let total = net.panic_count().max(panics.len() as u64);
    let mut report =
        format!("a server panicked, so the service under test is broken whatever else the test saw: {first}");
    for more in panics.iter().skip(1).take(SHOWN - 1) {
        report.push_str(&format!("\n  then {more}"));
    }
    let listed = panics.len().min(SHOWN) as u64;
    if total > listed {
        report.push_str(&format!("\n  and {} more panics", total - listed));
    }
    Some(report)
}

#[cfg(test)]
mod tests {
    use labrpc::{Method, Service};

    use super::*;

    struct Boom;
    impl Method for Boom {
        const NAME: &'static str = "Test.Boom";
        type Args = u32;
        type Reply = ();
    }

    #[test]
    fn a_quiet_network_has_no_report() {
        crate::in_this_mode(|| {
            let net = Network::with_seed(1);
            assert_eq!(panic_report(&net), None);
            assert_no_server_panicked(&net);
        });
    }

    #[test]
    fn panics_are_named_by_node_thread_and_message_and_counted() {
        crate::in_this_mode(|| {
            let net = Network::with_seed(1);
            let server = net
                .register("s1", Service::new().handle::<Boom>(|n| panic!("not implemented: execute ({n})")))
                .unwrap();
            let tick = server.spawn("tick", || unimplemented!("tick")).unwrap();
            assert!(tick.join().is_some());
            let client = net.endpoint("client");
            for n in 0..7 {
                assert!(client.call::<Boom>("s1", &n).is_err());
            }
            let report = panic_report(&net).expect("a report");
            assert!(report.contains("s1's thread s1-tick panicked: not implemented: tick"), "{report}");
            assert!(
                report.contains("handler of Test.Boom panicked: not implemented: execute (0)"),
                "{report}"
            );
            assert!(report.contains("and 3 more panics"), "{report}");
            net.shutdown();
        });
    }
}
