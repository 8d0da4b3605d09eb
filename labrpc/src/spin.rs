//! Brief polling before a blocking wait, while a core is free for it.
//!
//! A thread that blocks on a channel is put to sleep, and waking it costs tens of microseconds
//! on a busy machine, far more than a whole call. When a free core is likely to answer within
//! microseconds, polling for a short while first keeps both threads awake. Polling only pays
//! while there are cores to spare, so at most one poller per core polls at a time; everyone
//! else blocks at once, as on a plain channel.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};

/// How long a caller polls for its reply, and a worker for its next job, before blocking.
const POLL_BUDGET: Duration = Duration::from_micros(50);

/// How long a poller spins before it starts yielding its core between polls.
const YIELD_AFTER: Duration = Duration::from_micros(10);

/// Limits polling to one thread per core.
pub(crate) struct Spin {
    polling: AtomicUsize,
    cores: usize,
}

impl Spin {
    pub(crate) fn new() -> Spin {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Spin { polling: AtomicUsize::new(0), cores }
    }

    /// Polls `rx` for a short while if a core is free. `None` means nothing arrived (or no
    /// core was free): block on it next.
    pub(crate) fn poll<T>(&self, rx: &Receiver<T>) -> Option<Result<T, TryRecvError>> {
        if self.polling.fetch_add(1, Ordering::AcqRel) >= self.cores {
            self.polling.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        let result = poll_for(rx, POLL_BUDGET);
        self.polling.fetch_sub(1, Ordering::AcqRel);
        result
    }
}

fn poll_for<T>(rx: &Receiver<T>, budget: Duration) -> Option<Result<T, TryRecvError>> {
    let started = Instant::now();
    loop {
        for _ in 0..64 {
            match rx.try_recv() {
                Err(TryRecvError::Empty) => std::hint::spin_loop(),
                other => return Some(other),
            }
        }
        let waited = started.elapsed();
        if waited >= budget {
            return None;
        }
        // A reply slower than a round trip may be waiting for a thread that needs this very
        // core (a chain of three threads on two cores): from then on, let others run between
        // polls.
        if waited >= YIELD_AFTER {
            std::thread::yield_now();
        }
    }
}
