//! The plain build's locks: parking_lot's, behind the facade's API.

use std::fmt;
use std::ops::{Deref, DerefMut};

use super::WaitTimeoutResult;
use crate::time::{Duration, Instant};

/// A mutual-exclusion lock (parking_lot's `Mutex`).
pub struct Mutex<T: ?Sized> {
    inner: parking_lot::Mutex<T>,
}

/// Holds a [`Mutex`] locked until dropped.
pub struct MutexGuard<'a, T: ?Sized> {
    inner: parking_lot::MutexGuard<'a, T>,
}

/// A reader-writer lock (parking_lot's `RwLock`): many readers or one writer.
pub struct RwLock<T: ?Sized> {
    inner: parking_lot::RwLock<T>,
}

/// Shared access to an [`RwLock`]'s value until dropped.
pub type RwLockReadGuard<'a, T> = parking_lot::RwLockReadGuard<'a, T>;
/// Unique access to an [`RwLock`]'s value until dropped.
pub type RwLockWriteGuard<'a, T> = parking_lot::RwLockWriteGuard<'a, T>;

/// A condition variable (parking_lot's `Condvar`): waits with a locked [`MutexGuard`], and may
/// wake spuriously, so wait in a loop on the condition.
pub struct Condvar {
    inner: parking_lot::Condvar,
}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    pub fn new(value: T) -> Mutex<T> {
        Mutex { inner: parking_lot::Mutex::new(value) }
    }

    /// The value, taking the mutex apart.
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, blocking until it is free.
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        MutexGuard { inner: self.inner.lock() }
    }

    /// Locks the mutex if it is free now.
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.inner.try_lock().map(|inner| MutexGuard { inner })
    }

    /// The value, through a unique borrow (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T> RwLock<T> {
    /// A new unlocked lock holding `value`.
    pub fn new(value: T) -> RwLock<T> {
        RwLock { inner: parking_lot::RwLock::new(value) }
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Locks for reading, blocking while a writer holds it.
    #[inline]
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        self.inner.read()
    }

    /// Locks for writing, blocking while anyone holds it.
    #[inline]
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.inner.write()
    }
}

impl Condvar {
    /// A new condition variable.
    pub fn new() -> Condvar {
        Condvar { inner: parking_lot::Condvar::new() }
    }

    /// Unlocks `guard`'s mutex and waits for a notification, then locks it again.
    #[inline]
    pub fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
        self.inner.wait(&mut guard.inner);
    }

    /// [`wait`](Condvar::wait), for at most `timeout`.
    #[inline]
    pub fn wait_for<T>(&self, guard: &mut MutexGuard<'_, T>, timeout: Duration) -> WaitTimeoutResult {
        WaitTimeoutResult(self.inner.wait_for(&mut guard.inner, timeout).timed_out())
    }

    /// [`wait`](Condvar::wait), until `deadline` at the latest.
    #[inline]
    pub fn wait_until<T>(&self, guard: &mut MutexGuard<'_, T>, deadline: Instant) -> WaitTimeoutResult {
        WaitTimeoutResult(self.inner.wait_until(&mut guard.inner, deadline.into_std()).timed_out())
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

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Condvar { .. }")
    }
}
