//! Threads for the test harness and labrpc itself: started, named and joined the same way in both
//! modes (OS threads in the plain build, tasks of the seeded scheduler with the `simulation`
//! feature). A server starts its own threads with [`Endpoint::spawn`](crate::Endpoint::spawn)
//! instead, which records their panics for the test.

use std::any::Any;
use std::fmt;
use std::io;

/// Owns a started thread: [`join`](JoinHandle::join) waits for it.
pub struct JoinHandle<T> {
    #[cfg(not(feature = "simulation"))]
    inner: std::thread::JoinHandle<T>,
    #[cfg(feature = "simulation")]
    inner: shuttle::thread::JoinHandle<T>,
    /// Set when the body returns or unwinds (the simulation's handle cannot tell).
    #[cfg(feature = "simulation")]
    finished: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Sets its flag when dropped: at the end of a thread's body, returned or unwound.
#[cfg(feature = "simulation")]
struct MarkFinished(std::sync::Arc<std::sync::atomic::AtomicBool>);

#[cfg(feature = "simulation")]
impl Drop for MarkFinished {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Release);
    }
}

/// Starts `body` on a new thread named `name` (names show in panics, logs and the simulation's
/// reports). An error if the system refuses a thread.
pub fn spawn<F, T>(name: &str, body: F) -> io::Result<JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    #[cfg(not(feature = "simulation"))]
    return std::thread::Builder::new().name(name.to_string()).spawn(body).map(|inner| JoinHandle { inner });
    #[cfg(feature = "simulation")]
    {
        let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mark = MarkFinished(finished.clone());
        crate::sim::spawn_task(name, move || {
            let _mark = mark;
            body()
        })
        .map(|inner| JoinHandle { inner, finished })
    }
}

impl<T> JoinHandle<T> {
    /// Waits for the thread to finish: its result, or the payload of its panic.
    #[track_caller]
    pub fn join(self) -> Result<T, Box<dyn Any + Send + 'static>> {
        #[cfg(feature = "simulation")]
        let _waiting =
            crate::sim::waits::begin(crate::sim::waits::WaitFor::Join, std::panic::Location::caller());
        self.inner.join()
    }

    /// Whether the thread has finished (returned or panicked).
    pub fn is_finished(&self) -> bool {
        #[cfg(not(feature = "simulation"))]
        return self.inner.is_finished();
        #[cfg(feature = "simulation")]
        return self.finished.load(std::sync::atomic::Ordering::Acquire);
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JoinHandle { .. }")
    }
}

/// Lets other threads run (in simulation mode, a point where the scheduler may switch tasks).
#[inline]
pub fn yield_now() {
    #[cfg(not(feature = "simulation"))]
    std::thread::yield_now();
    #[cfg(feature = "simulation")]
    shuttle::thread::yield_now();
}

/// Scoped threads (std's API: `scope(|s| { s.spawn(...); })`, every thread joined before `scope`
/// returns): OS threads in the plain build, tasks of the scheduler in simulation mode.
#[cfg(not(feature = "simulation"))]
pub use std::thread::{scope, Scope, ScopedJoinHandle};

/// Scoped threads (std's API), as tasks of the simulation's scheduler.
#[cfg(feature = "simulation")]
pub use shuttle::thread::{scope, Scope, ScopedJoinHandle};
