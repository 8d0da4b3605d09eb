//! Link faults: directed cuts, partitions, heal, ingress delay, long delays, long reordering.

mod common;

use std::time::{Duration, Instant};

use common::{eventually, init_log, start_echo, Echo};
use labrpc::{timing, Method, Network, PartitionError, RpcError, Service};

fn echo(net: &Network, from: &str, to: &str) -> Result<String, RpcError> {
    net.endpoint(from).call::<Echo>(to, &format!("{from} to {to}"))
}

#[test]
fn a_directed_cut_blocks_messages_one_way_only() {
    init_log();
    let net = Network::with_seed(4);
    start_echo(&net, "a");
    start_echo(&net, "b");
    net.cut("a", "b");
    assert_eq!(echo(&net, "a", "b"), Err(RpcError::Unreachable { from: "a".into(), to: "b".into() }));
    // b's request travels b -> a, which is open, so a's handler runs; but a's reply would travel
    // a -> b, which is cut, so it is lost.
    assert_eq!(echo(&net, "b", "a"), Err(RpcError::ReplyLost { to: "a".into(), method: "Test.Echo" }));
    assert_eq!(net.rpc_count("a"), 1, "the request reached a");
    assert_eq!(net.rpc_count("b"), 0, "the request never reached b");
    net.repair("a", "b");
    assert!(echo(&net, "a", "b").is_ok());
}

#[test]
fn partitions_split_groups_and_heal_joins_them() {
    common::init_log();
    let net = Network::with_seed(4);
    for name in ["s1", "s2", "s3", "vs"] {
        start_echo(&net, name);
    }
    net.partition(&[&["s1", "vs"], &["s2", "s3"]]).unwrap();
    assert!(echo(&net, "s1", "vs").is_ok());
    assert!(echo(&net, "s2", "s3").is_ok());
    for (from, to) in [("s1", "s2"), ("s2", "s1"), ("vs", "s3"), ("s3", "vs")] {
        assert!(matches!(echo(&net, from, to), Err(RpcError::Unreachable { .. })), "{from} -> {to} is cut");
    }
    // A node in no group still reaches everyone.
    assert!(echo(&net, "outsider", "s1").is_ok());
    assert!(echo(&net, "outsider", "s3").is_ok());
    // A new partition replaces the old one.
    net.partition(&[&["s1", "s2"], &["s3"]]).unwrap();
    assert!(echo(&net, "s1", "s2").is_ok());
    assert!(echo(&net, "s1", "vs").is_ok());
    assert!(echo(&net, "s1", "s3").is_err());
    net.heal();
    for (from, to) in [("s1", "s3"), ("s3", "s1"), ("s2", "vs")] {
        assert!(echo(&net, from, to).is_ok(), "{from} -> {to} healed");
    }
}

struct Slow;
impl Method for Slow {
    const NAME: &'static str = "Test.Slow";
    type Args = ();
    type Reply = ();
}

#[test]
fn a_reply_sent_after_the_return_link_is_cut_is_lost() {
    common::init_log();
    let net = Network::with_seed(4);
    let (go_tx, go_rx) = crossbeam_channel::bounded::<()>(1);
    net.register(
        "server",
        Service::new().handle::<Slow>(move |()| {
            go_rx.recv_timeout(Duration::from_secs(5)).unwrap();
        }),
    )
    .unwrap();
    let client = net.endpoint("client");
    let caller = std::thread::spawn(move || client.call::<Slow>("server", &()));
    assert!(eventually(Duration::from_secs(2), || net.rpc_count("server") == 1));
    net.cut("server", "client");
    go_tx.send(()).unwrap();
    assert_eq!(caller.join().unwrap(), Err(RpcError::ReplyLost { to: "server".into(), method: "Test.Slow" }));
}

#[test]
fn ingress_delay_holds_calls_one_at_a_time() {
    common::init_log();
    let net = Network::with_seed(4);
    start_echo(&net, "server");
    let delay = Duration::from_millis(40);
    net.set_ingress_delay("server", Some(delay));
    let started = Instant::now();
    let finished: Vec<Duration> = std::thread::scope(|s| {
        let calls: Vec<_> = (0..4)
            .map(|i| {
                let net = &net;
                s.spawn(move || {
                    echo(net, &format!("c{i}"), "server").unwrap();
                    started.elapsed()
                })
            })
            .collect();
        calls.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let last = finished.iter().max().unwrap();
    println!("4 calls through a {delay:?} serial delay finished by {last:?}");
    // Serial: the fourth call waited out all four delays.
    assert!(*last >= delay * 4, "calls overlapped their delays: last finished at {last:?}");
    assert!(finished.iter().all(|&f| f >= delay));
    net.set_ingress_delay("server", None);
    let quick = Instant::now();
    echo(&net, "c0", "server").unwrap();
    assert!(quick.elapsed() < delay, "turned off");
}

#[test]
fn long_delays_make_calls_to_unreachable_nodes_fail_slowly() {
    common::init_log();
    let net = Network::with_seed(4);
    start_echo(&net, "server");
    start_echo(&net, "dead");
    net.kill("dead");
    net.declare("client");
    net.cut("client", "server");
    net.set_long_delays(true);
    let waits: Vec<Duration> = std::thread::scope(|s| {
        let calls: Vec<_> = (0..16)
            .map(|i| {
                let net = &net;
                s.spawn(move || {
                    let to = if i % 2 == 0 { "server" } else { "dead" };
                    let started = Instant::now();
                    assert!(net.endpoint("client").call::<Echo>(to, &String::new()).is_err());
                    started.elapsed()
                })
            })
            .collect();
        calls.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let longest = waits.iter().max().unwrap();
    println!("16 failing calls with long delays: longest wait {longest:?}");
    assert!(*longest >= Duration::from_millis(100), "long delays are long: {waits:?}");
    assert!(*longest <= timing::LONG_DELAY_MAX + Duration::from_millis(500), "and bounded: {waits:?}");

    net.set_long_delays(false);
    let started = Instant::now();
    assert!(net.endpoint("client").call::<Echo>("dead", &String::new()).is_err());
    assert!(started.elapsed() < Duration::from_millis(100), "without long delays failure is immediate");
}

#[test]
fn long_reordering_delays_two_replies_in_three() {
    common::init_log();
    let net = Network::with_seed(9);
    start_echo(&net, "server");
    net.set_long_reordering(true);
    let durations: Vec<Duration> = std::thread::scope(|s| {
        let calls: Vec<_> = (0..30)
            .map(|i| {
                let net = &net;
                s.spawn(move || {
                    let started = Instant::now();
                    echo(net, &format!("c{i}"), "server").expect("reordering loses nothing");
                    started.elapsed()
                })
            })
            .collect();
        calls.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let delayed = durations.iter().filter(|d| **d >= timing::REORDER_MIN).count();
    println!("long reordering: {delayed} of 30 replies held back at least {:?}", timing::REORDER_MIN);
    assert!((10..=29).contains(&delayed), "about two in three delayed, got {delayed} of 30");
    assert!(durations
        .iter()
        .all(|d| *d < timing::REORDER_MIN + timing::REORDER_EXTRA_MAX + Duration::from_secs(1)));
}

#[test]
fn a_node_in_two_groups_is_refused() {
    common::init_log();
    let net = Network::with_seed(4);
    start_echo(&net, "a");
    let error = net.partition(&[&["a", "b"], &["c", "a"]]).unwrap_err();
    assert_eq!(error, PartitionError::NamedTwice { name: "a".into() });
    assert!(error.to_string().contains("two groups"), "{error}");
    assert!(echo(&net, "b", "a").is_ok(), "nothing was cut");
}
