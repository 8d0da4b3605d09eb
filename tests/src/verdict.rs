//! The sealed verdict channel: how a graded test tells the grader that it passed, in a way the
//! code under test cannot forge.
//!
//! The code under test runs in the test's own process, so nothing that process prints, writes
//! or returns can be believed on its own: a submission could print libtest's `ok`, write a
//! result file, or exit with status 0. Instead, for each run the grader draws a fresh random
//! key and writes it to the test process's standard input, then closes it. Every graded test is
//! marked `#[graded]`, which wraps its body in [`seal`]:
//!
//! 1. before any code under test runs, `seal` makes the process non-dumpable (so its memory and
//!    descriptors under `/proc/self` belong to root, out of reach of the test's own uid), reads
//!    the key and standard input to its end;
//! 2. it runs the scenario;
//! 3. only if the scenario returned (no panic, no assertion failed) does it print
//!    `lab verdict: <key>` on standard output.
//!
//! The grader counts a run as passed only if that line holds the key it drew for that run *and*
//! the process exited with status 0. The code under test cannot print the line early: it never
//! sees the key (standard input is drained before it runs, the key is in no argument, variable
//! or file, and the grader compiles the student crates with files, processes, the environment,
//! sockets, raw descriptors and `unsafe` denied), and a key is good for one run only.
//!
//! A scenario that failed on a run the machine starved (see [`crate::timeliness`]) is
//! *inconclusive*: `seal` prints `lab inconclusive: <key>: <reason>` instead, and the grader runs
//! the test again. The key makes that line unforgeable too, though forging it would gain nothing:
//! an inconclusive test earns no points.
//!
//! Outside grading (`make test`, `cargo test`), [`VERDICT_VAR`] is unset and `seal` runs the
//! scenario, again up to [`ATTEMPTS`] times while its failures are inconclusive.

use std::any::Any;
use std::io::{Read, Write};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use crate::timeliness::Watch;

/// The environment variable the grader sets to `stdin` when the key waits on standard input.
pub const VERDICT_VAR: &str = "LAB_VERDICT";

/// What the harness prints before the key once the scenario has returned.
pub const VERDICT_PREFIX: &str = "lab verdict: ";

/// The longest key the harness accepts, in hex digits.
const MAX_KEY_DIGITS: usize = 128;

/// What the harness prints before the key and the reason when a scenario failed on a run the
/// machine starved (the grader's side must match).
pub const INCONCLUSIVE_PREFIX: &str = "lab inconclusive: ";

/// How many times `make test` runs a scenario whose failures were all on starved runs. Under
/// the grader each attempt is a process of its own, and the grader reruns.
pub const ATTEMPTS: usize = 3;

/// Runs a graded scenario; when the grader runs it, reports through the sealed channel that it
/// returned. Used by `#[graded]`, not called by hand.
///
/// The scenario runs under a [`Watch`]: if it fails and the watch saw the machine starve it
/// past what its timing assumes, the run is *inconclusive*, not failed. Under the grader the
/// harness prints `lab inconclusive: <key>: <reason>` (keyed, so the code under test cannot
/// claim it) and fails, and the grader runs the test again; by hand, the scenario runs again
/// here, up to [`ATTEMPTS`] times.
#[cfg(not(feature = "simulation"))]
pub fn seal(scenario: impl Fn()) {
    seal_run(&scenario)
}

/// Runs a graded scenario simulated (see [`crate::simulation`]), then as [`seal`] does in the
/// plain build.
#[cfg(feature = "simulation")]
pub fn seal(scenario: impl Fn() + Send + Sync + 'static) {
    seal_run(&crate::simulation::simulated(scenario))
}

/// Runs a search test (`#[graded(search)]`): a body that runs its own simulated executions (see
/// `crate::search`), reported through the sealed channel as [`seal`] reports a scenario.
#[cfg(feature = "simulation")]
pub fn seal_search(search: impl Fn()) {
    seal_run(&search)
}

fn seal_run(scenario: &impl Fn()) {
    let key = match std::env::var(VERDICT_VAR) {
        Err(_) => None,
        Ok(mode) if mode == "stdin" => Some(take_key()),
        Ok(other) => panic!(
            "{VERDICT_VAR}={other:?} is not a verdict mode this harness knows (the grader sets `stdin`); \
             unset it to run the test by hand"
        ),
    };
    let Some(key) = key else {
        return run_by_hand(scenario, Watch::start);
    };
    match attempt(scenario, Watch::start()) {
        Attempt::Passed => {
            let mut out = std::io::stdout().lock();
            let written = write!(out, "\n{VERDICT_PREFIX}{key}\n").and_then(|()| out.flush());
            if let Err(e) = written {
                panic!("the scenario passed, but its verdict could not be written to standard output: {e}");
            }
        }
        Attempt::Failed(failure) => resume_unwind(failure),
        Attempt::Inconclusive { reason, failure } => {
            let mut out = std::io::stdout().lock();
            let _ = write!(out, "\n{}\n", inconclusive_line(&key, &reason)).and_then(|()| out.flush());
            drop(out);
            eprintln!("inconclusive: {reason}; the grader runs this test again");
            resume_unwind(failure)
        }
    }
}

/// The way a scenario ended.
enum Attempt {
    Passed,
    /// It failed on a fair run: the submission's failure.
    Failed(Box<dyn Any + Send>),
    /// It failed on a run the machine starved.
    Inconclusive {
        reason: String,
        failure: Box<dyn Any + Send>,
    },
}

