//! Whether a scenario got a fair run: the harness watches its own timeliness, so that a test the
//! machine starved is reported as *inconclusive* instead of as the submission's failure.
//!
//! The lab's scenarios run on the wall clock. The view service declares a server dead after
//! [`DEAD_AFTER`](viewservice::DEAD_AFTER) of silence, and a scenario that pings for its servers
//! assumes its own pings go out every [`PING_INTERVAL`](viewservice::PING_INTERVAL). On a machine
//! busy enough to hold a test's threads off the processor for half a second, a correct service
//! rightly declares a live server dead, and the test fails for a reason that is the machine's.
//!
//! Three witnesses, all kept for the duration of one scenario:
//!
//! - a **watchdog** thread that sleeps [`WATCHDOG_NAP`] at a time and notes how late it woke: a
//!   late wake-up means every thread of the process could have been held off as long;
//! - the harness's **own deadlines** ([`observe`]): where the harness does something at a
//!   rhythm the scenario relies on (its pings for the servers it plays), it reports how long a
//!   step took and how long the scenario allows;
//! - the **network** ([`observe_network`], asked when a scenario fails): the longest the
//!   machine held off the network's work beyond what the test planned: a message waiting for
//!   its delivery, a server's thread waiting to start or waking late from its sleep. Threads of
//!   the process may run on time while one message or one ticker sits; a backup's ping held off
//!   that long gets a live backup declared dead.
//!
//! If the scenario failed and either witness saw a stall past what the scenario's timing
//! assumes, [`crate::verdict::seal`] ends the run as inconclusive, saying why. A scenario that
//! passed passed, however starved: starvation can make a correct service look wrong, never a
//! wrong one look right.
//!
//! A machine that holds every thread off a little at each wake-up, with no stall past the
//! tolerance, slows the servers' rounds without a witness seeing it; the harness's waits adapt
//! to that instead: they count their pauses, not seconds (see
//! [`MOST_COUNTED_PER_PAUSE`](crate::bounds::MOST_COUNTED_PER_PAUSE)).

use std::cell::RefCell;
use std::fmt;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use viewservice::PING_INTERVAL;

/// How long the watchdog sleeps between looks at the clock.
pub const WATCHDOG_NAP: Duration = Duration::from_millis(10);

/// The longest stall a scenario's timing tolerates: two ping intervals. A server that misses
/// two pings in a row is still three pings away from being declared dead, and the harness's
/// waits allow for a few lost rounds; a longer stall can make a correct service's views differ
/// from what the scenario expects.
pub const STALL_TOLERANCE: Duration = Duration::from_millis(2 * PING_INTERVAL.as_millis() as u64);

/// One sign that the machine starved the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stall {
    /// What was late: the watchdog's nap, or a step the harness reported.
    pub what: String,
    /// How long it took.
    pub took: Duration,
    /// How long the scenario allows it to take.
    pub allowed: Duration,
    /// How far into the scenario it ended.
    pub at: Duration,
}

impl fmt::Display for Stall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} took {} ms where the scenario allows {} ms ({:.1} s into the run)",
            self.what,
            self.took.as_millis(),
            self.allowed.as_millis(),
            self.at.as_secs_f64()
        )
    }
}

/// What the witnesses saw during one scenario: the worst stall of each kind, and how many.
#[derive(Debug, Default)]
struct Record {
    worst_nap: Option<Stall>,
    worst_step: Option<Stall>,
    stalls: usize,
}

impl Record {
    fn note(&mut self, stall: Stall, is_nap: bool) {
        self.stalls += 1;
        let worst = if is_nap { &mut self.worst_nap } else { &mut self.worst_step };
        if worst.as_ref().is_none_or(|w| stall.took > w.took) {
            *worst = Some(stall);
        }
    }
}

thread_local! {
    /// The record of the scenario running on this thread, if a watch is on. Harness code called
    /// from the scenario's own thread reports to it through [`observe`]; it is set and cleared by
    /// [`Watch::start`] and its drop, so it never outlives the scenario.
    static CURRENT: RefCell<Option<(Arc<Mutex<Record>>, Instant)>> = const { RefCell::new(None) };
}

/// Reports that a step the scenario relies on took `took`, where its timing allows `allowed`.
/// A step within its allowance is not recorded. Outside a watched scenario (or on another
/// thread than the scenario's own) this does nothing.
pub fn observe(what: &str, took: Duration, allowed: Duration) {
    if took <= allowed {
        return;
    }
    CURRENT.with(|current| {
        if let Some((record, started)) = current.borrow().as_ref() {
            log::warn!(
                "harness step late: {what} took {} ms (allowed {} ms)",
                took.as_millis(),
                allowed.as_millis()
            );
            record.lock().note(Stall { what: what.to_string(), took, allowed, at: started.elapsed() }, false);
        }
    });
}

/// Reports the longest the machine held off work of `net` (see
/// [`labrpc::Network::longest_hold_off`]: a delivery, a node's thread starting or waking) as a
/// step the scenario relies on: a message or a server's tick held off past [`STALL_TOLERANCE`]
/// can make a correct service's views differ from what the scenario expects (a backup declared
/// dead because its ping sat in the network or its ticker slept through its turn), as a stalled
/// process can. Harnesses call it when a scenario fails.
pub fn observe_network(net: &labrpc::Network) {
    if let Some(held) = net.longest_hold_off() {
        observe(&held.to_string(), held.waited, STALL_TOLERANCE);
    }
}

