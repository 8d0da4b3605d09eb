//! A growable pool of worker threads: every delivered call runs on its own worker.
//!
//! Spawning a thread per call is slow (tens of microseconds), so finished workers wait for the
//! next job. The pool never makes a job wait for a busy worker: if no worker is idle it spawns
//! one, so handlers that block (or call each other) can never starve new calls. Workers idle for
//! a while retire, and closing the pool ends them all.

use crate::time::{Duration, Instant};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::channel::{Receiver, RecvTimeoutError, Sender};
use crate::sync::{Condvar, Mutex};

use crate::spin::Spin;
use crate::thread::JoinHandle;

/// A unit of work.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// Starts a worker thread running its argument (a seam, so that tests can refuse threads).
pub(crate) type Spawner = fn(Box<dyn FnOnce() + Send + 'static>) -> io::Result<JoinHandle<()>>;

/// Why the pool did not take a job. The job is not run: [`Pool::submit_with`] gives its value
/// back, for the submitter to tell its caller.
#[derive(Debug)]
pub(crate) enum Refused {
    /// The pool is closed (the network shut down).
    Closed,
    /// No worker was idle and the operating system refused a new thread.
    NoThread {
        /// The operating system's complaint.
        detail: String,
    },
}

/// Starts a worker thread the ordinary way.
pub(crate) fn spawn_thread(body: Box<dyn FnOnce() + Send + 'static>) -> io::Result<JoinHandle<()>> {
    crate::thread::spawn("labrpc-worker", body)
}

/// How long a worker waits for work before it retires.
const IDLE_RETIREMENT: Duration = Duration::from_secs(2);

enum Message {
    Run(Job),
    Exit,
}

pub(crate) struct Pool {
    shared: Arc<Shared>,
    spawn: Spawner,
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
    /// A pool that starts its workers with `spawn`.
    pub(crate) fn with_spawner(spin: Arc<Spin>, spawn: Spawner) -> Pool {
        let (jobs_tx, jobs_rx) = crate::channel::unbounded();
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
            spawn,
        }
    }

    /// Runs `run(value)` on a worker, or says why not (the pool is closed, or cannot start the
    /// worker it needs) and gives `value` back, so that the submitter need not keep copies of
    /// what it would tell its caller (on the call path, a copy costs every call).
    pub(crate) fn submit_with<T: Send + 'static>(
        &self,
        value: T,
        run: impl FnOnce(T) + Send + 'static,
    ) -> Result<(), (Refused, T)> {
        let shared = &self.shared;
        if shared.closed.load(Ordering::Acquire) {
            return Err((Refused::Closed, value));
        }
        if shared
            .unclaimed_idle
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
        {
            let _ = shared.jobs_tx.send(Message::Run(Box::new(move || run(value))));
            return Ok(());
        }
        // A new worker (rare once the pool has grown): the value waits where a refusal can take
        // it back, since a thread that is never started drops the job it was given.
        let cell = Arc::new(Mutex::new(Some(value)));
        let taken = Arc::clone(&cell);
        let job: Job = Box::new(move || {
            if let Some(value) = taken.lock().take() {
                run(value)
            }
        });
        self.spawn_worker(job)
            .map_err(|refused| (refused, cell.lock().take().expect("a job refused was not run")))
    }

    fn spawn_worker(&self, job: Job) -> Result<(), Refused> {
        let mut state = self.shared.state.lock();
        if self.shared.closed.load(Ordering::Acquire) {
            return Err(Refused::Closed);
        }
        state.handles.retain(|h| !h.is_finished());
        let shared = Arc::clone(&self.shared);
        let spawned = (self.spawn)(Box::new(move || worker(shared, job)));
        match spawned {
            Ok(handle) => {
                state.running += 1;
                state.handles.push(handle);
                Ok(())
            }
            Err(e) => {
                // Out of threads: the job is not run. Say so loudly; the caller hears of it too.
                log::error!("could not start a worker thread ({e}); a call is not delivered");
                Err(Refused::NoThread { detail: e.to_string() })
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
    worker_exit(&shared);
}

/// A worker's last act: it is no longer running.
fn worker_exit(shared: &Shared) {
    let mut state = shared.state.lock();
    state.running -= 1;
    if state.running == 0 {
        shared.all_exited.notify_all();
    }
}
