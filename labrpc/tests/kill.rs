//! Killing and restarting nodes.

mod common;

use std::time::{Duration, Instant};

use common::{eventually, init_log, start_counter, start_echo, Bump, Echo};
use labrpc::{Method, Network, RpcError, Service};

#[test]
fn calls_to_a_killed_server_fail_fast() {
    init_log();
    let net = Network::with_seed(2);
    start_echo(&net, "server");
    let client = net.endpoint("client");
    net.kill("server");
    assert!(!net.is_serving("server"));
    let started = Instant::now();
    let error = client.call::<Echo>("server", &"x".into()).unwrap_err();
    assert_eq!(error, RpcError::ServerDead { to: "server".into() });
    assert!(error.is_network_fault());
    assert!(started.elapsed() < Duration::from_secs(1), "failed after {:?}, not at once", started.elapsed());
}

struct Park;
impl Method for Park {
    const NAME: &'static str = "Test.Park";
    type Args = ();
    type Reply = ();
}

#[test]
fn replies_of_in_flight_handlers_are_lost_when_the_server_is_killed() {
    common::init_log();
    let net = Network::with_seed(2);
    let (release_tx, release_rx) = crossbeam_channel::bounded::<()>(1);
    let (finished_tx, finished_rx) = crossbeam_channel::bounded::<()>(1);
    net.register(
        "server",
        Service::new().handle::<Park>(move |()| {
            release_rx.recv_timeout(Duration::from_secs(5)).expect("released");
            finished_tx.send(()).unwrap();
        }),
    )
    .unwrap();
    let client = net.endpoint("client");
    let (result_tx, result_rx) = crossbeam_channel::bounded(1);
    let caller = std::thread::spawn(move || result_tx.send(client.call::<Park>("server", &())).unwrap());
    assert!(
        eventually(Duration::from_secs(2), || net.rpc_count("server") == 1),
        "the call reached the handler"
    );

    net.kill("server");
    // The caller hears of the death while the handler is still parked.
    let result = result_rx.recv_timeout(Duration::from_secs(2)).expect("the caller is told at once");
    assert_eq!(result, Err(RpcError::ServerDead { to: "server".into() }));
    assert!(finished_rx.try_recv().is_err(), "the handler has not finished yet");
    release_tx.send(()).unwrap();
    finished_rx.recv_timeout(Duration::from_secs(2)).expect("the handler finishes; its reply goes nowhere");
    caller.join().unwrap();
}

#[test]
fn a_killed_nodes_own_calls_fail() {
    common::init_log();
    let net = Network::with_seed(2);
    start_echo(&net, "other");
    let server = net.register("server", Service::new()).unwrap();
    assert!(server.is_alive());
    net.kill("server");
    assert!(!server.is_alive());
    assert_eq!(
        server.call::<Echo>("other", &"x".into()),
        Err(RpcError::CallerDead { caller: "server".into() })
    );
    // A client can be killed too.
    let client = net.endpoint("client");
    net.kill("client");
    assert_eq!(
        client.call::<Echo>("other", &"x".into()),
        Err(RpcError::CallerDead { caller: "client".into() })
    );
}

#[test]
fn registering_again_restarts_with_fresh_state_and_the_old_life_stays_dead() {
    common::init_log();
    let net = Network::with_seed(2);
    let first_runs = start_counter(&net, "server");
    let old = net.endpoint("server");
    let client = net.endpoint("client");
    assert_eq!(client.call::<Bump>("server", &()), Ok(1));
    assert_eq!(client.call::<Bump>("server", &()), Ok(2));

    net.kill("server");
    let second_runs = start_counter(&net, "server");
    let new = net.endpoint("server");
    assert_eq!(client.call::<Bump>("server", &()), Ok(1), "the restarted server starts from scratch");
    assert_eq!(first_runs.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(second_runs.load(std::sync::atomic::Ordering::SeqCst), 1);

    assert_eq!((old.incarnation(), new.incarnation()), (0, 1));
    assert!(!old.is_alive(), "the old life's threads must see they are dead");
    assert!(new.is_alive());
    start_echo(&net, "echo");
    assert!(matches!(old.call::<Echo>("echo", &"x".into()), Err(RpcError::CallerDead { .. })));
    assert!(new.call::<Echo>("echo", &"x".into()).is_ok());
}

#[test]
fn the_liveness_token_wakes_a_sleeping_server_thread_when_killed() {
    common::init_log();
    let net = Network::with_seed(2);
    let me = net.register("server", Service::new()).unwrap();
    let ticker = std::thread::spawn(move || {
        let mut ticks = 0;
        while me.sleep(Duration::from_millis(10)) {
            ticks += 1;
        }
        ticks
    });
    std::thread::sleep(Duration::from_millis(60));
    let killed_at = Instant::now();
    net.kill("server");
    let ticks = ticker.join().unwrap();
    assert!(ticks >= 1, "the thread ticked while alive");
    assert!(killed_at.elapsed() < Duration::from_secs(1), "the thread stopped promptly");
}

#[test]
fn killing_twice_is_harmless() {
    common::init_log();
    let net = Network::with_seed(2);
    start_echo(&net, "server");
    net.kill("server");
    net.kill("server");
    start_echo(&net, "server");
    assert!(net.is_serving("server"));
}
