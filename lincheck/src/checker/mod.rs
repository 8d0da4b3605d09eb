//! The checker: splits a history into the model's partitions, decides those it can by
//! unique-append inference, and searches the others for a linearization, in parallel, within
//! limits of time, configurations and memory, stopping at the first violation unless told
//! otherwise.

mod limits;
mod memo;
mod options;
mod report;
mod search;
mod unique_append;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Instant;

pub use options::{CheckOptions, DEFAULT_MAX_CONFIGURATIONS, DEFAULT_MAX_MEMORY};
pub use report::{CheckReport, Limit, PartitionOutcome, PartitionResult, Verdict};

use super::history::{History, Operation};
use super::model::{Model, Partition};
use limits::Limits;
use search::{Found, Searched};

/// Checks whether `history` is linearizable under `model`: each partition by unique-append
/// inference if it applies (see [`CheckOptions::infer_unique_appends`]), else by search, in
/// the model's order of partitions, stopping at the first violation unless
/// [`CheckOptions::stop_at_first_violation`] is off.
///
/// # Panics
///
/// If the model's [`Model::partition`] does not place every operation in exactly one
/// partition: that is a bug in the model.
pub fn check<M: Model>(
    model: &M,
    history: &History<M::Input, M::Output>,
    options: &CheckOptions,
) -> CheckReport {
    let started = Instant::now();
    let deadline = options.time_limit.map(|limit| started + limit);
    let ops = history.operations();
    let partitions = if options.partition {
        let partitions = model.partition(ops);
        assert_covers_once(&partitions, ops.len());
        partitions
    } else {
        vec![Partition { label: "all operations".to_string(), operations: (0..ops.len()).collect() }]
    };
    let partitions: Vec<Partition> = partitions.into_iter().filter(|p| !p.operations.is_empty()).collect();
    let limits = Limits::new(deadline, options.max_configurations, options.max_memory);
    let members = |partition: &Partition| -> Vec<&Operation<M::Input, M::Output>> {
        partition.operations.iter().map(|&i| &ops[i]).collect()
    };

    // Inference first, partition by partition: it is fast, and the first violation it finds
    // is the same from run to run.
    let mut decided: Vec<Option<(Found, Option<String>)>> = vec![None; partitions.len()];
    if options.infer_unique_appends && options.partition {
        for (slot, partition) in decided.iter_mut().zip(&partitions) {
            if limits.stopped() {
                break;
            }
            if let Some(inferred) = unique_append::infer(model, &members(partition)) {
                if matches!(inferred.found, Found::Violation { .. }) && options.stop_at_first_violation {
                    limits.stop_all();
                }
                *slot = Some((inferred.found, inferred.reason));
            }
        }
    }
    let left: Vec<usize> = (0..partitions.len()).filter(|&i| decided[i].is_none()).collect();
    let searched = search_all(model, ops, &partitions, &left, &limits, options.stop_at_first_violation);
    let mut searched: HashMap<usize, Searched> = left.into_iter().zip(searched).collect();
    let results: Vec<PartitionResult> = partitions
        .into_iter()
        .zip(decided)
        .enumerate()
        .map(|(index, (partition, inferred))| {
            let (found, reason, configurations, inferred) = match inferred {
                Some((found, reason)) => (found, reason, 0, true),
                None => {
                    let Searched { found, configurations } =
                        searched.remove(&index).expect("every partition left was searched");
                    (found, None, configurations, false)
                }
            };
            let global = |local: Vec<usize>| -> Vec<usize> {
                local.into_iter().map(|i| partition.operations[i]).collect()
            };
            let outcome = match found {
                Found::Linearization(order) => PartitionOutcome::Linearizable { order: global(order) },
                Found::Violation { prefix, unplaced } => PartitionOutcome::Violation {
                    longest_prefix: global(prefix),
                    unplaced: global(unplaced),
                    reason,
                },
                Found::GaveUp { limit, prefix } => {
                    PartitionOutcome::GaveUp { limit, longest_prefix: global(prefix) }
                }
                Found::Stopped => PartitionOutcome::Unchecked,
            };
            PartitionResult {
                label: partition.label,
                operations: partition.operations,
                outcome,
                configurations,
                inferred,
            }
        })
        .collect();
    let verdict = if results.iter().any(PartitionResult::is_violation) {
        Verdict::NotLinearizable
    } else if results.iter().any(|r| matches!(r.outcome, PartitionOutcome::GaveUp { .. })) {
        Verdict::Unknown
    } else {
        Verdict::Linearizable
    };
    CheckReport { verdict, partitions: results, elapsed: started.elapsed() }
}

fn assert_covers_once(partitions: &[Partition], len: usize) {
    let mut seen = vec![false; len];
    for partition in partitions {
        for &index in &partition.operations {
            assert!(
                index < len && !std::mem::replace(&mut seen[index], true),
                "Model::partition placed operation {index} twice or it does not exist ({len} operations)"
            );
        }
    }
    if let Some(missing) = seen.iter().position(|&placed| !placed) {
        panic!("Model::partition left operation {missing} out of every partition");
    }
}

/// Below this many operations to search, the partitions are searched on the calling thread:
/// their searches take well under a millisecond, less than starting threads on a busy machine.
const PARALLEL_FROM: usize = 1_000;

/// Searches the partitions `which` (indices into `partitions`), the largest first, on as many
/// threads as there are cores; the answers come in the order of `which`. With
/// `stop_at_first`, the first violation stops the other searches.
fn search_all<M: Model>(
    model: &M,
    ops: &[Operation<M::Input, M::Output>],
    partitions: &[Partition],
    which: &[usize],
    limits: &Limits,
    stop_at_first: bool,
) -> Vec<Searched> {
    let operations: usize = which.iter().map(|&i| partitions[i].operations.len()).sum();
    // The number of cores is asked only when threads may be used: finding it reads the
    // process's control-group files, which costs more than a small search.
    let workers = if operations < PARALLEL_FROM || which.len() < 2 {
        1
    } else {
        thread::available_parallelism().map_or(1, usize::from).min(which.len())
    };
    let max_memory = limits.memory_share(workers);
    let search_one = |i: usize| {
        let members: Vec<&Operation<M::Input, M::Output>> =
            partitions[which[i]].operations.iter().map(|&op| &ops[op]).collect();
        let searched = search::search(model, &members, limits, max_memory);
        if stop_at_first && matches!(searched.found, Found::Violation { .. }) {
            limits.stop_all();
        }
        searched
    };
    if workers <= 1 {
        return (0..which.len()).map(search_one).collect();
    }
    let mut order: Vec<usize> = (0..which.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(partitions[which[i]].operations.len()));
    let next = AtomicUsize::new(0);
    let mut found: Vec<Option<Searched>> = vec![None; which.len()];
    thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                        mine.push((i, search_one(i)));
                    }
                    mine
                })
            })
            .collect();
        for handle in handles {
            let mine = handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (i, result) in mine {
                found[i] = Some(result);
            }
        }
    });
    found.into_iter().map(|f| f.expect("every partition was searched")).collect()
}
