//! What a check found, and its explanation in words.

use std::fmt::{self, Write as _};
use std::time::Duration;

use crate::history::History;
use crate::model::Model;

/// How many operations of a long prefix [`CheckReport::explain`] shows: the last ones, where
/// the trouble starts.
const EXPLAINED_PREFIX: usize = 20;

/// The overall answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Every partition has a linearization.
    Linearizable,
    /// At least one partition has none.
    NotLinearizable,
    /// No partition failed, but a limit (time, or configurations explored) ended the search of
    /// at least one.
    Unknown,
}

/// The limit that stopped a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// [`CheckOptions::time_limit`](super::CheckOptions::time_limit).
    Time,
    /// [`CheckOptions::max_configurations`](super::CheckOptions::max_configurations).
    Configurations,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::Time => "ran out of time",
            Limit::Configurations => "explored as many configurations as allowed",
        })
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Linearizable => "linearizable",
            Verdict::NotLinearizable => "NOT linearizable",
            Verdict::Unknown => "unknown (a limit stopped the search)",
        })
    }
}

/// What the search found in one partition. Operations are indices into the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartitionOutcome {
    /// A linearization exists.
    Linearizable {
        /// The operations in an order in which they can take effect. Operations that never
        /// returned and need not take effect are left out.
        order: Vec<usize>,
    },
    /// No linearization exists.
    Violation {
        /// The longest sequence of operations the search could linearize, in order. "Longest"
        /// counts the operations that returned, so the sequence never ends with one that did
        /// not (those may always be left out).
        longest_prefix: Vec<usize>,
        /// The operations that could go next after that prefix, in real time, none of which
        /// the model accepts there (or leads anywhere from there).
        unplaced: Vec<usize>,
    },
    /// A limit ended the search before it found either answer.
    GaveUp {
        /// Which limit.
        limit: Limit,
        /// The longest sequence linearized before the limit, in order.
        longest_prefix: Vec<usize>,
    },
}

/// One partition's label, operations and outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionResult {
    /// The partition's name, such as `key "x"`.
    pub label: String,
    /// Its operations, as indices into the history, in call order.
    pub operations: Vec<usize>,
    /// What the search found.
    pub outcome: PartitionOutcome,
    /// How many distinct (operations linearized, state) configurations the search explored: a
    /// measure of its work.
    pub configurations: usize,
}

impl PartitionResult {
    /// True if the partition has no linearization.
    pub fn is_violation(&self) -> bool {
        matches!(self.outcome, PartitionOutcome::Violation { .. })
    }
}

/// The result of [`check`](super::check).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckReport {
    /// The overall answer.
    pub verdict: Verdict,
    /// Every partition, in the order the model gave them.
    pub partitions: Vec<PartitionResult>,
    /// How long the check took.
    pub elapsed: Duration,
}

impl CheckReport {
    /// True if the history is linearizable.
    pub fn is_linearizable(&self) -> bool {
        self.verdict == Verdict::Linearizable
    }

    /// The partitions that have no linearization.
    pub fn violations(&self) -> impl Iterator<Item = &PartitionResult> {
        self.partitions.iter().filter(|partition| partition.is_violation())
    }

    /// A few lines for a test failure or a terminal: the verdict and, for each failing
    /// partition, the end of the longest linearizable prefix (its last 20 operations, with the
    /// state after each) and the operations that could not be placed after it.
    pub fn explain<M: Model>(&self, model: &M, history: &History<M::Input, M::Output>) -> String {
        let ops = history.operations();
        let unit = history.stamp_unit();
        let describe = |index: usize| {
            let op = &ops[index];
            let returned = op
                .returned_at()
                .map_or_else(|| "never returned".to_string(), |at| format!("returned {}", unit.show(at)));
            format!(
                "client {}: {}  (called {}, {returned})",
                op.client,
                model.describe_operation(&op.input, op.output()),
                unit.show(op.call),
            )
        };
        let partitions = match self.partitions.len() {
            1 => "1 partition".to_string(),
            n => format!("{n} partitions"),
        };
        let mut text = format!(
            "{}: {} operations, {partitions}, checked in {:.1?}",
            self.verdict,
            history.len(),
            self.elapsed
        );
        for partition in &self.partitions {
            let (prefix, unplaced) = match &partition.outcome {
                PartitionOutcome::Linearizable { .. } => continue,
                PartitionOutcome::Violation { longest_prefix, unplaced } => (longest_prefix, Ok(unplaced)),
                PartitionOutcome::GaveUp { longest_prefix, limit } => (longest_prefix, Err(*limit)),
            };
            let what = match unplaced {
                Ok(_) => "has no linearization".to_string(),
                Err(limit) => format!("is undecided: the search {limit}"),
            };
            let _ = write!(
                text,
                "\n\n{} ({} operations) {what}.\nLongest linearizable prefix ({} operations):",
                partition.label,
                partition.operations.len(),
                prefix.len()
            );
            let mut state = model.init();
            let skipped = prefix.len().saturating_sub(EXPLAINED_PREFIX);
            if skipped > 0 {
                let _ = write!(
                    text,
                    "\n       ({skipped} earlier operations left out; the timeline lists them all)"
                );
            }
            for (position, &index) in prefix.iter().enumerate() {
                let op = &ops[index];
                if let Some(next) = model.step(&state, &op.input, op.output()) {
                    state = next;
                }
                if position < skipped {
                    continue;
                }
                let _ = write!(
                    text,
                    "\n  {:>3}. {}\n       state: {}",
                    position + 1,
                    describe(index),
                    model.describe_state(&state)
                );
            }
            if let Ok(unplaced) = unplaced {
                let _ = write!(text, "\nNone of these can take effect next:");
                for &index in unplaced {
                    let _ = write!(text, "\n       {}", describe(index));
                }
            }
        }
        text
    }
}
