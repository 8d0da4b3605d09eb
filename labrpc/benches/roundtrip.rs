//! What one labrpc call costs, next to the cheapest possible round trip between two threads.
//!
//! Everything is measured in one run and printed as one table:
//!
//! 1. the *floor*: a crossbeam-channel ping-pong between two threads (one channel each way);
//! 2. a null call (`()` in, `()` out) from one caller, mean round trip;
//! 3. aggregate null calls/s with 1, 2, 8 and 32 callers, each with its own endpoint;
//! 4. aggregate calls/s with 1 KiB and 64 KiB arguments (a `String`, like the lab's values),
//!    8 callers;
//! 5. the one-caller null round trip on networks whose fault knobs were turned on and off
//!    again, next to untouched networks and an untouched control measured in rotating rounds
//!    (the control shows how much of any difference is noise).
//!
//! Each row shows its time per call and that time as a multiple of the floor; for throughput
//! rows the time per call is the aggregate one, `1 / (calls/s)`. Verdict lines follow the
//! table. They report; the program never fails on a missed target.
//!
//! Run it with `make bench`, or `cargo bench -p labrpc --bench roundtrip`, on an otherwise idle
//! machine. It takes about 20 s.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::bounded;
use labrpc::{Endpoint, Method, Network, Service};

/// Every measurement runs this long untimed first, so threads and workers exist and caches
/// are warm.
const WARM_UP: Duration = Duration::from_millis(200);
/// How long each throughput figure is measured for.
const WINDOW: Duration = Duration::from_secs(1);
/// Latency figures are the median of this many rounds of this length, so that a burst of
/// noise on the machine spoils one round rather than the figure.
const ROUNDS: usize = 7;
const ROUND_WINDOW: Duration = Duration::from_millis(200);
/// The knobs comparison builds fresh networks for each of this many rounds (see
/// [`compare_knobs_off`]), and warms each up this long.
const KNOB_ROUNDS: usize = 9;
const FRESH_WARM_UP: Duration = Duration::from_millis(50);
/// Caller counts of the null-call throughput rows.
const CALLER_COUNTS: [usize; 4] = [1, 2, 8, 32];
/// Argument sizes of the payload rows, and how many callers send them.
const PAYLOAD_SIZES: [usize; 2] = [1024, 64 * 1024];
const PAYLOAD_CALLERS: usize = 8;

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

/// A call whose arguments are a payload, answered with nothing. The payload is a `String`, as
/// the lab's values are; serde encodes it as one block (a `Vec<u8>` goes byte by byte).
struct Blob;
impl Method for Blob {
    const NAME: &'static str = "Bench.Blob";
    type Args = String;
    type Reply = ();
}

fn main() {
    print_header();

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
        let plural = if callers == 1 { "" } else { "s" };
        rows.push(Row::throughput(format!("null calls, {callers} caller{plural}"), rate));
    }
    for size in PAYLOAD_SIZES {
        let rate = throughput::<Blob>(PAYLOAD_CALLERS, &"x".repeat(size));
        let label = format!("{} KiB args, {PAYLOAD_CALLERS} callers", size / 1024);
        rows.push(Row::throughput(label, rate));
    }

    let knobs = compare_knobs_off();
    rows.push(Row::latency("fresh nets, 1 caller, untouched", knobs.untouched));
    rows.push(Row::latency("fresh nets, 1 caller, control", knobs.control));
    rows.push(Row::latency("fresh nets, 1 caller, knobs off", knobs.knobs_off));

    print_table(&rows, floor);
    println!();
    print_verdicts(floor, one_caller, target_throughput, &knobs);
}

// ----- measurements ------------------------------------------------------------------------

/// Round trip of a value sent to an echo thread and back over two bounded channels: the
/// median of [`ROUNDS`] rounds' means.
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
    let floor = median_of_rounds(|| {
        let start = Instant::now();
        let trips = ping_until(start + ROUND_WINDOW);
        mean(start.elapsed(), trips)
    });
    drop(ping_tx);
    echo.join().expect("echo thread panicked");
    floor
}

