//! What may end the searches of one check early: a deadline, a number of configurations per
//! partition, a share of the memory budget per search, and a violation found elsewhere.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// The limits shared by the searches of one check.
pub(super) struct Limits {
    /// Give up at this instant.
    pub(super) deadline: Option<Instant>,
    /// Give up on a partition after exploring more configurations than this.
    pub(super) max_configurations: Option<usize>,
    /// The bytes all searches may hold together.
    max_memory: Option<usize>,
    /// Set when a search found a violation and the check stops at the first.
    stop: AtomicBool,
}

impl Limits {
    pub(super) fn new(
        deadline: Option<Instant>,
        max_configurations: Option<usize>,
        max_memory: Option<usize>,
    ) -> Self {
        Limits { deadline, max_configurations, max_memory, stop: AtomicBool::new(false) }
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

    /// The bytes one of `side_by_side` searches running at once may hold: an equal share of
    /// the budget. Each thread's allocator keeps some of what its finished searches freed, so
    /// a fixed share per thread, not a common pool, is what bounds the process. (A share also
    /// does not depend on how the threads happen to interleave.)
    pub(super) fn memory_share(&self, side_by_side: usize) -> Option<usize> {
        self.max_memory.map(|max| max / side_by_side.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_side_by_side_share_the_memory_budget() {
        let limits = Limits::new(None, None, Some(300));
        assert_eq!(limits.memory_share(1), Some(300));
        assert_eq!(limits.memory_share(3), Some(100));
        assert_eq!(limits.memory_share(0), Some(300));
        assert_eq!(Limits::new(None, None, None).memory_share(2), None);
    }

    #[test]
    fn the_stop_signal_reaches_every_search() {
        let limits = Limits::new(None, None, None);
        assert!(!limits.stopped() && !limits.past_deadline());
        limits.stop_all();
        assert!(limits.stopped());
    }
}
