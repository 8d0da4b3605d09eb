//! The clock and sleeping, for servers, clerks and tests.
//!
//! In the plain build, [`Instant`] is the machine's monotonic clock and [`sleep`] sleeps. With
//! the `simulation` feature they read and wait on the run's virtual clock (see `labrpc::sim`, built with that feature),
//! which starts at zero and moves only when every task is blocked or asleep: a scenario of twenty
//! virtual seconds takes as long as its computation, not twenty seconds.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};

pub use std::time::Duration;

/// A point in time: the machine's monotonic clock, or the simulation's virtual one.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    #[cfg(not(feature = "simulation"))]
    at: std::time::Instant,
    /// Virtual time since the run began.
    #[cfg(feature = "simulation")]
    at: Duration,
}

impl Instant {
    /// Now.
    #[inline]
    pub fn now() -> Instant {
        #[cfg(not(feature = "simulation"))]
        return Instant { at: std::time::Instant::now() };
        #[cfg(feature = "simulation")]
        return Instant { at: crate::sim::clock::Clock::current().now() };
    }

    /// The time since `self` (zero if `self` is later).
    #[inline]
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// The time from `earlier` to `self` (zero if `earlier` is later).
    #[inline]
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }

    /// The time from `earlier` to `self`, zero if `earlier` is later.
    #[inline]
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.at.checked_sub_instant(earlier.at)
    }

    /// `self + duration`, or `None` if that cannot be represented.
    #[inline]
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.at.checked_add(duration).map(|at| Instant { at })
    }

    /// `self - duration`, or `None` if that cannot be represented.
    #[inline]
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.at.checked_sub(duration).map(|at| Instant { at })
    }

    /// The standard instant (real mode only: the deadline of a real timed wait).
    #[cfg(not(feature = "simulation"))]
    pub(crate) fn into_std(self) -> std::time::Instant {
        self.at
    }

    /// Virtual time since the run began (simulation mode only).
    #[cfg(feature = "simulation")]
    pub(crate) fn since_start(self) -> Duration {
        self.at
    }
}

/// `a - b`, zero when `b` is later, for both kinds of instant.
trait SaturatingSub: Sized {
    fn checked_sub_instant(&self, earlier: Self) -> Duration;
}

impl SaturatingSub for std::time::Instant {
    #[inline]
    fn checked_sub_instant(&self, earlier: Self) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

impl SaturatingSub for Duration {
    #[inline]
    fn checked_sub_instant(&self, earlier: Self) -> Duration {
        self.saturating_sub(earlier)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    /// Panics on overflow, as the standard `Instant` does.
    fn add(self, duration: Duration) -> Instant {
        self.checked_add(duration).expect("overflow when adding a duration to an instant")
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, duration: Duration) {
        *self = *self + duration;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    /// Panics on overflow, as the standard `Instant` does.
    fn sub(self, duration: Duration) -> Instant {
        self.checked_sub(duration).expect("overflow when subtracting a duration from an instant")
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, duration: Duration) {
        *self = *self - duration;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    /// The time from `earlier` to `self`, zero if `earlier` is later.
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(not(feature = "simulation"))]
        return fmt::Debug::fmt(&self.at, f);
        #[cfg(feature = "simulation")]
        return write!(f, "Instant(virtual {:?})", self.at);
    }
}

/// Sleeps for `duration` (on the virtual clock in simulation mode; a zero sleep lets other tasks
/// run there).
#[inline]
pub fn sleep(duration: Duration) {
    #[cfg(not(feature = "simulation"))]
    std::thread::sleep(duration);
    #[cfg(feature = "simulation")]
    crate::sim::clock::Clock::current().sleep(duration);
}