/// The witnesses of one scenario: started before it, asked after it whether it got a fair run.
pub struct Watch {
    record: Arc<Mutex<Record>>,
    stop: Option<mpsc::Sender<()>>,
    watchdog: Option<JoinHandle<()>>,
}

impl Watch {
    /// Starts the watchdog and makes this thread's [`observe`] calls count, until the watch is
    /// dropped.
    pub fn start() -> Watch {
        // Simulated, time is virtual: nothing can starve a scenario, and the watchdog's OS
        // thread and wall clock would escape the simulation.
        Watch::new(!cfg!(feature = "simulation"))
    }

    /// A watch with only the harness's own deadlines as witness: for tests of the verdict
    /// logic, which must not depend on how busy the machine is.
    #[cfg(test)]
    pub(crate) fn without_watchdog() -> Watch {
        Watch::new(false)
    }

    fn new(with_watchdog: bool) -> Watch {
        let record = Arc::new(Mutex::new(Record::default()));
        let started = Instant::now();
        CURRENT.with(|current| *current.borrow_mut() = Some((Arc::clone(&record), started)));
        let (stop, stopped) = mpsc::channel::<()>();
        let noted = Arc::clone(&record);
        let watchdog = with_watchdog
            .then(|| {
                std::thread::Builder::new()
                    .name("lab-watchdog".to_string())
                    .spawn(move || watchdog(&stopped, &noted, started))
                    // Without a watchdog the harness's own deadlines still count; say so and go on.
                    .map_err(|e| {
                        log::warn!("no watchdog for this scenario (the thread could not start: {e})")
                    })
                    .ok()
            })
            .flatten();
        Watch { record, stop: Some(stop), watchdog }
    }

    /// Why the run was not a fair one, if a witness saw a stall past the scenario's tolerance:
    /// the worst of each kind and how many in all. `None`: the run was fair.
    pub fn unfair(&self) -> Option<String> {
        let record = self.record.lock();
        let worst: Vec<String> =
            [&record.worst_step, &record.worst_nap].into_iter().flatten().map(Stall::to_string).collect();
        if worst.is_empty() {
            return None;
        }
        Some(format!(
            "the machine starved this run ({} stall{} past the scenario's timing; worst: {})",
            record.stalls,
            if record.stalls == 1 { "" } else { "s" },
            worst.join("; ")
        ))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        CURRENT.with(|current| *current.borrow_mut() = None);
        drop(self.stop.take());
        if let Some(watchdog) = self.watchdog.take() {
            let _ = watchdog.join();
        }
    }
}

/// Naps until told to stop (or the watch is dropped), noting every wake-up later than
/// [`STALL_TOLERANCE`].
fn watchdog(stopped: &mpsc::Receiver<()>, record: &Mutex<Record>, started: Instant) {
    loop {
        let before = Instant::now();
        match stopped.recv_timeout(WATCHDOG_NAP) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        let took = before.elapsed();
        let allowed = WATCHDOG_NAP + STALL_TOLERANCE;
        if took > allowed {
            let what = format!("a {} ms nap of the harness's watchdog", WATCHDOG_NAP.as_millis());
            log::warn!("harness starved: {what} took {} ms", took.as_millis());
            record.lock().note(Stall { what, took, allowed, at: started.elapsed() }, true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fair_run_has_no_reason() {
        let watch = Watch::start();
        observe("a ping round", Duration::from_millis(100), Duration::from_millis(300));
        assert_eq!(watch.unfair(), None);
    }

    #[test]
    fn a_late_step_makes_the_run_unfair_and_names_it() {
        let watch = Watch::start();
        observe("the pings for s1 and s2", Duration::from_millis(541), Duration::from_millis(300));
        let reason = watch.unfair().expect("a late step is a stall");
        assert!(
            reason.contains("the pings for s1 and s2 took 541 ms where the scenario allows 300 ms"),
            "{reason}"
        );
        assert!(reason.contains("1 stall past"), "{reason}");
    }

    #[test]
    fn the_watchdog_sees_a_stall_of_the_whole_process() {
        // Stand-in for the machine holding the watchdog off the processor: the watchdog cannot
        // be stopped from outside, but its record can be fed the same way it feeds it.
        let watch = Watch::start();
        let allowed = WATCHDOG_NAP + STALL_TOLERANCE;
        watch
            .record
            .lock()
            .note(Stall { what: "a nap".into(), took: allowed * 3, allowed, at: Duration::ZERO }, true);
        assert!(watch.unfair().expect("unfair").contains("a nap took"));
    }

    #[test]
    fn observations_from_other_threads_or_after_the_watch_do_not_count() {
        let watch = Watch::start();
        std::thread::spawn(|| observe("elsewhere", Duration::from_secs(1), Duration::ZERO)).join().unwrap();
        assert_eq!(watch.unfair(), None);
        drop(watch);
        observe("after", Duration::from_secs(1), Duration::ZERO);
        let next = Watch::start();
        assert_eq!(next.unfair(), None);
    }
}
