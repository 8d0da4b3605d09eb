//! The simulation's locks. A mutex or reader-writer lock is shuttle's; a condition variable is
//! built here on parking (a waiter parks until notified, and parks again after a spurious wake),
//! because shuttle's own panics when a task waiting on it is woken by something else (the end of
//! a scoped thread wakes the scope's owner wherever it waits). A timed wait ends by the virtual
//! clock (see [`super::clock`]).

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError};

use crate::sync::WaitTimeoutResult;
use crate::time::{Duration, Instant};

use super::clock::Clock;
use super::waits::{self, WaitFor};

/// A mutual-exclusion lock (the simulation's).
pub struct Mutex<T: ?Sized> {
    inner: shuttle::sync::Mutex<T>,
}

/// Holds a [`Mutex`] locked until dropped.
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a shuttle::sync::Mutex<T>,
    /// `None` only while a condition variable waits with it.
    inner: Option<shuttle::sync::MutexGuard<'a, T>>,
}

/// A reader-writer lock (the simulation's).
pub struct RwLock<T: ?Sized> {
    inner: shuttle::sync::RwLock<T>,
}

/// Shared access to an [`RwLock`]'s value until dropped.
pub type RwLockReadGuard<'a, T> = shuttle::sync::RwLockReadGuard<'a, T>;
/// Unique access to an [`RwLock`]'s value until dropped.
pub type RwLockWriteGuard<'a, T> = shuttle::sync::RwLockWriteGuard<'a, T>;

/// A condition variable (the simulation's): waits with a locked [`MutexGuard`], and may wake
/// spuriously, so wait in a loop on the condition.
pub struct Condvar {
    waiters: Arc<Waiters>,
}

/// The tasks waiting on one condition variable, in the order they began to wait.
pub(crate) struct Waiters {
    queue: shuttle::sync::Mutex<Vec<Arc<Waiter>>>,
}

/// One task's wait.
pub(crate) struct Waiter {
    task: shuttle::thread::Thread,
    notified: AtomicBool,
}

impl Waiter {
    /// A wait by the calling task.
    pub(crate) fn me() -> Arc<Waiter> {
        Arc::new(Waiter { task: shuttle::thread::current(), notified: AtomicBool::new(false) })
    }

    /// Ends the wait: the task runs again.
    pub(crate) fn wake(&self) {
        self.notified.store(true, Ordering::Release);
        self.task.unpark();
    }

    /// Parks until [`wake`](Waiter::wake)d, whatever else wakes the task meanwhile.
    pub(crate) fn park(&self) {
        while !self.notified.load(Ordering::Acquire) {
            shuttle::thread::park();
        }
    }
}

impl Waiters {
    fn push(&self, waiter: &Arc<Waiter>) {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner).push(Arc::clone(waiter));
    }

    /// Takes `waiter` off the queue, if it is still on it (a timed wait that ran out).
    pub(crate) fn remove(&self, waiter: &Arc<Waiter>) {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner).retain(|w| !Arc::ptr_eq(w, waiter));
    }

    /// Wakes the first waiter not woken already (a timed wait whose time ran out is woken by
    /// the clock, and leaves the queue only when it runs again).
    fn wake_first(&self) {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        while !queue.is_empty() {
            let waiter = queue.remove(0);
            if !waiter.notified.load(Ordering::Acquire) {
                waiter.wake();
                return;
            }
        }
    }

    fn wake_all(&self) {
        let woken: Vec<Arc<Waiter>> =
            self.queue.lock().unwrap_or_else(PoisonError::into_inner).drain(..).collect();
        for waiter in woken {
            waiter.wake();
        }
    }
}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    pub fn new(value: T) -> Mutex<T> {
        Mutex { inner: shuttle::sync::Mutex::new(value) }
    }

    /// The value, taking the mutex apart.
    pub fn into_inner(self) -> T {
        self.inner.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, blocking until it is free.
    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        let waiting = waits::begin(WaitFor::Lock, Location::caller());
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        drop(waiting);
        MutexGuard { mutex: &self.inner, inner: Some(inner) }
    }

    /// Locks the mutex if it is free now.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let inner = match self.inner.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        Some(MutexGuard { mutex: &self.inner, inner: Some(inner) })
    }

    /// The value, through a unique borrow (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_ref().expect("a guard holds its lock outside a wait")
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("a guard holds its lock outside a wait")
    }
}

impl<T> RwLock<T> {
    /// A new unlocked lock holding `value`.
    pub fn new(value: T) -> RwLock<T> {
        RwLock { inner: shuttle::sync::RwLock::new(value) }
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Locks for reading, blocking while a writer holds it.
    #[track_caller]
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        let _waiting = waits::begin(WaitFor::Read, Location::caller());
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks for writing, blocking while anyone holds it.
    #[track_caller]
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        let _waiting = waits::begin(WaitFor::Write, Location::caller());
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Condvar {
    /// A new condition variable.
    pub fn new() -> Condvar {
        Condvar { waiters: Arc::new(Waiters { queue: shuttle::sync::Mutex::new(Vec::new()) }) }
    }

    /// Unlocks `guard`'s mutex and waits for a notification, then locks it again.
    #[track_caller]
    pub fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
        let waiter = Waiter::me();
        // On the queue before the mutex is released: a notification after that finds it.
        self.waiters.push(&waiter);
        drop(guard.inner.take());
        let waiting = waits::begin(WaitFor::Notification, Location::caller());
        waiter.park();
        drop(waiting);
        relock(guard, Location::caller());
    }

    /// [`wait`](Condvar::wait), for at most `timeout` of virtual time.
    #[track_caller]
    pub fn wait_for<T>(&self, guard: &mut MutexGuard<'_, T>, timeout: Duration) -> WaitTimeoutResult {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.wait_until(guard, deadline),
            None => {
                self.wait(guard);
                WaitTimeoutResult(false)
            }
        }
    }

    /// [`wait`](Condvar::wait), until `deadline` (virtual time) at the latest.
    #[track_caller]
    pub fn wait_until<T>(&self, guard: &mut MutexGuard<'_, T>, deadline: Instant) -> WaitTimeoutResult {
        let clock = Clock::current();
        let waiter = Waiter::me();
        let Some(alarm) = clock.arm(deadline, &waiter) else {
            return WaitTimeoutResult(true);
        };
        self.waiters.push(&waiter);
        drop(guard.inner.take());
        let waiting = waits::begin(WaitFor::Notification, Location::caller());
        waiter.park();
        drop(waiting);
        let timed_out = clock.disarm(&alarm);
        if timed_out {
            self.waiters.remove(&waiter);
        }
        relock(guard, Location::caller());
        WaitTimeoutResult(timed_out)
    }

    /// Wakes the longest-waiting task, if any.
    pub fn notify_one(&self) {
        self.waiters.wake_first();
    }

    /// Wakes every waiting task.
    pub fn notify_all(&self) {
        self.waiters.wake_all();
    }
}

/// Locks `guard`'s mutex again after a wait (noting the wait for the lock, made `at`).
fn relock<T: ?Sized>(guard: &mut MutexGuard<'_, T>, at: &'static Location<'static>) {
    let waiting = waits::begin(WaitFor::Lock, at);
    guard.inner = Some(guard.mutex.lock().unwrap_or_else(PoisonError::into_inner));
    drop(waiting);
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Condvar { .. }")
    }
}
