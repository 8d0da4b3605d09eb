//! Simulation mode (the `simulation` feature): a run's threads are tasks of one seeded scheduler,
//! and its time is a virtual clock, so one seed replays the whole run, schedule, faults and time,
//! and twenty virtual seconds take as long as their computation.
//!
//! [`run`] runs a scenario this way. Inside it, the facade ([`sync`](crate::sync),
//! [`time`](crate::time), [`thread`](crate::thread), [`random`](crate::random)) and labrpc's
//! own calls are the simulation's; an OS thread, the wall clock or a lock that is not the
//! facade's would escape it (the student crates' clippy configuration forbids them).

pub(crate) mod clock;
mod leak_check;
mod scheduler;
pub(crate) mod sync;
pub(crate) mod waits;

use std::fmt;
use std::io;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use shuttle::scheduler::{PctScheduler, RandomScheduler, Scheduler};
use shuttle::{Config, FailurePersistence, MaxSteps};

use clock::{Clock, ClockLabel};
use leak_check::LeakCheck;
pub use leak_check::LEAK_FOUND;
use scheduler::ClockLast;

/// Set (to anything but `0`), the harness runs every simulated scenario with the leak check
/// ([`SimConfig::leak_check`]); `make test` does, after the simulated suites.
pub const LEAK_CHECK_ENV: &str = "LAB_LEAK_CHECK";

/// Whether [`LEAK_CHECK_ENV`] asks for the leak check.
pub fn leak_check_requested() -> bool {
    std::env::var_os(LEAK_CHECK_ENV).is_some_and(|value| value != "0")
}

/// The environment variable through which shuttle would silently replace a run's seed.
pub const SHUTTLE_SEED_ENV: &str = "SHUTTLE_RANDOM_SEED";

pub use crate::schedule::Schedule;

/// The settings of one simulated run.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Drives the schedule (and, through the network's seed, the faults).
    pub seed: u64,
    /// How tasks are picked.
    pub schedule: Schedule,
    /// The run fails if virtual time would pass this.
    pub time_limit: Duration,
    /// The run fails after this many scheduling steps.
    pub max_steps: usize,
    /// The run fails after this many scheduling steps in a row without virtual time passing
    /// (the graded scenarios take at most ~40,000): it stopped advancing.
    pub stall_steps: usize,
    /// Each task's stack.
    pub stack_size: usize,
    /// Run the scenario twice on the same schedule and fail, saying where, if the second run
    /// differs (see [`LEAK_FOUND`]): something outside the simulation (an OS thread, the wall
    /// clock, hash order, a static) decided what ran. Twice the time, and memory for every step.
    pub leak_check: bool,
}

impl SimConfig {
    /// A random schedule from `seed`, up to 10 virtual minutes, 50 million steps and a million
    /// steps without time passing, 256 KiB
    /// stacks.
    pub fn new(seed: u64) -> SimConfig {
        SimConfig {
            seed,
            schedule: Schedule::Random,
            time_limit: Duration::from_secs(600),
            max_steps: 50_000_000,
            stall_steps: 1_000_000,
            stack_size: 256 * 1024,
            leak_check: false,
        }
    }
}

/// Why a simulated run could not start.
#[derive(Debug)]
pub enum SimError {
    /// `SHUTTLE_RANDOM_SEED` is set, and would replace the seed without a word.
    SeedOverridden(String),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::SeedOverridden(value) => write!(
                f,
                "{SHUTTLE_SEED_ENV} is set ({value:?}): it would replace the run's seed without a word; \
                 unset it and give the seed to labrpc::sim::run (LAB_SEED for a scenario)"
            ),
        }
    }
}

impl std::error::Error for SimError {}

