//! The exploration as it runs: the processes' lines read into the [`Exploration`], the progress
//! shown, and at the first failure (or an interrupt) every other process stopped.

use std::os::unix::process::ExitStatusExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::progress::Progress;
use super::state::{Change, Exploration};
use super::workers::{Event, Workers};

/// How long the process whose execution failed may take to finish its output and end.
pub const GRACE: Duration = Duration::from_secs(30);

/// How often the runner looks at the processes and the interrupt when no line comes.
const TICK: Duration = Duration::from_millis(100);

/// SIGINT: a process that ended on it was interrupted with the runner (Ctrl-C reaches them all).
const SIGINT: i32 = 2;

/// How an exploration ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every process ran its share, and every execution passed.
    Passed,
    /// A failure was found ([`Exploration::failure`]).
    Failed,
    /// Interrupted (Ctrl-C, or a signal to end).
    Interrupted,
}

/// Runs the exploration to its end: every process has ended when this returns.
pub fn drive(
    workers: &mut Workers,
    exploration: &mut Exploration,
    progress: &mut Progress,
    interrupted: &AtomicBool,
) -> Ending {
    let mut stopped = false;
    let mut failing: Option<(usize, Instant)> = None;
    while !workers.all_ended() {
        if interrupted.load(Ordering::Relaxed) && !stopped {
            stopped = true;
            exploration.stop();
            workers.kill_all_but(None);
        }
        match workers.next(TICK) {
            Some(Event::Line { worker, text }) => match exploration.line(worker, text) {
                Some(Change::Passed) => progress.update(exploration.passed()),
                Some(Change::Failed) => {
                    workers.kill_all_but(Some(worker));
                    failing = Some((worker, Instant::now()));
                }
                None => {}
            },
            Some(Event::Closed { .. }) | None => progress.update(exploration.passed()),
        }
        for (worker, status) in workers.ended() {
            if status.signal() == Some(SIGINT) && !stopped {
                interrupted.store(true, Ordering::Relaxed);
                stopped = true;
                exploration.stop();
                workers.kill_all_but(None);
            }
            if exploration.ended(worker, status) == Some(Change::Failed) {
                workers.kill_all_but(None);
            }
        }
        if let Some((worker, since)) = failing {
            if since.elapsed() > GRACE {
                workers.kill(worker);
            }
        }
    }
    match (interrupted.load(Ordering::Relaxed), exploration.failure()) {
        (_, Some(_)) => Ending::Failed,
        (true, None) => Ending::Interrupted,
        (false, None) => Ending::Passed,
    }
}
