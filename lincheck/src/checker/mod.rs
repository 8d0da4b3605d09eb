//! The checker: splits a history into the model's partitions and searches each for a
//! linearization, in parallel, within an optional time limit.

mod memo;
mod report;
mod search;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

pub use report::{CheckReport, Limit, PartitionOutcome, PartitionResult, Verdict};

use super::history::{History, Operation};
use super::model::{Model, Partition};
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
}

/// The default of [`CheckOptions::max_configurations`].
pub const DEFAULT_MAX_CONFIGURATIONS: usize = 3_000_000;

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            partition: true,
            time_limit: None,
            max_configurations: Some(DEFAULT_MAX_CONFIGURATIONS),
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
    let found = search_all(model, ops, &partitions, deadline, options.max_configurations);

    let results: Vec<PartitionResult> = partitions
        .into_iter()
        .zip(found)
        .map(|(partition, Searched { found, configurations })| {
            let global = |local: Vec<usize>| -> Vec<usize> {
                local.into_iter().map(|i| partition.operations[i]).collect()
            };
            let outcome = match found {
                Found::Linearization(order) => PartitionOutcome::Linearizable { order: global(order) },
                Found::Violation { prefix, unplaced } => {
                    PartitionOutcome::Violation { longest_prefix: global(prefix), unplaced: global(unplaced) }
                }
                Found::GaveUp { limit, prefix } => {
                    PartitionOutcome::GaveUp { limit, longest_prefix: global(prefix) }
                }
            };
            PartitionResult {
                label: partition.label,
                operations: partition.operations,
                outcome,
                configurations,
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

/// Searches every partition, the largest first, on as many threads as there are cores.
fn search_all<M: Model>(
    model: &M,
    ops: &[Operation<M::Input, M::Output>],
    partitions: &[Partition],
    deadline: Option<Instant>,
    max_configurations: Option<usize>,
) -> Vec<Searched> {
    let search_one = |partition: &Partition| {
        let members: Vec<&Operation<M::Input, M::Output>> =
            partition.operations.iter().map(|&i| &ops[i]).collect();
        search::search(model, &members, deadline, max_configurations)
    };
    let cores = thread::available_parallelism().map_or(1, usize::from);
    let workers = cores.min(partitions.len());
    if workers <= 1 {
        return partitions.iter().map(search_one).collect();
    }
    let mut order: Vec<usize> = (0..partitions.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(partitions[i].operations.len()));
    let next = AtomicUsize::new(0);
    let mut found: Vec<Option<Searched>> = vec![None; partitions.len()];
    thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    while let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                        mine.push((index, search_one(&partitions[index])));
                    }
                    mine
                })
            })
            .collect();
        for handle in handles {
            let mine = handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (index, result) in mine {
                found[index] = Some(result);
            }
        }
    });
    found.into_iter().map(|f| f.expect("every partition was searched")).collect()
}