/// Runs `scenario` once, simulated: its threads as tasks of the scheduler `config` names, seeded
/// with `config.seed`, on a virtual clock that starts at zero. A failure of the scenario (a
/// panic in it, a deadlock, a thread left waiting after it returned, the time or step limit)
/// panics with what happened, as a failed test does.
pub fn run<F>(config: &SimConfig, scenario: F) -> Result<(), SimError>
where
    F: Fn() + Send + Sync + 'static,
{
    if let Some(value) = std::env::var_os(SHUTTLE_SEED_ENV) {
        return Err(SimError::SeedOverridden(value.to_string_lossy().into_owned()));
    }
    let mut shuttle_config = Config::new();
    shuttle_config.stack_size = config.stack_size;
    shuttle_config.max_steps = MaxSteps::FailAfter(config.max_steps);
    shuttle_config.silence_warnings = true;
    // shuttle's own replay instructions (the whole schedule, thousands of lines, and a seed for
    // its own entry points) are not how a run is replayed here: the seed is (see `ClockLast`).
    shuttle_config.failure_persistence = FailurePersistence::None;
    let (limit, seed, schedule) = (config.time_limit, config.seed, config.schedule);
    let now_nanos = Arc::new(AtomicU64::new(0));
    let clock_now = now_nanos.clone();
    let body = move || {
        let clock = Arc::new(Clock::new(limit, seed, schedule, clock_now.clone()));
        shuttle::current::set_label_for_task(shuttle::current::me(), ClockLabel(clock.clone()));
        let ticker = clock.clone();
        let clock_task = shuttle::thread::Builder::new()
            .name("clock".into())
            .spawn(move || {
                assert_eq!(
                    shuttle::current::me(),
                    scheduler::clock_task(),
                    "the clock must be the run's first task"
                );
                ticker.run()
            })
            .expect("the clock task starts");
        scenario();
        clock.end();
        // The clock returns once nothing waits on it; a task left asleep fails the run there.
        let _ = clock_task.join();
    };
    let setup = RunSetup { config, shuttle_config, now_nanos };
    match config.schedule {
        Schedule::Random => setup.run(RandomScheduler::new_from_seed(config.seed, 1), body),
        Schedule::Pct { depth } => setup.run(PctScheduler::new_from_seed(config.seed, depth.max(1), 1), body),
    }
    Ok(())
}

/// What every simulated run's scheduler is built with, whichever of shuttle's picks the tasks.
struct RunSetup<'a> {
    config: &'a SimConfig,
    shuttle_config: Config,
    now_nanos: Arc<AtomicU64>,
}

impl RunSetup<'_> {
    /// Runs `body` under `inner`, behind the leak check if asked, with the clock task last.
    fn run<S: Scheduler + 'static>(self, inner: S, body: impl Fn() + Send + Sync + 'static) {
        let RunSetup { config, shuttle_config, now_nanos } = self;
        match config.leak_check {
            true => {
                let scheduler = ClockLast::new(LeakCheck::new(inner), now_nanos, config.stall_steps);
                shuttle::Runner::new(scheduler, shuttle_config).run(body);
            }
            false => {
                let scheduler = ClockLast::new(inner, now_nanos, config.stall_steps);
                shuttle::Runner::new(scheduler, shuttle_config).run(body);
            }
        }
    }
}

/// The seed of the simulated run the calling thread belongs to; `None` outside one. A network
/// made inside a run without `LAB_SEED` takes this seed, so one number replays the schedule and
/// the faults together.
pub fn seed() -> Option<u64> {
    clock::ClockLabel::current().map(|label| label.0.seed)
}

/// How the simulated run the calling thread belongs to picks its tasks; `None` outside one. With
/// [`seed`], what replays the run.
pub fn schedule() -> Option<Schedule> {
    clock::ClockLabel::current().map(|label| label.0.schedule)
}

/// Starts a task named `name` in the current run (see [`crate::thread::spawn`]).
pub(crate) fn spawn_task<F, T>(name: &str, body: F) -> io::Result<shuttle::thread::JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    shuttle::thread::Builder::new().name(name.to_string()).spawn(body)
}
