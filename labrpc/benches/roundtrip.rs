//! What one labrpc call costs, next to the cheapest possible round trip between two threads.
//!
//! Everything is measured in one run and printed as one table:
//!
//! 1. the *floor*: a crossbeam-channel ping-pong between two threads (one channel each way);
//! 2. a null call (`()` in, `()` out) from one caller, mean round trip;
//! 3. aggregate null calls/s with 1, 2, 8 and 32 callers, each with its own endpoint;
//! 4. aggregate calls/s with 1 KiB and 64 KiB arguments (`Vec<u8>`), 8 callers;
//! 5. the one-caller null round trip on a network whose fault knobs were turned on and off
//!    again, next to an untouched network measured in alternating rounds.
//!
//! Each row shows its time per call and that time as a multiple of the floor; for throughput
//! rows the time per call is the aggregate one, `1 / (calls/s)`. Verdict lines follow the
//! table. They report; the program never fails on a missed target.
//!
//! Run it with `make bench`, or `cargo bench -p labrpc --bench roundtrip`. It takes about 15 s.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::bounded;
use labrpc::{Endpoint, Method, Network, Service};

/// Every measurement runs this long untimed first, so threads and workers exist and caches
/// are warm.
const WARM_UP: Duration = Duration::from_millis(200);
/// How long each latency or throughput figure is measured for.
const WINDOW: Duration = Duration::from_secs(1);
/// Caller counts of the null-call throughput rows.
const CALLER_COUNTS: [usize; 4] = [1, 2, 8, 32];
/// Argument sizes of the payload rows, and how many callers send them.
const PAYLOAD_SIZES: [usize; 2] = [1024, 64 * 1024];
const PAYLOAD_CALLERS: usize = 8;
/// The knobs comparison alternates the two networks in this many short rounds and takes
/// the median of each, so that drift in the machine hits both alike.
const KNOB_ROUNDS: usize = 7;
const KNOB_WINDOW: Duration = Duration::from_millis(250);

/// Targets the verdict lines check.
const MAX_RTT_IN_FLOORS: f64 = 5.0;
const TARGET_CALLERS: usize = 8;
const MIN_CALLS_PER_SEC: f64 = 300_000.0;
const MAX_KNOBS_OFF_SLOWDOWN: f64 = 0.10;

/// The name every bench network serves under.
const SERVER: &str = "server";

/// A call that carries nothing either way: the cost of the network alone.
struct Null;
impl Method for Null {
    const NAME: &'static str = "Bench.Null";
    type Args = ();
    type Reply = ();
}

/// A call whose arguments are a byte payload, answered with nothing.
struct Blob;
impl Method for Blob {
    const NAME: &'static str = "Bench.Blob";
    type Args = Vec<u8>;
    type Reply = ();
}

fn main() {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    println!("labrpc round trip ({cores} cores; {WARM_UP:?} warm-up, {WINDOW:?} per figure)\n");

    let floor = floor_round_trip();
    let mut rows = vec![Row::latency("floor: crossbeam ping-pong", floor)];

    let one_caller = single_caller_round_trip();
    rows.push(Row::latency("null call, 1 caller", one_caller));

    let mut target_throughput = 0.0;
    for callers in CALLER_COUNTS {
        let rate = throughput::<Null>(callers, &());
        if callers == TARGET_CALLERS {
            target_throughput = rate;
        }
        rows.push(Row::throughput(format!("null calls, {callers} callers"), rate));
    }
    for size in PAYLOAD_SIZES {
        let rate = throughput::<Blob>(PAYLOAD_CALLERS, &vec![0xA5; size]);
        let label = format!("{} KiB args, {PAYLOAD_CALLERS} callers", size / 1024);
        rows.push(Row::throughput(label, rate));
    }

    let knobs = compare_knobs_off();
    rows.push(Row::latency("null call, 1 caller, untouched", knobs.untouched));
    rows.push(Row::latency("null call, 1 caller, knobs off", knobs.knobs_off));

    print_table(&rows, floor);
    println!();
    print_verdicts(floor, one_caller, target_throughput, &knobs);
}

// ----- measurements ------------------------------------------------------------------------

