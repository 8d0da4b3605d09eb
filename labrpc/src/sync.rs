//! Locks and condition variables for servers, clerks and tests, with parking_lot's API: a lock
//! never poisons, a guard is released when dropped, and a condition variable waits with a
//! `&mut` guard.
//!
//! In the plain build they are parking_lot's. With the `simulation` feature they are the
//! simulation's: every lock and wait is a point where the seeded scheduler may switch tasks, and a
//! timed wait ends by the virtual clock (see `labrpc::sim`, built with that feature). Code that uses only these, the
//! [`time`](crate::time), [`thread`](crate::thread) and [`random`](crate::random) modules and
//! labrpc's own calls runs the same in both modes.

use std::fmt;
use std::ops::{Deref, DerefMut};

use crate::time::Instant;
use std::time::Duration;

#[cfg(not(feature = "simulation"))]
use parking_lot as imp;

/// A mutual-exclusion lock (parking_lot's `Mutex`).
pub struct Mutex<T: ?Sized> {
    #[cfg(not(feature = "simulation"))]
    inner: imp::Mutex<T>,
    #[cfg(feature = "simulation")]
    inner: shuttle::sync::Mutex<T>,
}

/// Holds a [`Mutex`] locked until dropped.
pub struct MutexGuard<'a, T: ?Sized> {
    #[cfg(not(feature = "simulation"))]
    inner: imp::MutexGuard<'a, T>,
    // An `Option` only so that a condition variable can move the guard out and back in.
    #[cfg(feature = "simulation")]
    inner: Option<shuttle::sync::MutexGuard<'a, T>>,
}

/// A condition variable (parking_lot's `Condvar`): waits with a locked [`MutexGuard`], and may
/// wake spuriously, so wait in a loop on the condition.
pub struct Condvar {
    #[cfg(not(feature = "simulation"))]
    inner: imp::Condvar,
    #[cfg(feature = "simulation")]
    inner: std::sync::Arc<shuttle::sync::Condvar>,
}

/// Whether a timed wait ended because its time ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// True if the wait ended because its time ran out (the condition may still have come true).
    pub fn timed_out(self) -> bool {
        self.0
    }
}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    pub fn new(value: T) -> Mutex<T> {
        #[cfg(not(feature = "simulation"))]
        let inner = imp::Mutex::new(value);
        #[cfg(feature = "simulation")]
        let inner = shuttle::sync::Mutex::new(value);
        Mutex { inner }
    }

    /// The value, taking the mutex apart.
    pub fn into_inner(self) -> T {
        #[cfg(not(feature = "simulation"))]
        return self.inner.into_inner();
        #[cfg(feature = "simulation")]
        return self.inner.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, blocking until it is free.
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        #[cfg(not(feature = "simulation"))]
        return MutexGuard { inner: self.inner.lock() };
        #[cfg(feature = "simulation")]
        return MutexGuard {
            inner: Some(self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)),
        };
    }

    /// Locks the mutex if it is free now.
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        #[cfg(not(feature = "simulation"))]
        return self.inner.try_lock().map(|inner| MutexGuard { inner });
        #[cfg(feature = "simulation")]
        return match self.inner.try_lock() {
            Ok(guard) => Some(MutexGuard { inner: Some(guard) }),
            Err(std::sync::TryLockError::Poisoned(poisoned)) => {
                Some(MutexGuard { inner: Some(poisoned.into_inner()) })
            }
            Err(std::sync::TryLockError::WouldBlock) => None,
        };
    }

    /// The value, through a unique borrow (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        #[cfg(not(feature = "simulation"))]
        return self.inner.get_mut();
        #[cfg(feature = "simulation")]
        return self.inner.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
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

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        #[cfg(not(feature = "simulation"))]
        return &self.inner;
        #[cfg(feature = "simulation")]
        return self.inner.as_ref().expect("a guard holds its lock outside a wait");
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        #[cfg(not(feature = "simulation"))]
        return &mut self.inner;
        #[cfg(feature = "simulation")]
        return self.inner.as_mut().expect("a guard holds its lock outside a wait");
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl Condvar {
    /// A new condition variable.
    pub fn new() -> Condvar {
        #[cfg(not(feature = "simulation"))]
        let inner = imp::Condvar::new();
        #[cfg(feature = "simulation")]
        let inner = std::sync::Arc::new(shuttle::sync::Condvar::new());
        Condvar { inner }
    }

    /// Unlocks `guard`'s mutex and waits for a notification, then locks it again.
    #[inline]
    pub fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
        #[cfg(not(feature = "simulation"))]
        self.inner.wait(&mut guard.inner);
        #[cfg(feature = "simulation")]
        {
            let held = guard.inner.take().expect("a guard holds its lock outside a wait");
            let held = self.inner.wait(held).unwrap_or_else(std::sync::PoisonError::into_inner);
            guard.inner = Some(held);
        }
    }

    /// [`wait`](Condvar::wait), for at most `timeout`.
    #[inline]
    pub fn wait_for<T>(&self, guard: &mut MutexGuard<'_, T>, timeout: Duration) -> WaitTimeoutResult {
        #[cfg(not(feature = "simulation"))]
        return WaitTimeoutResult(self.inner.wait_for(&mut guard.inner, timeout).timed_out());
        #[cfg(feature = "simulation")]
        return self.wait_until(guard, Instant::now() + timeout);
    }

    /// [`wait`](Condvar::wait), until `deadline` at the latest.
    pub fn wait_until<T>(&self, guard: &mut MutexGuard<'_, T>, deadline: Instant) -> WaitTimeoutResult {
        #[cfg(not(feature = "simulation"))]
        return WaitTimeoutResult(self.inner.wait_until(&mut guard.inner, deadline.into_std()).timed_out());
        #[cfg(feature = "simulation")]
        {
            let clock = crate::sim::clock::Clock::current();
            let Some(alarm) = clock.arm_waiter(deadline, &self.inner) else {
                return WaitTimeoutResult(true);
            };
            self.wait(guard);
            WaitTimeoutResult(clock.disarm(&alarm))
        }
    }

    /// Wakes one waiting thread, if any.
    #[inline]
    pub fn notify_one(&self) {
        self.inner.notify_one();
    }

    /// Wakes every waiting thread.
    #[inline]
    pub fn notify_all(&self) {
        self.inner.notify_all();
    }
}

impl Default for Condvar {
    fn default() -> Condvar {
        Condvar::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Condvar { .. }")
    }
}
