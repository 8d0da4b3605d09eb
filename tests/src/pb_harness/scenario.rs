//! The scenario: a cluster of its own, the story printed around it, and the random choices
//! its seed repeats.

use std::ops::Deref;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::SeedableRng;

use labreport::scenario::seed_setting;

use super::cluster::Cluster;
use crate::health::assert_no_server_panicked;

/// One primary/backup scenario: a [`Cluster`] of its own (a view service, no key/value server
/// yet), told as a story. It prints `Test: <title> ...` with the seed that repeats its fault
/// decisions (and the schedule, in a simulated run that is not on the random one) when it
/// begins, and `... Passed` or `... Failed` when it ends.
///
/// Every wait of a scenario polls through [`super::poll::poll_until`], every thread a test
/// starts runs in [`Scenario::threads`], and the end of the scenario (its `Drop`) checks the
/// servers' threads (see [`super::health`]) before the cluster is torn down.
pub struct Scenario {
    cluster: Cluster,
    title: String,
    /// Tells no story (a search's executions: hundreds of them).
    quiet: bool,
}

impl Scenario {
    /// A view service on a fresh network, no servers yet; prints `Test: <title> ...` and the
    /// seed (`LAB_SEED=N`, or `LAB_CASE=N/pct2` in a simulated run on a PCT schedule).
    pub fn begin(title: &str) -> Scenario {
        let cluster = Cluster::new(&[]);
        println!("Test: {title} ... ({})", seed_setting(cluster.net.seed()));
        Scenario { cluster, title: title.to_string(), quiet: false }
    }

    /// [`Scenario::begin`] without the story (`Test:`, `Passed`, `Failed` lines): for the many
    /// executions of a search, which reports only the one that failed.
    pub fn begin_quiet(title: &str) -> Scenario {
        Scenario { cluster: Cluster::new(&[]), title: title.to_string(), quiet: true }
    }

    /// A generator for the random choices of `stream` (a client's index, say, or a fault
    /// injector's number of its own), seeded from the network's seed: `LAB_SEED` repeats a
    /// run's workload choices as well as its faults.
    pub fn rng(&self, stream: u64) -> StdRng {
        // An odd multiplier (2^64 / golden ratio) spreads neighbouring streams far apart.
        StdRng::seed_from_u64(self.net.seed() ^ stream.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// Polls `check` until it answers `Ok`, for at most `timeout`, and returns that answer; on
    /// time-out, fails the test saying what it waited for and what `check` saw last.
    #[track_caller]
    pub fn poll<T>(&self, what: &str, timeout: Duration, check: impl FnMut() -> Result<T, String>) -> T {
        self.wait(what, timeout, check).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Deref for Scenario {
    type Target = Cluster;

    fn deref(&self) -> &Cluster {
        &self.cluster
    }
}

impl Drop for Scenario {
    /// Ends the story. A scenario that got this far without failing is checked once more for
    /// server threads that panicked (a failure raised here still writes the report: the cluster,
    /// dropped next, sees the test failing). Then the cluster writes the report of a failed test
    /// and tears everything down.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert_no_server_panicked(&self.net);
            if !self.quiet {
                println!("  ... Passed");
            }
        } else if self.quiet {
            crate::timeliness::observe_network(&self.net);
        } else {
            crate::timeliness::observe_network(&self.net);
            let promise =
                if labrpc::SIMULATED { "replays it exactly" } else { "repeats its fault decisions" };
            println!("  ... Failed: {} ({} {promise})", self.title, seed_setting(self.net.seed()));
        }
    }
}
