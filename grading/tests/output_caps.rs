//! What a submission writes reaches the reports bounded: per test (its panic message, each line
//! of its output, its output's tail) and per results file (the table, results.json, JUnit XML, a
//! CSV cell), with a marker wherever something was cut, and only printable UTF-8.
//!
//! The first test grades `grading/fixtures/floods_output` for real (a build in the shared cache,
//! then five sandboxed test processes that flood their output: about 1-2 minutes); the second
//! fills hand-made grades past every total cap (no build).

mod common;

use std::time::Duration;

use grading::escape::caps::{self, LINE, LOG_BYTES, LOG_LINES, MESSAGE, RESULTS_FILE_BYTES};
use grading::grade::grade_submission;
use grading::outcome::{BuildError, Failure, Grade, GradeStatus, RunMode, RunResult, TestOutcome};
use grading::report::{csv, gradescope, junit, table};
use grading::results_check::Results;
use grading::rubric::{Category, RubricTest, Suite, TestId};

/// The tests the fixture floods, and what each does (see its README).
const FLOODED: &[(&str, &str)] = &[
    ("first_primary", "a 10 MB panic message on one line"),
    ("first_backup", "100,000 lines"),
    ("empty_view_at_start", "a 5 MB line without a newline"),
    ("backup_takes_over_when_primary_fails", "invalid UTF-8 and terminal escapes"),
    ("dead_backup_is_removed", "a 40 KB panic message"),
];

/// The most this process ever held in memory, in KiB.
fn peak_memory_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM in /proc/self/status");
    line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).expect("VmHWM in KiB")
}

/// Every report format of `grade`, as written: the table, results.json (pretty, as `grade
/// --json` writes it), JUnit XML, and its CSV row.
struct Formats {
    table: String,
    json: String,
    junit: String,
    csv: String,
}

fn formats(grade: &Grade) -> Formats {
    let rubric =
        grading::rubric::Rubric::load_from_reference(&common::reference()).expect("the reference's rubric");
    Formats {
        table: table::render(grade),
        json: serde_json::to_string_pretty(&gradescope::results_json(grade)).unwrap(),
        junit: junit::junit_xml(grade),
        csv: csv::grade_row(&rubric, &grade.name, Ok(grade)),
    }
}

/// No character that could move a terminal's cursor, reorder text or break XML: only newlines
/// and tabs among the control characters.
fn assert_printable(what: &str, text: &str) {
    let bad: Vec<char> =
        text.chars().filter(|&c| grading::escape::is_unsafe(c) && c != '\n' && c != '\t').collect();
    assert!(bad.is_empty(), "{what} holds unsafe characters {bad:?}");
}

