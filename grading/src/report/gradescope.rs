//! Gradescope's `results.json`: the overall score and execution time, and per test its name,
//! number, score, max_score, status, output, tags and visibility.
//!
//! Gradescope knows only `passed` and `failed`: an inconclusive test (the machine was too busy
//! to judge it) is `failed` with no points, `[INCONCLUSIVE]` at the end of its name and its
//! output saying so; the top-level output counts such tests, and `extra_data` has
//! `tests_inconclusive`. A test the grade did not run (its suite is graded in a mode the grade
//! did not run) is `failed` with no points and its output saying why; the top-level output
//! says how many, and `extra_data` has `tests_not_run` and the `modes` the grade ran.
//!
//! Written with `serde_json::to_string_pretty`, the file takes at most
//! [`RESULTS_FILE_BYTES`](crate::escape::caps::RESULTS_FILE_BYTES): the tests' outputs share
//! what the rest leaves, measured as JSON escapes them.

use std::path::Path;

use serde_json::{json, Value};

use crate::escape::caps::LOG_LINES;
use crate::outcome::Grade;
use crate::report::{
    details_from, fit_to_cap, not_run_summary, note_lines, status_details, INCONCLUSIVE_HEADLINE,
};

/// The `results.json` document; report pages are named by their full path.
pub fn results_json(grade: &Grade) -> Value {
    results_json_in(grade, None)
}

/// The `results.json` document to be written in the directory `dir`: report pages under `dir`
/// (the default `reports/` next to it) are named relative to it.
pub fn results_json_in(grade: &Grade, dir: Option<&Path>) -> Value {
    let outputs: Vec<String> = grade
        .tests
        .iter()
        .map(|outcome| match outcome.runs.is_empty() && outcome.not_run.is_none() {
            true => "not run: see the overall output (the submission did not build or was refused)".into(),
            false => details_from(outcome, LOG_LINES, dir),
        })
        .collect();
    fit_to_cap(outputs, json_cost, "results.json", |outputs| document(grade, outputs), pretty_len)
}

/// What a character of a string takes in JSON: two bytes for a quote, a backslash and the
/// control characters with a short escape (`\n`), six for the other control characters
/// (`\u001b`), else its bytes of UTF-8 (as `serde_json` writes them).
fn json_cost(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        c if u32::from(c) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

/// The size of `document` as written.
fn pretty_len(document: &Value) -> usize {
    serde_json::to_string_pretty(document).map(|text| text.len()).unwrap_or(0)
}

/// The document, with `outputs[i]` as the output of the `i`th test.
fn document(grade: &Grade, outputs: &[String]) -> Value {
    let mut tests = Vec::new();
    for (outcome, output) in grade.tests.iter().zip(outputs) {
        let suite_index = grade.suites.iter().position(|s| s.name == outcome.test.id.suite).unwrap_or(0) + 1;
        let test_index = grade
            .tests
            .iter()
            .filter(|t| t.test.id.suite == outcome.test.id.suite)
            .position(|t| t.test.id == outcome.test.id);
        let mark = if outcome.is_inconclusive() { " [INCONCLUSIVE]" } else { "" };
        tests.push(json!({
            "name": format!("{}: {}{mark}", outcome.test.id, outcome.test.description),
            "number": format!("{suite_index}.{}", test_index.unwrap_or(0) + 1),
            "score": outcome.points(),
            "max_score": outcome.test.points,
            "status": if outcome.passed() { "passed" } else { "failed" },
            "output": output,
            "tags": outcome.test.categories.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            "visibility": "visible",
        }));
    }
    let mut output = String::new();
    output.push_str(&format!(
        "Tests passed: {}/{}. Points: {}/{} ({:.1}%).\n",
        grade.passed(),
        grade.tests.len(),
        grade.points(),
        grade.max_points(),
        grade.percent()
    ));
    if grade.inconclusive() > 0 {
        output.push_str(&format!(
            "Inconclusive: {} test(s), marked [INCONCLUSIVE]: {INCONCLUSIVE_HEADLINE}.\n",
            grade.inconclusive()
        ));
    }
    for line in not_run_summary(grade) {
        output.push_str(&format!("Not run: {line}.\n"));
    }
    if let Some(details) = status_details(&grade.status) {
        output.push_str(&details);
        output.push('\n');
    }
    output.push_str(&note_lines(&grade.notes));
    let execution_time = grade.build_time.unwrap_or_default() + grade.test_time;
    json!({
        "score": grade.points(),
        "execution_time": execution_time.as_secs(),
        "output": output,
        "output_format": "text",
        "test_output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "max_score": grade.max_points(),
            "tests_passed": grade.passed(),
            "tests_total": grade.tests.len(),
            "tests_inconclusive": grade.inconclusive(),
            "tests_not_run": grade.not_run().len(),
            "runs_per_test": grade.runs,
            "modes": grade.modes.iter().map(|m| m.option()).collect::<Vec<_>>(),
            "isolation": grade.isolation,
            "warnings": grade.warnings,
        },
    })
}
