//! Search tests: many short simulated executions of a small workload (a view service, two or
//! three servers, one to three clients doing a few Puts, Appends and Gets), each with its own
//! seed, schedule (random or PCT) and planned faults (crashes, quick restarts, partitions, loss,
//! delays, held pings) in virtual time, each checked for progress once the faults stop and for a
//! linearizable history.
//!
//! A search test runs a fixed budget of executions derived from `LAB_SEED` (the grader's
//! `--seed`), so a grade is the same on any machine. At the first failure it shrinks the run
//! (see [`shrink`]), runs the smallest failing one again with its report page, and fails with
//! the case that replays it (`LAB_CASE=... make test-sim T=name`). Under `make explore` it runs
//! the executions it is given instead ([`labreport::explore`]).

pub mod execution;
pub mod plan;
pub mod shrink;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use labreport::explore::{self, Case, Line, Share};
use labrpc::sim::{self, SimConfig};

use execution::{FaultCounts, Telling};
use plan::{Mask, Plan, Workload};

/// The most trial runs a shrink makes.
const SHRINK_TRIALS: usize = 60;

/// Executions a search makes under the leak check (`LAB_LEAK_CHECK=1`), which runs each twice
/// and keeps every scheduling decision: enough to show the executions leak nothing.
const LEAK_CHECK_EXECUTIONS: u64 = 3;

/// A check of an execution's history besides linearizability (a test of the search plants a
/// failure with one): what is wrong, if anything.
pub type HistoryCheck = fn(&KvHistory) -> Result<(), String>;

/// The history of an execution's client operations.
pub type KvHistory = lincheck::History<lincheck::KvInput, lincheck::KvOutput>;

/// A failing execution a search found: its number, of how many, its case and its failure.
struct Found {
    index: u64,
    total: u64,
    case: Case,
    failure: String,
}

/// A search test: its name (the test function's), its workload and its budget of executions.
#[derive(Clone, Copy, Debug)]
pub struct Search {
    /// The test's name: replay commands and report pages name it.
    pub name: &'static str,
    /// What each execution does.
    pub workload: Workload,
    /// How many executions a plain run (and a grade) makes.
    pub budget: u64,
}

impl Search {
    /// Runs the search as the environment asks: one case (`LAB_CASE`), a share of an
    /// exploration (`LAB_EXPLORE`), or the budget from `LAB_SEED`. Fails as a test does at the
    /// first failing execution, after shrinking it.
    pub fn run(&self) {
        self.run_checking(None)
    }

    /// [`Search::run`], each execution's history also judged by `extra`.
    pub fn run_checking(&self, extra: Option<HistoryCheck>) {
        crate::init_log();
        let case = Case::from_env().unwrap_or_else(|e| panic!("{e}"));
        let share = Share::from_env().unwrap_or_else(|e| panic!("{e}"));
        if let (Some(case), Some(share)) = (&case, &share) {
            panic!("{}", explore::both_set(case, share));
        }
        if let Some(case) = case {
            return self.replay(&case, extra);
        }
        let (indices, base, total): (Box<dyn Iterator<Item = u64>>, u64, u64) = match share {
            Some(share) => (Box::new(share.indices()), share.base, share.runs),
            None => {
                let base = base_seed();
                let budget = match sim::leak_check_requested() {
                    true => self.budget.min(LEAK_CHECK_EXECUTIONS),
                    false => self.budget,
                };
                println!("Search: {} ... {budget} executions from LAB_SEED={base}", self.name);
                (Box::new(0..budget), base, budget)
            }
        };
        let (mut ran, mut tally, began) = (0, FaultCounts::default(), Instant::now());
        for index in indices {
            let case = explore::execution_case(base, index);
            let plan = Plan::draw(&self.workload, case.seed);
            match self.quiet_attempt(&case, &plan, &plan.full_mask(), extra) {
                Ok(counts) => tally.add(counts),
                Err(failure) => {
                    println!(
                        "  execution {} failed after {:.2} s of search ({ran} executions passed before it); shrinking it",
                        index,
                        began.elapsed().as_secs_f64()
                    );
                    let found = Found { index, total, case, failure };
                    self.fail(found, &plan, share.is_some(), extra)
                }
            }
            ran += 1;
            if share.is_some() {
                Line::Done { index }.say();
            }
        }
        if share.is_none() {
            let seconds = began.elapsed().as_secs_f64();
            println!(
                "  ... Passed: {ran} executions in {seconds:.2} s ({:.0} per second); faults applied: {} ({} kills), \
                 skipped by the rules: {}; every history linearizable, progress after the faults in all but {} \
                 (stuck as the lab allows: a primary died before acknowledging its view)",
                ran as f64 / seconds.max(1e-9),
                tally.applied,
                tally.kills,
                tally.skipped,
                tally.stuck
            );
        }
    }

    /// Runs `case` once, quietly (no story, no report page, no printed panic): the faults it
    /// applied, or why it failed. For tools that run many executions (the bench).
    pub fn execute(&self, case: &Case) -> Result<FaultCounts, String> {
        let plan = Plan::draw(&self.workload, case.seed);
        let mask = match &case.plan {
            Some(words) => words.parse::<Mask>()?,
            None => plan.full_mask(),
        };
        self.quiet_attempt(case, &plan, &mask, None)
    }

