//! Randomized workloads: several clients run Gets, Puts and Appends over a few keys while a
//! nemesis kills and restarts servers (some within one ping interval), holds their pings to the
//! view service for a while, cuts them off from it, and makes the network lose messages, for a
//! bounded time; one workload runs on a lone primary that restarts. Every history is checked for
//! linearizability.
//!
//! All random choices (the clients' operations and the nemesis's faults) come from the
//! network's seed, so `LAB_SEED` repeats them; thread timing still varies from run to run. The
//! history checked is the scenario's operation log, the one its failure report shows.

use labtests::graded;

use labrpc::time::{Duration, Instant};
use std::sync::atomic::{AtomicBool, Ordering};

use labtests::pb_harness::threads::join;
use labtests::pb_harness::{Scenario, VS};
use lincheck::{verify, CheckOptions, KvClerk, KvModel};
use rand::rngs::StdRng;
use rand::RngExt;
use viewservice::PING_INTERVAL;

const SERVERS: [&str; 3] = ["s1", "s2", "s3"];
const KEYS: usize = 3;

/// The random stream of the nemesis (the clients' streams are their indices).
const NEMESIS_STREAM: u64 = 1000;

/// The faults a nemesis may inject.
#[derive(Clone, Copy, Default)]
struct Faults {
    /// Kill a server (leaving at least two running), restart a dead one; half the kills are
    /// quick restarts, the server back within one ping interval.
    crashes: bool,
    /// Cut a server off from everyone, or heal.
    partitions: bool,
    /// Lose messages.
    unreliable: bool,
    /// Hold a server's pings to the view service for a few intervals, then deliver them late.
    held_pings: bool,
}

