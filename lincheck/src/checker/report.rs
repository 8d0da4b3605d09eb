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
    /// No partition failed, but a limit (time, configurations explored or memory) ended the
    /// search of at least one.
    Unknown,
}

/// The limit that stopped a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// [`CheckOptions::time_limit`](super::CheckOptions::time_limit).
    Time,
    /// [`CheckOptions::max_configurations`](super::CheckOptions::max_configurations).
    Configurations,
    /// [`CheckOptions::max_memory`](super::CheckOptions::max_memory).
    Memory,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::Time => "ran out of time",
            Limit::Configurations => "explored as many configurations as allowed",
            Limit::Memory => "used as much memory as allowed",
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
        /// the model accepts there (or leads anywhere from there). When the unique-append
        /// inference decided the partition, the operations that conflict: see `reason`.
        unplaced: Vec<usize>,
        /// Why, in a sentence naming the operations that conflict, when the checker knows
        /// (the unique-append inference does; the search does not).
        reason: Option<String>,
    },
    /// A limit ended the search before it found either answer.
    GaveUp {
        /// Which limit.
        limit: Limit,
        /// The longest sequence linearized before the limit, in order.
        longest_prefix: Vec<usize>,
    },
    /// Not decided: the check stopped at a violation in another partition (see
    /// [`CheckOptions::stop_at_first_violation`](super::CheckOptions::stop_at_first_violation)).
    Unchecked,
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
    /// measure of its work (0 when the inference decided the partition).
    pub configurations: usize,
    /// True if the unique-append inference decided the partition, without a search.
    pub inferred: bool,
}

impl PartitionResult {
    /// True if the partition has no linearization.
    pub fn is_violation(&self) -> bool {
        matches!(self.outcome, PartitionOutcome::Violation { .. })
    }

    /// The limit that stopped the partition's search, if one did.
    pub fn limit(&self) -> Option<Limit> {
        match self.outcome {
            PartitionOutcome::GaveUp { limit, .. } => Some(limit),
            _ => None,
        }
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

    /// Which limits stopped a search, each once, for saying why a verdict is unknown: such as
    /// "ran out of time on key \"0\"" or, for several partitions, "ran out of time on 3
    /// partitions". Empty if no limit stopped one.
    pub fn limits_hit(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for limit in [Limit::Time, Limit::Configurations, Limit::Memory] {
            let hit: Vec<&PartitionResult> =
                self.partitions.iter().filter(|p| p.limit() == Some(limit)).collect();
            match hit.as_slice() {
                [] => {}
                [one] => parts.push(format!("{limit} on {}", one.label)),
                many => parts.push(format!("{limit} on {} partitions", many.len())),
            }
        }
        parts.join("; ")
    }

    /// A few lines for a test failure or a terminal: the verdict and, for each failing
    /// partition, the end of the longest linearizable prefix (its last 20 operations, with the
    /// state after each), the operations that could not be placed after it and, when the
    /// checker knows, why ("Why: ..."); then how many partitions were left unchecked.
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
            let (prefix, unplaced, reason) = match &partition.outcome {
                PartitionOutcome::Linearizable { .. } | PartitionOutcome::Unchecked => continue,
                PartitionOutcome::Violation { longest_prefix, unplaced, reason } => {
                    (longest_prefix, Ok(unplaced), reason.as_deref())
                }
                PartitionOutcome::GaveUp { longest_prefix, limit } => (longest_prefix, Err(*limit), None),
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
            if let Some(reason) = reason {
                let _ = write!(text, "\nWhy: {reason}");
            }
        }
        let unchecked = self.partitions.iter().filter(|p| p.outcome == PartitionOutcome::Unchecked).count();
        if unchecked > 0 {
            let _ = write!(
                text,
                "\n\n{unchecked} other partition(s) were not checked: the check stops at the first \
                 violation (an option decides every partition)."
            );
        }
        text
    }
}