    /// Replays `case` once, with its report page.
    fn replay(&self, case: &Case, extra: Option<HistoryCheck>) {
        let plan = Plan::draw(&self.workload, case.seed);
        let mask = match &case.plan {
            Some(words) => words.parse::<Mask>().unwrap_or_else(|e| panic!("{}: {e}", explore::CASE_ENV)),
            None => plan.full_mask(),
        };
        println!("Search: {} ... replaying {case}", self.name);
        let note = case.plan.is_some().then(|| {
            format!("A part of the search's execution (seed {}): {}.", case.seed, mask.describe(&plan))
        });
        let outcome = self.attempt(case, &plan, Some(&mask), note, extra);
        if let Err(failure) = outcome {
            panic!("{failure}\nreplay it: {}", explore::replay_command(case, self.name));
        }
        println!("  ... Passed: the case ran without failing");
    }

    /// Shrinks the failing execution `found` (of `plan`), runs the smallest failing one again
    /// with its report, says what it found and fails.
    fn fail(&self, found: Found, plan: &Plan, exploring: bool, extra: Option<HistoryCheck>) -> ! {
        let Found { index, total, case, failure } = found;
        let full = plan.full_mask();
        let shrunk =
            shrink::shrink(plan, SHRINK_TRIALS, |mask| self.quiet_attempt(&case, plan, mask, extra).is_err());
        let smallest = Case { plan: Some(shrunk.mask.to_string()), ..case.clone() };
        let shrank = shrink::summary(plan, &full, &shrunk);
        // The reported run: the smallest, again, with its story and a report page that says how
        // it was found.
        let note = format!(
            "The smallest failing run the search found: execution {index} of {total} of {name} (seed {seed}, \
             {schedule} schedule) {shrank}.",
            name = self.name,
            seed = case.seed,
            schedule = case.schedule,
        );
        let reported = self.attempt(&smallest, plan, Some(&shrunk.mask), Some(note), extra).err();
        let (reported, failure) = match reported {
            Some(message) => (smallest, message),
            // A shrunk run that passes when run again would be a replay bug: report the original.
            None => (case, failure),
        };
        if exploring {
            Line::Failed { index, case: reported.clone() }.say();
        }
        panic!(
            "search {name}: execution {index} of {total} (numbered from 0, as make explore numbers them) failed (seed {seed}, {schedule} schedule).\n\
             It {shrank}.\n\
             Replay it exactly: {command}\n{failure}",
            name = self.name,
            seed = reported.seed,
            schedule = reported.schedule,
            command = explore::replay_command(&reported, self.name),
        )
    }

    /// Runs `case` with `plan` (masked by `mask`, else whole) simulated, with its story and a
    /// report page on failure (showing `run_note`); the failure's message if it fails.
    fn attempt(
        &self,
        case: &Case,
        plan: &Plan,
        mask: Option<&Mask>,
        run_note: Option<String>,
        extra: Option<HistoryCheck>,
    ) -> Result<FaultCounts, String> {
        self.simulate(case, plan, mask, (false, run_note), extra)
    }

    /// [`Search::attempt`] without the story, the report page or the printed panic.
    fn quiet_attempt(
        &self,
        case: &Case,
        plan: &Plan,
        mask: &Mask,
        extra: Option<HistoryCheck>,
    ) -> Result<FaultCounts, String> {
        labreport::silenced(|| self.simulate(case, plan, Some(mask), (true, None), extra))
    }

    /// Runs `case` simulated with `plan` (masked by `mask`, else whole), quietly or not and
    /// with the page's run note as `(quiet, run_note)` say, judged by `extra` too: the faults it
    /// applied, or the failure's message.
    fn simulate(
        &self,
        case: &Case,
        plan: &Plan,
        mask: Option<&Mask>,
        (quiet, run_note): (bool, Option<String>),
        extra: Option<HistoryCheck>,
    ) -> Result<FaultCounts, String> {
        let plan = match mask {
            Some(mask) => plan.masked(mask),
            None => plan.clone(),
        };
        let (name, workload) = (self.name, self.workload);
        let rerun = explore::replay_command(&Case { plan: mask.map(Mask::to_string), ..case.clone() }, name);
        let telling = Telling { rerun, quiet, run_note };
        let mut config = SimConfig::new(case.seed);
        config.schedule = case.schedule;
        config.leak_check = sim::leak_check_requested();
        // The run's result leaves the simulation through a plain lock (never contended: the
        // scenario stores it once, on its way out).
        let counts = Arc::new(Mutex::new(FaultCounts::default()));
        let out = Arc::clone(&counts);
        catch_unwind(AssertUnwindSafe(|| {
            sim::run(&config, move || {
                let applied = execution::execute(name, &workload, &plan, telling.clone(), extra);
                *out.lock().unwrap_or_else(|e| e.into_inner()) = applied;
            })
            .unwrap_or_else(|e| panic!("{e}"))
        }))
        .map_err(|panic| panic_text(panic.as_ref()))?;
        let counts = *counts.lock().unwrap_or_else(|e| e.into_inner());
        Ok(counts)
    }
}

/// `LAB_SEED` (a malformed value fails the test), else a fresh seed.
fn base_seed() -> u64 {
    match std::env::var(labrpc::SEED_ENV) {
        Ok(value) => value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{}={value:?} is not a seed: give a whole number", labrpc::SEED_ENV)),
        Err(_) => rand::random(),
    }
}

/// A panic's message.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "the execution panicked (no message)".to_string())
}
