//! Typed calls, concurrency, and every kind of bad input.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{init_log, start_echo, Add, Echo};
use labrpc::{Method, Network, RegisterError, RpcError, Service};

#[test]
fn typed_call_round_trips_through_bytes() {
    init_log();
    let net = Network::with_seed(1);
    start_echo(&net, "server");
    let client = net.endpoint("client");
    assert_eq!(client.call::<Echo>("server", &"hello".to_string()), Ok("hello".to_string()));
    assert_eq!(client.call::<Add>("server", &(40, 2)), Ok(42));
}

#[test]
fn calling_an_unknown_node_says_no_such_server() {
    common::init_log();
    let net = Network::with_seed(1);
    let client = net.endpoint("client");
    let error = client.call::<Echo>("nobody", &"hi".to_string()).unwrap_err();
    assert_eq!(error, RpcError::NoSuchServer { to: "nobody".into() });
    assert!(error.to_string().contains("nobody"), "message names the server: {error}");
    // A name that so far only made calls is no server either.
    let error = net.endpoint("server").call::<Echo>("client", &"hi".to_string()).unwrap_err();
    assert_eq!(error, RpcError::NoSuchServer { to: "client".into() });
}

struct Missing;
impl Method for Missing {
    const NAME: &'static str = "Test.Missing";
    type Args = ();
    type Reply = ();
}

#[test]
fn calling_an_unregistered_method_says_no_such_method() {
    common::init_log();
    let net = Network::with_seed(1);
    start_echo(&net, "server");
    let error = net.endpoint("client").call::<Missing>("server", &()).unwrap_err();
    assert_eq!(error, RpcError::NoSuchMethod { to: "server".into(), method: "Test.Missing" });
    assert!(!error.is_network_fault());
}

/// Same wire name as `Echo`, different argument type: a client built against the wrong types.
struct EchoWithWrongArgs;
impl Method for EchoWithWrongArgs {
    const NAME: &'static str = "Test.Echo";
    type Args = (u8, u8, u8);
    type Reply = String;
}

/// Same wire name as `Add`, different reply type.
struct AddWithWrongReply;
impl Method for AddWithWrongReply {
    const NAME: &'static str = "Test.Add";
    type Args = (i64, i64);
    type Reply = String;
}

#[test]
fn mismatched_types_are_decode_errors_not_panics() {
    common::init_log();
    let net = Network::with_seed(1);
    start_echo(&net, "server");
    let client = net.endpoint("client");
    match client.call::<EchoWithWrongArgs>("server", &(200, 200, 200)) {
        Err(RpcError::BadArgs { to, method, .. }) => {
            assert_eq!((to.as_str(), method), ("server", "Test.Echo"));
        }
        other => panic!("wanted BadArgs, got {other:?}"),
    }
    match client.call::<AddWithWrongReply>("server", &(1, 2)) {
        Err(RpcError::BadReply { method, .. }) => assert_eq!(method, "Test.Add"),
        other => panic!("wanted BadReply, got {other:?}"),
    }
    // The server still serves well-formed calls.
    assert_eq!(client.call::<Add>("server", &(1, 2)), Ok(3));
}

struct Explode;
impl Method for Explode {
    const NAME: &'static str = "Test.Explode";
    type Args = ();
    type Reply = ();
}

#[test]
fn a_panicking_handler_fails_only_its_own_call() {
    common::init_log();
    let net = Network::with_seed(1);
    let service =
        Service::new().handle::<Explode>(|()| panic!("boom on purpose")).handle::<Echo>(|text| text);
    net.register("server", service).unwrap();
    let client = net.endpoint("client");
    let error = client.call::<Explode>("server", &()).unwrap_err();
    assert_eq!(
        error,
        RpcError::HandlerPanicked {
            to: "server".into(),
            method: "Test.Explode",
            message: "boom on purpose".into()
        }
    );
    assert_eq!(client.call::<Echo>("server", &"still here".into()), Ok("still here".into()));
}

#[test]
fn registering_a_live_name_twice_is_an_error() {
    common::init_log();
    let net = Network::with_seed(1);
    start_echo(&net, "server");
    let error = net.register("server", Service::new()).unwrap_err();
    assert_eq!(error, RegisterError::NameTaken { name: "server".into() });
    assert!(error.to_string().contains("kill it first"), "message says what to do: {error}");
}

#[test]
fn a_service_with_a_method_twice_is_refused() {
    common::init_log();
    let net = Network::with_seed(1);
    let service = Service::new().handle::<Echo>(|t| t).handle::<Echo>(|t| t);
    let error = net.register("server", service).unwrap_err();
    assert_eq!(error, RegisterError::DuplicateMethod { name: "server".into(), method: "Test.Echo" });
    assert!(net.node_names().is_empty(), "a refused registration leaves no node behind");
}