/// Round trip of a null call from one caller on a fresh, untouched network: the median of
/// [`ROUNDS`] rounds' means.
fn single_caller_round_trip() -> Duration {
    let net = bench_network();
    let caller = net.client("caller");
    call_until::<Null>(&caller, &(), Instant::now() + WARM_UP);
    let round_trip = median_of_rounds(|| timed_round_trip(&caller));
    net.shutdown();
    round_trip
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

/// The one-caller round trip on untouched networks, on a control set of untouched networks
/// measured the same way, and on networks whose knobs were turned on and off again.
struct KnobComparison {
    untouched: Duration,
    control: Duration,
    knobs_off: Duration,
}

/// Which kind of network a knobs round measures.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Untouched,
    Control,
    KnobsOff,
}

/// Measures the three kinds in [`KNOB_ROUNDS`] rounds and keeps the median of each.
///
/// A one-caller call mostly waits for threads to wake, so its round trip swings by tens of
/// percent with where the scheduler happens to put a network's worker, and that placement lasts
/// as long as the network. So every round builds fresh networks, the order rotates from round
/// to round, and the control (untouched again) shows how far two identical networks differ on
/// this machine.
fn compare_knobs_off() -> KnobComparison {
    let kinds = [Kind::Untouched, Kind::Control, Kind::KnobsOff];
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for round in 0..KNOB_ROUNDS {
        for i in 0..kinds.len() {
            let slot = (i + round) % kinds.len();
            samples[slot].push(fresh_network_round_trip(kinds[slot]));
        }
    }
    let [untouched, control, knobs_off] = samples.map(median);
    KnobComparison { untouched, control, knobs_off }
}

/// One round of null calls on a fresh network of the given kind.
fn fresh_network_round_trip(kind: Kind) -> Duration {
    let net = bench_network();
    if kind == Kind::KnobsOff {
        toggle_knobs(&net);
    }
    let caller = net.client("caller");
    call_until::<Null>(&caller, &(), Instant::now() + FRESH_WARM_UP);
    let round_trip = timed_round_trip(&caller);
    net.shutdown();
    round_trip
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

/// Mean round trip of null calls made back to back for one round.
fn timed_round_trip(caller: &Endpoint) -> Duration {
    let start = Instant::now();
    let calls = call_until::<Null>(caller, &(), start + ROUND_WINDOW);
    mean(start.elapsed(), calls)
}

fn median_of_rounds(mut round: impl FnMut() -> Duration) -> Duration {
    median((0..ROUNDS).map(|_| round()).collect())
}

fn mean(elapsed: Duration, count: u64) -> Duration {
    elapsed.div_f64(count.max(1) as f64)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

// ----- report ------------------------------------------------------------------------------

/// The conditions of the run. Other work on the machine shows in every figure, so the load
/// average (where the system reports one) is printed with them.
fn print_header() {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "labrpc round trip: {cores} cores; {WARM_UP:?} warm-up; latency = median of {ROUNDS} x \
         {ROUND_WINDOW:?} rounds, throughput = {WINDOW:?} window, knobs = median of \
         {KNOB_ROUNDS} fresh-network rounds"
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let averages: Vec<&str> = load.split_whitespace().take(3).collect();
        println!("load average before the run: {} (1, 5, 15 min)", averages.join(" "));
    }
    println!();
}

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
    let slowdown = change(knobs.knobs_off, knobs.untouched);
    let noise = change(knobs.control, knobs.untouched);
    let knobs_target = format!("knobs-off within {:.0}% of untouched", MAX_KNOBS_OFF_SLOWDOWN * 100.0);
    let knobs_measured = format!(
        "{:+.1}% ({} vs {}); control {:+.1}%",
        slowdown * 100.0,
        micros(knobs.knobs_off),
        micros(knobs.untouched),
        noise * 100.0
    );
    if noise.abs() > MAX_KNOBS_OFF_SLOWDOWN {
        // Two identical networks differ by more than the margin: the comparison cannot tell.
        print_verdict("UNSURE", &knobs_target, &knobs_measured);
        println!("              (two untouched networks differ by more than the margin: noise)");
    } else {
        verdict(&knobs_target, slowdown <= MAX_KNOBS_OFF_SLOWDOWN, &knobs_measured);
    }
}

/// How much larger `measured` is than `base`, as a fraction.
fn change(measured: Duration, base: Duration) -> f64 {
    measured.as_secs_f64() / base.as_secs_f64() - 1.0
}

fn verdict(target: &str, met: bool, measured: &str) {
    print_verdict(if met { "MET" } else { "MISS" }, target, measured);
}

fn print_verdict(word: &str, target: &str, measured: &str) {
    println!("target {word:<6} {target:<42} {measured}");
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
