//! How to check: partitioning, inference, the limits of a search, and when to stop.

use std::time::Duration;

#[cfg(doc)]
use super::{PartitionOutcome, Verdict};
#[cfg(doc)]
use crate::model::Model;

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
