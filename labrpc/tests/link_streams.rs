//! Each directed link draws its faults from its own stream, seeded from the network's seed and
//! the two names: a node's k-th call to another meets the same fate in every run with the same
//! seed, whatever other threads do and however the calls are spaced.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{init_log, start_echo, Echo};
use labrpc::{Network, RpcError};

/// How many of A's calls to B are compared.
const CALLS: usize = 40;

/// What became of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Ok,
    RequestLost,
    ReplyLost,
}

/// Which unreliability the network runs with.
#[derive(Debug, Clone, Copy)]
enum Faults {
    /// The whole network: delays, dropped requests, lost replies.
    Network,
    /// B alone, with the 2015 server's drops and lost replies.
    Server,
}

/// How one run is disturbed; none of it may change A's fates.
#[derive(Debug, Clone, Copy)]
struct Run {
    seed: u64,
    faults: Faults,
    /// Other threads call B over their own links (C -> B, D -> B) while A calls.
    hammer: bool,
    /// The other nodes get their names first, so every node's internal number differs.
    others_first: bool,
    /// A sleeps this long between its calls.
    gap: Duration,
}

impl Run {
    fn quiet(seed: u64, faults: Faults) -> Run {
        Run { seed, faults, hammer: false, others_first: false, gap: Duration::ZERO }
    }
}

/// The fates of A's first `CALLS` calls to B.
fn fates(run: Run) -> Vec<Fate> {
    let net = Network::with_seed(run.seed);
    let others = ["c", "d"];
    if run.others_first {
        for name in others {
            net.endpoint(name);
        }
    }
    start_echo(&net, "b");
    match run.faults {
        Faults::Network => net.set_network_unreliable(true),
        Faults::Server => net.set_unreliable("b", true),
    }
    let a = net.endpoint("a");
    let stop = AtomicBool::new(false);
    let fates = std::thread::scope(|s| {
        if run.hammer {
            for name in others {
                let endpoint = net.endpoint(name);
                let stop = &stop;
                s.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let _ = endpoint.call::<Echo>("b", &"noise".into());
                    }
                });
            }
        }
        let fates: Vec<Fate> = (0..CALLS)
            .map(|k| {
                let fate = match a.call::<Echo>("b", &format!("call {k}")) {
                    Ok(reply) => {
                        assert_eq!(reply, format!("call {k}"));
                        Fate::Ok
                    }
                    Err(RpcError::RequestLost { .. }) => Fate::RequestLost,
                    Err(RpcError::ReplyLost { .. }) => Fate::ReplyLost,
                    Err(other) => panic!("an unreliable network may lose calls, but call {k} met: {other}"),
                };
                std::thread::sleep(run.gap);
                fate
            })
            .collect();
        stop.store(true, Ordering::Relaxed);
        fates
    });
    net.shutdown();
    fates
}

/// Runs every run at once (each on its own network), and returns their fates in order.
fn fates_of(runs: &[Run]) -> Vec<Vec<Fate>> {
    std::thread::scope(|s| {
        let handles: Vec<_> = runs.iter().map(|&run| s.spawn(move || fates(run))).collect();
        handles.into_iter().map(|h| h.join().expect("a run finished")).collect()
    })
}

fn assert_same_fates_whatever_else_happens(faults: Faults) {
    let seed = 20_260_315;
    let quiet = Run::quiet(seed, faults);
    let runs = [
        quiet,
        Run { hammer: true, others_first: true, ..quiet },
        Run { hammer: true, gap: Duration::from_millis(1), ..quiet },
        Run { gap: Duration::from_millis(3), ..quiet },
        Run::quiet(seed + 1, faults),
    ];
    let results = fates_of(&runs);
    let expected = &results[0];
    println!("{faults:?}, seed {seed}: {expected:?}");
    assert!(
        expected.contains(&Fate::Ok)
            && expected.contains(&Fate::RequestLost)
            && expected.contains(&Fate::ReplyLost),
        "the seed should give every fate, so that the comparison means something: {expected:?}"
    );
    for (run, got) in runs.iter().zip(&results).take(4).skip(1) {
        assert_eq!(got, expected, "A's calls to B met other fates in run {run:?} than in a quiet run");
    }
    assert_ne!(&results[4], expected, "seeds {seed} and {} gave A's calls the same fates", seed + 1);
}

#[test]
fn a_links_calls_meet_the_same_fates_on_an_unreliable_network_whatever_other_links_do() {
    init_log();
    assert_same_fates_whatever_else_happens(Faults::Network);
}

#[test]
fn a_links_calls_meet_the_same_fates_at_an_unreliable_server_whatever_other_links_do() {
    init_log();
    assert_same_fates_whatever_else_happens(Faults::Server);
}