#[test]
fn a_flooding_submission_reaches_every_report_bounded_and_marked() {
    let submission = common::fixture("floods_output");
    let only: Vec<String> = FLOODED.iter().map(|(name, _)| format!("viewservice::{name}")).collect();
    let mut options = common::options(&only.iter().map(String::as_str).collect::<Vec<_>>());
    // It reads its arguments and writes raw bytes: the API check would refuse it before it runs.
    options.api_check = false;
    options.timeout_scale = 0.5;
    let grade = grade_submission(submission.path(), &options).expect("the flooding submission is graded");
    let memory = peak_memory_kib();
    let all = formats(&grade);
    eprintln!("{}", all.table);
    eprintln!(
        "sizes: table {} bytes, results.json {} bytes, JUnit {} bytes, CSV row {} bytes; peak memory {memory} KiB",
        all.table.len(),
        all.json.len(),
        all.junit.len(),
        all.csv.len()
    );
    assert!(matches!(grade.status, GradeStatus::Graded), "{:?}", grade.status);
    assert!(
        memory < 256 * 1024,
        "the grader held {memory} KiB at its peak: it read more output than it keeps"
    );

    let json: serde_json::Value = serde_json::from_str(&all.json).unwrap();
    for (name, flood) in FLOODED {
        let outcome = grade.tests.iter().find(|t| t.test.id.name == *name).expect("graded");
        let run = outcome.failed_run().unwrap_or_else(|| panic!("{name} ({flood}) should fail"));
        assert!(matches!(run.failure(), Some(Failure::TestFailed { .. })), "{name}: {:?}", run.verdict);
        let message = run.message.as_deref().unwrap_or_default();
        assert!(message.len() <= MESSAGE.bytes, "{name} ({flood}): a message of {} bytes", message.len());
        assert!(run.output.len() <= LOG_LINES, "{name} ({flood}): {} lines kept", run.output.len());
        let kept: usize = run.output.iter().map(|l| l.len() + 1).sum();
        assert!(kept <= LOG_BYTES, "{name} ({flood}): {kept} bytes of output kept");
        assert!(run.output.iter().all(|l| l.len() <= LINE.bytes), "{name} ({flood}): a line over its cap");
        let output = json["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"].as_str().unwrap().starts_with(&outcome.test.id.to_string()))
            .and_then(|t| t["output"].as_str())
            .expect("the test's output in results.json")
            .to_string();
        // The message and the tail, each at its cap, and the grader's few lines around them.
        assert!(
            output.len() <= MESSAGE.bytes + LOG_BYTES + 2048,
            "{name} ({flood}): {} bytes in results.json",
            output.len()
        );
        eprintln!(
            "{name}: {} bytes cut before the tail; {} bytes in results.json",
            run.output_cut,
            output.len()
        );
        match *name {
            "first_primary" => {
                assert!(run.output_cut > 9_900_000, "{name}: {} bytes cut", run.output_cut);
                assert!(output.contains("bytes cut: output capped at its last 40 lines and 16 KiB per test]"));
                assert!(output.contains("bytes cut: line of output capped at 4 KiB]"), "{output}");
            }
            "first_backup" => {
                assert!(run.output_cut > 5_000_000, "{name}: {} bytes cut", run.output_cut);
                assert!(run.shows("floods: line 99999 "), "the last lines are kept");
                assert!(message.contains("floods: printed 100,000 lines"), "{message}");
                assert!(output.contains("bytes cut: output capped at its last 40 lines and 16 KiB per test]"));
            }
            "empty_view_at_start" => {
                assert!(run.output_cut > 4_900_000, "{name}: {} bytes cut", run.output_cut);
                let cut = output
                    .lines()
                    .find(|l| l.contains(" bytes cut: line of output capped at 4 KiB] "))
                    .unwrap_or_else(|| panic!("no line cut: {output}"));
                let (start, end) = cut.split_once(" [... ").unwrap();
                assert!(start.contains("flood é日本 flood") && end.contains("flood é日本 flood"), "{cut}");
                assert!(!cut.contains('\u{fffd}'), "a cut splits no character: {cut}");
                assert!(message.contains("printed a 5 MB line without a newline"), "{message}");
            }
            "backup_takes_over_when_primary_fails" => {
                assert!(
                    run.shows("floods: invalid \u{fffd}\u{fffd}\u{fffd} UTF-8?[2J?]0;title?"),
                    "{output}"
                );
                assert!(run.shows("floods: ?desrever? ?[31mred?[0m"), "{output}");
                assert!(message.contains("escapes ?[2J?[H? in the message"), "{message}");
            }
            "dead_backup_is_removed" => {
                assert!(message.starts_with("thread 'dead_backup_is_removed'"), "{message}");
                assert!(message.ends_with("bytes cut: panic message capped at 4 KiB per test]"), "{message}");
                assert!(output.contains("bytes cut: panic message capped at 4 KiB per test]"));
            }
            _ => unreachable!(),
        }
    }

    for (what, text, cap) in [
        ("the table", &all.table, RESULTS_FILE_BYTES),
        ("results.json", &all.json, RESULTS_FILE_BYTES),
        ("JUnit XML", &all.junit, RESULTS_FILE_BYTES),
        ("the CSV row", &all.csv, 64 * 1024),
    ] {
        assert!(text.len() <= cap, "{what}: {} bytes, over {cap}", text.len());
        assert_printable(what, text);
    }
    for (what, text) in [("the table", &all.table), ("JUnit XML", &all.junit)] {
        assert!(text.contains("bytes cut: panic message capped at 4 KiB per test]"), "{what}");
        assert!(text.contains("bytes cut: line of output capped at 4 KiB]"), "{what}");
    }
    assert!(all.table.contains("bytes cut: output capped at its last 25 lines and 16 KiB per test]"));
    assert!(all.junit.contains("bytes cut: output capped at its last 40 lines and 16 KiB per test]"));
    assert!(
        !all.table.lines().any(|l| l.starts_with("Points: 290")),
        "a forged score line stays indented in the table"
    );
    Results::parse(&all.json).unwrap_or_else(|problems| panic!("results.json: {problems:#?}"));
}

/// A rubric test of the suite `s`.
fn rubric_test(n: usize) -> RubricTest {
    RubricTest {
        id: TestId { suite: "s".into(), name: format!("t{n:03}") },
        description: format!("test {n}"),
        points: 1,
        categories: vec![Category::Run],
        timeout: Duration::from_secs(10),
    }
}