/// Mean round trip of a value sent to an echo thread and back over two bounded channels.
fn floor_round_trip() -> Duration {
    let (ping_tx, ping_rx) = bounded::<u64>(1);
    let (pong_tx, pong_rx) = bounded::<u64>(1);
    let echo = thread::spawn(move || {
        for n in ping_rx {
            if pong_tx.send(n).is_err() {
                break;
            }
        }
    });
    let ping_until = |until: Instant| {
        let mut trips = 0;
        while Instant::now() < until {
            ping_tx.send(black_box(trips)).expect("echo thread alive");
            black_box(pong_rx.recv().expect("echo thread alive"));
            trips += 1;
        }
        trips
    };
    ping_until(Instant::now() + WARM_UP);
    let start = Instant::now();
    let trips = ping_until(start + WINDOW);
    let mean = mean(start.elapsed(), trips);
    drop(ping_tx);
    echo.join().expect("echo thread panicked");
    mean
}

/// Mean round trip of a null call from one caller on a fresh, untouched network.
fn single_caller_round_trip() -> Duration {
    let net = bench_network();
    let caller = net.client("caller");
    call_until::<Null>(&caller, &(), Instant::now() + WARM_UP);
    let mean = timed_round_trip(&caller, WINDOW);
    net.shutdown();
    mean
}

/// Aggregate calls/s of `callers` threads calling `M` with `args` as fast as they can, each
/// through its own endpoint, on a fresh network.
fn throughput<M: Method>(callers: usize, args: &M::Args) -> f64
where
    M::Args: Sync,
{
    let net = bench_network();
    let endpoints: Vec<Endpoint> = (0..callers).map(|_| net.client("caller")).collect();
    // Spawning the callers takes far less than the warm-up, so all of them are calling when
    // the window opens.
    let window_start = Instant::now() + WARM_UP;
    let window_end = window_start + WINDOW;
    let (calls, last_finish) = thread::scope(|scope| {
        let callers: Vec<_> = endpoints
            .iter()
            .map(|endpoint| {
                scope.spawn(move || {
                    call_until::<M>(endpoint, args, window_start);
                    let calls = call_until::<M>(endpoint, args, window_end);
                    (calls, Instant::now())
                })
            })
            .collect();
        callers
            .into_iter()
            .map(|caller| caller.join().expect("caller thread panicked"))
            .fold((0, window_end), |(sum, last), (calls, finish)| (sum + calls, last.max(finish)))
    });
    net.shutdown();
    // Calls already in flight when the window closes still count, so the window ends when
    // the last of them returns.
    calls as f64 / (last_finish - window_start).as_secs_f64()
}

/// The one-caller round trip on an untouched network and on one whose knobs were turned on and
/// off again.
struct KnobComparison {
    untouched: Duration,
    knobs_off: Duration,
}

/// Measures both networks in alternating rounds (swapping which goes first each round) and
/// keeps the median of each.
fn compare_knobs_off() -> KnobComparison {
    let untouched = bench_network();
    let toggled = bench_network();
    toggle_knobs(&toggled);
    let plain_caller = untouched.client("caller");
    let toggled_caller = toggled.client("caller");
    call_until::<Null>(&plain_caller, &(), Instant::now() + WARM_UP);
    call_until::<Null>(&toggled_caller, &(), Instant::now() + WARM_UP);

    let mut plain = Vec::with_capacity(KNOB_ROUNDS);
    let mut off = Vec::with_capacity(KNOB_ROUNDS);
    for round in 0..KNOB_ROUNDS {
        if round % 2 == 0 {
            plain.push(timed_round_trip(&plain_caller, KNOB_WINDOW));
            off.push(timed_round_trip(&toggled_caller, KNOB_WINDOW));
        } else {
            off.push(timed_round_trip(&toggled_caller, KNOB_WINDOW));
            plain.push(timed_round_trip(&plain_caller, KNOB_WINDOW));
        }
    }
    untouched.shutdown();
    toggled.shutdown();
    KnobComparison { untouched: median(plain), knobs_off: median(off) }
}

/// Turns the network-wide and the per-server unreliability on, then off again.
fn toggle_knobs(net: &Network) {
    net.set_network_unreliable(true);
    net.set_unreliable(SERVER, true);
    net.set_unreliable(SERVER, false);
    net.set_network_unreliable(false);
}

