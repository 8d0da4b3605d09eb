//! Holding the calls on a link and releasing them in an order the test chooses.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::init_log;
use labrpc::{HoldError, Method, Network, RpcError, Service};
use parking_lot::Mutex;

/// `Test.Record`: appends its argument to the server's log.
struct Record;
impl Method for Record {
    const NAME: &'static str = "Test.Record";
    type Args = String;
    type Reply = ();
}

fn start_recorder(net: &Network, name: &str) -> Arc<Mutex<Vec<String>>> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    net.register(name, Service::new().handle::<Record>(move |entry| sink.lock().push(entry))).unwrap();
    log
}

#[test]
fn held_calls_are_delivered_in_the_order_the_test_releases_them() {
    init_log();
    let net = Network::with_seed(6);
    let log = start_recorder(&net, "backup");
    net.declare("primary");
    net.hold("primary", "backup");
    std::thread::scope(|s| {
        let primary = net.endpoint("primary");
        for (sent, op) in ["first", "second", "third"].into_iter().enumerate() {
            let primary = primary.clone();
            s.spawn(move || {
                primary.call::<Record>("backup", &op.to_string()).expect("delivered once released")
            });
            // Let each call reach the hold before the next, so arrival order is known.
            net.wait_for_held("primary", "backup", sent + 1, Duration::from_secs(2)).unwrap();
        }
        let held = net.held("primary", "backup");
        assert_eq!(held.len(), 3);
        assert!(held.iter().all(|c| c.method == "Test.Record" && c.from == "primary" && c.to == "backup"));
        assert!(log.lock().is_empty(), "nothing is delivered while held");
        // Adversarial order: the last sent arrives first.
        net.release(held[2].id).unwrap();
        assert!(common::eventually(Duration::from_secs(2), || log.lock().len() == 1));
        net.release(held[0].id).unwrap();
        assert!(common::eventually(Duration::from_secs(2), || log.lock().len() == 2));
        assert_eq!(net.held("primary", "backup").len(), 1, "the link stays held");
        net.unhold("primary", "backup");
    });
    assert_eq!(*log.lock(), ["third", "first", "second"]);
    // After unhold, calls flow again.
    net.endpoint("primary").call::<Record>("backup", &"fourth".into()).unwrap();
    assert_eq!(log.lock().len(), 4);
}

#[test]
fn other_links_are_not_held() {
    common::init_log();
    let net = Network::with_seed(6);
    let log = start_recorder(&net, "backup");
    net.declare("primary");
    net.hold("primary", "backup");
    net.endpoint("client").call::<Record>("backup", &"from client".into()).unwrap();
    assert_eq!(*log.lock(), ["from client"]);
    net.unhold("primary", "backup");
}

#[test]
fn releasing_an_unknown_call_and_waiting_in_vain_are_errors() {
    common::init_log();
    let net = Network::with_seed(6);
    start_recorder(&net, "backup");
    assert_eq!(net.release(12345), Err(HoldError::NotHeld { id: 12345 }));
    net.declare("primary");
    net.hold("primary", "backup");
    let error = net.wait_for_held("primary", "backup", 1, Duration::from_millis(20)).unwrap_err();
    assert_eq!(error, HoldError::Timeout { from: "primary".into(), to: "backup".into(), wanted: 1, held: 0 });
    assert!(error.to_string().contains("primary -> backup"));
}

#[test]
fn killing_the_server_frees_a_caller_waiting_on_a_held_call() {
    common::init_log();
    let net = Network::with_seed(6);
    let log = start_recorder(&net, "backup");
    net.declare("primary");
    net.hold("primary", "backup");
    let primary = net.endpoint("primary");
    let caller = std::thread::spawn(move || primary.call::<Record>("backup", &"x".into()));
    let held = net.wait_for_held("primary", "backup", 1, Duration::from_secs(2)).unwrap();
    net.kill("backup");
    assert_eq!(caller.join().unwrap(), Err(RpcError::ServerDead { to: "backup".into() }));
    net.release(held[0].id).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    assert!(log.lock().is_empty(), "a call released to a dead server is not delivered");
}

/// An abandoned held call: its caller hears at once that the reply was lost and retries; the
/// retry is delivered; the abandoned request, released afterwards, still reaches the server
/// (after the retry, as a slow network's duplicate would), and nobody hears its reply.
#[test]
fn an_abandoned_call_fails_for_its_caller_and_still_arrives_when_released() {
    common::init_log();
    let net = Network::with_seed(6);
    let log = start_recorder(&net, "backup");
    net.declare("primary");
    net.hold("primary", "backup");
    let primary = net.endpoint("primary");
    let caller = std::thread::spawn(move || primary.call::<Record>("backup", &"first".into()));
    let held = net.wait_for_held("primary", "backup", 1, Duration::from_secs(2)).unwrap();
    net.abandon(held[0].id).unwrap();
    net.abandon(held[0].id).unwrap();
    assert_eq!(
        caller.join().unwrap(),
        Err(RpcError::ReplyLost { to: "backup".into(), method: "Test.Record" })
    );
    assert!(log.lock().is_empty(), "abandoning a call does not deliver it");

    // The retry goes through (once released), then the abandoned original arrives.
    let primary = net.endpoint("primary");
    let retry = std::thread::spawn(move || primary.call::<Record>("backup", &"retry".into()));
    let retried = net.wait_for_held("primary", "backup", 2, Duration::from_secs(2)).unwrap();
    net.release(retried[1].id).unwrap();
    assert_eq!(retry.join().unwrap(), Ok(()));
    net.release(held[0].id).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while log.lock().len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(*log.lock(), vec!["retry".to_string(), "first".to_string()]);
    assert_eq!(net.abandon(held[0].id), Err(HoldError::NotHeld { id: held[0].id }));
    net.shutdown();
}
