//! Operations per second and latency through a primary and its backup, next to labrpc's own
//! round trip measured in the same run.
//!
//! Each client runs a Put, Append, Get cycle over eight keys of its own (so values stay small)
//! for a fixed window. An operation needs at least two round trips (client to primary, primary
//! to backup), so the table compares each rate with that bound: `1 / (2 x round trip)` per
//! client. Run it with `make bench`, on an otherwise idle machine.
//!
//! That bound assumes two threads taking turns, but an operation is a chain of three (clerk,
//! primary's worker, backup's worker), and on a machine with two cores the third must take a
//! core from one of the others. So the table also compares each rate with a nested null call
//! (a handler that calls a second server while its caller waits): the same chain with no
//! service code in it, the floor no handler-forwarding design can beat.
//!
//! It lives here, not in the service's crate: it times the machine with the operating system's
//! clock and threads, which that crate's clippy configuration denies to the service's code.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use labrpc::{Method, Network, Service};
use pbservice::Clerk;

const WARM_UP: Duration = Duration::from_millis(300);
const WINDOW: Duration = Duration::from_secs(1);
const CLIENTS: [usize; 3] = [1, 4, 16];
/// The target with one client: this share of the two-round-trip bound.
const TARGET_SHARE: f64 = 0.40;

struct Null;
impl Method for Null {
    const NAME: &'static str = "Bench.Null";
    type Args = ();
    type Reply = ();
}

/// A call whose handler makes a null call to a second server before it replies.
struct Nested;
impl Method for Nested {
    const NAME: &'static str = "Bench.Nested";
    type Args = ();
    type Reply = ();
}

fn main() {
    let (round_trip, nested) = labrpc_round_trips();
    println!("pbservice operations: {WARM_UP:?} warm-up, {WINDOW:?} window per row; Put/Append/Get cycle");
    println!(
        "labrpc null round trip (1 caller): {:.2} µs; bound for one client: {:.0} ops/s",
        us(round_trip),
        bound(round_trip)
    );
    println!(
        "labrpc nested null call (1 caller, 3 threads): {:.2} µs; floor for one client: {:.0} ops/s",
        us(nested),
        1.0 / nested.as_secs_f64()
    );
    println!();
    println!(
        "{:>8} {:>12} {:>12} {:>12} {:>16} {:>16}",
        "clients", "ops/s", "median", "p99", "share of bound", "share of nested"
    );
    let mut one_client_share = 0.0;
    for clients in CLIENTS {
        let (rate, mut latencies) = run(clients);
        latencies.sort();
        let pick = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
        // With more clients than cores the bound is per client; compare the per-client rate.
        let share = rate / clients as f64 / bound(round_trip);
        let nested_share = rate / clients as f64 * nested.as_secs_f64();
        if clients == 1 {
            one_client_share = share;
        }
        println!(
            "{clients:>8} {rate:>12.0} {:>9.1} µs {:>9.1} µs {:>15.0}% {:>15.0}%",
            us(pick(0.5)),
            us(pick(0.99)),
            share * 100.0,
            nested_share * 100.0
        );
    }
    println!();
    let met = if one_client_share >= TARGET_SHARE { "MET " } else { "MISS" };
    println!(
        "target {met} one client at >= {:.0}% of the two-round-trip bound: {:.0}%",
        TARGET_SHARE * 100.0,
        one_client_share * 100.0
    );
    println!(
        "       (a nested null call, the same three-thread chain with no service code, reaches {:.0}% of that bound)",
        100.0 / nested.as_secs_f64() / bound(round_trip)
    );
}

fn bound(round_trip: Duration) -> f64 {
    1.0 / (2.0 * round_trip.as_secs_f64())
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The null round trip and the nested null call: the median of five 200 ms rounds of each,
/// interleaved so that both see the same machine.
fn labrpc_round_trips() -> (Duration, Duration) {
    let net = Network::with_seed(1);
    net.register("server", Service::new().handle::<Null>(|()| {})).expect("register");
    let forwarder = net.endpoint("forwarder");
    let nested = Service::new().handle::<Nested>(move |()| {
        forwarder.call::<Null>("server", &()).expect("a quiet network delivers");
    });
    net.register("forwarder", nested).expect("register");
    let caller = net.endpoint("caller");
    let per_call = |call: &dyn Fn()| {
        let start = Instant::now();
        let mut calls = 0u32;
        while start.elapsed() < Duration::from_millis(200) {
            call();
            calls += 1;
        }
        start.elapsed() / calls.max(1)
    };
    let null = || caller.call::<Null>("server", &()).expect("a quiet network delivers");
    let nested = || caller.call::<Nested>("forwarder", &()).expect("a quiet network delivers");
    per_call(&null);
    per_call(&nested);
    let (mut flat, mut chained): (Vec<Duration>, Vec<Duration>) =
        (0..5).map(|_| (per_call(&null), per_call(&nested))).unzip();
    flat.sort();
    chained.sort();
    net.shutdown();
    (flat[2], chained[2])
}

/// Runs `clients` clients for the window on a fresh primary + backup; returns ops/s and every
/// operation's latency.
fn run(clients: usize) -> (f64, Vec<Duration>) {
    let net = Network::with_seed(1);
    let vs = viewservice::start_server(&net, "vs").expect("view service");
    let s1 = pbservice::start_server(&net, "vs", "s1").expect("s1");
    let s2 = pbservice::start_server(&net, "vs", "s2").expect("s2");
    wait_for_backup(&net, &s2);

    let start = Instant::now() + WARM_UP;
    let end = start + WINDOW;
    let results: Vec<(u64, Vec<Duration>)> = thread::scope(|scope| {
        let workers: Vec<_> = (0..clients)
            .map(|c| {
                let clerk = Clerk::new(&net, "vs");
                scope.spawn(move || client_loop(&clerk, c, start, end))
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("client panicked")).collect()
    });
    let ops: u64 = results.iter().map(|(n, _)| n).sum();
    let latencies = results.into_iter().flat_map(|(_, l)| l).collect();
    s1.kill();
    s2.kill();
    vs.kill();
    net.shutdown();
    (ops as f64 / WINDOW.as_secs_f64(), latencies)
}

fn wait_for_backup(net: &Network, backup: &pbservice::PbServerHandle) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let probe = Clerk::new(net, "vs");
    probe.put("probe", "1").expect("the primary serves");
    while backup.value("probe").is_none() {
        assert!(Instant::now() < deadline, "the backup never received the state");
        thread::sleep(Duration::from_millis(10));
    }
}

/// Put, Append, Get over eight keys until `end`; counts and times the operations after `start`.
fn client_loop(clerk: &Clerk, client: usize, start: Instant, end: Instant) -> (u64, Vec<Duration>) {
    let mut latencies = Vec::new();
    let mut ops = 0u64;
    for i in 0u64.. {
        let began = Instant::now();
        if began >= end {
            break;
        }
        let key = format!("c{client}-k{}", (i / 3) % 8);
        match i % 3 {
            0 => clerk.put(&key, "value").expect("put"),
            1 => clerk.append(&key, "+x").expect("append"),
            _ => drop(black_box(clerk.get(&key).expect("get"))),
        }
        if began >= start {
            latencies.push(began.elapsed());
            ops += 1;
        }
    }
    (ops, latencies)
}
