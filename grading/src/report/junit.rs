//! JUnit XML, one `<testsuite>` per graded suite, for CI systems that show test reports.
//!
//! A failed test is a `<failure>`; a test that was not run (the submission did not build) or
//! that is inconclusive (the machine was too busy to judge it; its message starts with
//! `INCONCLUSIVE`) is an `<error>`: it was not judged. A passed test that needed several attempts
//! says why in its `<system-out>`.

use std::fmt::Write;

use crate::outcome::{Grade, TestOutcome};
use crate::report::{details_from, failure_details, report_line, status_details};

/// The JUnit document.
pub fn junit_xml(grade: &Grade) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let not_run = status_details(&grade.status);
    let (failures, errors) = counts(grade.tests.iter(), not_run.is_some());
    let total_time = grade.test_time.as_secs_f64();
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{total_time:.3}\">",
        escape(&format!("grade {}", grade.name)),
        grade.tests.len()
    );
    for suite in &grade.suites {
        let tests: Vec<&TestOutcome> = grade.tests.iter().filter(|t| t.test.id.suite == suite.name).collect();
        if tests.is_empty() {
            continue;
        }
        let (failed, errors) = counts(tests.iter().copied(), not_run.is_some());
        let time: f64 = tests.iter().map(|t| t.total_duration().as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"{errors}\" time=\"{time:.3}\">",
            escape(&suite.name),
            tests.len()
        );
        for outcome in tests {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                escape(&suite.name),
                escape(&outcome.test.id.name),
                outcome.total_duration().as_secs_f64()
            );
            let notes = outcome.attempts_notes();
            if outcome.passed() && notes.is_empty() {
                let _ = writeln!(out, "/>");
                continue;
            }
            let _ = writeln!(out, ">");
            if outcome.passed() {
                let _ = writeln!(
                    out,
                    "      <system-out>{}</system-out>",
                    escape(&details_from(outcome, 40, None))
                );
            } else if let Some(details) = &not_run {
                let _ = writeln!(out, "      <error message=\"not run\">{}</error>", escape(details));
            } else if outcome.is_inconclusive() {
                let details = failure_details(outcome, 40);
                let first = details.lines().next().unwrap_or("INCONCLUSIVE");
                let _ =
                    writeln!(out, "      <error message=\"{}\">{}</error>", escape(first), escape(&details));
            } else {
                let details = failure_details(outcome, 40);
                let mut first = details.lines().next().unwrap_or("failed").to_string();
                if let Some(report) = outcome.failed_run().and_then(|run| report_line(run, None)) {
                    first = format!("{first}; {report}");
                }
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}\">{}</failure>",
                    escape(&first),
                    escape(&details)
                );
            }
            let _ = writeln!(out, "    </testcase>");
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    let _ = writeln!(out, "</testsuites>");
    out
}

/// How many of `tests` are `<failure>`s and how many `<error>`s (all of them when `not_run`).
fn counts<'a>(tests: impl Iterator<Item = &'a TestOutcome>, not_run: bool) -> (usize, usize) {
    let (mut failures, mut errors) = (0, 0);
    for outcome in tests.filter(|t| !t.passed()) {
        if not_run || outcome.is_inconclusive() {
            errors += 1;
        } else {
            failures += 1;
        }
    }
    (failures, errors)
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
