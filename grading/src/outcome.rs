//! What grading found: per run, per test, per submission.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::compile::BuildError;
use crate::rubric::{RubricTest, Suite};

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

/// Every run of one graded test.
#[derive(Clone, Debug)]
pub struct TestOutcome {
    /// The rubric's entry.
    pub test: RubricTest,
    /// Its runs, in order (grading stops at the first failed run).
    pub runs: Vec<RunResult>,
    /// Runs asked for.
    pub runs_wanted: usize,
}

impl TestOutcome {
    /// Passed only if every wanted run ran and passed.
    pub fn passed(&self) -> bool {
        self.runs.len() == self.runs_wanted && self.runs.iter().all(RunResult::passed)
    }

    /// Points earned.
    pub fn points(&self) -> u32 {
        if self.passed() {
            self.test.points
        } else {
            0
        }
    }

    /// The first failed run.
    pub fn failed_run(&self) -> Option<&RunResult> {
        self.runs.iter().find(|r| !r.passed())
    }

    /// The longest run.
    pub fn max_duration(&self) -> Duration {
        self.runs.iter().map(|r| r.duration).max().unwrap_or_default()
    }

    /// The time of all runs together.
    pub fn total_duration(&self) -> Duration {
        self.runs.iter().map(|r| r.duration).sum()
    }
}

/// How far grading got.
#[derive(Clone, Debug)]
pub enum GradeStatus {
    /// Tests ran.
    Graded,
    /// The submission was refused before building (forbidden source constructs).
    Refused(Vec<String>),
    /// It did not build.
    BuildFailed(BuildError),
}

/// The grade of one submission.
#[derive(Clone, Debug)]
pub struct Grade {
    /// The submission's short name.
    pub name: String,
    /// Its directory.
    pub path: PathBuf,
    /// How far grading got.
    pub status: GradeStatus,
    /// The graded suites, for headings.
    pub suites: Vec<Suite>,
    /// One outcome per graded test (no runs if the build failed).
    pub tests: Vec<TestOutcome>,
    /// What the grader ignored in the submission.
    pub notes: Vec<String>,
    /// Missing isolation layers and other caveats.
    pub warnings: Vec<String>,
    /// The isolation tests got, in one line.
    pub isolation: String,
    /// How long the build took.
    pub build_time: Option<Duration>,
    /// Wall time of running the tests.
    pub test_time: Duration,
    /// Runs per test.
    pub runs: usize,
    /// Parallel test processes.
    pub jobs: usize,
}

impl Grade {
    /// Points earned.
    pub fn points(&self) -> u32 {
        self.tests.iter().map(TestOutcome::points).sum()
    }

    /// Points possible.
    pub fn max_points(&self) -> u32 {
        self.tests.iter().map(|t| t.test.points).sum()
    }

    /// Tests passed.
    pub fn passed(&self) -> usize {
        self.tests.iter().filter(|t| t.passed()).count()
    }

    /// The score as a percentage of the maximum.
    pub fn percent(&self) -> f64 {
        let max = self.max_points();
        if max == 0 {
            0.0
        } else {
            100.0 * f64::from(self.points()) / f64::from(max)
        }
    }

    /// Whether every test passed.
    pub fn is_perfect(&self) -> bool {
        matches!(self.status, GradeStatus::Graded) && self.passed() == self.tests.len()
    }

    /// Whether a test could not be run because of the grader itself.
    pub fn grader_errors(&self) -> Vec<&TestOutcome> {
        self.tests
            .iter()
            .filter(|t| t.runs.iter().any(|r| matches!(r.failure, Some(Failure::Grader(_)))))
            .collect()
    }
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
