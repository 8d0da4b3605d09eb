//! The threads a test starts: one scope that joins them all, one shutdown guard that frees them
//! when the test fails, and the ways a test watches one of them.

use labrpc::thread::{Scope, ScopedJoinHandle};
use labrpc::time::{Duration, Instant};

use labrpc::Network;

use super::poll::poll_until;
use super::scenario::Scenario;

/// Shuts the network down if dropped while the test is panicking, so that clerks blocked in the
/// test's threads return (`Stopped`) and the threads can be joined: the failure is reported,
/// not a hang. The one shutdown guard of the harness; [`Scenario::threads`] holds it.
struct ShutdownOnPanic<'a>(&'a Network);

impl Drop for ShutdownOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.shutdown();
        }
    }
}

/// Joins the thread `call` and returns its result; a panic in it carries its own sentence, and
/// is passed on (the test's output shows it; the failure report, which hears only of panics on
/// the test's thread, does not: assert on the test's thread).
pub fn join<T>(call: ScopedJoinHandle<'_, T>) -> T {
    call.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

impl Scenario {
    /// Runs `body` with a thread scope whose threads are all joined before it returns. If the
    /// test fails inside, the network is shut down first, so that blocked clerks return and the
    /// scope can join them.
    pub fn threads<'env, T>(
        &'env self,
        body: impl for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
    ) -> T {
        labrpc::thread::scope(|scope| {
            let _guard = ShutdownOnPanic(&self.net);
            body(scope)
        })
    }

    /// Whether the thread `call` finishes within `window` (it is left running if not).
    pub fn finishes_within<T>(&self, call: &ScopedJoinHandle<'_, T>, window: Duration) -> bool {
        poll_until(&self.net, window, || if call.is_finished() { Ok(()) } else { Err(String::new()) }).is_ok()
    }

    /// Waits at most `timeout` for the thread `call` to finish and returns its result; fails
    /// saying that `what` had not returned otherwise.
    #[track_caller]
    pub fn join_within<T>(&self, call: ScopedJoinHandle<'_, T>, timeout: Duration, what: &str) -> T {
        assert!(
            self.finishes_within(&call, timeout),
            "wanted {what} within {timeout:?}, but it had not returned by then"
        );
        join(call)
    }

    /// Watches `call` for `window`: it must not return, and `invariant` must hold throughout.
    /// `what` names the call and why it must wait.
    #[track_caller]
    pub fn stays_blocked<T>(
        &self,
        call: &ScopedJoinHandle<'_, T>,
        window: Duration,
        what: &str,
        mut invariant: impl FnMut(),
    ) {
        let start = Instant::now();
        // Never `Ok`: the watch lasts the whole window.
        let _ = poll_until(&self.net, window, || -> Result<(), String> {
            assert!(
                !call.is_finished(),
                "{what}: it returned after {:?}, but it must not return yet",
                start.elapsed()
            );
            invariant();
            Err(String::new())
        });
    }

    /// Runs `op` on a thread of its own and waits at most `limit` for it, so that a service that
    /// never answers fails the test, saying `what` was wanted, instead of hanging it. Let `op`
    /// return what the test judges, and judge it here on the test's thread: the failure report
    /// quotes only assertions raised on the test's thread.
    #[track_caller]
    pub fn within<T: Send>(&self, limit: Duration, what: &str, op: impl FnOnce() -> T + Send) -> T {
        self.threads(|threads| self.join_within(threads.spawn(op), limit, what))
    }
}
