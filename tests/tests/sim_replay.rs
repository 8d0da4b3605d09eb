//! One seed replays a whole simulated run: a primary/backup scenario with clients, message loss
//! and a failover, run in fresh processes (this test binary, started again), writes the same
//! event trace byte for byte under the same `LAB_SEED`, and another trace under another seed.
#![cfg(feature = "simulation")]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{assert_same_trace, fresh_run, shown, take_trace};
use labtests::pb_harness::Scenario;

/// The scenario replayed: two clients append through a primary and its backup on a lossy
/// network while the primary is killed, so the trace holds drops, retries, a view change and
/// a state transfer, all interleaved by the scheduler. Ignored: only the replay test runs it,
/// in processes of its own.
#[ignore = "run by one_seed_replays_the_whole_trace_in_fresh_processes_and_another_changes_it"]
#[test]
fn replay_subject() {
    labtests::in_this_mode(|| {
        let s = Scenario::begin("The scenario the replay test runs");
        s.start_first_primary("s1");
        s.start_backup("s1", "s2");
        s.net.set_network_unreliable(true);
        s.workload(
            2,
            Duration::from_secs(2),
            |stop| {
                stop.sleep(Duration::from_millis(700));
                s.kill("s1");
            },
            |i, ck, stop| {
                let mut n = 0;
                while !stop.is_stopped() {
                    ck.append("k", &format!("{i}.{n} ")).map_err(|e| format!("client {i}: {e}"))?;
                    n += 1;
                }
                Ok(n)
            },
        );
    });
}

/// Runs [`replay_subject`] in a fresh process with `seed`, and returns its trace.
fn trace_of_a_fresh_run(seed: u64, dir: &Path) -> String {
    let output = fresh_run("replay_subject", &[(labrpc::SEED_ENV, &seed.to_string())], dir);
    assert!(output.status.success(), "the scenario failed with seed {seed}:\n{}", shown(&output));
    take_trace("replay_subject", dir, &output)
}

#[test]
fn one_seed_replays_the_whole_trace_in_fresh_processes_and_another_changes_it() {
    let dir = tempfile::tempdir().expect("a directory for the traces");
    let first = trace_of_a_fresh_run(7, dir.path());
    assert!(
        first.lines().count() > 200 && first.contains("drop"),
        "the trace should tell of calls and of dropped messages:\n{first}"
    );
    let again = trace_of_a_fresh_run(7, dir.path());
    assert_same_trace(&first, &again, "the same seed");
    let other = trace_of_a_fresh_run(8, dir.path());
    assert_ne!(first, other, "another seed should give another run");
}
