//! The unreliable knobs do what they say, at the rates they say. Each rate test prints what it
//! measured; the bounds are four standard deviations wide, and the seeds are fixed, so the
//! counts are the same on every run.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{init_log, start_counter, Bump};
use labrpc::{Method, Network, RpcError, Service};

/// Outcome counts of a batch of calls.
#[derive(Debug, Default, PartialEq, Eq)]
struct Outcomes {
    ok: u64,
    request_lost: u64,
    reply_lost: u64,
}

impl Outcomes {
    fn add(&mut self, result: Result<u64, RpcError>) {
        match result {
            Ok(_) => self.ok += 1,
            Err(RpcError::RequestLost { .. }) => self.request_lost += 1,
            Err(RpcError::ReplyLost { .. }) => self.reply_lost += 1,
            Err(other) => panic!("an unreliable network may lose things, but it said: {other}"),
        }
    }

    fn total(&self) -> u64 {
        self.ok + self.request_lost + self.reply_lost
    }
}

/// Asserts that `count` of `n` trials is within four standard deviations of rate `p`.
fn assert_rate(what: &str, count: u64, n: u64, p: f64) {
    let expected = n as f64 * p;
    let slack = 4.0 * (n as f64 * p * (1.0 - p)).sqrt();
    let measured = count as f64 / n as f64;
    println!("{what}: {count} of {n} = {:.1}% (expected {:.1}%)", measured * 100.0, p * 100.0);
    assert!(
        (count as f64 - expected).abs() <= slack,
        "{what}: {count} of {n} ({:.1}%), wanted {:.1}% ± {:.1} calls",
        measured * 100.0,
        p * 100.0,
        slack
    );
}

#[test]
fn unreliable_server_drops_ten_percent_and_loses_twenty_percent_of_the_rest() {
    init_log();
    let net = Network::with_seed(7);
    let runs = start_counter(&net, "server");
    net.set_unreliable("server", true);
    let client = net.endpoint("client");
    let n = 5000;
    let mut outcomes = Outcomes::default();
    for _ in 0..n {
        outcomes.add(client.call::<Bump>("server", &()));
    }
    assert_rate("requests dropped", outcomes.request_lost, n, 0.10);
    assert_rate("replies lost (of all calls)", outcomes.reply_lost, n, 0.18);
    // Every call that was not dropped ran its handler exactly once.
    let delivered = n - outcomes.request_lost;
    assert!(common::eventually(Duration::from_secs(5), || runs.load(Ordering::SeqCst) == delivered));
    assert_eq!(net.rpc_count("server"), delivered);
}

struct Gate;
impl Method for Gate {
    const NAME: &'static str = "Test.Gate";
    type Args = ();
    type Reply = ();
}

