//! The scheduler of a simulated run: any of shuttle's, with the clock task held back while any
//! other task can run, so virtual time moves only when everything else is blocked or asleep. It
//! also fails a run that stopped advancing: too many steps in a row without the clock's turn.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use shuttle::current::TaskId;
use shuttle::scheduler::{Schedule, Scheduler, Task};

/// The clock's task: the first one the run's main task starts (see [`super::run`]).
pub(crate) fn clock_task() -> TaskId {
    TaskId::from(1)
}

/// `inner`, never offered the clock task while another task is runnable.
#[derive(Debug)]
pub(crate) struct ClockLast<S> {
    /// `None` only once dropped (see the `Drop` impl).
    inner: Option<S>,
    /// The run's virtual time, in nanoseconds (the clock's, see [`super::clock`]).
    now_nanos: Arc<AtomicU64>,
    /// Steps since the clock last had its turn.
    since_clock: usize,
    /// More steps than this in a row without the clock's turn: the run stopped advancing.
    stall_steps: usize,
}

impl<S> ClockLast<S> {
    pub(crate) fn new(inner: S, now_nanos: Arc<AtomicU64>, stall_steps: usize) -> ClockLast<S> {
        ClockLast { inner: Some(inner), now_nanos, since_clock: 0, stall_steps }
    }

    fn inner(&mut self) -> &mut S {
        self.inner.as_mut().expect("the scheduler is in use until dropped")
    }
}

impl<S> Drop for ClockLast<S> {
    /// After a failed run, shuttle's random scheduler prints, as it is dropped, a seed and how
    /// to replay it with shuttle's own entry points, which the lab never calls: the failure's
    /// report already gives the command that replays it. So a failed run's scheduler is
    /// forgotten rather than dropped (a few bytes, once per failed test).
    fn drop(&mut self) {
        if std::thread::panicking() {
            std::mem::forget(self.inner.take());
        }
    }
}

impl<S: Scheduler> Scheduler for ClockLast<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.inner().new_execution()
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let clock = clock_task();
        // Offered: the tasks that can run, not the clock; failing those, the clock alone. Parked
        // tasks are offered too by shuttle, to be woken spuriously; they are left out, since every
        // wait of the facade parks again after a spurious wake-up, and offering them would
        // keep the clock from ever running.
        let ready: Vec<&Task> =
            runnable.iter().copied().filter(|task| task.runnable() && task.id() != clock).collect();
        if !ready.is_empty() {
            self.since_clock += 1;
            if self.since_clock > self.stall_steps {
                let names: Vec<String> = ready
                    .iter()
                    .map(|task| task.name().unwrap_or_else(|| format!("{:?}", task.id())))
                    .collect();
                panic!(
                    "the scenario stopped advancing at virtual time {:?}: {} scheduling steps in a row without \
                     virtual time passing, while these tasks kept running: {} (a loop that never blocks or \
                     sleeps?)",
                    Duration::from_nanos(self.now_nanos.load(Ordering::Relaxed)),
                    self.stall_steps,
                    names.join(", ")
                );
            }
            return self.inner().next_task(&ready, current, is_yielding);
        }
        self.since_clock = 0;
        let clock_ready: Vec<&Task> =
            runnable.iter().copied().filter(|task| task.runnable() && task.id() == clock).collect();
        if !clock_ready.is_empty() {
            return self.inner().next_task(&clock_ready, current, is_yielding);
        }
        self.inner().next_task(runnable, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.inner().next_u64()
    }
}
