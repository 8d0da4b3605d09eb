//! The virtual clock of one simulated run: a task of its own that the scheduler picks only when
//! no other task can run (see [`super::scheduler`]). Picked, it moves time to the earliest
//! deadline and wakes everything due then, all at once, so the scheduler, not the order of
//! registration, decides which of them runs first.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use shuttle::current::TaskId;
use shuttle::sync::Mutex;

use super::sync::Waiter;
use super::waits::Waits;
use crate::time::Instant;

/// The clock of the run the calling task belongs to: every task of a run carries it as a label,
/// inherited from the task that started it.
#[derive(Clone)]
pub(crate) struct ClockLabel(pub(crate) Arc<Clock>);

impl ClockLabel {
    /// The label of the calling task, if it belongs to a simulated run.
    pub(crate) fn current() -> Option<ClockLabel> {
        let task = shuttle::current::try_get_current_task()?;
        shuttle::current::get_label_for_task::<ClockLabel>(task)
    }
}

impl fmt::Debug for ClockLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClockLabel")
    }
}

/// One simulated run's time.
pub(crate) struct Clock {
    /// Virtual nanoseconds since the run began. Written only by the clock task; a plain atomic,
    /// so reading the time is not a point where the scheduler switches tasks. Shared with the
    /// scheduler, for its report of a run that stopped advancing.
    now_nanos: Arc<AtomicU64>,
    /// The run fails when time would pass this.
    limit: Duration,
    /// The run's seed (see [`super::seed`]).
    pub(crate) seed: u64,
    /// How the run picks tasks (see [`super::schedule`]).
    pub(crate) schedule: super::Schedule,
    timers: Mutex<Timers>,
    /// What each task is blocked on (see [`super::waits`]).
    pub(crate) waits: Waits,
}

/// What waits on the clock.
#[derive(Default)]
struct Timers {
    /// By deadline, then by arming order.
    due: BTreeMap<(Duration, u64), Timer>,
    armed: u64,
    /// The scenario has returned: nothing may wait on the clock any more.
    ended: bool,
}

struct Timer {
    alarm: Arc<Alarm>,
    /// Who waits, for the report when a run ends with it still waiting.
    task: Option<TaskId>,
    /// Woken at the deadline.
    waiter: Arc<Waiter>,
    /// A sleep, or a timed wait on a condition variable (for the report).
    sleep: bool,
}

/// A timer's state, shared by the clock and the task that armed it.
pub(crate) struct Alarm {
    key: (Duration, u64),
    fired: AtomicBool,
}

impl Clock {
    /// A clock at zero, for the run seeded with `seed`, that fails the run past `limit`, and
    /// keeps the time in `now_nanos`.
    pub(crate) fn new(
        limit: Duration,
        seed: u64,
        schedule: super::Schedule,
        now_nanos: Arc<AtomicU64>,
    ) -> Clock {
        now_nanos.store(0, Ordering::Relaxed);
        Clock {
            now_nanos,
            limit,
            seed,
            schedule,
            timers: Mutex::new(Timers::default()),
            waits: Waits::default(),
        }
    }

    /// The calling task's clock. Panics, saying what to do, outside a simulated run.
    pub(crate) fn current() -> Arc<Clock> {
        let task = shuttle::current::try_get_current_task().unwrap_or_else(|| {
            panic!(
                "labrpc is built in simulation mode (the `simulation` feature), so time, sleeping and \
                 timed waits exist only inside a simulated run: call this from a scenario run by \
                 labrpc::sim::run, not from a plain thread"
            )
        });
        match shuttle::current::get_label_for_task::<ClockLabel>(task) {
            Some(ClockLabel(clock)) => clock,
            None => panic!("a task of a simulated run has no clock: start tasks with labrpc::thread::spawn"),
        }
    }

    /// Virtual time since the run began.
    pub(crate) fn now(&self) -> Duration {
        Duration::from_nanos(self.now_nanos.load(Ordering::Relaxed))
    }

    /// Blocks the calling task for `duration` of virtual time (a zero sleep only yields).
    pub(crate) fn sleep(&self, duration: Duration) {
        if duration.is_zero() {
            shuttle::thread::yield_now();
            return;
        }
        let deadline = self.now().saturating_add(duration);
        let waiter = Waiter::me();
        self.lock().arm(deadline, &waiter, true);
        waiter.park();
        // The clock wakes everything due at one instant under its lock: wait for it to let go,
        // so that they all run from here in the order the scheduler picks.
        drop(self.lock());
    }

