//! What each task of a simulated run is blocked on, for the sentence a stuck run fails with: a
//! deadlock, or a run past its virtual-time limit, names every blocked task, what it waits for
//! and the line of code where it began to wait.
//!
//! A task notes its wait just before it blocks and clears it once it runs again. The record is
//! kept under an ordinary lock, never a point where the scheduler switches tasks (all of a run's
//! tasks share one OS thread, so it is never contended), so keeping it changes no schedule.

use std::fmt;
use std::panic::Location;

use parking_lot::Mutex;
use shuttle::current::TaskId;

use super::clock::ClockLabel;

/// What a task waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitFor {
    /// A mutex, to lock it.
    Lock,
    /// A reader-writer lock, to read.
    Read,
    /// A reader-writer lock, to write.
    Write,
    /// A notification of a condition variable.
    Notification,
    /// Another task, to finish.
    Join,
}

impl fmt::Display for WaitFor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WaitFor::Lock => "waits to lock a mutex",
            WaitFor::Read => "waits to read-lock an RwLock",
            WaitFor::Write => "waits to write-lock an RwLock",
            WaitFor::Notification => "waits on a condition variable",
            WaitFor::Join => "waits for a thread to finish",
        })
    }
}

/// One task's wait.
#[derive(Clone, Copy, Debug)]
struct Wait {
    what: WaitFor,
    at: &'static Location<'static>,
}

/// The waits of one run's tasks, by task number.
#[derive(Default)]
pub(crate) struct Waits {
    by_task: Mutex<Vec<Option<Wait>>>,
}

/// A wait in progress: cleared when dropped (the task runs again).
pub(crate) struct Waiting {
    task: Option<(ClockLabel, usize)>,
}

impl Waits {
    /// Every noted wait: `(task, what, where)`, in task order.
    pub(crate) fn blocked(&self) -> Vec<(TaskId, String)> {
        self.by_task
            .lock()
            .iter()
            .enumerate()
            .filter_map(|(task, wait)| {
                let wait = (*wait)?;
                Some((TaskId::from(task), format!("{} at {}:{}", wait.what, wait.at.file(), wait.at.line())))
            })
            .collect()
    }
}

/// Notes that the calling task is about to block for `what`, at `at`; outside a simulated run,
/// notes nothing.
pub(crate) fn begin(what: WaitFor, at: &'static Location<'static>) -> Waiting {
    let Some(label) = ClockLabel::current() else { return Waiting { task: None } };
    let task = usize::from(shuttle::current::me());
    {
        let mut by_task = label.0.waits.by_task.lock();
        if by_task.len() <= task {
            by_task.resize(task + 1, None);
        }
        by_task[task] = Some(Wait { what, at });
    }
    Waiting { task: Some((label, task)) }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some((label, task)) = &self.task {
            if let Some(slot) = label.0.waits.by_task.lock().get_mut(*task) {
                *slot = None;
            }
        }
    }
}
