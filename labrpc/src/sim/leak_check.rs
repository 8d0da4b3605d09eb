//! The leak check of a simulated run: the scenario runs twice on one schedule, and the second
//! run must offer the scheduler exactly what the first did, step by step. What makes it differ
//! came from outside the simulation: an operating-system thread, the wall clock, a `HashMap`'s
//! random order, a static kept from the first run. shuttle's
//! `UncontrolledNondeterminismCheckScheduler` does the comparing; this wrapper turns its finding
//! into a sentence that names the step and the tasks that could run there.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use shuttle::current::TaskId;
use shuttle::scheduler::{Schedule, Scheduler, Task, UncontrolledNondeterminismCheckScheduler};

/// What a failed leak check says first.
pub const LEAK_FOUND: &str = "simulation leak";

/// `inner`'s schedules, each run twice and compared.
#[derive(Debug)]
pub(crate) struct LeakCheck<S: Scheduler> {
    check: UncontrolledNondeterminismCheckScheduler<S>,
    /// Runs started: odd while the first run of a schedule records, even while it is replayed.
    runs: usize,
    /// Scheduling steps of the current run.
    step: usize,
}

impl<S: Scheduler> LeakCheck<S> {
    pub(crate) fn new(inner: S) -> LeakCheck<S> {
        LeakCheck { check: UncontrolledNondeterminismCheckScheduler::new(inner), runs: 0, step: 0 }
    }

    /// Runs `decide` on the checker; if it finds the runs differ, fails with where.
    fn checked<T>(&mut self, runnable: &[&Task], decide: impl FnOnce(&mut Self) -> T) -> T {
        self.step += 1;
        let (step, runs) = (self.step, self.runs);
        match catch_unwind(AssertUnwindSafe(|| decide(self))) {
            Ok(value) => value,
            Err(payload) if runs % 2 == 0 => {
                let found = payload
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| payload.downcast_ref::<&str>().copied())
                    .unwrap_or("the runs differ");
                panic!(
                    "{LEAK_FOUND}: run twice on the same schedule, the scenario did something else the second time, \
                     at scheduling step {step}: {found}. The tasks that could run then: {}. Something outside the \
                     simulation decided what ran: an operating-system thread, the wall clock, a HashMap's order or a \
                     static kept between runs; use labrpc's facade (sync, time, thread, random) and BTreeMap",
                    task_names(runnable)
                )
            }
            Err(payload) => resume_unwind(payload),
        }
    }
}

/// `name (id)` of each task, as shuttle numbers them.
fn task_names(tasks: &[&Task]) -> String {
    let names: Vec<String> = tasks
        .iter()
        .map(|task| format!("{} ({:?})", task.name().unwrap_or_else(|| "unnamed".into()), task.id()))
        .collect();
    match names.is_empty() {
        true => "none".into(),
        false => names.join(", "),
    }
}

impl<S: Scheduler> Scheduler for LeakCheck<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.runs += 1;
        self.step = 0;
        self.checked(&[], |this| this.check.new_execution())
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        self.checked(runnable, |this| this.check.next_task(runnable, current, is_yielding))
    }

    fn next_u64(&mut self) -> u64 {
        self.checked(&[], |this| this.check.next_u64())
    }
}
