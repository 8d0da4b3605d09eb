//! The grade, written for people and for machines: the terminal [`table`] in the DSLabs style,
//! Gradescope's `results.json` ([`gradescope`]), JUnit XML ([`junit`]) and the batch [`csv`].

pub mod csv;
pub mod gradescope;
pub mod junit;
pub mod table;

use std::fmt::Write;

use crate::fsutil::printable;
use crate::outcome::{GradeStatus, TestOutcome};

/// The rerun command a student can type for a failed run.
pub fn rerun_command(outcome: &TestOutcome, seed: u64) -> String {
    format!("LAB_SEED={seed} make test T={}", outcome.test.id.name)
}

/// What went wrong in a test, for its report: the reason, the seed and how to rerun it, the
/// panic message and the log tail. Empty for a passed test.
pub fn failure_details(outcome: &TestOutcome, tail_lines: usize) -> String {
    let Some(run) = outcome.failed_run() else { return String::new() };
    let Some(failure) = &run.failure else { return String::new() };
    let mut text = String::new();
    let which = if outcome.runs_wanted > 1 {
        let index = outcome.runs.iter().position(|r| !r.passed()).unwrap_or(0) + 1;
        format!(" (run {index} of {})", outcome.runs_wanted)
    } else {
        String::new()
    };
    let _ = writeln!(text, "{failure}{which}");
    let _ = writeln!(text, "seed: {} (rerun with: {})", run.seed, rerun_command(outcome, run.seed));
    if let Some(message) = &run.message {
        let _ = writeln!(text, "message:");
        for line in message.lines() {
            let _ = writeln!(text, "    {}", printable(line));
        }
    }
    if !run.output.is_empty() {
        let shown = &run.output[run.output.len().saturating_sub(tail_lines)..];
        let _ = writeln!(text, "log tail (last {} lines):", shown.len());
        for line in shown {
            let _ = writeln!(text, "    | {}", printable(line));
        }
    }
    text
}

/// One paragraph on why no test ran, for a refused or unbuildable submission.
pub fn status_details(status: &GradeStatus) -> Option<String> {
    match status {
        GradeStatus::Graded => None,
        GradeStatus::Refused(violations) => {
            let mut text = String::from(
                "REFUSED: the submission uses constructs the grader does not allow (they read files at compile \
                 time), so nothing was built and every test scores 0:\n",
            );
            for v in violations {
                let _ = writeln!(text, "  {v}");
            }
            Some(text)
        }
        GradeStatus::BuildFailed(error) => Some(format!("BUILD FAILED: every test scores 0.\n{error}")),
    }
}
