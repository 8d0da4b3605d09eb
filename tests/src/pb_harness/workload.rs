//! Workloads: client threads that run until their time is up, with something running beside
//! them (a crash-and-restart loop, say), and the stop signal they share.

use labrpc::channel::{self, RecvTimeoutError};
use labrpc::time::{Duration, Instant};

use labrpc::sync::{Condvar, Mutex};

use super::clerk::Clerk;
use super::scenario::Scenario;
use super::threads::join;
use crate::bounds::HUNG_AFTER;

/// The stop signal of a workload: set when its time is up or when one of its threads failed
/// (whose complaint it keeps).
#[derive(Default)]
pub struct Stop {
    state: Mutex<StopState>,
    changed: Condvar,
}

/// What a [`Stop`] knows.
#[derive(Default)]
struct StopState {
    stopped: bool,
    failure: Option<String>,
}

impl Stop {
    /// Stops everything (time is up).
    pub fn stop(&self) {
        self.state.lock().stopped = true;
        self.changed.notify_all();
    }

    /// Whether the workload is over.
    pub fn is_stopped(&self) -> bool {
        self.state.lock().stopped
    }

    /// Records `complaint` (the first one wins) and stops everything.
    pub fn fail(&self, complaint: String) {
        let mut state = self.state.lock();
        state.failure.get_or_insert(complaint);
        state.stopped = true;
        self.changed.notify_all();
    }

    /// The first complaint, if a thread failed.
    pub fn failure(&self) -> Option<String> {
        self.state.lock().failure.clone()
    }

    /// Sleeps for `duration` or until stopped; returns whether it is still running.
    pub fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        let mut state = self.state.lock();
        while !state.stopped && Instant::now() < deadline {
            self.changed.wait_until(&mut state, deadline);
        }
        !state.stopped
    }
}

impl Scenario {
    /// Runs `clients` client threads, each with a clerk of its own, for at most `run_for` (or
    /// until they all finish, or one fails), while `background` runs beside them until the stop.
    /// Then waits at most [`HUNG_AFTER`] for the clients to finish their last request, joins
    /// every thread, and returns each client's result. A client that fails, or is still blocked
    /// after that, fails the test.
    #[track_caller]
    pub fn workload<R: Send>(
        &self,
        clients: usize,
        run_for: Duration,
        background: impl FnOnce(&Stop) + Send,
        client: impl Fn(usize, &Clerk, &Stop) -> Result<R, String> + Sync,
    ) -> Vec<R> {
        let stop = Stop::default();
        let (results, hung) = self.threads(|scope| {
            let (stop, client) = (&stop, &client);
            let background = scope.spawn(move || background(stop));
            let (done_tx, done_rx) = channel::unbounded();
            let workers: Vec<_> = (0..clients)
                .map(|i| {
                    let done_tx = done_tx.clone();
                    scope.spawn(move || {
                        let clerk = self.clerk();
                        let result = client(i, &clerk, stop);
                        if let Err(complaint) = &result {
                            stop.fail(complaint.clone());
                        }
                        let _ = done_tx.send(i);
                        result
                    })
                })
                .collect();
            drop(done_tx);

            let mut running: Vec<bool> = vec![true; clients];
            let mut deadline = Instant::now() + run_for;
            let (mut stopping, mut hung) = (false, false);
            while running.contains(&true) && !hung {
                match done_rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(i) => running[i] = false,
                    Err(RecvTimeoutError::Disconnected) => break,
                    // Time is up: the clients finish their current request and stop.
                    Err(RecvTimeoutError::Timeout) if !stopping => stop.stop(),
                    // They did not: the service is stuck.
                    Err(RecvTimeoutError::Timeout) => hung = true,
                }
                // Stopped (time up, or a client failed): from now on, allow HUNG_AFTER.
                if !stopping && stop.is_stopped() {
                    stopping = true;
                    deadline = Instant::now() + HUNG_AFTER;
                }
            }
            stop.stop();
            let earlier = stop.failure();
            join(background);
            if hung {
                // Frees the blocked clerks: they return `Stopped`.
                self.net.shutdown();
            }
            let results: Vec<Result<R, String>> = workers.into_iter().map(join).collect();
            let blocked: Vec<usize> = (0..clients).filter(|&i| running[i]).collect();
            (results, hung.then_some((blocked, earlier)))
        });
        if let Some((blocked, earlier)) = hung {
            panic!(
                "wanted every client to finish its last request within {HUNG_AFTER:?} after the workload \
                 stopped, but clients {blocked:?} were still blocked: the service stopped serving.{}",
                earlier.map_or_else(String::new, |f| format!(" Before that: {f}"))
            );
        }
        if let Some(failure) = stop.failure() {
            panic!("{failure}");
        }
        results.into_iter().map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect()
    }
}
