//! Search tests: each runs a fixed number of short simulated executions of a small workload (a
//! view service, two or three servers, two or three clients doing a few Puts, Appends and Gets),
//! every one with its own seed, schedule (random or PCT) and planned faults in virtual time.
//! Each execution must make progress once the faults stop, and its history must be
//! linearizable. A failure is shrunk (fewer operations, fewer faults, an earlier stop) before it
//! is reported, with the case that replays it: `LAB_CASE=... make test-sim T=name`.
//!
//! The executions come from `LAB_SEED` (the grader's `--seed`), so a grade is the same on any
//! machine. `make explore T=name RUNS=N` runs more of them, on every core. These tests exist in
//! simulation mode only (`make test-sim`): on real threads a run is neither replayable nor
//! fast enough to search.
#![cfg(feature = "simulation")]

use labtests::graded;
use labtests::search::plan::{FaultKinds, Workload};
use labtests::search::Search;

/// Executions per search test: what a grade runs.
const BUDGET: u64 = 120;

/// Two clients append to one key while the network loses, delays and reorders messages.
#[graded(search)]
fn search_appends_on_a_lossy_slow_network() {
    Search {
        name: "search_appends_on_a_lossy_slow_network",
        workload: Workload {
            servers: 3,
            clients: 2,
            ops_per_client: 4,
            keys: 1,
            faults: 4,
            fault_gap_ms: (50, 600),
            kinds: FaultKinds { loss: true, delays: true, ..FaultKinds::default() },
        },
        budget: BUDGET,
    }
    .run();
}

/// Servers crash, and some come back within one ping interval, while two clients work on two
/// keys.
#[graded(search)]
fn search_crashes_and_quick_restarts() {
    Search {
        name: "search_crashes_and_quick_restarts",
        workload: Workload {
            servers: 3,
            clients: 2,
            ops_per_client: 4,
            keys: 2,
            faults: 5,
            fault_gap_ms: (50, 600),
            kinds: FaultKinds { crashes: true, quick_restarts: true, ..FaultKinds::default() },
        },
        budget: BUDGET,
    }
    .run();
}

/// Servers crash, some coming back within one ping interval, on a network that loses requests
/// and replies: retried writes meet failovers and state transfers.
#[graded(search)]
fn search_crashes_on_a_lossy_network() {
    Search {
        name: "search_crashes_on_a_lossy_network",
        workload: Workload {
            servers: 3,
            clients: 2,
            ops_per_client: 5,
            keys: 1,
            faults: 5,
            fault_gap_ms: (50, 600),
            kinds: FaultKinds { crashes: true, quick_restarts: true, loss: true, ..FaultKinds::default() },
        },
        budget: BUDGET,
    }
    .run();
}

/// Servers are cut off from the other servers and the view service (clients still reach them,
/// so a cut-off primary may still be asked), and their pings to the view service are held and
/// delivered late, while two clients append to one key.
#[graded(search)]
fn search_partitions_and_held_pings() {
    Search {
        name: "search_partitions_and_held_pings",
        workload: Workload {
            servers: 3,
            clients: 2,
            ops_per_client: 5,
            keys: 1,
            faults: 5,
            fault_gap_ms: (50, 600),
            kinds: FaultKinds { partitions: true, held_pings: true, ..FaultKinds::default() },
        },
        budget: BUDGET,
    }
    .run();
}

/// A primary the view service stops hearing (its pings held, or it is cut off from the servers
/// and the view service) while clients can still reach it: once a backup has taken over, the
/// old primary must serve no one.
#[graded(search)]
fn search_stale_primary() {
    Search {
        name: "search_stale_primary",
        workload: Workload {
            servers: 3,
            clients: 2,
            ops_per_client: 6,
            keys: 1,
            faults: 3,
            fault_gap_ms: (300, 1200),
            kinds: FaultKinds { partitions: true, held_pings: true, ..FaultKinds::default() },
        },
        budget: BUDGET,
    }
    .run();
}

/// Two servers only: every crash or held ping of the primary is a failover to a backup that must
/// hold everything.
#[graded(search)]
fn search_two_servers_fail_over() {
    Search {
        name: "search_two_servers_fail_over",
        workload: Workload {
            servers: 2,
            clients: 2,
            ops_per_client: 3,
            keys: 1,
            faults: 4,
            fault_gap_ms: (50, 600),
            kinds: FaultKinds {
                crashes: true,
                quick_restarts: true,
                held_pings: true,
                ..FaultKinds::default()
            },
        },
        budget: BUDGET,
    }
    .run();
}

/// Everything at once: crashes and quick restarts, partitions, loss, delays and held pings, as
/// three clients work on two keys.
#[graded(search)]
fn search_every_fault() {
    Search {
        name: "search_every_fault",
        workload: Workload {
            servers: 3,
            clients: 3,
            ops_per_client: 3,
            keys: 2,
            faults: 6,
            fault_gap_ms: (50, 600),
            kinds: FaultKinds {
                crashes: true,
                quick_restarts: true,
                partitions: true,
                loss: true,
                delays: true,
                held_pings: true,
            },
        },
        budget: BUDGET,
    }
    .run();
}
