//! One run of one test: how it ended, and what it left to show.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::escape::caps::{self, MESSAGE};
use crate::escape::one_line;
use crate::run_mode::RunMode;

/// Why a run did not pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// libtest recorded the test as failed (an assertion or a panic in the test).
    TestFailed {
        /// Advice drawn from the output, if any.
        hint: Option<String>,
    },
    /// The run took longer than its timeout; its process group was killed.
    TimedOut(Duration),
    /// The process was killed by a signal.
    Signal {
        /// `SIGABRT`...
        signal: String,
        /// What it most likely means.
        hint: String,
    },
    /// The process exited without the harness confirming that the test returned (e.g.
    /// `process::exit`, or status 0 with no verdict).
    ExitedEarly {
        /// Its exit status.
        code: i32,
        /// Advice drawn from the output, if any.
        hint: Option<String>,
    },
    /// The test passed, then the process exited with a non-zero status.
    CrashedAfterPassing(i32),
    /// The test filled its run directory beyond the rubric's limits; its processes were killed.
    DiskLimit(String),
    /// The grader could not run the test at all (its own problem, not the submission's).
    Grader(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::TestFailed { hint: None } => write!(f, "the test failed"),
            Failure::TestFailed { hint: Some(hint) } => write!(f, "the test failed: {hint}"),
            Failure::TimedOut(limit) => {
                write!(f, "timed out after {:.0}s (deadlock, livelock or a very slow run?); its processes were killed", limit.as_secs_f64())
            }
            Failure::Signal { signal, hint } => write!(f, "killed by {signal}: {hint}"),
            Failure::ExitedEarly { code, hint } => {
                write!(
                    f,
                    "the test process exited with status {code} without the harness confirming that the test \
                     finished (process::exit, or a crash in the submission?)"
                )?;
                if let Some(hint) = hint {
                    write!(f, "; {hint}")?;
                }
                Ok(())
            }
            Failure::CrashedAfterPassing(code) => {
                write!(
                    f,
                    "the test passed, but its process then exited with status {code} (a background thread?)"
                )
            }
            Failure::DiskLimit(why) => write!(f, "stopped: {why}; its processes were killed"),
            Failure::Grader(message) => write!(f, "the grader could not run this test: {message}"),
        }
    }
}

/// What became of the HTML report page a failed run's test wrote (see [`crate::lab_reports`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportCopy {
    /// The grader's copy of the page.
    Kept(PathBuf),
    /// The test wrote a page, but the grader did not keep it: why.
    NotKept(String),
}

/// How one run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunVerdict {
    /// The test passed: its process exited with status 0 and printed this run's verdict key.
    Passed,
    /// The test failed.
    Failed(Failure),
    /// The harness found that the machine starved the scenario past what its timing assumes, so
    /// the run judged nothing: not a failure of the submission, not a pass either (see
    /// [`crate::verdict`]).
    Inconclusive {
        /// The harness's reason, one printable line of bounded length.
        reason: String,
    },
}

/// One run of one test: its last attempt, and why the attempts before it (if any) were rerun.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// How its last attempt ended.
    pub verdict: RunVerdict,
    /// The mode its test binary ran in.
    pub mode: RunMode,
    /// Wall time of the last attempt's process.
    pub duration: Duration,
    /// The `LAB_SEED` it ran with (every attempt of a run has the same).
    pub seed: u64,
    /// The last lines of its output (stdout and stderr, interleaved), printable, each and all
    /// together capped (see [`crate::escape::caps`]).
    pub output: Vec<String>,
    /// How many bytes of its output came before [`RunResult::output`] and were not kept.
    pub output_cut: u64,
    /// The panic message found in the output, if it did not pass, capped at [`MESSAGE`].
    pub message: Option<String>,
    /// The report page of a run that did not pass, if its test wrote one and the grader was
    /// asked to keep it (`None` for passed runs and for tests that write none, e.g. killed at
    /// their timeout).
    pub report: Option<ReportCopy>,
    /// The reasons of the attempts before the last, in order: each was inconclusive, so the run
    /// was attempted again (see [`crate::attempts`]). Empty when the first attempt was the last.
    pub inconclusive_attempts: Vec<String>,
}

impl RunResult {
    /// A judged attempt's result (`failure` is `None` if it passed); the failure message is
    /// looked for in `output` when it failed.
    pub fn new(failure: Option<Failure>, duration: Duration, seed: u64, output: Vec<String>) -> RunResult {
        let verdict = match failure {
            None => RunVerdict::Passed,
            Some(failure) => RunVerdict::Failed(failure),
        };
        RunResult::with_verdict(verdict, duration, seed, output)
    }

