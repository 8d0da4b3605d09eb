//! One row of labrpc's round-trip bench, for the same-run A/B of `scripts/labrpc-ab/run.sh`.
//!
//! The program links exactly one labrpc (cargo feature `old`, `control` or `new`), so that each
//! version runs in a process of its own with nothing of the other in its code layout.
//!
//! Usage: `labrpc-ab ROW SECONDS`, prints `ROW NS_PER_CALL CALLS`.
//! Rows: null1, null2, null8, null32 (null calls from that many callers), kib1 and kib64 (1 KiB
//! and 64 KiB arguments from 8 callers), as `labrpc/benches/roundtrip.rs` measures them.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[cfg(feature = "control")]
use labrpc_control as labrpc;
#[cfg(feature = "new")]
use labrpc_new as labrpc;
#[cfg(feature = "old")]
use labrpc_old as labrpc;

use labrpc::{Endpoint, Method, Network, Service};

/// The name the bench's server serves under.
const SERVER: &str = "server";
/// Calls each caller makes before the window opens, so workers exist and caches are warm.
const WARM_CALLS: u64 = 200;

struct Null;
impl Method for Null {
    const NAME: &'static str = "Bench.Null";
    type Args = ();
    type Reply = ();
}

struct Blob;
impl Method for Blob {
    const NAME: &'static str = "Bench.Blob";
    type Args = String;
    type Reply = ();
}

/// One call, its reply kept from the optimizer.
fn call<M: Method>(caller: &Endpoint, args: &M::Args) {
    black_box(caller.call::<M>(SERVER, black_box(args)).expect("a bench call failed"));
}

/// Calls until `until`; returns how many calls were made.
fn call_until<M: Method>(caller: &Endpoint, args: &M::Args, until: Instant) -> u64 {
    let mut calls = 0;
    while Instant::now() < until {
        call::<M>(caller, args);
        calls += 1;
    }
    calls
}

/// `callers` callers, each on its own endpoint, call for `window`: the calls made and the time
/// they took.
fn run<M: Method>(callers: usize, args: &M::Args, window: Duration) -> (u64, Duration)
where
    M::Args: Sync,
{
    let net = Network::with_seed(1);
    let service = Service::new().handle::<Null>(|()| {}).handle::<Blob>(|bytes| {
        black_box(bytes);
    });
    net.register(SERVER, service).expect("the bench server could not register");
    let endpoints: Vec<Endpoint> = (0..callers).map(|_| net.client("caller")).collect();
    let barrier = std::sync::Barrier::new(callers + 1);
    let result = std::thread::scope(|scope| {
        let handles: Vec<_> = endpoints
            .iter()
            .map(|endpoint| {
                let barrier = &barrier;
                scope.spawn(move || {
                    for _ in 0..WARM_CALLS {
                        call::<M>(endpoint, args);
                    }
                    barrier.wait();
                    call_until::<M>(endpoint, args, Instant::now() + window)
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let calls: u64 = handles.into_iter().map(|h| h.join().expect("a bench caller panicked")).sum();
        (calls, start.elapsed())
    });
    net.shutdown();
    result
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [row, secs] = args.as_slice() else {
        eprintln!("usage: labrpc-ab ROW SECONDS (rows: null1 null2 null8 null32 kib1 kib64)");
        return ExitCode::from(2);
    };
    let Some(window) = secs.parse::<f64>().ok().filter(|s| s.is_finite() && *s > 0.0 && *s < 100.0) else {
        eprintln!("labrpc-ab: SECONDS must be a number of seconds above 0 and below 100, not {secs:?}");
        return ExitCode::from(2);
    };
    let window = Duration::from_secs_f64(window);
    let (calls, elapsed) = match row.as_str() {
        "null1" => run::<Null>(1, &(), window),
        "null2" => run::<Null>(2, &(), window),
        "null8" => run::<Null>(8, &(), window),
        "null32" => run::<Null>(32, &(), window),
        "kib1" => run::<Blob>(8, &"x".repeat(1024), window),
        "kib64" => run::<Blob>(8, &"x".repeat(64 * 1024), window),
        other => {
            eprintln!("labrpc-ab: no row {other:?}; rows: null1 null2 null8 null32 kib1 kib64");
            return ExitCode::from(2);
        }
    };
    println!("{row} {:.0} {calls}", elapsed.as_nanos() as f64 / calls.max(1) as f64);
    ExitCode::SUCCESS
}
