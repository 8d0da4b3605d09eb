//! The grade, written for people and for machines: the terminal [`table`] in the DSLabs style,
//! Gradescope's `results.json` ([`gradescope`]), JUnit XML ([`junit`]) and the batch [`csv`].
//!
//! What a submission wrote reaches them already capped per test (see [`crate::escape::caps`]);
//! each results file is capped in total as well ([`fit_to_cap`]), and says where it cut.

pub mod csv;
pub mod gradescope;
pub mod junit;
pub mod table;

use std::fmt::Write;
use std::path::Path;

use crate::escape::caps::{self, RESULTS_FILE_BYTES};
use crate::escape::{escape_text, one_line, printable, printable_lines};
use crate::outcome::{Grade, GradeStatus, ReportCopy, RunMode, RunResult, RunVerdict, TestOutcome};

/// What an inconclusive test means, and what to do about it: the first line of its details.
pub const INCONCLUSIVE_HEADLINE: &str =
    "the machine was too busy to judge this test; grade again on a quieter machine";

/// The longer explanation, after the reasons in an inconclusive test's details.
pub const INCONCLUSIVE_ADVICE: &str = "The harness saw the scenario starved past what the test's \
     timing assumes, so no attempt judged anything: the submission neither failed nor passed this test, \
     and it earns no points in this grading. Grade again on a quieter machine (fewer --jobs, nothing \
     else running) to judge it.";

/// What a test this grade did not run says, after its reason (see [`not_run_details`]).
pub const NOT_RUN_ADVICE: &str =
    "it scores 0 in this grade, which is not a full grade: grade in both modes (the default) to run it";

/// Why a test was not run at all in this grade, and what that means: `not run: REASON; ADVICE`
/// (see [`TestOutcome::not_run`]); `None` for a test the grade ran or meant to run.
pub fn not_run_details(outcome: &TestOutcome) -> Option<String> {
    let reason = outcome.not_run.as_deref()?;
    Some(format!("not run: {}; {NOT_RUN_ADVICE}\n", printable(reason)))
}

/// The tests this grade did not run, grouped by reason: `N test(s) (P pts): REASON`,
/// one line per reason, for a report's summary.
pub fn not_run_summary(grade: &Grade) -> Vec<String> {
    let mut reasons: Vec<(&str, usize, u32)> = Vec::new();
    for outcome in grade.not_run() {
        let reason = outcome.not_run.as_deref().unwrap_or_default();
        match reasons.iter_mut().find(|(r, _, _)| *r == reason) {
            Some((_, count, points)) => {
                *count += 1;
                *points += outcome.test.points;
            }
            None => reasons.push((reason, 1, outcome.test.points)),
        }
    }
    reasons
        .into_iter()
        .map(|(reason, count, points)| format!("{count} test(s) ({points} pts): {}", printable(reason)))
        .collect()
}

/// The rerun command a student can type for a failed run (`make test-sim` for a simulated one).
pub fn rerun_command(outcome: &TestOutcome, run: &RunResult) -> String {
    run.mode.rerun_command(run.seed, &outcome.test.id.name)
}

/// What the seed promises, after the rerun command: a simulated run comes back exactly.
fn rerun_promise(run: &RunResult) -> &'static str {
    match run.mode {
        RunMode::Real => "",
        RunMode::Simulated => "; in simulation mode the seed replays this very run",
    }
}

/// What went wrong in a test, for its report: the reason (or, for an inconclusive test,
/// [`INCONCLUSIVE_HEADLINE`], each attempt's reason and [`INCONCLUSIVE_ADVICE`]), the runs judged after inconclusive attempts,
/// the seed and how to rerun it, where its HTML report page is, the panic message and the log
/// tail (its last `tail_lines` lines, after a marker saying how much came before). Empty for a
/// passed test. Every line is printable, and the lines of the message and the log (the test's
/// own text) are indented, so none of them can pass for a line of the report itself.
pub fn failure_details(outcome: &TestOutcome, tail_lines: usize) -> String {
    failure_details_from(outcome, tail_lines, None)
}

