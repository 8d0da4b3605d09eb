//! A growable pool of worker threads: every delivered call runs on its own worker.
//!
//! Spawning a thread per call is slow (tens of microseconds), so finished workers wait for the
//! next job. The pool never makes a job wait for a busy worker: if no worker is idle it spawns
//! one, so handlers that block (or call each other) can never starve new calls. Workers idle for
//! a while retire, and closing the pool ends them all.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use parking_lot::{Condvar, Mutex};

use crate::spin::Spin;

/// A unit of work.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// How long a worker waits for work before it retires.
const IDLE_RETIREMENT: Duration = Duration::from_secs(2);

enum Message {
    Run(Job),
    Exit,
}

pub(crate) struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    jobs_tx: Sender<Message>,
    jobs_rx: Receiver<Message>,
    spin: Arc<Spin>,
    /// Workers waiting for a job and not yet promised one. A submitter that decrements it owns
    /// one waiting worker, so a job sent after a successful claim is always picked up at once.
    unclaimed_idle: AtomicUsize,
    closed: AtomicBool,
    state: Mutex<State>,
    all_exited: Condvar,
}

struct State {
    running: usize,
    handles: Vec<JoinHandle<()>>,
}

impl Pool {
    pub(crate) fn new(spin: Arc<Spin>) -> Pool {
        let (jobs_tx, jobs_rx) = crossbeam_channel::unbounded();
        Pool {
            shared: Arc::new(Shared {
                jobs_tx,
                jobs_rx,
                spin,
                unclaimed_idle: AtomicUsize::new(0),
                closed: AtomicBool::new(false),
                state: Mutex::new(State { running: 0, handles: Vec::new() }),
                all_exited: Condvar::new(),
            }),
        }
    }

    /// Runs `job` on a worker. Gives the job back if the pool is closed.
    pub(crate) fn submit(&self, job: Job) -> Result<(), Job> {
        let shared = &self.shared;
        if shared.closed.load(Ordering::Acquire) {
            return Err(job);
        }
        let claimed = shared
            .unclaimed_idle
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok();
        if claimed {
            // The channel is unbounded and owned by `shared`: sending cannot fail.
            let _ = shared.jobs_tx.send(Message::Run(job));
            return Ok(());
        }
        self.spawn_worker(job)
    }

    fn spawn_worker(&self, job: Job) -> Result<(), Job> {
        let mut state = self.shared.state.lock();
        if self.shared.closed.load(Ordering::Acquire) {
            return Err(job);
        }
        state.handles.retain(|h| !h.is_finished());
        let shared = Arc::clone(&self.shared);
        let spawned =
            std::thread::Builder::new().name("labrpc-worker".into()).spawn(move || worker(shared, job));
        match spawned {
            Ok(handle) => {
                state.running += 1;
                state.handles.push(handle);
                Ok(())
            }
            Err(e) => {
                // Out of threads: the job is lost, like a dropped request. Say so loudly.
                log::error!("could not spawn a worker thread ({e}); a call is dropped");
                Ok(())
            }
        }
    }

    /// Number of worker threads alive now.
    pub(crate) fn workers(&self) -> usize {
        self.shared.state.lock().running
    }

    /// Refuses new jobs, tells every worker to exit, and waits up to `patience` for them. Workers
    /// still stuck in a handler after that are left to finish on their own, with a warning.
    pub(crate) fn close(&self, patience: Duration) {
        let shared = &self.shared;
        let mut state = shared.state.lock();
        shared.closed.store(true, Ordering::Release);
        for _ in 0..state.running {
            let _ = shared.jobs_tx.send(Message::Exit);
        }
        let deadline = Instant::now() + patience;
        while state.running > 0 {
            if shared.all_exited.wait_until(&mut state, deadline).timed_out() {
                break;
            }
        }
        if state.running > 0 {
            log::warn!(
                "{} worker(s) still inside a handler after shutdown; a handler that loops should stop when its server is dead",
                state.running
            );
        }
        let (finished, stuck): (Vec<_>, Vec<_>) = state.handles.drain(..).partition(|h| h.is_finished());
        state.handles = stuck;
        drop(state);
        for handle in finished {
            let _ = handle.join();
        }
    }
}

fn worker(shared: Arc<Shared>, first: Job) {
    first();
    'serve: loop {
        shared.unclaimed_idle.fetch_add(1, Ordering::AcqRel);
        loop {
            let next = match shared.spin.poll(&shared.jobs_rx) {
                Some(Ok(message)) => Ok(message),
                _ => shared.jobs_rx.recv_timeout(IDLE_RETIREMENT),
            };
            match next {
                Ok(Message::Run(job)) => {
                    job();
                    continue 'serve;
                }
                Ok(Message::Exit) | Err(RecvTimeoutError::Disconnected) => break 'serve,
                Err(RecvTimeoutError::Timeout) => {
                    let retired = shared
                        .unclaimed_idle
                        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                        .is_ok();
                    if retired {
                        break 'serve;
                    }
                    // Every idle worker has been promised a job, this one included: wait for it.
                }
            }
        }
    }
    let mut state = shared.state.lock();
    state.running -= 1;
    if state.running == 0 {
        shared.all_exited.notify_all();
    }
}
