//! Graded scenarios in simulation mode (the `simulation` feature): each runs inside simulated runs
//! of labrpc, its threads tasks of a seeded scheduler on a virtual clock. A run's seed also seeds
//! the scenario's networks, so one number (with the schedule) replays the schedule, the faults
//! and the time. What a test process runs depends on its environment (the words are
//! `labreport::explore`'s):
//!
//! - `LAB_CASE=SEED/SCHEDULE`: exactly that execution, once (the replay command of a failure);
//! - `LAB_EXPLORE=BASE:WORKER:WORKERS:RUNS` (set by `make explore`): each execution of that share
//!   in turn, a `LAB-EXPLORE done I` line on stdout after each that passed, and at the first
//!   failure a `LAB-EXPLORE failed I CASE` line, then the failure itself;
//! - neither: one run with a random schedule, seeded with `LAB_SEED` or a fresh seed, printed
//!   when the scenario fails.
//!
//! Both set is a mistake this refuses (a process either replays or explores), as it refuses a
//! malformed value and a case with a search test's plan. With `LAB_LEAK_CHECK=1` every run runs
//! twice on its schedule, and fails if something outside the simulation changed the second run
//! (`make test` does this once, after the simulated suites).

use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::Arc;

use labreport::explore::{self, execution_case, replay_command, Case, Line, Share};
use labrpc::sim::{self, SimConfig};

/// `scenario`, wrapped to run simulated each time it is called, as the environment asks.
pub fn simulated(scenario: impl Fn() + Send + Sync + 'static) -> impl Fn() {
    let scenario: Arc<dyn Fn() + Send + Sync> = Arc::new(scenario);
    move || {
        let test = std::thread::current().name().unwrap_or("NAME").to_string();
        match Order::from_env(&test).unwrap_or_else(|message| panic!("{message}")) {
            Order::Seed(seed) => run_seed(&scenario, seed, &test),
            Order::Case(case) => run_case(&scenario, &case, &test),
            Order::Explore(share) => run_share(&scenario, share, &test),
        }
    }
}

/// What the environment asks a test process to run.
#[derive(Debug, PartialEq, Eq)]
enum Order {
    /// One run with a random schedule from this seed (`LAB_SEED`, or a fresh one).
    Seed(u64),
    /// This one execution (`LAB_CASE`).
    Case(Case),
    /// This share of an exploration (`LAB_EXPLORE`).
    Explore(Share),
}

impl Order {
    /// The order the environment gives test `test`, or what is wrong with it.
    fn from_env(test: &str) -> Result<Order, String> {
        let case = Case::from_env()?;
        let share = Share::from_env()?;
        let seed = std::env::var(labrpc::SEED_ENV).ok();
        Order::from_values(case, share, seed.as_deref(), test)
    }

    /// The order of the values read from the environment (`seed`: `LAB_SEED` as written).
    fn from_values(
        case: Option<Case>,
        share: Option<Share>,
        seed: Option<&str>,
        test: &str,
    ) -> Result<Order, String> {
        match (case, share) {
            (Some(case), Some(share)) => Err(explore::both_set(&case, &share)),
            (Some(case), None) => match &case.plan {
                Some(plan) => Err(format!(
                    "{}={case} names a search plan ({plan}), which only a search test runs; {test} runs a \
                     scenario without one: give the case to the search test it came from, or replay this \
                     seed and schedule alone with {}={}/{}",
                    explore::CASE_ENV,
                    explore::CASE_ENV,
                    case.seed,
                    case.schedule
                )),
                None => Ok(Order::Case(case)),
            },
            (None, Some(share)) => Ok(Order::Explore(share)),
            (None, None) => match seed {
                Some(value) => value.trim().parse().map(Order::Seed).map_err(|_| {
                    format!("{}={value:?} is not a seed: give a whole number", labrpc::SEED_ENV)
                }),
                None => Ok(Order::Seed(rand::random())),
            },
        }
    }
}

/// One run seeded with `seed`, random schedule; a failure prints the command that replays it.
fn run_seed(scenario: &Arc<dyn Fn() + Send + Sync>, seed: u64, test: &str) {
    if let Err(failure) = run_once(scenario, seed, explore::Schedule::Random) {
        eprintln!(
            "simulated run failed, seed {seed}: replay it exactly with {}",
            labreport::scenario::rerun_command(seed, test)
        );
        resume_unwind(failure);
    }
}

/// The execution `case`, once; a failure prints the command that replays it.
fn run_case(scenario: &Arc<dyn Fn() + Send + Sync>, case: &Case, test: &str) {
    if let Err(failure) = run_once(scenario, case.seed, case.schedule) {
        eprintln!("simulated run failed, case {case}: replay it exactly with {}", replay_command(case, test));
        resume_unwind(failure);
    }
}

/// Each execution of `share` in turn, a protocol line after each; stops at the first failure,
/// after its `failed` line, with the failure itself.
fn run_share(scenario: &Arc<dyn Fn() + Send + Sync>, share: Share, test: &str) {
    for index in share.indices() {
        let case = execution_case(share.base, index);
        match run_once(scenario, case.seed, case.schedule) {
            Ok(()) => Line::Done { index }.say(),
            Err(failure) => {
                Line::Failed { index, case: case.clone() }.say();
                eprintln!(
                    "simulated run failed, execution {index}, case {case}: replay it exactly with {}",
                    replay_command(&case, test)
                );
                resume_unwind(failure);
            }
        }
    }
}

/// Prints a protocol line on stdout, on a line of its own, at once.
/// One simulated run of `scenario`: its failure, if it failed.
fn run_once(
    scenario: &Arc<dyn Fn() + Send + Sync>,
    seed: u64,
    schedule: explore::Schedule,
) -> Result<(), Box<dyn Any + Send>> {
    let run = Arc::clone(scenario);
    catch_unwind(AssertUnwindSafe(move || {
        let mut config = SimConfig::new(seed);
        config.schedule = schedule;
        config.leak_check = sim::leak_check_requested();
        sim::run(&config, move || run()).unwrap_or_else(|error| panic!("{error}"))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(text: &str) -> Case {
        text.parse().unwrap()
    }

    #[test]
    fn a_case_replays_its_execution_and_a_share_explores() {
        let order = Order::from_values(Some(case("12/pct3")), None, Some("5"), "t");
        assert_eq!(order, Ok(Order::Case(case("12/pct3"))), "the case, not LAB_SEED");
        let share: Share = "1:0:2:10".parse().unwrap();
        assert_eq!(Order::from_values(None, Some(share), Some("5"), "t"), Ok(Order::Explore(share)));
        assert_eq!(Order::from_values(None, None, Some(" 5 "), "t"), Ok(Order::Seed(5)));
    }

    #[test]
    fn mistakes_are_refused_saying_what_to_do() {
        let share: Share = "1:0:2:10".parse().unwrap();
        let both = Order::from_values(Some(case("12/random")), Some(share), None, "t").unwrap_err();
        assert!(both.contains("both LAB_CASE=12/random and LAB_EXPLORE=1:0:2:10 are set"), "{both}");
        let plan = Order::from_values(Some(case("12/pct2/o=1")), None, None, "first_backup").unwrap_err();
        assert!(plan.contains("names a search plan (o=1)") && plan.contains("LAB_CASE=12/pct2"), "{plan}");
        assert!(plan.contains("first_backup runs a scenario without one"), "{plan}");
        let seed = Order::from_values(None, None, Some("x1"), "t").unwrap_err();
        assert_eq!(seed, "LAB_SEED=\"x1\" is not a seed: give a whole number");
    }
}
