//! How long the machine held off the network's work beyond what the test planned: what the
//! test harness asks to tell a starved machine from a wrong service.

mod common;

use std::time::Duration;

use common::init_log;
use labrpc::{HeldWork, Method, Network, Service};

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

/// On any machine that runs the tests at all, a hold-off is far below this.
const FAR_BELOW: Duration = Duration::from_millis(150);

#[test]
fn nothing_run_means_nothing_held_off() {
    assert_eq!(echo_network().longest_hold_off(), None);
}

#[test]
fn a_held_call_and_an_ingress_queue_do_not_count_as_held_off() {
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
    net.unhold("client", "server");
    let held = net.longest_hold_off().expect("calls were delivered");
    assert!(held.waited < FAR_BELOW, "{held}: {:?}", held.waited);
    match &held.work {
        HeldWork::Delivery { from, to, method, .. } => {
            assert_eq!((from.as_str(), to.as_str(), *method), ("client", "server", "Test.Echo"))
        }
        other => panic!("only calls ran, yet {other:?} was noted"),
    }
    net.shutdown();
}

#[test]
fn a_node_threads_start_and_its_sleeps_are_watched() {
    init_log();
    let net = Network::with_seed(12);
    let endpoint = net.register("ticker", Service::new()).unwrap();
    let sleeper = endpoint.clone();
    let thread = endpoint
        .spawn("tick", move || {
            // Longer than any hold-off allowed below, so the sleep itself would show.
            assert!(sleeper.sleep(FAR_BELOW + Duration::from_millis(50)));
        })
        .unwrap();
    assert_eq!(thread.join(), None);
    let held = net.longest_hold_off().expect("a thread started and slept");
    assert!(held.waited < FAR_BELOW, "{held}: {:?}", held.waited);
    match &held.work {
        HeldWork::ThreadStart { thread } => assert_eq!(thread, "ticker-tick"),
        HeldWork::Wake { node, thread, slept } => {
            assert_eq!(
                (node.as_str(), thread.as_deref(), *slept),
                ("ticker", Some("ticker-tick"), FAR_BELOW + Duration::from_millis(50))
            );
        }
        other => panic!("no call ran, yet {other:?} was noted"),
    }
    net.shutdown();
}

#[test]
fn a_sleep_cut_short_by_death_is_not_a_late_wake() {
    let net = Network::with_seed(13);
    let endpoint = net.register("ticker", Service::new()).unwrap();
    let sleeper = endpoint.clone();
    let thread = endpoint.spawn("tick", move || assert!(!sleeper.sleep(Duration::from_secs(30)))).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    net.kill("ticker");
    assert_eq!(thread.join(), None);
    // Only the thread's start can have been noted: the sleep ended early, with the node.
    let held = net.longest_hold_off().expect("a thread started");
    assert!(matches!(held.work, HeldWork::ThreadStart { .. }), "{held:?}");
    net.shutdown();
}
