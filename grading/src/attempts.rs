//! Attempting a run again when the machine, not the submission, decided it.
//!
//! The graded scenarios run in real time: a view service declares a server dead after so many
//! milliseconds of silence, so a machine too busy to run the server's pinging thread on time can
//! fail a correct submission. The harness notices when that happened (see [`crate::verdict`]):
//! the run is then inconclusive, neither a failure nor a pass. [`attempt_run`] attempts such a
//! run again, up to [`MAX_ATTEMPTS`] attempts in all, with the same seed; the first judged
//! attempt (passed or failed) is the run's result. A run is inconclusive only if no attempt was
//! judged, and an inconclusive test earns no points: the fix is to grade again on a quieter
//! machine.

use crate::outcome::{RunResult, RunVerdict};

/// Attempts of one run, in all. A burst of load that starved one attempt has usually passed by
/// the next; a third attempt covers a second unlucky burst. A machine that starves three attempts
/// in a row is overloaded for as long as grading takes, and more attempts would only stretch the
/// grading (each may last the test's whole timeout) without a fair run: the honest answer is then
/// "inconclusive", and grading again elsewhere.
pub const MAX_ATTEMPTS: usize = 3;

/// One run: `attempt(n)` for n = 1, 2, ... until an attempt is judged (passed or failed), at
/// most [`MAX_ATTEMPTS`] times. The result is the last attempt's, holding the reasons of the
/// inconclusive attempts before it.
pub fn attempt_run(mut attempt: impl FnMut(usize) -> RunResult) -> RunResult {
    let mut earlier = Vec::new();
    let mut number = 1;
    loop {
        let mut result = attempt(number);
        match result.verdict {
            RunVerdict::Inconclusive { reason } if number < MAX_ATTEMPTS => {
                earlier.push(reason);
                number += 1;
            }
            _ => {
                result.inconclusive_attempts = earlier;
                return result;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::outcome::Failure;

    fn result(verdict: RunVerdict) -> RunResult {
        RunResult::with_verdict(verdict, Duration::from_millis(5), 7, Vec::new())
    }

    fn inconclusive(reason: &str) -> RunResult {
        result(RunVerdict::Inconclusive { reason: reason.into() })
    }

    /// Runs `attempt_run` over scripted attempts; returns its result and the attempts made.
    fn scripted(mut attempts: Vec<RunResult>) -> (RunResult, usize) {
        attempts.reverse();
        let mut made = 0;
        let result = attempt_run(|number| {
            made += 1;
            assert_eq!(number, made, "attempts are numbered from 1");
            attempts.pop().expect("no more attempts than scripted")
        });
        (result, made)
    }

    #[test]
    fn a_judged_first_attempt_is_the_run() {
        let (run, made) = scripted(vec![result(RunVerdict::Passed)]);
        assert_eq!((run.passed(), made, run.attempts()), (true, 1, 1));
        assert_eq!(run.attempts_note(), None);
        let (run, made) = scripted(vec![result(RunVerdict::Failed(Failure::TestFailed { hint: None }))]);
        assert_eq!((run.failure().is_some(), made), (true, 1));
    }

    #[test]
    fn inconclusive_then_passed_is_passed_with_a_note() {
        let (run, made) = scripted(vec![inconclusive("pings 541 ms apart"), result(RunVerdict::Passed)]);
        assert!(run.passed());
        assert_eq!(made, 2);
        assert_eq!(run.inconclusive_attempts, ["pings 541 ms apart"]);
        assert_eq!(
            run.attempts_note().as_deref(),
            Some("passed on attempt 2 (attempt 1 inconclusive: pings 541 ms apart)")
        );
    }

    #[test]
    fn inconclusive_then_failed_is_failed() {
        let failed = RunVerdict::Failed(Failure::TestFailed { hint: None });
        let (run, made) = scripted(vec![inconclusive("starved"), result(failed.clone())]);
        assert_eq!(run.verdict, failed);
        assert_eq!(made, 2);
        assert_eq!(
            run.attempts_note().as_deref(),
            Some("failed on attempt 2 (attempt 1 inconclusive: starved)")
        );
    }

    #[test]
    fn only_attempts_all_inconclusive_make_an_inconclusive_run() {
        let (run, made) = scripted(vec![inconclusive("a"), inconclusive("b"), inconclusive("c")]);
        assert_eq!(made, MAX_ATTEMPTS, "no attempt past the last");
        assert!(run.is_inconclusive() && !run.passed() && run.failure().is_none());
        assert_eq!(run.inconclusive_reasons(), ["a", "b", "c"]);
        assert_eq!(run.attempts(), 3);
        assert_eq!(run.attempts_note(), None);
        let (run, made) = scripted(vec![inconclusive("a"), inconclusive("b"), result(RunVerdict::Passed)]);
        assert_eq!((run.passed(), made), (true, 3), "the last attempt may still be judged");
    }
}
