//! The network records every panic in a node's code: in threads started with `Endpoint::spawn`
//! and in handlers, with the node, the thread and the message, for a test to fail with.

mod common;

use std::time::Duration;

use common::{eventually, init_log, start_echo, Echo};
use labrpc::{EventKind, Method, Network, NodePanic, RpcError, Service, SpawnError, PANIC_RECORD_LIMIT};

struct Boom;
impl Method for Boom {
    const NAME: &'static str = "Test.Boom";
    type Args = ();
    type Reply = ();
}

#[test]
fn a_spawned_thread_that_panics_is_listed_with_its_node_thread_and_message() {
    init_log();
    let net = Network::with_seed(1);
    net.set_tracing(true);
    start_echo(&net, "s1");
    let s1 = net.endpoint("s1");
    let (name_tx, name_rx) = crossbeam_channel::bounded(1);
    let thread = s1
        .spawn("tick", move || {
            name_tx.send(std::thread::current().name().map(str::to_string)).unwrap();
            panic!("not implemented: tick");
        })
        .expect("a thread on a live network");
    assert_eq!(thread.name(), "s1-tick");

    // Joining a panicked thread returns (with its panic) instead of panicking.
    let joined = thread.join().expect("join returns the panic of a thread that panicked");
    assert_eq!(name_rx.recv().unwrap().as_deref(), Some("s1-tick"), "the OS thread's name");
    assert_eq!((joined.node.as_str(), joined.thread.as_str()), ("s1", "s1-tick"));
    assert_eq!(joined.message, "not implemented: tick");
    assert_eq!(joined.method, None);
    assert_eq!(joined.to_string(), "s1's thread s1-tick panicked: not implemented: tick");
    assert_eq!(net.panics(), vec![joined], "the network lists the panic join returned");
    assert_eq!(net.panic_count(), 1);

    let traced: Vec<EventKind> =
        net.trace().into_iter().map(|e| e.what).filter(|w| matches!(w, EventKind::Panic { .. })).collect();
    assert_eq!(
        traced,
        vec![EventKind::Panic {
            node: "s1".into(),
            thread: "s1-tick".into(),
            message: "not implemented: tick".into()
        }]
    );
}

#[test]
fn a_panicking_thread_nobody_joins_is_recorded_all_the_same() {
    init_log();
    let net = Network::with_seed(2);
    let client = net.endpoint("c1");
    drop(client.spawn("sender", || panic!("lost track of a call")).unwrap());
    assert!(eventually(Duration::from_secs(5), || net.panic_count() == 1), "the panic was never recorded");
    assert_eq!(net.panics()[0].to_string(), "c1's thread c1-sender panicked: lost track of a call");
}

#[test]
fn a_handler_that_panics_is_listed_and_its_caller_told() {
    init_log();
    let net = Network::with_seed(3);
    net.register("server", Service::new().handle::<Boom>(|()| panic!("boom: {}", 42))).unwrap();
    let client = net.endpoint("client");
    let error = client.call::<Boom>("server", &()).unwrap_err();
    assert_eq!(
        error,
        RpcError::HandlerPanicked { to: "server".into(), method: "Test.Boom", message: "boom: 42".into() }
    );
    let panics = net.panics();
    assert_eq!(panics.len(), 1, "{panics:?}");
    let NodePanic { node, thread, method, message, .. } = &panics[0];
    assert_eq!(
        (node.as_str(), thread.as_str(), *method, message.as_str()),
        ("server", "handler of Test.Boom", Some("Test.Boom"), "boom: 42")
    );
    assert_eq!(panics[0].to_string(), "server's handler of Test.Boom panicked: boom: 42");
}

#[test]
fn threads_and_handlers_that_return_record_nothing() {
    init_log();
    let net = Network::with_seed(4);
    start_echo(&net, "server");
    let server = net.endpoint("server");
    let worker = server.clone();
    let thread = server
        .spawn("caller", move || {
            assert_eq!(worker.call::<Echo>("server", &"hi".into()), Ok("hi".into()));
        })
        .unwrap();
    assert_eq!(thread.join(), None, "a thread that returned has no panic");
    assert!(net.panics().is_empty(), "{:?}", net.panics());
    assert_eq!(net.panic_count(), 0);
}

#[test]
fn the_record_keeps_the_first_panics_and_counts_the_rest() {
    init_log();
    let net = Network::with_seed(5);
    let node = net.endpoint("looper");
    let total = PANIC_RECORD_LIMIT + 6;
    for i in 0..total {
        let thread = node.spawn("loop", move || panic!("panic {i}")).unwrap();
        assert!(thread.join().is_some());
    }
    let kept: Vec<String> = net.panics().into_iter().map(|p| p.message).collect();
    let first: Vec<String> = (0..PANIC_RECORD_LIMIT).map(|i| format!("panic {i}")).collect();
    assert_eq!(kept, first, "the record keeps the first {PANIC_RECORD_LIMIT} panics, in order");
    assert_eq!(net.panic_count(), total as u64, "and counts every one");
}

#[test]
fn no_thread_starts_on_a_shut_down_network() {
    init_log();
    let net = Network::with_seed(6);
    let s1 = net.endpoint("s1");
    net.shutdown();
    let error = s1.spawn("tick", || unreachable!("the thread must not start")).unwrap_err();
    assert_eq!(error, SpawnError::Shutdown { thread: "s1-tick".into() });
    assert_eq!(error.to_string(), "thread s1-tick was not started: the network has been shut down");
    assert_eq!(labrpc::RegisterError::from(error), labrpc::RegisterError::Shutdown);
}
