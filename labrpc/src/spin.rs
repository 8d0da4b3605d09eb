//! Brief polling before a blocking wait, while a core is likely to answer soon.
//!
//! A thread that blocks on a channel is put to sleep, and waking it costs tens of microseconds
//! on a busy machine, far more than a whole call. When another thread is likely to answer within
//! microseconds, polling for a short while first keeps both threads awake.
//!
//! Polling only pays while there are cores to spare, so the pollers are ranked as they arrive.
//! The first one per core spins; a nested call (a handler that calls another server while its
//! own caller waits) needs a third thread, so up to as many again poll too, but give their core
//! away between polls, so that the thread doing the work is never starved by the ones waiting
//! for it. Everyone else blocks at once, as on a plain channel.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::channel::{Receiver, TryRecvError};

/// How long a caller polls for its reply, and a worker for its next job, before blocking.
const POLL_BUDGET: Duration = Duration::from_micros(50);

/// How long one of the first pollers (one per core) spins before it starts yielding its core
/// between polls.
const YIELD_AFTER: Duration = Duration::from_micros(10);

/// Ranks pollers: one spinner per core, then as many yielding pollers again.
pub(crate) struct Spin {
    polling: AtomicUsize,
    cores: usize,
}

impl Spin {
    pub(crate) fn new() -> Spin {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Spin { polling: AtomicUsize::new(0), cores }
    }

    /// Polls `rx` for a short while if its rank allows. `None` means nothing arrived (or there
    /// were pollers enough already): block on it next.
    pub(crate) fn poll<T>(&self, rx: &Receiver<T>) -> Option<Result<T, TryRecvError>> {
        // Simulated, a poll only burns scheduling steps: block at once.
        if cfg!(feature = "simulation") {
            return None;
        }
        let rank = self.polling.fetch_add(1, Ordering::AcqRel);
        let result = if rank < self.cores {
            poll_for(rx, YIELD_AFTER)
        } else if rank < 2 * self.cores {
            poll_for(rx, Duration::ZERO)
        } else {
            None
        };
        self.polling.fetch_sub(1, Ordering::AcqRel);
        result
    }
}

/// Polls `rx` for up to `POLL_BUDGET`, yielding the core between polls once `spin_for` has
/// passed.
fn poll_for<T>(rx: &Receiver<T>, spin_for: Duration) -> Option<Result<T, TryRecvError>> {
    let started = Instant::now();
    loop {
        for _ in 0..64 {
            match rx.try_recv() {
                Err(TryRecvError::Empty) => std::hint::spin_loop(),
                other => return Some(other),
            }
        }
        let waited = started.elapsed();
        if waited >= POLL_BUDGET {
            return None;
        }
        // A reply slower than a round trip may be waiting for a thread that needs this very
        // core (a chain of three threads on two cores): from then on, let others run between
        // polls.
        if waited >= spin_for {
            std::thread::yield_now();
        }
    }
}
