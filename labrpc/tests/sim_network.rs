//! labrpc inside a simulated run (the `simulation` feature): calls, kills, holds, partitions and
//! an unreliable network with long delays behave as in the plain build, on virtual time, and one
//! seed replays the whole run's trace byte for byte while another seed changes it.
#![cfg(feature = "simulation")]

use std::sync::Arc;

use labrpc::sim::{self, SimConfig};
use labrpc::thread;
use labrpc::time::{Duration, Instant};
use labrpc::{Method, Network, RpcError, Service};

struct Add;
impl Method for Add {
    const NAME: &'static str = "Calc.Add";
    type Args = (i64, i64);
    type Reply = i64;
}

/// What a run produced, taken out of it.
type Out = Arc<std::sync::Mutex<Vec<String>>>;

/// Runs `scenario` simulated with `seed` and returns its lines and the network's trace.
fn simulate(seed: u64, scenario: fn(&Network, &dyn Fn(String))) -> (Vec<String>, String) {
    let lines: Out = Arc::default();
    let trace: Out = Arc::default();
    let (lines_out, trace_out) = (lines.clone(), trace.clone());
    sim::run(&SimConfig::new(seed), move || {
        lines_out.lock().unwrap().clear();
        let net = Network::with_seed(seed);
        net.set_tracing(true);
        scenario(&net, &|line| lines_out.lock().unwrap().push(line));
        net.shutdown();
        let mut bytes = Vec::new();
        net.write_trace(&mut bytes).unwrap();
        *trace_out.lock().unwrap() = vec![String::from_utf8(bytes).unwrap()];
    })
    .expect("the run starts");
    let lines = lines.lock().unwrap().clone();
    let trace = trace.lock().unwrap().concat();
    (lines, trace)
}

fn calculator(net: &Network, name: &str) {
    net.register(name, Service::new().handle::<Add>(|(a, b)| a + b)).unwrap();
}

#[test]
fn calls_kills_and_restarts_behave_as_in_the_plain_build() {
    let (lines, _) = simulate(5, |net, record| {
        calculator(net, "calc");
        let client = net.endpoint("client");
        record(format!("{:?}", client.call::<Add>("calc", &(2, 3))));
        net.kill("calc");
        record(format!("{:?}", client.call::<Add>("calc", &(2, 3))));
        calculator(net, "calc");
        record(format!("{:?}", client.call::<Add>("calc", &(4, 5))));
    });
    let dead = format!("{:?}", Err::<i64, _>(RpcError::ServerDead { to: "calc".into() }));
    assert_eq!(lines, ["Ok(5)".to_string(), dead, "Ok(9)".to_string()]);
}

#[test]
fn a_held_call_is_lost_to_a_partition_made_before_its_release() {
    let (lines, _) = simulate(9, |net, record| {
        calculator(net, "calc");
        let client = net.endpoint("client");
        net.hold("client", "calc");
        let caller = thread::spawn("caller", move || client.call::<Add>("calc", &(1, 1))).unwrap();
        let held = net.wait_for_held("client", "calc", 1, Duration::from_secs(5)).unwrap();
        net.partition(&[&["client"], &["calc"]]).unwrap();
        net.release(held[0].id).unwrap();
        record(format!("{:?}", caller.join().unwrap()));
        record(format!("handled {}", net.rpc_count("calc")));
    });
    let unreachable = RpcError::Unreachable { from: "client".into(), to: "calc".into() };
    assert_eq!(lines, [format!("{:?}", Err::<i64, _>(unreachable)), "handled 0".to_string()]);
}

/// Forty calls on an unreliable network with long delays, one caller cut off (each of its calls
/// fails after up to a second): seconds of virtual time.
fn lossy_traffic(net: &Network, record: &dyn Fn(String)) {
    calculator(net, "calc");
    net.set_network_unreliable(true);
    net.set_long_delays(true);
    net.declare("client-3");
    net.cut("client-3", "calc");
    let start = Instant::now();
    let callers: Vec<_> = (0..4)
        .map(|c| {
            let client = net.endpoint(&format!("client-{c}"));
            thread::spawn(&format!("caller-{c}"), move || {
                (0..10)
                    .map(|i| format!("{c}.{i} {:?}", client.call::<Add>("calc", &(c, i)).is_ok()))
                    .collect::<Vec<_>>()
            })
            .unwrap()
        })
        .collect();
    for caller in callers {
        for line in caller.join().unwrap() {
            record(line);
        }
    }
    record(format!("virtual seconds {}", start.elapsed().as_secs()));
}

#[test]
fn one_seed_replays_the_whole_trace_and_another_changes_it() {
    let (lines, trace) = simulate(21, lossy_traffic);
    let elapsed: u64 = lines.last().unwrap().trim_start_matches("virtual seconds ").parse().unwrap();
    assert!(elapsed >= 1, "long delays should take virtual seconds: {lines:?}");
    assert!(trace.lines().count() > 80, "a trace of the calls: {trace}");
    let (lines_again, trace_again) = simulate(21, lossy_traffic);
    assert_eq!(lines, lines_again);
    assert!(trace == trace_again, "the same seed must give the same trace, byte for byte");
    let (_, other) = simulate(22, lossy_traffic);
    assert!(trace != other, "another seed should give another trace");
}