    /// An attempt's result; the failure message is looked for in `output` unless it passed.
    pub fn with_verdict(
        verdict: RunVerdict,
        duration: Duration,
        seed: u64,
        output: Vec<String>,
    ) -> RunResult {
        let message = if verdict == RunVerdict::Passed { None } else { panic_message(&output) };
        RunResult {
            verdict,
            mode: RunMode::Real,
            duration,
            seed,
            output,
            output_cut: 0,
            message,
            report: None,
            inconclusive_attempts: Vec::new(),
        }
    }

    /// Whether it passed.
    pub fn passed(&self) -> bool {
        self.verdict == RunVerdict::Passed
    }

    /// Why it failed, if it did (an inconclusive run did not).
    pub fn failure(&self) -> Option<&Failure> {
        match &self.verdict {
            RunVerdict::Failed(failure) => Some(failure),
            _ => None,
        }
    }

    /// Whether its panic message or its kept output (the bounded, printable tail) holds `text`.
    pub fn shows(&self, text: &str) -> bool {
        self.message.as_deref().is_some_and(|m| m.contains(text))
            || self.output.iter().any(|l| l.contains(text))
    }

    /// Whether no attempt of it was judged.
    pub fn is_inconclusive(&self) -> bool {
        matches!(self.verdict, RunVerdict::Inconclusive { .. })
    }

    /// How many attempts it took.
    pub fn attempts(&self) -> usize {
        self.inconclusive_attempts.len() + 1
    }

    /// The reasons of every inconclusive attempt, in order (the last attempt's too, if it was).
    pub fn inconclusive_reasons(&self) -> Vec<&str> {
        let mut reasons: Vec<&str> = self.inconclusive_attempts.iter().map(String::as_str).collect();
        if let RunVerdict::Inconclusive { reason } = &self.verdict {
            reasons.push(reason);
        }
        reasons
    }

    /// For a run judged after inconclusive attempts: `passed on attempt 2 (attempt 1
    /// inconclusive: REASON)` (or `failed on ...`). `None` for a run judged at its first
    /// attempt, and for an inconclusive run.
    pub fn attempts_note(&self) -> Option<String> {
        if self.inconclusive_attempts.is_empty() || self.is_inconclusive() {
            return None;
        }
        let how = if self.passed() { "passed" } else { "failed" };
        let earlier: Vec<String> = self
            .inconclusive_attempts
            .iter()
            .enumerate()
            .map(|(index, reason)| format!("attempt {} inconclusive: {}", index + 1, one_line(reason)))
            .collect();
        Some(format!("{how} on attempt {} ({})", self.attempts(), earlier.join("; ")))
    }
}

/// The last `panicked at` line of `output` and the message lines after it (at most 12), capped at
/// [`MESSAGE`] with a marker where it was cut.
pub fn panic_message(output: &[String]) -> Option<String> {
    let start = output.iter().rposition(|l| l.contains("panicked at"))?;
    let mut lines = vec![output[start].trim().to_string()];
    for line in &output[start + 1..] {
        if line.trim().is_empty()
            || line.starts_with("note:")
            || line.starts_with("failures:")
            || lines.len() >= 12
        {
            break;
        }
        lines.push(line.clone());
    }
    let message = lines.join("\n");
    Some(caps::cap_start(&message, MESSAGE.bytes, caps::utf8_cost, &MESSAGE.to_string()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_panic_message_is_found_after_the_last_panic() {
        let output: Vec<String> = [
            "running 1 test",
            "thread 'x' panicked at tests/tests/a.rs:3:5:",
            "wanted s1 as primary, got None",
            "note: run with `RUST_BACKTRACE=1`",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            panic_message(&output).as_deref(),
            Some("thread 'x' panicked at tests/tests/a.rs:3:5:\nwanted s1 as primary, got None")
        );
    }

    #[test]
    fn a_long_panic_message_is_capped_with_a_marker() {
        let line = "é".repeat(1000);
        let mut output = vec!["thread 'x' panicked at src/a.rs:3:5:".to_string()];
        output.extend(std::iter::repeat_n(line.clone(), 3));
        let message = panic_message(&output).unwrap();
        assert!(message.len() <= MESSAGE.bytes, "{}", message.len());
        assert!(message.starts_with("thread 'x' panicked at src/a.rs:3:5:\n"), "{message}");
        let marker = message.lines().last().unwrap();
        let kept = message.len() - marker.len() - 1;
        let whole = output.iter().map(|l| l.len() + 1).sum::<usize>() - 1;
        assert_eq!(marker, caps::marker((whole - kept) as u64, &MESSAGE.to_string()));
        // At the cap exactly, the message is whole.
        let short = vec![output[0].clone(), "a".repeat(MESSAGE.bytes - output[0].len() - 1)];
        assert_eq!(panic_message(&short).unwrap().len(), MESSAGE.bytes);
        assert!(!panic_message(&short).unwrap().contains("bytes cut"));
    }
}
