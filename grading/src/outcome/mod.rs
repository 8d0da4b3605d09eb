//! What grading found: per run (`run.rs`), per test, per submission, and why a build failed
//! (`build.rs`).

mod build;
mod run;

use std::path::PathBuf;
use std::time::Duration;

pub use build::BuildError;
pub use run::{panic_message, Failure, ReportCopy, RunResult, RunVerdict};

/// The mode of a run, defined with the rubric's suites (see [`crate::run_mode`]).
pub use crate::run_mode::RunMode;

use crate::rubric::{RubricTest, Suite};

/// Every run of one graded test.
#[derive(Clone, Debug)]
pub struct TestOutcome {
    /// The rubric's entry.
    pub test: RubricTest,
    /// Its runs, in order (grading stops at the first run that did not pass).
    pub runs: Vec<RunResult>,
    /// Runs asked for, in all its modes together.
    pub runs_wanted: usize,
    /// Why this grade did not run it at all though the rubric grades it: its suite is graded in
    /// a mode this grade did not run (see [`crate::run_mode::not_graded_reason`]). It scores 0.
    pub not_run: Option<String>,
}

impl TestOutcome {
    /// An outcome with no run yet: `runs_wanted` runs to come, or none and `not_run` saying why.
    pub fn planned(test: RubricTest, runs_wanted: usize, not_run: Option<String>) -> TestOutcome {
        TestOutcome { test, runs: Vec::new(), runs_wanted, not_run }
    }

    /// Passed only if it was run, and every wanted run ran and passed.
    pub fn passed(&self) -> bool {
        self.not_run.is_none()
            && self.runs_wanted > 0
            && self.runs.len() == self.runs_wanted
            && self.runs.iter().all(RunResult::passed)
    }

    /// Points earned: none unless it passed (an inconclusive test earns none either).
    pub fn points(&self) -> u32 {
        if self.passed() {
            self.test.points
        } else {
            0
        }
    }

    /// The first failed run.
    pub fn failed_run(&self) -> Option<&RunResult> {
        self.runs.iter().find(|r| r.failure().is_some())
    }

    /// The first inconclusive run, when no run failed: the test was not judged (a failed run
    /// judges it, whatever the others).
    pub fn inconclusive_run(&self) -> Option<&RunResult> {
        match self.failed_run() {
            Some(_) => None,
            None => self.runs.iter().find(|r| r.is_inconclusive()),
        }
    }

    /// Whether the test was not judged (see [`TestOutcome::inconclusive_run`]).
    pub fn is_inconclusive(&self) -> bool {
        self.inconclusive_run().is_some()
    }

    /// The run that decided that the test did not pass: the first failed run, else the first
    /// inconclusive one.
    pub fn deciding_run(&self) -> Option<&RunResult> {
        self.failed_run().or_else(|| self.inconclusive_run())
    }

    /// Notes on the runs judged after inconclusive attempts (`passed on attempt 2 (attempt 1
    /// inconclusive: ...)`), `run N: ` before each when several runs were wanted.
    pub fn attempts_notes(&self) -> Vec<String> {
        self.runs
            .iter()
            .enumerate()
            .filter_map(|(index, run)| {
                let note = run.attempts_note()?;
                Some(match self.runs_wanted {
                    1 => note,
                    _ => format!("run {}: {note}", index + 1),
                })
            })
            .collect()
    }

    /// Which of the wanted runs `run` is, with its mode (`run 2 of 2, simulated`); for the one
    /// run of a test, its mode if it was simulated (`simulated`: a test of a suite graded in
    /// simulation mode only, or a grade in that mode), else `None`.
    pub fn run_label(&self, run: &RunResult) -> Option<String> {
        if self.runs_wanted <= 1 {
            return (run.mode == RunMode::Simulated).then(|| run.mode.label().to_string());
        }
        let index = self.runs.iter().position(|r| std::ptr::eq(r, run)).unwrap_or(0) + 1;
        Some(format!("run {index} of {}, {}", self.runs_wanted, run.mode.label()))
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
    /// Runs per test in each mode.
    pub runs: usize,
    /// The modes this grade ran (see [`RunMode`]); a test runs in those its suite is graded in
    /// (see [`crate::run_mode::modes_to_run`]).
    pub modes: Vec<RunMode>,
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

    /// Tests this grade did not run at all (see [`TestOutcome::not_run`]).
    pub fn not_run(&self) -> Vec<&TestOutcome> {
        self.tests.iter().filter(|t| t.not_run.is_some()).collect()
    }

    /// Tests not judged because the machine was too busy (see [`TestOutcome::is_inconclusive`]).
    pub fn inconclusive(&self) -> usize {
        self.tests.iter().filter(|t| t.is_inconclusive()).count()
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
            .filter(|t| t.runs.iter().any(|r| matches!(r.failure(), Some(Failure::Grader(_)))))
            .collect()
    }
}
