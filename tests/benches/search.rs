//! Search executions per second: a DSLabs-sized search workload (a view service, three servers,
//! two clients doing three operations each on one key, four planned crashes and partitions) run
//! under successive seeds, on one thread and then on every core (one simulated run per thread,
//! each its own share of the seeds), against the target of 100 executions per second on two
//! cores. Run it with `make bench`, on an otherwise idle machine.

use std::time::Instant;

use labreport::explore::execution_case;
use labtests::search::plan::{FaultKinds, Workload};
use labtests::search::Search;

/// Executions per row.
const EXECUTIONS: u64 = 400;
/// The target on two cores.
const TARGET: f64 = 100.0;

fn main() {
    let search = Search {
        name: "bench_search",
        workload: Workload {
            servers: 3,
            clients: 2,
            ops_per_client: 3,
            keys: 1,
            faults: 4,
            fault_gap_ms: (50, 600),
            kinds: FaultKinds { crashes: true, partitions: true, ..FaultKinds::default() },
        },
        budget: EXECUTIONS,
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "search executions: {EXECUTIONS} per row, seeds from base 1; target {TARGET} per second on 2 cores"
    );
    println!("{:<28} {:>10} {:>14} {:>8}", "threads", "seconds", "executions/s", "kills");
    for threads in [1, cores] {
        let start = Instant::now();
        let kills: usize = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads as u64)
                .map(|worker| {
                    let search = &search;
                    scope.spawn(move || {
                        let mut kills = 0;
                        for index in (worker..EXECUTIONS).step_by(threads) {
                            match search.execute(&execution_case(1, index)) {
                                Ok(counts) => kills += counts.kills,
                                Err(failure) => panic!("execution {index} failed: {failure}"),
                            }
                        }
                        kills
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("a bench thread")).sum()
        });
        let seconds = start.elapsed().as_secs_f64();
        println!("{:<28} {:>10.2} {:>14.0} {:>8}", threads, seconds, EXECUTIONS as f64 / seconds, kills);
    }
}