/// Runs `clients` random clients for `duration` under `faults`, then checks the history.
fn run_workload(name: &str, clients: usize, duration: Duration, faults: Faults) {
    let s = Scenario::begin(name);
    for server in SERVERS {
        s.start(server);
    }
    s.wait_for_view("a primary and a backup", PING_INTERVAL * 30, |v| {
        v.primary.is_some() && v.backup.is_some()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    if faults.unreliable {
        s.net.set_network_unreliable(true);
    }
    let nemesis = |rng: StdRng| nemesis(&s, rng, duration, faults);
    check_workload(name, &s, clients, nemesis, PING_INTERVAL * 50, 20);
}

/// Runs `clients` random clients while `nemesis` runs, gives them `grace` to finish their last
/// operation, then checks that at least `least` completed and that the history is linearizable.
fn check_workload(
    name: &str,
    s: &Scenario,
    clients: usize,
    nemesis: impl FnOnce(StdRng),
    grace: Duration,
    least: usize,
) {
    let seed = s.net.seed();
    let stop = AtomicBool::new(false);
    let completed: usize = s.threads(|scope| {
        let workers: Vec<_> = (0..clients)
            .map(|c| {
                let (mut clerk, mut rng) = (s.clerk(), s.rng(c as u64));
                let stop = &stop;
                scope.spawn(move || client_loop(&mut clerk, &mut rng, c, stop))
            })
            .collect();
        nemesis(s.rng(NEMESIS_STREAM));
        stop.store(true, Ordering::SeqCst);
        // Give the clients a bounded time to finish their last operation on a healed network,
        // then stop the rest: their last calls stay pending in the history.
        let _ = s.wait("the clients to finish", grace, || {
            if workers.iter().all(|w| w.is_finished()) {
                Ok(())
            } else {
                Err(String::new())
            }
        });
        s.net.shutdown();
        workers.into_iter().map(join).sum()
    });
    // Every clerk records into the scenario's operation log, on the network's clock.
    let history = s.diagnostics().ops().history().unwrap_or_else(|e| {
        panic!("the recorded operations do not make a history the checker can read: {e}")
    });
    println!("  {completed} operations completed, {} recorded", history.len());
    assert!(
        completed >= least,
        "only {completed} operations completed: the service made too little progress (LAB_SEED={seed})"
    );
    // The timeline goes where every suite's report pages go (the grader points it into the run),
    // under a name of its own: the scenario's report page, written as the failing test ends, is
    // `<name>.html`, and would replace a timeline of that name.
    let timeline = format!("{name}-timeline");
    let report =
        verify(&KvModel, &history, &CheckOptions::default(), &labreport::naming::report_dir(), &timeline)
            .unwrap_or_else(|failure| {
                panic!("{failure}\nRe-run with: {}", labreport::scenario::rerun_command(seed, name))
            });
    println!("  linearizable ({:?})", report.elapsed);
}

/// Random operations until told to stop; returns how many completed.
fn client_loop(clerk: &mut impl KvClerk, rng: &mut StdRng, client: usize, stop: &AtomicBool) -> usize {
    let mut done = 0;
    for i in 0.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let key = format!("k{}", rng.random_range(0..KEYS));
        let outcome = match rng.random_range(0..3) {
            0 => clerk.get(&key).map(drop),
            1 => clerk.put(&key, &format!("c{client}.{i};")),
            _ => clerk.append(&key, &format!("c{client}.{i};")),
        };
        if outcome.is_err() {
            break; // the network shut down: the call stays pending
        }
        done += 1;
    }
    done
}

/// Injects faults for `duration`: every so often it kills a running server (leaving at least
/// two, and never a primary without a backup; half the time it restarts it within one ping
/// interval) or restarts a dead one, holds a
/// server's pings to the view service or delivers them, cuts a server off from the view service
/// or heals, and flips message loss.
fn nemesis(s: &Scenario, mut rng: StdRng, duration: Duration, faults: Faults) {
    let end = Instant::now() + duration;
    let mut dead: Vec<&str> = Vec::new();
    let mut held: Option<&str> = None;
    while Instant::now() < end {
        labrpc::time::sleep(PING_INTERVAL * rng.random_range(5..12));
        if faults.crashes {
            // A primary that dies before acknowledging its view leaves the service stuck by
            // design: kill only once the view has settled (restarting is always safe). The wait
            // is short: a primary cut off by this nemesis cannot ack until a later round heals
            // the cut, and a long wait here would keep it cut off for the rest of the workload.
            let settled = match s.wait_until_acked(PING_INTERVAL * 5) {
                Ok(_) => true,
                Err(e) => {
                    log::info!("nemesis: {e}; no kill this round");
                    false
                }
            };
            let restart = rng.random_bool(0.6);
            if !dead.is_empty() && (restart || !settled) {
                let server = dead.remove(rng.random_range(0..dead.len()));
                s.start(server);
            } else if dead.is_empty() && settled {
                let server = SERVERS[rng.random_range(0..SERVERS.len())];
                let quick = rng.random_bool(0.5);
                let view = s.view();
                // A primary without a backup holds the only copy of the data: losing it is
                // allowed, but leaves nothing to test (the lone-primary workload does it).
                if !(view.is_primary(server) && view.backup.is_none()) {
                    s.kill(server);
                    if quick {
                        // A quick restart: back before the view service misses a single ping.
                        labrpc::time::sleep(PING_INTERVAL.mul_f64(rng.random_range(0.0..1.0)));
                        s.start(server);
                    } else {
                        dead.push(server);
                    }
                }
            }
        }
        if faults.held_pings {
            match held.take() {
                Some(server) => s.net.unhold(server, VS),
                None if rng.random_bool(0.5) => {
                    let server = SERVERS[rng.random_range(0..SERVERS.len())];
                    s.net.hold(server, VS);
                    held = Some(server);
                }
                None => {}
            }
        }
        if faults.partitions {
            if rng.random_bool(0.5) {
                let server = SERVERS[rng.random_range(0..SERVERS.len())];
                let others: Vec<&str> = SERVERS.iter().copied().filter(|s| *s != server).collect();
                let mut rest = others.clone();
                rest.push(VS);
                s.net.partition(&[&[server], &rest]).expect("a valid partition");
            } else {
                s.net.heal();
            }
        }
        if faults.unreliable {
            s.net.set_network_unreliable(rng.random_bool(0.7));
        }
    }
    if let Some(server) = held {
        s.net.unhold(server, VS);
    }
    s.net.heal();
    s.net.set_network_unreliable(false);
    for server in dead {
        s.start(server);
    }
}

/// The lone primary's nemesis: after a while, kills the only server and restarts it, at once or
/// within one ping interval, with its pings to the view service held for a moment around the
/// restart half of the time. Whatever it served before is gone, so it must serve nothing after.
fn restart_the_lone_primary(s: &Scenario, mut rng: StdRng) {
    labrpc::time::sleep(PING_INTERVAL * rng.random_range(10..25));
    let hold = rng.random_bool(0.5);
    if hold {
        s.net.hold(LONE, VS);
    }
    s.kill(LONE);
    labrpc::time::sleep(PING_INTERVAL.mul_f64(rng.random_range(0.0..1.0)));
    s.start(LONE);
    if hold {
        labrpc::time::sleep(PING_INTERVAL * rng.random_range(1..4));
        s.net.unhold(LONE, VS);
    }
    // Long enough for the restarted server to learn the view and for clients to try it.
    labrpc::time::sleep(PING_INTERVAL * 15);
}

/// The one server of the lone-primary workload.
const LONE: &str = "s1";

/// Servers crash and restart at random, one at a time (half of them within one ping interval),
/// and their pings to the view service are held for a while, as four clients work.
#[graded]
fn random_crashes_keep_every_history_linearizable() {
    run_workload(
        "random_crashes_keep_every_history_linearizable",
        4,
        Duration::from_secs(6),
        Faults { crashes: true, held_pings: true, ..Faults::default() },
    );
}

/// Servers are cut off from everyone at random, and the network loses messages, while four
/// clients work.
#[graded]
fn random_partitions_on_a_lossy_network_keep_every_history_linearizable() {
    run_workload(
        "random_partitions_on_a_lossy_network_keep_every_history_linearizable",
        4,
        Duration::from_secs(6),
        Faults { partitions: true, unreliable: true, ..Faults::default() },
    );
}

/// Everything at once: crashes and quick restarts, held pings, partitions and message loss.
#[graded]
fn random_crashes_partitions_and_loss_keep_every_history_linearizable() {
    run_workload(
        "random_crashes_partitions_and_loss_keep_every_history_linearizable",
        4,
        Duration::from_secs(6),
        Faults { crashes: true, partitions: true, unreliable: true, held_pings: true },
    );
}

/// A lone primary serves four clients, then restarts (quickly, its pings sometimes held): the
/// writes it acknowledged are gone, so it must serve nothing afterwards, and the history stays
/// linearizable.
#[graded]
fn lone_primary_restart_keeps_every_history_linearizable() {
    let name = "lone_primary_restart_keeps_every_history_linearizable";
    let s = Scenario::begin(name);
    s.start(LONE);
    s.settle(LONE, None, PING_INTERVAL * 30);
    // The clients that are blocked after the restart stay blocked: no grace period.
    check_workload(name, &s, 4, |rng| restart_the_lone_primary(&s, rng), Duration::ZERO, 20);
}