    /// Arms a timer that wakes `waiter` at `deadline`, for a timed wait. `None` if the deadline
    /// has passed already.
    pub(crate) fn arm(&self, deadline: Instant, waiter: &Arc<Waiter>) -> Option<Arc<Alarm>> {
        let deadline = deadline.since_start();
        if deadline <= self.now() {
            return None;
        }
        Some(self.lock().arm(deadline, waiter, false))
    }

    /// Ends a timed wait's timer: whether it fired (the wait timed out).
    pub(crate) fn disarm(&self, alarm: &Alarm) -> bool {
        let mut timers = self.lock();
        timers.due.remove(&alarm.key);
        alarm.fired.load(Ordering::Relaxed)
    }

    fn lock(&self) -> shuttle::sync::MutexGuard<'_, Timers> {
        self.timers.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Marks the scenario as returned.
    pub(crate) fn end(&self) {
        self.lock().ended = true;
    }

    /// The clock task's body: whenever it is picked (every other task is blocked or asleep), it
    /// moves time to the earliest deadline and wakes all that is due then. It returns when the
    /// scenario has returned and no timer is left. Picked with no timer left before that, every
    /// other task is blocked with nothing to wake it: a deadlock, reported with what each waits
    /// for.
    pub(crate) fn run(&self) {
        loop {
            shuttle::thread::yield_now();
            let mut timers = self.lock();
            let Some(&(deadline, _)) = timers.due.keys().next() else {
                if timers.ended {
                    return;
                }
                panic!(
                    "deadlock at virtual time {:?}: every task is blocked and none sleeps, so nothing \
                     can wake them. {}",
                    self.now(),
                    self.blocked_tasks()
                );
            };
            if timers.ended {
                let waiting: Vec<String> = timers.due.values().map(Timer::describe).collect();
                panic!(
                    "the scenario returned, but {} task(s) still wait on the clock, so a thread outlived \
                     its test: {} (shut the network down before the scenario returns)",
                    waiting.len(),
                    waiting.join(", ")
                );
            }
            if deadline > self.limit {
                let waiting: Vec<String> = timers.due.values().map(Timer::describe).collect();
                panic!(
                    "the run passed its virtual-time limit of {:?} (at {:?}, waiting: {}): a scenario \
                     that never ends, or a limit too low for it. {}",
                    self.limit,
                    self.now(),
                    waiting.join(", "),
                    self.blocked_tasks()
                );
            }
            self.now_nanos.store(deadline.as_nanos() as u64, Ordering::Relaxed);
            // Everything due now, woken while the lock is held: they run only once it is
            // released, all runnable together, in the order the scheduler picks.
            while let Some(entry) = timers.due.first_entry() {
                if entry.key().0 != deadline {
                    break;
                }
                let timer = entry.remove();
                timer.alarm.fired.store(true, Ordering::Relaxed);
                timer.waiter.wake();
            }
        }
    }

    /// `Blocked: NAME waits to lock a mutex at FILE:LINE; ...`, for a report.
    fn blocked_tasks(&self) -> String {
        let blocked: Vec<String> = self
            .waits
            .blocked()
            .into_iter()
            .map(|(task, what)| format!("{} {what}", task_name(task)))
            .collect();
        match blocked.is_empty() {
            true => "No task is blocked on a lock, a condition variable or a join.".to_string(),
            false => format!("Blocked: {}.", blocked.join("; ")),
        }
    }
}

/// How reports name `task`: its thread name, else shuttle's number.
fn task_name(task: TaskId) -> String {
    match shuttle::current::get_name_for_task(task) {
        Some(name) => format!("{name:?}"),
        None => format!("{task:?}"),
    }
}

impl Timers {
    fn arm(&mut self, deadline: Duration, waiter: &Arc<Waiter>, sleep: bool) -> Arc<Alarm> {
        self.armed += 1;
        let key = (deadline, self.armed);
        let alarm = Arc::new(Alarm { key, fired: AtomicBool::new(false) });
        let task = shuttle::current::try_get_current_task();
        self.due.insert(key, Timer { alarm: alarm.clone(), task, waiter: Arc::clone(waiter), sleep });
        alarm
    }
}

impl Timer {
    fn describe(&self) -> String {
        let who = match self.task {
            Some(task) => task_name(task),
            None => "a task".to_string(),
        };
        let what = if self.sleep { "a sleep" } else { "a timed wait" };
        format!("{who} in {what} until {:?}", self.alarm.key.0)
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clock").field("now", &self.now()).field("limit", &self.limit).finish()
    }
}
