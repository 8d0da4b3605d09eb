//! The terminal report, in the DSLabs style:
//!
//! ```text
//! TEST viewservice::first_primary: The first server to ping becomes primary [RUN] (2 pts) ... PASS (0.1s)
//! ...
//! Tests passed: 72/74
//! Points: 270/290 (93.1%)
//! ```
//!
//! then, for each failure, its reason, seed, rerun command, message and log tail; for each
//! inconclusive test (the machine was too busy to judge it), the same with each attempt's reason
//! and what to do; the tests this grade did not run (a suite graded in simulation mode only, in
//! a grade on real threads only), with why; and the tests that passed only on a later attempt,
//! with why. The whole is
//! capped at [`crate::escape::caps::RESULTS_FILE_BYTES`], the failures' details sharing what the
//! rest leaves.

use std::fmt::Write;

use crate::escape::caps::TABLE_LOG_LINES;
use crate::escape::{escape_name, printable};
use crate::outcome::{Grade, TestOutcome};
use crate::report::{failure_details, fit_to_cap, not_run_summary, note_lines, status_details};

/// The whole report.
pub fn render(grade: &Grade) -> String {
    let details: Vec<String> = grade
        .tests
        .iter()
        .map(|t| match t.failed_run().is_some() || t.is_inconclusive() || t.not_run.is_some() {
            true => failure_details(t, TABLE_LOG_LINES),
            false => String::new(),
        })
        .collect();
    fit_to_cap(details, table_cost, "the report", |details| render_with(grade, details), String::len)
}

/// What a character of a test's details takes in the table: its bytes, and for a newline the
/// two spaces that indent the next line.
fn table_cost(c: char) -> usize {
    match c {
        '\n' => 3,
        c => c.len_utf8(),
    }
}

/// Whether a test belongs in a section of the report's details.
type Belongs = fn(&TestOutcome) -> bool;