/// A grade of `tests` tests, none of which passed, with the given outcomes.
fn grade_of(status: GradeStatus, tests: Vec<TestOutcome>, notes: Vec<String>) -> Grade {
    Grade {
        name: "flood".into(),
        path: "/subs/flood".into(),
        status,
        suites: vec![Suite {
            name: "s".into(),
            title: "Suite".into(),
            part: "Suite".into(),
            modes: RunMode::BOTH.into(),
        }],
        tests,
        notes,
        warnings: Vec::new(),
        isolation: "test isolation".into(),
        build_time: Some(Duration::from_secs(1)),
        test_time: Duration::from_secs(1),
        runs: 1,
        modes: vec![RunMode::Real],
        jobs: 2,
    }
}

/// A failed run whose kept output and message are each at their caps, made of the characters
/// JSON and XML escape the most (as a submission could print them).
fn flooded_run() -> RunResult {
    let line: String = "\"<&'>\\".repeat(LINE.bytes / 6);
    let mut output = vec!["thread 't' panicked at src/x.rs:1:1:".to_string()];
    output.extend(std::iter::repeat_n(line, 3));
    let mut run = RunResult::new(Some(Failure::TestFailed { hint: None }), Duration::ZERO, 1, output);
    run.output_cut = 10_000_000;
    run
}

#[test]
fn every_results_file_stays_under_its_total_cap_with_markers() {
    // 300 failing tests, each with its details near their per-test caps: some 6 MB of details.
    let tests: Vec<TestOutcome> = (0..300)
        .map(|n| TestOutcome { runs: vec![flooded_run()], ..TestOutcome::planned(rubric_test(n), 1, None) })
        .collect();
    let graded = grade_of(GradeStatus::Graded, tests.clone(), Vec::new());
    let details: usize = tests.iter().map(|t| grading::report::failure_details(t, LOG_LINES).len()).sum();
    assert!(details > 4 * RESULTS_FILE_BYTES, "the tests' details alone are {details} bytes");

    // A submission that did not build, with 10 MB of compiler errors on 150 lines and 5,000
    // notes: every test is "not run" with the same details.
    let diagnostics = vec![format!("error: {}", "x".repeat(70_000)); 150].join("\n");
    let unbuilt = grade_of(
        GradeStatus::BuildFailed(BuildError::Compile { diagnostics, hints: Vec::new() }),
        (0..300)
            .map(|n| TestOutcome {
                runs: vec![flooded_run()],
                ..TestOutcome::planned(rubric_test(n), 1, None)
            })
            .collect(),
        (0..5000).map(|n| format!("ignored viewservice/src/{n:04}/{}.rs", "d".repeat(200))).collect(),
    );

    for (which, grade) in [("graded", &graded), ("unbuilt", &unbuilt)] {
        let all = formats(grade);
        eprintln!(
            "{which}: table {} bytes, results.json {} bytes, JUnit {} bytes, CSV row {} bytes",
            all.table.len(),
            all.json.len(),
            all.junit.len(),
            all.csv.len()
        );
        for (what, text) in
            [("the table", &all.table), ("results.json", &all.json), ("JUnit XML", &all.junit)]
        {
            assert!(text.len() <= RESULTS_FILE_BYTES, "{which}: {what} is {} bytes", text.len());
            assert_printable(what, text);
        }
        Results::parse(&all.json).unwrap_or_else(|problems| panic!("{which}: results.json: {problems:#?}"));
        assert!(all.csv.len() < 4096, "{which}: CSV row of {} bytes", all.csv.len());
    }

    // Every test's details go in each file: each file is cut to its cap, and the details share
    // it (each test keeps some, none is cut to nothing).
    let all = formats(&graded);
    for (what, text, file) in [
        ("the table", &all.table, "the report"),
        ("results.json", &all.json, "results.json"),
        ("JUnit XML", &all.junit, "the JUnit report"),
    ] {
        assert!(text.len() > RESULTS_FILE_BYTES * 9 / 10, "{what} is only {} bytes", text.len());
        let marker = format!("bytes cut: {}]", caps::file_cap(file));
        assert_eq!(text.matches(&marker).count(), 300, "{what}: every test's details are cut");
    }
    let results: serde_json::Value = serde_json::from_str(&all.json).unwrap();
    for test in results["tests"].as_array().unwrap() {
        assert!(test["output"].as_str().unwrap().len() > 1000, "each test keeps its share: {test}");
    }

    // The build's details: in the table and results.json once, capped; in JUnit once per test,
    // sharing the file.
    let all = formats(&unbuilt);
    for (what, text) in [("the table", &all.table), ("results.json", &all.json)] {
        assert!(text.contains("bytes cut: build and refusal details capped at 64 KiB]"), "{what}");
        assert!(text.contains("bytes cut: line of output capped at 4 KiB]"), "{what}");
        assert!(text.contains("bytes cut: notes capped at 16 KiB]"), "{what}");
    }
    assert!(all.junit.contains(&format!("bytes cut: {}]", caps::file_cap("the JUnit report"))));
}