/// A test's details: [`failure_details_from`] if it did not pass (or was not run); for a passed
/// test, its runs judged after inconclusive attempts (`passed on attempt 2 (attempt 1
/// inconclusive: ...)`), one per line (empty if there were none).
pub fn details_from(outcome: &TestOutcome, tail_lines: usize, base: Option<&Path>) -> String {
    if outcome.passed() {
        printable_lines(&outcome.attempts_notes().join("\n"), "")
    } else {
        failure_details_from(outcome, tail_lines, base)
    }
}

/// [`failure_details`], naming the report page relative to `base` when it lies under it (for a
/// `results.json` in `base`, whose pages are in `base/reports/`). For a test this grade did not
/// run, [`not_run_details`].
pub fn failure_details_from(outcome: &TestOutcome, tail_lines: usize, base: Option<&Path>) -> String {
    if let Some(details) = not_run_details(outcome) {
        return details;
    }
    let Some(run) = outcome.deciding_run() else { return String::new() };
    let mut text = String::new();
    let which = outcome.run_label(run).map(|label| format!(" ({label})")).unwrap_or_default();
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
    let _ = writeln!(
        text,
        "seed: {} (rerun with: {}{})",
        run.seed,
        rerun_command(outcome, run),
        rerun_promise(run)
    );
    if let Some(line) = report_line(run, base) {
        let _ = writeln!(text, "{line}");
    }
    if let Some(message) = &run.message {
        let _ = writeln!(text, "message:");
        for line in message.lines() {
            let _ = writeln!(text, "    {}", printable(line));
        }
    }
    if !run.output.is_empty() || run.output_cut > 0 {
        let start = run.output.len().saturating_sub(tail_lines);
        let shown = &run.output[start..];
        let cut = run.output_cut + run.output[..start].iter().map(|l| l.len() as u64 + 1).sum::<u64>();
        // The harness's own `report:` line names the page as the table does.
        let relative = match (&run.report, base) {
            (Some(ReportCopy::Kept(path)), Some(base)) => path
                .strip_prefix(base)
                .ok()
                .map(|shown| (path.display().to_string(), shown.display().to_string())),
            _ => None,
        };
        let _ = writeln!(text, "log tail (last {} lines):", shown.len());
        if cut > 0 {
            let _ = writeln!(text, "    | {}", caps::marker(cut, &caps::log_cap(tail_lines)));
        }
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
/// the submission (file names, compiler output) is escaped and indented, each line capped at
/// [`caps::LINE`] and the whole at [`caps::STATUS`].
pub fn status_details(status: &GradeStatus) -> Option<String> {
    let text = uncapped_status_details(status)?;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    caps::cap_lines(&mut lines);
    let mut text = lines.join("\n");
    text.push('\n');
    Some(caps::cap_start(&text, caps::STATUS.bytes, caps::utf8_cost, &caps::STATUS.to_string()).into_owned())
}

fn uncapped_status_details(status: &GradeStatus) -> Option<String> {
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

/// `note: NOTE` lines, one per note, made printable, each capped at [`caps::LINE`] and all of
/// them at [`caps::NOTES`].
pub fn note_lines(notes: &[String]) -> String {
    let mut lines: Vec<String> = notes.iter().map(|note| format!("note: {}", printable(note))).collect();
    caps::cap_lines(&mut lines);
    let mut text = String::new();
    for line in lines {
        let _ = writeln!(text, "{line}");
    }
    caps::cap_start(&text, caps::NOTES.bytes, caps::utf8_cost, &caps::NOTES.to_string()).into_owned()
}

/// A results file of at most [`RESULTS_FILE_BYTES`]: `render(texts)`, where `texts` (what a
/// submission's tests put in the file, one per test) share what the file's other parts leave
/// (see [`caps::share`]); `cost` is what a character of them takes in the file once escaped,
/// `size` what a rendered file takes, and `file` names it in the markers. The other parts are
/// the rubric's and the grader's, or capped already ([`status_details`], [`note_lines`]).
pub fn fit_to_cap<T>(
    mut texts: Vec<String>,
    cost: impl Fn(char) -> usize + Copy,
    file: &str,
    render: impl Fn(&[String]) -> T,
    size: impl Fn(&T) -> usize,
) -> T {
    let fixed = size(&render(&vec![String::new(); texts.len()]));
    caps::share(&mut texts, RESULTS_FILE_BYTES.saturating_sub(fixed), cost, &caps::file_cap(file));
    render(&texts)
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