/// The report, with `details[i]` as the details of the `i`th test (empty for a passed one).
fn render_with(grade: &Grade, details: &[String]) -> String {
    let mut out = String::new();
    // Every line holds one item: names and notes from the submission cannot start a line.
    let _ = writeln!(out, "Grading {} ({})", printable(&grade.name), escape_name(grade.path.as_os_str()));
    let _ = writeln!(out, "Isolation: {}", printable(&grade.isolation));
    for warning in &grade.warnings {
        let _ = writeln!(out, "warning: {}", printable(warning));
    }
    out.push_str(&note_lines(&grade.notes));
    if let Some(build) = grade.build_time {
        let _ = writeln!(out, "Build: ok ({:.1}s)", build.as_secs_f64());
    }
    if let Some(details) = status_details(&grade.status) {
        let _ = writeln!(out, "\n{details}");
    }
    for suite in &grade.suites {
        let tests: Vec<&TestOutcome> = grade.tests.iter().filter(|t| t.test.id.suite == suite.name).collect();
        if tests.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{} ({})", suite.title, suite.name);
        for outcome in tests {
            let _ = writeln!(out, "{}", test_line(outcome));
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Tests passed: {}/{}", grade.passed(), grade.tests.len());
    let _ = writeln!(out, "Points: {}/{} ({:.1}%)", grade.points(), grade.max_points(), grade.percent());
    let inconclusive: Vec<&TestOutcome> = grade.tests.iter().filter(|t| t.is_inconclusive()).collect();
    if !inconclusive.is_empty() {
        let points: u32 = inconclusive.iter().map(|t| t.test.points).sum();
        let _ = writeln!(
            out,
            "Inconclusive: {} test(s) ({points} pts) not judged: the machine was too busy; grade again on \
             a quieter machine",
            inconclusive.len()
        );
    }
    for line in not_run_summary(grade) {
        let _ = writeln!(out, "Not run: {line}");
    }
    let build = grade.build_time.map(|b| format!("build {:.1}s, ", b.as_secs_f64())).unwrap_or_default();
    let _ = writeln!(
        out,
        "Time: {build}tests {:.1}s ({} job(s), {} run(s) per test{}{})",
        grade.test_time.as_secs_f64(),
        grade.jobs,
        grade.runs,
        match grade.modes.as_slice() {
            [mode] => format!(", {} only", mode.label()),
            modes =>
                format!(" in each mode: {}", modes.iter().map(|m| m.label()).collect::<Vec<_>>().join(", ")),
        },
        suite_modes(grade)
    );
    let sections: [(&str, Belongs); 3] = [
        ("Failures", |t| t.failed_run().is_some()),
        ("Inconclusive", TestOutcome::is_inconclusive),
        ("Not run", |t| t.not_run.is_some()),
    ];
    for (heading, belongs) in sections {
        let shown: Vec<(&TestOutcome, &String)> =
            grade.tests.iter().zip(details).filter(|(t, _)| belongs(t)).collect();
        if shown.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{heading}\n{}", "-".repeat(heading.len()));
        for (outcome, details) in shown {
            let _ = writeln!(out, "{} ({} pts)", outcome.test.id, outcome.test.points);
            for line in details.lines() {
                let _ = writeln!(out, "  {line}");
            }
            let _ = writeln!(out);
        }
    }
    let reran: Vec<&TestOutcome> =
        grade.tests.iter().filter(|t| t.passed() && !t.attempts_notes().is_empty()).collect();
    if !reran.is_empty() {
        let _ = writeln!(out, "\nPassed after inconclusive attempts\n----------------------------------");
        for outcome in reran {
            let _ = writeln!(out, "{} ({} pts)", outcome.test.id, outcome.test.points);
            for note in outcome.attempts_notes() {
                let _ = writeln!(out, "  {}", printable(&note));
            }
        }
    }
    out
}

/// For the time line: the graded suites whose tests ran in fewer modes than the grade (see
/// [`crate::mode_plan::suite_exceptions`]).
fn suite_modes(grade: &Grade) -> String {
    let graded = grade.suites.iter().filter(|s| grade.tests.iter().any(|t| t.test.id.suite == s.name));
    crate::mode_plan::suite_exceptions(graded, &grade.modes.iter().copied().collect())
}

/// `TEST id: description [CATEGORIES] (N pts) ... PASS (0.1s)`.
pub fn test_line(outcome: &TestOutcome) -> String {
    let test = &outcome.test;
    let verdict = if let Some(reason) = &outcome.not_run {
        // The reason's first clause (`graded in simulation mode only`); the details say the rest.
        format!("NOT RUN ({})", printable(reason.split(';').next().unwrap_or(reason)))
    } else if outcome.runs.is_empty() {
        "NOT RUN".to_string()
    } else if outcome.passed() {
        let attempts: usize = outcome.runs.iter().map(|r| r.attempts()).sum();
        let attempts =
            if attempts > outcome.runs.len() { format!(", {attempts} attempts") } else { String::new() };
        if outcome.runs_wanted > 1 {
            format!(
                "PASS ({} runs, longest {:.1}s{attempts})",
                outcome.runs.len(),
                outcome.max_duration().as_secs_f64()
            )
        } else {
            format!("PASS ({:.1}s{attempts})", outcome.max_duration().as_secs_f64())
        }
    } else if let Some(run) = outcome.inconclusive_run() {
        let time = run.duration.as_secs_f64();
        let attempts = run.attempts();
        match outcome.run_label(run) {
            Some(label) => format!("INCONCLUSIVE ({label}, {attempts} attempts, {time:.1}s)"),
            None => format!("INCONCLUSIVE ({attempts} attempts, {time:.1}s)"),
        }
    } else {
        let run = outcome.failed_run();
        let time = run.map(|r| r.duration).unwrap_or_default().as_secs_f64();
        let kind = match run.and_then(|r| r.failure()) {
            Some(crate::outcome::Failure::TimedOut(_)) => "FAIL: timeout",
            Some(crate::outcome::Failure::Grader(_)) => "ERROR",
            _ => "FAIL",
        };
        match run.and_then(|run| outcome.run_label(run)) {
            Some(label) => format!("{kind} ({label}, {time:.1}s)"),
            None => format!("{kind} ({time:.1}s)"),
        }
    };
    format!(
        "TEST {}: {} {} ({} pts) ... {verdict}",
        test.id,
        test.description,
        test.category_labels(),
        test.points
    )
}