#[test]
fn unreliable_server_reports_a_lost_reply_while_the_handler_still_runs() {
    common::init_log();
    let net = Network::with_seed(11);
    let (entered_tx, entered_rx) = crossbeam_channel::unbounded::<()>();
    let (gate_tx, gate_rx) = crossbeam_channel::unbounded::<()>();
    net.register(
        "server",
        Service::new().handle::<Gate>(move |()| {
            entered_tx.send(()).unwrap();
            gate_rx.recv_timeout(Duration::from_secs(5)).expect("the test opens the gate");
        }),
    )
    .unwrap();
    net.set_unreliable("server", true);
    let client = net.endpoint("client");

    for attempt in 0..200 {
        let client = client.clone();
        let (result_tx, result_rx) = crossbeam_channel::bounded(1);
        let caller = std::thread::spawn(move || result_tx.send(client.call::<Gate>("server", &())).unwrap());
        crossbeam_channel::select! {
            recv(result_rx) -> result => match result.unwrap() {
                // Dropped before the handler: nothing ran; try again.
                Err(RpcError::RequestLost { .. }) => {}
                Err(RpcError::ReplyLost { .. }) => {
                    // The gate is still shut, so the handler cannot have finished: the caller
                    // was told before the handler returned, and a retry could overlap it.
                    entered_rx.recv_timeout(Duration::from_secs(2)).expect("the handler did start");
                    gate_tx.send(()).unwrap();
                    caller.join().unwrap();
                    println!("reply lost while the handler ran, on attempt {attempt}");
                    return;
                }
                other => panic!("the gate was shut, so no call could complete: {other:?}"),
            },
            recv(entered_rx) -> _ => {
                // The handler started first; the caller may still be told its reply is lost
                // (at once, while the gate is shut), or be waiting for the handler.
                match result_rx.recv_timeout(Duration::from_millis(50)) {
                    Ok(Err(RpcError::ReplyLost { .. })) => {
                        gate_tx.send(()).unwrap();
                        caller.join().unwrap();
                        println!("reply lost while the handler ran, on attempt {attempt}");
                        return;
                    }
                    Ok(other) => panic!("the gate was shut, so no call could complete: {other:?}"),
                    // Delivered normally: open the gate and collect the reply.
                    Err(_) => {
                        gate_tx.send(()).unwrap();
                        assert_eq!(result_rx.recv_timeout(Duration::from_secs(2)).unwrap(), Ok(()));
                    }
                }
            }
        }
        caller.join().unwrap();
    }
    panic!("200 calls to an unreliable server and not one reply was lost");
}

#[test]
fn unreliable_network_drops_ten_percent_of_requests_and_of_replies() {
    init_log();
    let net = Network::with_seed(5);
    let runs = start_counter(&net, "server");
    net.set_network_unreliable(true);
    let callers = 32;
    let per_caller = 75;
    let mut outcomes = Outcomes::default();
    let results: Vec<Outcomes> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..callers)
            .map(|i| {
                let client = net.endpoint(&format!("client-{i}"));
                s.spawn(move || {
                    let mut mine = Outcomes::default();
                    for _ in 0..per_caller {
                        mine.add(client.call::<Bump>("server", &()));
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in results {
        outcomes.ok += r.ok;
        outcomes.request_lost += r.request_lost;
        outcomes.reply_lost += r.reply_lost;
    }
    let n = outcomes.total();
    assert_eq!(n, callers * per_caller);
    assert_rate("requests dropped", outcomes.request_lost, n, 0.10);
    assert_rate("replies dropped (of all calls)", outcomes.reply_lost, n, 0.09);
    assert_eq!(runs.load(Ordering::SeqCst), n - outcomes.request_lost, "every delivered request ran once");
}

#[test]
fn turning_unreliability_off_makes_every_call_succeed() {
    common::init_log();
    let net = Network::with_seed(3);
    start_counter(&net, "server");
    net.set_unreliable("server", true);
    net.set_network_unreliable(true);
    net.set_unreliable("server", false);
    net.set_network_unreliable(false);
    let client = net.endpoint("client");
    for _ in 0..500 {
        client.call::<Bump>("server", &()).expect("a reliable network delivers every call");
    }
}

/// The outcome of each of `n` sequential calls to an unreliable server on a network seeded
/// with `seed`.
fn outcome_sequence(seed: u64, n: usize) -> Vec<String> {
    let net = Network::with_seed(seed);
    start_counter(&net, "server");
    net.set_unreliable("server", true);
    let client = net.endpoint("client");
    (0..n)
        .map(|_| match client.call::<Bump>("server", &()) {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("{e:?}"),
        })
        .collect()
}

#[test]
fn the_same_seed_makes_the_same_fault_decisions() {
    common::init_log();
    let first = outcome_sequence(42, 300);
    assert_eq!(first, outcome_sequence(42, 300), "seed 42 twice");
    assert_ne!(first, outcome_sequence(43, 300), "a different seed decides differently");
    let net = Network::with_seed(42);
    assert_eq!(net.seed(), 42);
}
