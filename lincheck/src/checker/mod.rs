//! The checker: splits a history into the model's partitions, decides those it can by
//! unique-append inference, and searches the others for a linearization, in parallel, within
//! limits of time, configurations and memory, stopping at the first violation unless told
//! otherwise.

mod limits;
mod memo;
mod report;
mod search;
mod unique_append;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

pub use report::{CheckReport, Limit, PartitionOutcome, PartitionResult, Verdict};

use super::history::{History, Operation};
use super::model::{Model, Partition};
use limits::Limits;
use search::{Found, Searched};

/// How to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// Check the model's partitions separately (the default). With `false` the whole history
    /// is one search, which is correct but can be exponentially slower.
    pub partition: bool,
    /// Give up after this long and answer [`Verdict::Unknown`] (unless a violation was found).
    /// `None`: no limit.
    pub time_limit: Option<Duration>,
    /// Give up on a partition after exploring this many configurations (the memory of the
    /// search grows with them: a few hundred bytes each for the key/value model), and answer
    /// [`Verdict::Unknown`] unless a violation was found. `None`: no limit. The default,
    /// [`DEFAULT_MAX_CONFIGURATIONS`], is some ten times what the hardest external data file needs.
    pub max_configurations: Option<usize>,
    /// Give up on a partition when its search holds about this many bytes (its table of
    /// explored configurations, as [`Model::added_bytes`] helps count them), or this divided
    /// by the number of searches running side by side, and answer [`Verdict::Unknown`] unless
    /// a violation was found. `None`: no limit. The default is [`DEFAULT_MAX_MEMORY`].
    pub max_memory: Option<usize>,
    /// Decide a partition whose operations are appends of distinct values and reads of the
    /// whole value ([`Model::append_step`]) by inferring the order of the appends from the
    /// reads, without a search (the default). The verdict is the search's; only time and
    /// memory differ. Applies only with [`CheckOptions::partition`], since the model says which
    /// operations act on one value by its partitions.
    pub infer_unique_appends: bool,
    /// Stop at the first partition found to have no linearization (the default): the others
    /// are left [`PartitionOutcome::Unchecked`]. With `false`, every partition is decided, so
    /// every failing one is explained.
    pub stop_at_first_violation: bool,
}

/// The default of [`CheckOptions::max_configurations`].
pub const DEFAULT_MAX_CONFIGURATIONS: usize = 3_000_000;

/// The default of [`CheckOptions::max_memory`]: 192 MiB. The count is close to what a search
/// holds (a search stopped at it peaked at 205 MB resident), so a checking process stays under
/// 256 MB; the hardest external data file (c10-bad.txt, unpartitioned) needs 140 to 150 MiB by
/// the count.
pub const DEFAULT_MAX_MEMORY: usize = 192 << 20;

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            partition: true,
            time_limit: None,
            max_configurations: Some(DEFAULT_MAX_CONFIGURATIONS),
            max_memory: Some(DEFAULT_MAX_MEMORY),
            infer_unique_appends: true,
            stop_at_first_violation: true,
        }
    }
}

impl CheckOptions {
    /// The same options without partitioning.
    pub fn without_partitioning(self) -> Self {
        CheckOptions { partition: false, ..self }
    }

    /// The same options with a time limit.
    pub fn with_time_limit(self, limit: Duration) -> Self {
        CheckOptions { time_limit: Some(limit), ..self }
    }

    /// The same options with a limit on the configurations explored per partition (`None`: no
    /// limit).
    pub fn with_max_configurations(self, max: Option<usize>) -> Self {
        CheckOptions { max_configurations: max, ..self }
    }

    /// The same options with a limit on the memory of the searches, in bytes (`None`: no limit).
    pub fn with_max_memory(self, max: Option<usize>) -> Self {
        CheckOptions { max_memory: max, ..self }
    }

    /// The same options without unique-append inference: every partition is searched.
    pub fn without_inference(self) -> Self {
        CheckOptions { infer_unique_appends: false, ..self }
    }

    /// The same options deciding every partition, instead of stopping at the first violation.
    pub fn with_every_violation(self) -> Self {
        CheckOptions { stop_at_first_violation: false, ..self }
    }
}

/// Checks whether `history` is linearizable under `model`.
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
    let cores = thread::available_parallelism().map_or(1, usize::from);
    let operations: usize = which.iter().map(|&i| partitions[i].operations.len()).sum();
    let workers = if operations < PARALLEL_FROM { 1 } else { cores.min(which.len()) };
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
