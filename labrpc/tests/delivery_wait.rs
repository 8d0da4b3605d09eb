//! How long calls wait for their delivery to start, beyond what the network planned: what the
//! test harness asks to tell a starved machine from a wrong service.

mod common;

use std::time::Duration;

use common::init_log;
use labrpc::{Method, Network, Service};

/// `Test.Echo`: returns its argument.
struct Echo;
impl Method for Echo {
    const NAME: &'static str = "Test.Echo";
    type Args = u64;
    type Reply = u64;
}

fn echo_network() -> Network {
    let net = Network::with_seed(11);
    net.register("server", Service::new().handle::<Echo>(|n| n)).unwrap();
    net.declare("client");
    net
}

#[test]
fn nothing_delivered_means_no_wait() {
    assert_eq!(echo_network().longest_delivery_wait(), None);
}

#[test]
fn a_held_call_and_a_planned_delay_do_not_count_as_waiting() {
    init_log();
    let net = echo_network();
    // A planned delay: every request to the server sits 300 ms in its ingress queue.
    net.set_ingress_delay("server", Some(Duration::from_millis(300)));
    assert_eq!(net.endpoint("client").call::<Echo>("server", &1).unwrap(), 1);
    net.set_ingress_delay("server", None);
    // A hold of 300 ms: the test's doing, not the machine's.
    net.hold("client", "server");
    std::thread::scope(|s| {
        let client = net.endpoint("client");
        let call = s.spawn(move || client.call::<Echo>("server", &2));
        net.wait_for_held("client", "server", 1, Duration::from_secs(2)).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let held = net.held("client", "server");
        net.release(held[0].id).unwrap();
        assert_eq!(call.join().unwrap().unwrap(), 2);
    });
    let wait = net.longest_delivery_wait().expect("two calls were delivered");
    // On any machine that runs the test at all, far below the 300 ms either of them sat out.
    assert!(wait.waited < Duration::from_millis(150), "{wait}: {:?}", wait.waited);
    assert_eq!((wait.from.as_str(), wait.to.as_str(), wait.method), ("client", "server", "Test.Echo"));
}
