//! Locks and condition variables for servers, clerks and tests, with parking_lot's API: a lock
//! never poisons, a guard is released when dropped, and a condition variable waits with a
//! `&mut` guard.
//!
//! In the plain build they are parking_lot's. With the `simulation` feature they are the
//! simulation's: every lock and wait is a point where the seeded scheduler may switch tasks, and a
//! timed wait ends by the virtual clock (see `labrpc::sim`, built with that feature). Code that uses only these, the
//! [`time`](crate::time), [`thread`](crate::thread), [`channel`](crate::channel) and
//! [`random`](crate::random) modules and labrpc's own calls runs the same in both modes.

use std::fmt;

#[cfg(not(feature = "simulation"))]
mod real;

#[cfg(not(feature = "simulation"))]
pub use real::{Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[cfg(feature = "simulation")]
pub use crate::sim::sync::{Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Whether a timed wait ended because its time ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitTimeoutResult(pub(crate) bool);

impl WaitTimeoutResult {
    /// True if the wait ended because its time ran out (the condition may still have come true).
    pub fn timed_out(self) -> bool {
        self.0
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.try_lock() {
            Some(guard) => f.debug_struct("Mutex").field("data", &&*guard).finish(),
            None => f.write_str("Mutex { <locked> }"),
        }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RwLock { .. }")
    }
}

impl Default for Condvar {
    fn default() -> Condvar {
        Condvar::new()
    }
}
