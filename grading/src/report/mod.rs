//! The grade, written for people and for machines: the terminal [`table`] in the DSLabs style,
//! Gradescope's `results.json` ([`gradescope`]), JUnit XML ([`junit`]) and the batch [`csv`].

pub mod csv;
pub mod gradescope;
pub mod junit;
pub mod table;

use std::fmt::Write;
use std::path::Path;

use crate::escape::{escape_text, one_line, printable, printable_lines};
use crate::outcome::{GradeStatus, ReportCopy, RunResult, RunVerdict, TestOutcome};

/// What an inconclusive test means, and what to do about it: the first line of its details.
pub const INCONCLUSIVE_HEADLINE: &str =
    "the machine was too busy to judge this test; grade again on a quieter machine";

/// The longer explanation, after the reasons in an inconclusive test's details.
pub const INCONCLUSIVE_ADVICE: &str = "The harness saw the scenario starved past what the test's \
     timing assumes, so no attempt judged anything: the submission neither failed nor passed this test, \
     and it earns no points in this grading. Grade again on a quieter machine (fewer --jobs, nothing \
     else running) to judge it.";

/// The rerun command a student can type for a failed run.
pub fn rerun_command(outcome: &TestOutcome, seed: u64) -> String {
    format!("LAB_SEED={seed} make test T={}", outcome.test.id.name)
}

/// What went wrong in a test, for its report: the reason (or, for an inconclusive test,
/// [`INCONCLUSIVE_HEADLINE`], each attempt's reason and [`INCONCLUSIVE_ADVICE`]), the runs judged after inconclusive attempts,
/// the seed and how to rerun it, where its HTML report page is, the panic message and the log
/// tail. Empty for a passed test. Every line is printable, and the lines of the message and the
/// log (the test's own text) are indented, so none of them can pass for a line of the report
/// itself.
pub fn failure_details(outcome: &TestOutcome, tail_lines: usize) -> String {
    failure_details_from(outcome, tail_lines, None)
}

/// A test's details: [`failure_details_from`] if it did not pass; for a passed test, its runs
/// judged after inconclusive attempts (`passed on attempt 2 (attempt 1 inconclusive: ...)`),
/// one per line (empty if there were none).
pub fn details_from(outcome: &TestOutcome, tail_lines: usize, base: Option<&Path>) -> String {
    if outcome.passed() {
        printable_lines(&outcome.attempts_notes().join("\n"), "")
    } else {
        failure_details_from(outcome, tail_lines, base)
    }
}

/// [`failure_details`], naming the report page relative to `base` when it lies under it (for a
/// `results.json` in `base`, whose pages are in `base/reports/`).
pub fn failure_details_from(outcome: &TestOutcome, tail_lines: usize, base: Option<&Path>) -> String {
    let Some(run) = outcome.deciding_run() else { return String::new() };
    let mut text = String::new();
    let which = if outcome.runs_wanted > 1 {
        let index = outcome.runs.iter().position(|r| std::ptr::eq(r, run)).unwrap_or(0) + 1;
        format!(" (run {index} of {})", outcome.runs_wanted)
    } else {
        String::new()
    };
    match &run.verdict {
        RunVerdict::Failed(failure) => {
            let _ = writeln!(text, "{failure}{which}");
        }
        RunVerdict::Inconclusive { .. } => {
            let _ = writeln!(text, "INCONCLUSIVE{which}: {INCONCLUSIVE_HEADLINE}");
            for (index, reason) in run.inconclusive_reasons().iter().enumerate() {
                let _ = writeln!(text, "attempt {} inconclusive: {}", index + 1, one_line(reason));
            }
            let _ = writeln!(text, "{INCONCLUSIVE_ADVICE}");
        }
        RunVerdict::Passed => return String::new(),
    }
    for note in outcome.attempts_notes() {
        let _ = writeln!(text, "{note}");
    }
    let _ = writeln!(text, "seed: {} (rerun with: {})", run.seed, rerun_command(outcome, run.seed));
    if let Some(line) = report_line(run, base) {
        let _ = writeln!(text, "{line}");
    }
    if let Some(message) = &run.message {
        let _ = writeln!(text, "message:");
        for line in message.lines() {
            let _ = writeln!(text, "    {}", printable(line));
        }
    }
    if !run.output.is_empty() {
        let shown = &run.output[run.output.len().saturating_sub(tail_lines)..];
        // The harness's own `report:` line names the page as the table does.
        let relative = match (&run.report, base) {
            (Some(ReportCopy::Kept(path)), Some(base)) => path
                .strip_prefix(base)
                .ok()
                .map(|shown| (path.display().to_string(), shown.display().to_string())),
            _ => None,
        };
        let _ = writeln!(text, "log tail (last {} lines):", shown.len());
        for line in shown {
            let line = match &relative {
                Some((full, shown)) => line.replace(full, shown),
                None => line.clone(),
            };
            let _ = writeln!(text, "    | {}", printable(&line));
        }
    }
    printable_lines(&text, "")
}

/// `report: PATH (open it in a browser)` for a run whose report page was kept, `report: not
/// kept: WHY` for one whose page was refused, `None` for a run without a page. `PATH` is
/// relative to `base` when it lies under it.
pub fn report_line(run: &RunResult, base: Option<&Path>) -> Option<String> {
    match run.report.as_ref()? {
        ReportCopy::Kept(path) => {
            let shown = base.and_then(|base| path.strip_prefix(base).ok()).unwrap_or(path);
            Some(format!("report: {} (open it in a browser)", printable(&shown.display().to_string())))
        }
        ReportCopy::NotKept(why) => Some(format!("report: not kept: {}", printable(why))),
    }
}

/// One paragraph on why no test ran, for a refused or unbuildable submission. What comes from
/// the submission (file names, compiler output) is escaped and indented.
pub fn status_details(status: &GradeStatus) -> Option<String> {
    match status {
        GradeStatus::Graded => None,
        GradeStatus::Refused(violations) => {
            let mut text = String::from(
                "REFUSED: the submission uses constructs the grader does not allow (they read files at compile \
                 time), so nothing was built and every test scores 0:\n",
            );
            for v in violations {
                let _ = writeln!(text, "  {}", escape_text(v));
            }
            Some(text)
        }
        GradeStatus::BuildFailed(error) => {
            Some(format!("BUILD FAILED: every test scores 0.\n{}", printable_lines(&error.to_string(), "  ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::BuildError;

    #[test]
    fn what_the_submission_wrote_cannot_start_a_line() {
        let forged = "error: \nPoints: 290/290 (100.0%)\x1b[2J";
        let build =
            GradeStatus::BuildFailed(BuildError::Compile { diagnostics: forged.into(), hints: Vec::new() });
        let refused =
            GradeStatus::Refused(vec![format!("viewservice/src/x\n{forged}.rs:1: `include` is not allowed")]);
        for status in [build, refused] {
            let text = status_details(&status).unwrap();
            assert!(!text.lines().any(|l| l.starts_with("Points:")), "{text}");
            assert!(!text.contains('\x1b'), "{text}");
        }
    }
}