#[test]
fn calls_after_shutdown_fail_with_shutdown() {
    common::init_log();
    let net = Network::with_seed(1);
    start_echo(&net, "server");
    let client = net.endpoint("client");
    net.shutdown();
    assert!(net.is_shut_down());
    assert_eq!(client.call::<Echo>("server", &"x".into()), Err(RpcError::Shutdown));
    assert_eq!(net.register("other", Service::new()).unwrap_err(), RegisterError::Shutdown);
    assert!(!client.is_alive(), "shutdown ends every life");
    net.shutdown(); // idempotent
}

#[test]
fn a_call_blocked_in_flight_returns_when_the_network_shuts_down() {
    common::init_log();
    let net = Network::with_seed(1);
    let (_keep, never) = crossbeam_channel::bounded::<()>(0);
    // The handler gives up on its own after a while, so shutdown's wait for it stays short.
    struct Block;
    impl Method for Block {
        const NAME: &'static str = "Test.Block";
        type Args = ();
        type Reply = ();
    }
    net.register(
        "server",
        Service::new().handle::<Block>(move |()| {
            let _ = never.recv_timeout(Duration::from_millis(300));
        }),
    )
    .unwrap();
    let client = net.endpoint("client");
    let (done_tx, done_rx) = crossbeam_channel::bounded(1);
    let caller = std::thread::spawn(move || done_tx.send(client.call::<Block>("server", &())).unwrap());
    assert!(common::eventually(Duration::from_secs(2), || net.rpc_count("server") == 1));
    net.shutdown();
    let result =
        done_rx.recv_timeout(Duration::from_secs(2)).expect("the blocked call returns after shutdown");
    assert_eq!(result, Err(RpcError::Shutdown));
    caller.join().unwrap();
}

/// `Test.Wait` blocks until `Test.Signal` has been called; `Test.Signal` wakes every waiter.
struct Wait;
impl Method for Wait {
    const NAME: &'static str = "Test.Wait";
    type Args = ();
    type Reply = ();
}
struct Signal;
impl Method for Signal {
    const NAME: &'static str = "Test.Signal";
    type Args = ();
    type Reply = ();
}

#[test]
fn blocked_handlers_never_starve_new_calls() {
    init_log();
    let net = Network::with_seed(1);
    let (open_tx, open_rx) = crossbeam_channel::unbounded::<()>();
    let waiting = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&waiting);
    let service = Service::new()
        .handle::<Wait>(move |()| {
            counter.fetch_add(1, Ordering::SeqCst);
            open_rx.recv_timeout(Duration::from_secs(10)).expect("signalled");
        })
        .handle::<Signal>(move |()| {
            for _ in 0..64 {
                open_tx.send(()).unwrap();
            }
        });
    net.register("server", service).unwrap();
    std::thread::scope(|s| {
        for i in 0..64 {
            let client = net.endpoint(&format!("waiter-{i}"));
            s.spawn(move || client.call::<Wait>("server", &()).expect("wait returns"));
        }
        assert!(common::eventually(Duration::from_secs(5), || waiting.load(Ordering::SeqCst) == 64));
        // 64 handlers are blocked; one more call must still be served.
        net.endpoint("signaller").call::<Signal>("server", &()).expect("signal is served");
    });
}

#[test]
fn handlers_can_make_nested_calls() {
    common::init_log();
    let net = Network::with_seed(1);
    start_echo(&net, "backend");
    let frontend = net.endpoint("frontend");
    let me = frontend.clone();
    let service = Service::new().handle::<Echo>(move |text| {
        me.call::<Echo>("backend", &format!("{text}, via frontend")).unwrap_or_else(|e| e.to_string())
    });
    let _ = frontend;
    net.register("frontend", service).unwrap();
    let reply = net.endpoint("client").call::<Echo>("frontend", &"hi".into());
    assert_eq!(reply, Ok("hi, via frontend".to_string()));
}

#[test]
fn every_error_message_says_what_happened() {
    common::init_log();
    let errors = [
        RpcError::Shutdown,
        RpcError::CallerDead { caller: "c".into() },
        RpcError::NoSuchServer { to: "s".into() },
        RpcError::ServerDead { to: "s".into() },
        RpcError::Unreachable { from: "c".into(), to: "s".into() },
        RpcError::RequestLost { to: "s".into(), method: "M.m" },
        RpcError::ReplyLost { to: "s".into(), method: "M.m" },
        RpcError::NoSuchMethod { to: "s".into(), method: "M.m" },
        RpcError::BadArgs { to: "s".into(), method: "M.m", detail: "d".into() },
        RpcError::BadReply { method: "M.m", detail: "d".into() },
        RpcError::BadEncoding { method: "M.m", detail: "d".into() },
        RpcError::HandlerPanicked { to: "s".into(), method: "M.m", message: "p".into() },
    ];
    let mut seen = std::collections::HashSet::new();
    for error in errors {
        let text = error.to_string();
        assert!(text.len() > 20, "{error:?} has a sentence, not a code: {text}");
        assert!(seen.insert(text.clone()), "two errors share the message {text}");
    }
}
