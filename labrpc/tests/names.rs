//! A fault on a name the network does not know is refused, naming the names it does know: a
//! typo must fail the test at the line that made it, not leave a partition test running without
//! a partition. A name is known once a server registers under it, an endpoint is made for it,
//! or it is declared.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use common::{init_log, start_echo, Echo};
use labrpc::{HoldError, Network, PartitionError, UnknownNode};

/// Runs `knob` and returns the message it panicked with, or `None` if it did not panic.
fn panic_message(knob: impl FnOnce()) -> Option<String> {
    let payload = catch_unwind(AssertUnwindSafe(knob)).err()?;
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()));
    Some(message.unwrap_or_default())
}

/// `client -> Server` (a capital S) used to create a node "Server" and cut nothing: the calls
/// from client to server went on, and a partition test passed without a partition.
#[test]
fn a_cut_naming_a_misspelled_node_panics_with_the_known_names() {
    init_log();
    let net = Network::with_seed(5);
    start_echo(&net, "server");
    start_echo(&net, "vs");
    let client = net.endpoint("client");
    let message = panic_message(|| net.cut("client", "Server")).expect("a cut on an unknown name panics");
    assert!(
        message
            .starts_with(r#"no node named "Server" (known: client, server, vs); names are case-sensitive"#),
        "the message names the typo and the known names: {message}"
    );
    assert!(
        message.contains("Network::declare"),
        "and says how to name a server before it starts: {message}"
    );
    assert_eq!(net.node_names(), ["client", "server", "vs"], "no node was created for the typo");
    assert!(client.call::<Echo>("server", &"x".into()).is_ok(), "and nothing was cut");
}

/// A knob or query turned on a network, by a test.
type Knob = Box<dyn Fn(&Network)>;

/// Every knob, hold and query that takes a name refuses one the network does not know; none
/// of them creates it.
#[test]
fn every_knob_and_query_on_an_unknown_name_panics() {
    init_log();
    let net = Network::with_seed(5);
    start_echo(&net, "server");
    let knobs: Vec<(&str, Knob)> = vec![
        ("cut", Box::new(|n| n.cut("server", "ghost"))),
        ("repair", Box::new(|n| n.repair("ghost", "server"))),
        ("hold", Box::new(|n| n.hold("ghost", "server"))),
        ("unhold", Box::new(|n| n.unhold("server", "ghost"))),
        ("held", Box::new(|n| drop(n.held("ghost", "server")))),
        ("set_unreliable", Box::new(|n| n.set_unreliable("ghost", true))),
        ("set_ingress_delay", Box::new(|n| n.set_ingress_delay("ghost", Some(Duration::from_millis(1))))),
        ("kill", Box::new(|n| n.kill("ghost"))),
        (
            "is_serving",
            Box::new(|n| {
                let _ = n.is_serving("ghost");
            }),
        ),
        (
            "rpc_count",
            Box::new(|n| {
                let _ = n.rpc_count("ghost");
            }),
        ),
        (
            "bytes_sent",
            Box::new(|n| {
                let _ = n.bytes_sent("ghost");
            }),
        ),
        (
            "link_bytes",
            Box::new(|n| {
                let _ = n.link_bytes("server", "ghost");
            }),
        ),
    ];
    for (knob, turn) in &knobs {
        let message = panic_message(|| turn(&net));
        assert!(
            message.as_deref().is_some_and(|m| m.starts_with(r#"no node named "ghost" (known: server)"#)),
            "{knob} on an unknown name: {message:?}"
        );
    }
    assert_eq!(net.node_names(), ["server"], "no knob created a node");
}

/// The knobs that already answer with a `Result` refuse an unknown name with an error value,
/// and change nothing.
#[test]
fn partition_and_wait_for_held_return_unknown_node() {
    init_log();
    let net = Network::with_seed(5);
    start_echo(&net, "s1");
    start_echo(&net, "s2");
    net.cut("s1", "s2");
    let unknown = UnknownNode { name: "S3".into(), known: vec!["s1".into(), "s2".into()] };
    assert_eq!(net.partition(&[&["s1"], &["s2", "S3"]]), Err(PartitionError::UnknownNode(unknown.clone())));
    assert!(
        net.endpoint("s1").call::<Echo>("s2", &"x".into()).is_err(),
        "a refused partition leaves the earlier cut in place"
    );
    let error = net.wait_for_held("s1", "S3", 1, Duration::from_secs(5)).unwrap_err();
    let known = vec!["s1".to_string(), "s2".to_string()];
    assert_eq!(error, HoldError::UnknownNode(UnknownNode { name: "S3".into(), known }));
    assert!(error.to_string().contains(r#"no node named "S3""#), "{error}");
}

/// A test that sets faults before a server starts declares its name; endpoints and clients are
/// known from the moment they are made.
#[test]
fn declared_names_and_endpoints_take_faults_before_their_server_starts() {
    init_log();
    let net = Network::with_seed(5);
    net.declare("backup");
    net.declare("backup"); // declaring a known name changes nothing
    let primary = net.endpoint("primary");
    let clerk = net.client("clerk");
    net.hold("primary", "backup");
    net.cut(clerk.name(), "backup");
    start_echo(&net, "backup");
    std::thread::scope(|s| {
        let call = s.spawn(|| primary.call::<Echo>("backup", &"held".into()));
        let held = net.wait_for_held("primary", "backup", 1, Duration::from_secs(2)).unwrap();
        net.release(held[0].id).unwrap();
        assert_eq!(call.join().unwrap(), Ok("held".to_string()));
    });
    assert!(clerk.call::<Echo>("backup", &"x".into()).is_err(), "the cut made before the start holds");
    assert_eq!(net.node_names(), ["backup", "clerk-1", "primary"]);
}
