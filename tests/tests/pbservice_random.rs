//! Randomized workloads: several clients run Gets, Puts and Appends over a few keys while a
//! nemesis kills and restarts servers, cuts them off from the view service, and makes the
//! network lose messages, for a bounded time. Every history is checked for linearizability.
//!
//! All random choices (the clients' operations and the nemesis's faults) come from the
//! network's seed, so `LAB_SEED` repeats them; thread timing still varies from run to run.

use labtests::graded;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use labtests::linearizability::{verify, CheckOptions, KvClerk, KvModel, KvRecorder, RecordingClerk};
use labtests::pb_harness::Cluster;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use viewservice::PING_INTERVAL;

const SERVERS: [&str; 3] = ["s1", "s2", "s3"];
const KEYS: usize = 3;

/// The faults a nemesis may inject.
#[derive(Clone, Copy)]
struct Faults {
    crashes: bool,
    partitions: bool,
    unreliable: bool,
}

/// Runs `clients` random clients for `duration` under `faults`, then checks the history.
fn run_workload(name: &str, clients: usize, duration: Duration, faults: Faults) {
    let cluster = Cluster::new(&SERVERS);
    let seed = cluster.net.seed();
    println!("Test: {name} (LAB_SEED={seed})");
    cluster
        .wait_for_view("a primary and a backup", PING_INTERVAL * 30, |v| {
            v.primary.is_some() && v.backup.is_some()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    if faults.unreliable {
        cluster.net.set_network_unreliable(true);
    }
    let recorder = KvRecorder::new();
    let stop = AtomicBool::new(false);
    let completed: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..clients)
            .map(|c| {
                let mut clerk = RecordingClerk::new(cluster.clerk(), &recorder);
                let mut rng =
                    StdRng::seed_from_u64(seed ^ (c as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let stop = &stop;
                scope.spawn(move || client_loop(&mut clerk, &mut rng, c, stop))
            })
            .collect();
        nemesis(&cluster, StdRng::seed_from_u64(seed), duration, faults);
        stop.store(true, Ordering::SeqCst);
        // Give the clients a bounded time to finish their last operation on a healed network,
        // then stop the rest: their last calls stay pending in the history.
        let deadline = Instant::now() + PING_INTERVAL * 50;
        while workers.iter().any(|w| !w.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(PING_INTERVAL / 5);
        }
        cluster.net.shutdown();
        workers.into_iter().map(|w| w.join().expect("a client panicked")).sum()
    });
    let history = recorder.history();
    println!("  {completed} operations completed, {} recorded", history.len());
    assert!(completed >= 20, "only {completed} operations completed in {duration:?}: the service made too little progress (LAB_SEED={seed})");
    let reports = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/lab-reports");
    let report = verify(&KvModel, &history, &CheckOptions::default(), &reports, name)
        .unwrap_or_else(|failure| panic!("{failure}\nRe-run with: LAB_SEED={seed} make test T={name}"));
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
/// two) or restarts a dead one, cuts a server off from the view service or heals, and flips
/// message loss.
fn nemesis(cluster: &Cluster, mut rng: StdRng, duration: Duration, faults: Faults) {
    let end = Instant::now() + duration;
    let mut dead: Vec<&str> = Vec::new();
    while Instant::now() < end {
        std::thread::sleep(PING_INTERVAL * rng.random_range(5..12));
        if faults.crashes {
            // A primary that dies before acknowledging its view leaves the service stuck by
            // design: kill only once the view has settled (restarting is always safe).
            let settled = match cluster.wait_until_acked(PING_INTERVAL * 50) {
                Ok(_) => true,
                Err(e) => {
                    log::info!("nemesis: {e}; no kill this round");
                    false
                }
            };
            let restart = rng.random_bool(0.6);
            if !dead.is_empty() && (restart || !settled) {
                let server = dead.remove(rng.random_range(0..dead.len()));
                cluster.start(server);
            } else if dead.is_empty() && settled {
                let server = SERVERS[rng.random_range(0..SERVERS.len())];
                cluster.kill(server);
                dead.push(server);
            }
        }
        if faults.partitions {
            if rng.random_bool(0.5) {
                let server = SERVERS[rng.random_range(0..SERVERS.len())];
                let others: Vec<&str> = SERVERS.iter().copied().filter(|s| *s != server).collect();
                let mut rest = others.clone();
                rest.push(labtests::pb_harness::VS);
                cluster.net.partition(&[&[server], &rest]).expect("a valid partition");
            } else {
                cluster.net.heal();
            }
        }
        if faults.unreliable {
            cluster.net.set_network_unreliable(rng.random_bool(0.7));
        }
    }
    cluster.net.heal();
    cluster.net.set_network_unreliable(false);
    for server in dead {
        cluster.start(server);
    }
}

/// Servers crash and restart at random, one at a time, while four clients work.
#[graded]
fn random_crashes_keep_every_history_linearizable() {
    run_workload(
        "random_crashes_keep_every_history_linearizable",
        4,
        Duration::from_secs(6),
        Faults { crashes: true, partitions: false, unreliable: false },
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
        Faults { crashes: false, partitions: true, unreliable: true },
    );
}

/// Everything at once: crashes, partitions and message loss.
#[graded]
fn random_crashes_partitions_and_loss_keep_every_history_linearizable() {
    run_workload(
        "random_crashes_partitions_and_loss_keep_every_history_linearizable",
        4,
        Duration::from_secs(6),
        Faults { crashes: true, partitions: true, unreliable: true },
    );
}