fn attempt(scenario: &impl Fn(), watch: Watch) -> Attempt {
    let outcome = catch_unwind(AssertUnwindSafe(scenario));
    let unfair = watch.unfair();
    drop(watch);
    match (outcome, unfair) {
        (Ok(()), _) => Attempt::Passed,
        (Err(failure), None) => Attempt::Failed(failure),
        (Err(failure), Some(reason)) => Attempt::Inconclusive { reason, failure },
    }
}

/// `make test`: runs the scenario again while its failures are inconclusive; after
/// [`ATTEMPTS`] starved runs the test fails, saying it never got a fair run.
fn run_by_hand(scenario: &impl Fn(), watch: impl Fn() -> Watch) {
    for number in 1..=ATTEMPTS {
        match attempt(scenario, watch()) {
            Attempt::Passed => return,
            Attempt::Failed(failure) => resume_unwind(failure),
            Attempt::Inconclusive { reason, failure } if number == ATTEMPTS => panic!(
                "inconclusive: the scenario never got a fair run in {ATTEMPTS} attempts ({reason}); its last \
                 failure: {}. This says nothing about the code under test: run it again on a quieter machine",
                panic_text(failure.as_ref())
            ),
            Attempt::Inconclusive { reason, .. } => {
                eprintln!("attempt {number} of {ATTEMPTS} inconclusive: {reason}; running the scenario again")
            }
        }
    }
}

/// The message a panic carried.
fn panic_text(payload: &(dyn Any + Send)) -> String {
    match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(text), _) => text.to_string(),
        (_, Some(text)) => text.clone(),
        _ => "(a panic without a message)".to_string(),
    }
}

/// The line that tells the grader this run was inconclusive, and why (on one line).
fn inconclusive_line(key: &str, reason: &str) -> String {
    format!("{INCONCLUSIVE_PREFIX}{key}: {}", reason.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Seals the process and reads the run's key from standard input, to its end.
fn take_key() -> String {
    // Non-dumpable: /proc/self/mem, /proc/self/fd and /proc/self/environ become root's, so the
    // code under test cannot read the key back from this process's memory or descriptors.
    if let Err(e) = nix::sys::prctl::set_dumpable(false) {
        panic!("cannot seal the test process (prctl PR_SET_DUMPABLE failed: {e}); the grader cannot trust its verdict");
    }
    let mut input = Vec::new();
    let read = std::io::stdin().lock().take(MAX_KEY_DIGITS as u64 + 2).read_to_end(&mut input);
    if let Err(e) = read {
        panic!("cannot read the grader's verdict key from standard input: {e}");
    }
    let key = String::from_utf8_lossy(&input).trim().to_string();
    let well_formed =
        (32..=MAX_KEY_DIGITS).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        panic!(
            "{VERDICT_VAR}=stdin, but standard input holds no verdict key (found {} bytes): graded tests run one \
             per process under `grade`; unset {VERDICT_VAR} to run them by hand",
            input.len()
        );
    }
    // Whatever follows the key is not the harness's business; drain it so nothing is left to read.
    let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
    key
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::Duration;

    use super::*;
    use crate::timeliness::observe;

    /// A scenario that fails on its first `starved` attempts after reporting a stall, then
    /// passes, or fails on a fair run if `then_fail`.
    fn flaky(attempts: &Cell<usize>, starved: usize, then_fail: bool) -> impl Fn() + '_ {
        move || {
            attempts.set(attempts.get() + 1);
            if attempts.get() <= starved {
                observe("a ping round", Duration::from_millis(900), Duration::from_millis(300));
                panic!("view 3 never came");
            }
            assert!(!then_fail, "the backup served a Get");
        }
    }

    fn failure_text(run: impl FnOnce()) -> String {
        let payload = catch_unwind(AssertUnwindSafe(run)).expect_err("the test should fail");
        panic_text(payload.as_ref())
    }

    #[test]
    fn a_starved_failure_runs_again_and_a_fair_pass_passes() {
        let attempts = Cell::new(0);
        run_by_hand(&flaky(&attempts, 2, false), Watch::without_watchdog);
        assert_eq!(attempts.get(), 3);
    }

    #[test]
    fn a_failure_on_a_fair_run_fails_at_once_with_its_own_message() {
        let attempts = Cell::new(0);
        let text = failure_text(|| run_by_hand(&flaky(&attempts, 0, true), Watch::without_watchdog));
        assert_eq!(attempts.get(), 1);
        assert!(text.contains("the backup served a Get"), "{text}");
    }

    #[test]
    fn a_fair_failure_after_a_starved_one_is_a_failure() {
        let attempts = Cell::new(0);
        let text = failure_text(|| run_by_hand(&flaky(&attempts, 1, true), Watch::without_watchdog));
        assert_eq!(attempts.get(), 2);
        assert!(text.contains("the backup served a Get") && !text.contains("inconclusive"), "{text}");
    }

    #[test]
    fn never_a_fair_run_is_inconclusive_and_says_why() {
        let attempts = Cell::new(0);
        let text = failure_text(|| run_by_hand(&flaky(&attempts, ATTEMPTS, false), Watch::without_watchdog));
        assert_eq!(attempts.get(), ATTEMPTS);
        assert!(text.starts_with("inconclusive: the scenario never got a fair run in 3 attempts"), "{text}");
        assert!(text.contains("a ping round took 900 ms where the scenario allows 300 ms"), "{text}");
        assert!(text.contains("view 3 never came"), "{text}");
    }

    #[test]
    fn the_inconclusive_line_is_keyed_and_one_line() {
        let line = inconclusive_line("ab12", "the machine\nstarved  this run");
        assert_eq!(line, "lab inconclusive: ab12: the machine starved this run");
    }
}