// ----- helpers -----------------------------------------------------------------------------

/// A network with a server that answers [`Null`] and [`Blob`].
fn bench_network() -> Network {
    let net = Network::with_seed(1);
    let service = Service::new().handle::<Null>(|()| {}).handle::<Blob>(|bytes| {
        black_box(bytes);
    });
    net.register(SERVER, service).expect("register the bench server");
    net
}

/// Calls `M` back to back until `until`; returns how many calls were made.
fn call_until<M: Method>(caller: &Endpoint, args: &M::Args, until: Instant) -> u64 {
    let mut calls = 0;
    while Instant::now() < until {
        let reply = caller
            .call::<M>(SERVER, black_box(args))
            .unwrap_or_else(|error| panic!("{} failed on a quiet network: {error}", M::NAME));
        black_box(reply);
        calls += 1;
    }
    calls
}

/// Mean round trip of null calls made back to back for `window`.
fn timed_round_trip(caller: &Endpoint, window: Duration) -> Duration {
    let start = Instant::now();
    let calls = call_until::<Null>(caller, &(), start + window);
    mean(start.elapsed(), calls)
}

fn mean(elapsed: Duration, count: u64) -> Duration {
    elapsed.div_f64(count.max(1) as f64)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

// ----- report ------------------------------------------------------------------------------

/// One line of the table.
struct Row {
    label: String,
    /// The figure as measured: a round trip, or calls/s.
    figure: String,
    /// Time per call; for throughput rows the aggregate time, `1 / (calls/s)`.
    per_call: Duration,
}

impl Row {
    fn latency(label: impl Into<String>, round_trip: Duration) -> Row {
        Row {
            label: label.into(),
            figure: format!("{} /round trip", micros(round_trip)),
            per_call: round_trip,
        }
    }

    fn throughput(label: impl Into<String>, calls_per_sec: f64) -> Row {
        Row {
            label: label.into(),
            figure: format!("{} calls/s", thousands(calls_per_sec)),
            per_call: Duration::from_secs_f64(1.0 / calls_per_sec),
        }
    }
}

fn print_table(rows: &[Row], floor: Duration) {
    println!("{:<34} {:>22} {:>12} {:>9}", "measurement", "figure", "per call", "x floor");
    println!("{}", "-".repeat(34 + 1 + 22 + 1 + 12 + 1 + 9));
    for row in rows {
        println!(
            "{:<34} {:>22} {:>12} {:>8.2}x",
            row.label,
            row.figure,
            micros(row.per_call),
            row.per_call.as_secs_f64() / floor.as_secs_f64()
        );
    }
}

fn print_verdicts(floor: Duration, one_caller: Duration, rate: f64, knobs: &KnobComparison) {
    let floors = one_caller.as_secs_f64() / floor.as_secs_f64();
    verdict(
        &format!("1-caller round trip within {MAX_RTT_IN_FLOORS}x the floor"),
        floors <= MAX_RTT_IN_FLOORS,
        &format!("{floors:.2}x ({} vs {})", micros(one_caller), micros(floor)),
    );
    verdict(
        &format!("{TARGET_CALLERS} callers >= {} calls/s", thousands(MIN_CALLS_PER_SEC)),
        rate >= MIN_CALLS_PER_SEC,
        &format!("{} calls/s", thousands(rate)),
    );
    let slowdown = knobs.knobs_off.as_secs_f64() / knobs.untouched.as_secs_f64() - 1.0;
    verdict(
        &format!("knobs-off within {:.0}% of untouched", MAX_KNOBS_OFF_SLOWDOWN * 100.0),
        slowdown <= MAX_KNOBS_OFF_SLOWDOWN,
        &format!("{:+.1}% ({} vs {})", slowdown * 100.0, micros(knobs.knobs_off), micros(knobs.untouched)),
    );
}

fn verdict(target: &str, met: bool, measured: &str) {
    let word = if met { "MET " } else { "MISS" };
    println!("target {word}  {target:<44} {measured}");
}

fn micros(duration: Duration) -> String {
    format!("{:.2} µs", duration.as_secs_f64() * 1e6)
}

/// `1234567.8` as `"1,234,568"`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
