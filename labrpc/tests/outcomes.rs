//! What a caller hears when a call meets a death: what each error promises about the handler,
//! and one answer, not a coin toss, when two outcomes are ready together.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{eventually, init_log, Bump};
use labrpc::{Endpoint, Network, RpcError, Service};

/// A server killed while its reply is held back by long reordering: its caller hears
/// `ServerDead` although the handler ran. That is the model (a caller cannot tell a crash before
/// the handler from one after it), so `ServerDead`'s message says a retry must be safe to repeat.
#[test]
fn server_dead_may_come_after_the_handler_ran() {
    init_log();
    let net = Network::with_seed(6);
    net.set_long_reordering(true);
    let client = net.endpoint("client");
    let mut dead_after_running = 0;
    for _ in 0..10 {
        let runs = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&runs);
        let (ran_tx, ran_rx) = crossbeam_channel::bounded(1);
        let service = Service::new().handle::<Bump>(move |()| {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let _ = ran_tx.send(());
            n
        });
        net.register("server", service).unwrap();
        std::thread::scope(|s| {
            let call = s.spawn(|| client.call::<Bump>("server", &()));
            ran_rx.recv_timeout(Duration::from_secs(2)).expect("the handler runs");
            // Two replies in three wait at least 200 ms: the kill lands while this one waits.
            net.kill("server");
            match call.join().unwrap() {
                Err(error @ RpcError::ServerDead { .. }) => {
                    assert_eq!(runs.load(Ordering::SeqCst), 1);
                    let message = error.to_string();
                    assert!(message.contains("handler may have run"), "{message}");
                    assert!(message.contains("safe to repeat"), "{message}");
                    dead_after_running += 1;
                }
                Ok(1) => {} // this reply was not held back, and arrived before the kill
                other => panic!("the call gave {other:?}"),
            }
        });
    }
    assert!(dead_after_running > 0, "no reply was held back in 10 calls with long reordering on");
}

/// `Test.Wait`: parks until the test lets it go.
struct Wait;
impl labrpc::Method for Wait {
    const NAME: &'static str = "Test.Wait";
    type Args = ();
    type Reply = ();
}

/// A server calling itself, killed while its handler runs: the caller's death and the server's
/// are ready at the same instant. The caller used to take whichever a seedless `select` picked
/// (sometimes `ServerDead`, sometimes `CallerDead`, on the same thread, run after run); it now
/// settles in a fixed order (a reply that arrived, then the caller's own death, then the
/// server's), so every call hears `CallerDead`.
#[test]
fn a_death_ready_with_another_outcome_is_settled_in_a_fixed_order() {
    init_log();
    let net = Network::with_seed(6);
    const ROUNDS: usize = 24;
    let (endpoint_tx, endpoint_rx) = crossbeam_channel::unbounded::<Endpoint>();
    let (result_tx, result_rx) = crossbeam_channel::unbounded();
    // One caller thread for every round, as a server's own thread would be.
    let caller = std::thread::spawn(move || {
        for server in endpoint_rx {
            let _ = result_tx.send(server.call::<Wait>("server", &()));
        }
    });
    let mut outcomes = Vec::new();
    for round in 0..ROUNDS {
        // A handler of its own per round, so that no handler takes another round's release.
        let (go_tx, go) = crossbeam_channel::bounded::<()>(1);
        let service = Service::new().handle::<Wait>(move |()| {
            let _ = go.recv_timeout(Duration::from_secs(5));
        });
        endpoint_tx.send(net.register("server", service).unwrap()).unwrap();
        let entered = eventually(Duration::from_secs(2), || net.rpc_count("server") == round as u64 + 1);
        assert!(entered, "round {round}: the call never reached its handler");
        net.kill("server");
        outcomes.push(result_rx.recv_timeout(Duration::from_secs(2)).expect("the caller is told at once"));
        go_tx.send(()).unwrap();
    }
    drop(endpoint_tx);
    caller.join().unwrap();
    let caller_dead = Err(RpcError::CallerDead { caller: "server".into() });
    assert!(outcomes.iter().all(|o| *o == caller_dead), "outcomes of the same race: {outcomes:?}");
}
