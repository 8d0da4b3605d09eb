//! One run of one test: how it ended, and what it left to show.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

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

/// One run of one test.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// `None` if it passed.
    pub failure: Option<Failure>,
    /// Wall time of the process.
    pub duration: Duration,
    /// The `LAB_SEED` it ran with.
    pub seed: u64,
    /// The last lines of its output (stdout and stderr, interleaved).
    pub output: Vec<String>,
    /// The panic message found in the output, if it failed.
    pub message: Option<String>,
    /// The report page of a failed run, if its test wrote one and the grader was asked to keep
    /// it (`None` for passed runs and for tests that write none, e.g. killed at their timeout).
    pub report: Option<ReportCopy>,
}

impl RunResult {
    /// A run's result; the failure message is looked for in `output` when it failed.
    pub fn new(failure: Option<Failure>, duration: Duration, seed: u64, output: Vec<String>) -> RunResult {
        let message = if failure.is_some() { panic_message(&output) } else { None };
        RunResult { failure, duration, seed, output, message, report: None }
    }

    /// Whether it passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// The last `panicked at` line of `output` and the message lines after it.
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
    Some(lines.join("\n"))
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
}
