//! The exploration as it runs: a process started for each share as a slot frees up, their lines
//! read into the [`Exploration`], the progress shown, and at the first failure (or an
//! interrupt) every other process stopped and no new one started.

use std::os::unix::process::ExitStatusExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::plan::Plan;
use super::progress::Progress;
use super::state::{Change, Exploration};
use super::workers::{Event, Workers};

/// How long the process whose execution failed may take to finish its output and end.
pub const GRACE: Duration = Duration::from_secs(30);

/// How often the runner looks at the processes and the interrupt when no line comes.
const TICK: Duration = Duration::from_millis(100);

/// How soon it looks again at a process that has closed its output, to reap it and start the
/// next in its slot (a process ends some milliseconds after its output).
const REAP_TICK: Duration = Duration::from_millis(2);

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

/// Runs the exploration to its end: the shares of `plan` one process each, `plan.jobs` at a
/// time, in order. Every process has ended when this returns; a process that cannot start is
/// an error (the others are ended as `workers` is dropped).
pub fn drive(
    workers: &mut Workers,
    plan: &Plan,
    exploration: &mut Exploration,
    progress: &mut Progress,
    interrupted: &AtomicBool,
) -> Result<Ending, String> {
    let shares = plan.shares();
    let mut next_share = 0;
    let slots = usize::try_from(plan.jobs).unwrap_or(usize::MAX);
    let mut failing: Option<(usize, Instant)> = None;
    loop {
        if interrupted.load(Ordering::Relaxed) && !exploration.stopping() {
            exploration.stop();
            workers.kill_all_but(None);
        }
        while let (false, Some(share), Some(slot)) =
            (exploration.stopping(), shares.get(next_share), workers.free_slot(slots))
        {
            let dir = workers.start(next_share, share, slot)?;
            exploration.started(next_share, dir);
            next_share += 1;
        }
        if workers.running() == 0 {
            break;
        }
        match workers.next(if workers.ending() { REAP_TICK } else { TICK }) {
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
            if status.signal() == Some(SIGINT) && !exploration.stopping() {
                interrupted.store(true, Ordering::Relaxed);
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
    Ok(match (interrupted.load(Ordering::Relaxed), exploration.failure()) {
        (_, Some(_)) => Ending::Failed,
        (true, None) => Ending::Interrupted,
        (false, None) => Ending::Passed,
    })
}
