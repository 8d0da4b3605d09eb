//! JUnit XML, one `<testsuite>` per graded suite, for CI systems that show test reports.
//!
//! A failed test is a `<failure>`; a test that was not run (the submission did not build) or
//! that is inconclusive (the machine was too busy to judge it; its message starts with
//! `INCONCLUSIVE`) is an `<error>`: it was not judged. A test the grade did not run because its
//! suite is graded in a mode the grade did not run is `<skipped>`, saying why. A passed test that needed several attempts
//! says why in its `<system-out>`.

use std::fmt::Write;

use crate::escape::caps::LOG_LINES;
use crate::outcome::{Grade, GradeStatus, TestOutcome};
use crate::report::{
    details_from, failure_details, fit_to_cap, not_run_details, report_line, status_details,
};

/// The JUnit document, of at most [`RESULTS_FILE_BYTES`](crate::escape::caps::RESULTS_FILE_BYTES):
/// the tests' texts share what the rest leaves, measured as XML escapes them.
pub fn junit_xml(grade: &Grade) -> String {
    let not_run = status_details(&grade.status);
    // Each test's message (its details' first line: the grader's words) and its text.
    let (heads, bodies): (Vec<String>, Vec<String>) = grade
        .tests
        .iter()
        .map(|outcome| {
            if let Some(details) = not_run_details(outcome) {
                (details.lines().next().unwrap_or("not run").to_string(), details)
            } else if outcome.passed() {
                let notes = outcome.attempts_notes();
                (
                    String::new(),
                    if notes.is_empty() { String::new() } else { details_from(outcome, LOG_LINES, None) },
                )
            } else if let Some(details) = &not_run {
                ("not run".to_string(), details.clone())
            } else {
                let details = failure_details(outcome, LOG_LINES);
                let default = if outcome.is_inconclusive() { "INCONCLUSIVE" } else { "failed" };
                let mut first = details.lines().next().unwrap_or(default).to_string();
                if let Some(report) = outcome.failed_run().and_then(|run| report_line(run, None)) {
                    first = format!("{first}; {report}");
                }
                (first, details)
            }
        })
        .unzip();
    fit_to_cap(bodies, xml_cost, "the JUnit report", |bodies| render(grade, &heads, bodies), String::len)
}

/// What a character takes once [`escape`]d.
fn xml_cost(c: char) -> usize {
    match c {
        '&' => 5,
        '<' | '>' => 4,
        '"' | '\'' => 6,
        c => c.len_utf8(),
    }
}

/// The document, with `heads[i]` and `bodies[i]` as the message and the text of the `i`th test.
fn render(grade: &Grade, heads: &[String], bodies: &[String]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let not_run = !matches!(grade.status, GradeStatus::Graded);
    let (failures, errors, skipped) = counts(grade.tests.iter(), not_run);
    let total_time = grade.test_time.as_secs_f64();
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{total_time:.3}\">",
        escape(&format!("grade {}", grade.name)),
        grade.tests.len()
    );
    for suite in &grade.suites {
        let tests: Vec<(&TestOutcome, (&String, &String))> = grade
            .tests
            .iter()
            .zip(heads.iter().zip(bodies))
            .filter(|(t, _)| t.test.id.suite == suite.name)
            .collect();
        if tests.is_empty() {
            continue;
        }
        let (failed, errors, skipped) = counts(tests.iter().map(|(t, _)| *t), not_run);
        let time: f64 = tests.iter().map(|(t, _)| t.total_duration().as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.3}\">",
            escape(&suite.name),
            tests.len()
        );
        for (outcome, (head, body)) in tests {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                escape(&suite.name),
                escape(&outcome.test.id.name),
                outcome.total_duration().as_secs_f64()
            );
            if outcome.passed() && outcome.attempts_notes().is_empty() {
                let _ = writeln!(out, "/>");
                continue;
            }
            let _ = writeln!(out, ">");
            let (head, body) = (escape(head), escape(body));
            if outcome.not_run.is_some() {
                let _ = writeln!(out, "      <skipped message=\"{head}\">{body}</skipped>");
            } else if outcome.passed() {
                let _ = writeln!(out, "      <system-out>{body}</system-out>");
            } else if not_run || outcome.is_inconclusive() {
                let _ = writeln!(out, "      <error message=\"{head}\">{body}</error>");
            } else {
                let _ = writeln!(out, "      <failure message=\"{head}\">{body}</failure>");
            }
            let _ = writeln!(out, "    </testcase>");
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    let _ = writeln!(out, "</testsuites>");
    out
}

/// How many of `tests` are `<failure>`s, `<error>`s (all of them but the skipped when
/// `not_run`) and `<skipped>` (not run in the grade's modes).
fn counts<'a>(tests: impl Iterator<Item = &'a TestOutcome>, not_run: bool) -> (usize, usize, usize) {
    let (mut failures, mut errors, mut skipped) = (0, 0, 0);
    for outcome in tests.filter(|t| !t.passed()) {
        if outcome.not_run.is_some() {
            skipped += 1;
        } else if not_run || outcome.is_inconclusive() {
            errors += 1;
        } else {
            failures += 1;
        }
    }
    (failures, errors, skipped)
}

/// Text made safe for XML attributes and content; characters XML 1.0 forbids, and other control
/// characters and bidirectional overrides (see [`crate::escape::is_unsafe`]), become `?`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            c if crate::escape::is_unsafe(c) || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_escaped() {
        assert_eq!(escape("a<b & \"c\"\u{1b}"), "a&lt;b &amp; &quot;c&quot;?");
        assert_eq!(escape("a\rb\u{85}\u{202e}\n"), "a?b??\n");
    }
}
