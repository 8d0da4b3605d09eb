//! What may end the searches of one check early: a deadline, a number of configurations per
//! partition, the memory all searches hold together, and a violation found elsewhere.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

/// A search reports its memory to the shared budget each time it has grown by this much, so
/// the searches running side by side seldom touch the shared counter.
const REPORT_EVERY: usize = 256 * 1024;

/// The limits shared by the searches of one check.
pub(super) struct Limits {
    /// Give up at this instant.
    pub(super) deadline: Option<Instant>,
    /// Give up on a partition after exploring more configurations than this.
    pub(super) max_configurations: Option<usize>,
    /// The bytes all searches may hold together.
    max_memory: Option<usize>,
    /// The bytes they reported holding.
    memory: AtomicUsize,
    /// Set when a search found a violation and the check stops at the first.
    stop: AtomicBool,
}

impl Limits {
    pub(super) fn new(
        deadline: Option<Instant>,
        max_configurations: Option<usize>,
        max_memory: Option<usize>,
    ) -> Self {
        Limits {
            deadline,
            max_configurations,
            max_memory,
            memory: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        }
    }

    /// Tells every search to stop.
    pub(super) fn stop_all(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// True once a search was told to stop.
    pub(super) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// True once the deadline has passed.
    pub(super) fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|deadline| Instant::now() >= deadline)
    }

    /// A new search's share of the memory budget, holding nothing yet.
    pub(super) fn claim(&self) -> Claim<'_> {
        Claim { limits: self, claimed: 0 }
    }
}

/// The memory one search has reported to the shared budget. Dropping it gives the memory back
/// (the search's table is freed with it).
pub(super) struct Claim<'a> {
    limits: &'a Limits,
    claimed: usize,
}

impl Claim<'_> {
    /// Tells the budget that the search now holds `bytes`. Returns false if the searches
    /// together hold more than allowed. Growth smaller than [`REPORT_EVERY`] since the last
    /// report is not reported yet.
    pub(super) fn hold(&mut self, bytes: usize) -> bool {
        if bytes < self.claimed + REPORT_EVERY {
            return true;
        }
        let grown = bytes - self.claimed;
        self.claimed = bytes;
        let total = self.limits.memory.fetch_add(grown, Ordering::Relaxed) + grown;
        self.limits.max_memory.is_none_or(|max| total <= max)
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.limits.memory.fetch_sub(self.claimed, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_share_the_memory_budget_and_give_it_back() {
        let limits = Limits::new(None, None, Some(3 * REPORT_EVERY));
        let mut first = limits.claim();
        assert!(first.hold(100), "small growth is not even reported");
        assert!(first.hold(2 * REPORT_EVERY));
        {
            let mut second = limits.claim();
            assert!(!second.hold(2 * REPORT_EVERY), "together they hold four units of three");
        }
        assert!(first.hold(3 * REPORT_EVERY), "the second search gave its memory back");
        assert!(!first.hold(4 * REPORT_EVERY));
    }

    #[test]
    fn the_stop_signal_reaches_every_search() {
        let limits = Limits::new(None, None, None);
        assert!(!limits.stopped() && !limits.past_deadline());
        limits.stop_all();
        assert!(limits.stopped());
    }
}
