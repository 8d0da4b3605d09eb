//! The report formats on a hand-made grade (no build): the DSLabs table line, Gradescope's
//! results.json fields, JUnit XML and the CSV row.

use std::path::{Path, PathBuf};
use std::time::Duration;

use grading::outcome::{Failure, Grade, GradeStatus, RunMode, RunResult, TestOutcome};
use grading::rubric::{Category, RubricTest, Suite, TestId};

fn test(name: &str, points: u32, categories: Vec<Category>) -> RubricTest {
    RubricTest {
        id: TestId { suite: "viewservice".into(), name: name.into() },
        description: format!("{name} <described> & \"quoted\""),
        points,
        categories,
        timeout: Duration::from_secs(10),
    }
}

fn grade() -> Grade {
    let passed = TestOutcome {
        test: test("first_primary", 2, vec![Category::Run]),
        runs: vec![RunResult::new(None, Duration::from_millis(120), 7, Vec::new())],
        runs_wanted: 1,
        not_run: None,
    };
    let output = vec![
        "thread 'backup_takes_over' panicked at tests/tests/viewservice.rs:60:5:".to_string(),
        "wanted s2 as primary, got s1 \u{1b}[31m".to_string(),
    ];
    let failed = TestOutcome {
        test: test("backup_takes_over", 3, vec![Category::Crash, Category::Unreliable]),
        runs: vec![RunResult::new(
            Some(Failure::TestFailed { hint: None }),
            Duration::from_millis(800),
            42,
            output,
        )],
        runs_wanted: 1,
        not_run: None,
    };
    Grade {
        name: "alice".into(),
        path: PathBuf::from("/subs/alice"),
        status: GradeStatus::Graded,
        suites: vec![Suite {
            name: "viewservice".into(),
            title: "View service".into(),
            part: "View service".into(),
            modes: RunMode::BOTH.into(),
        }],
        tests: vec![passed, failed],
        notes: vec!["ignored viewservice/build.rs: build scripts are never run".into()],
        warnings: Vec::new(),
        isolation: "test isolation".into(),
        build_time: Some(Duration::from_secs(30)),
        test_time: Duration::from_secs(1),
        runs: 1,
        modes: vec![RunMode::Real],
        jobs: 2,
    }
}

#[test]
fn the_table_reads_like_dslabs() {
    let table = grading::report::table::render(&grade());
    assert!(
        table.contains(
            "TEST viewservice::first_primary: first_primary <described> & \"quoted\" [RUN] (2 pts) ... PASS (0.1s)"
        ),
        "{table}"
    );
    assert!(table.contains("[CRASH] [UNRELIABLE] (3 pts) ... FAIL (0.8s)"), "{table}");
    assert!(table.contains("Tests passed: 1/2\nPoints: 2/5 (40.0%)"), "{table}");
    assert!(table.contains("seed: 42 (rerun with: LAB_SEED=42 make test T=backup_takes_over)"), "{table}");
    assert!(
        table.contains("wanted s2 as primary, got s1 ?[31m"),
        "control characters are neutralised: {table}"
    );
    assert!(table.contains("note: ignored viewservice/build.rs"), "{table}");
}

#[test]
fn results_json_has_gradescope_fields() {
    let json = grading::report::gradescope::results_json(&grade());
    assert_eq!(json["score"], 2);
    assert_eq!(json["extra_data"]["max_score"], 5);
    assert!(json["execution_time"].as_u64().is_some());
    let tests = json["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 2);
    assert_eq!(tests[1]["score"], 0);
    assert_eq!(tests[1]["max_score"], 3);
    assert_eq!(tests[1]["status"], "failed");
    assert_eq!(tests[1]["visibility"], "visible");
    assert_eq!(tests[1]["number"], "1.2");
    assert!(tests[1]["output"].as_str().unwrap().contains("LAB_SEED=42"));
    assert_eq!(tests[1]["tags"], serde_json::json!(["CRASH", "UNRELIABLE"]));
}

#[test]
fn results_json_passes_the_gradescope_format_check() {
    use grading::results_check::{Expect, Results};
    let text = serde_json::to_string_pretty(&grading::report::gradescope::results_json(&grade())).unwrap();
    let results = Results::parse(&text).unwrap_or_else(|problems| panic!("{problems:#?}\n{text}"));
    assert_eq!(results.summary(), "score 2/5, 1/2 tests passed");
    assert!(!results.check(Expect::Full).is_empty(), "one test failed: not full");
    assert!(!results.check(Expect::Zero).is_empty(), "one test passed: not zero");
}

#[test]
fn junit_is_escaped_and_counts_failures() {
    let xml = grading::report::junit::junit_xml(&grade());
    assert!(xml.contains("<testsuites name=\"grade alice\" tests=\"2\" failures=\"1\""), "{xml}");
    assert!(
        xml.contains("<testcase classname=\"viewservice\" name=\"first_primary\" time=\"0.120\"/>"),
        "{xml}"
    );
    assert!(xml.contains("<failure message=\"the test failed\">"), "{xml}");
    assert!(!xml.contains('\u{1b}'), "no control characters in XML");
}

#[test]
fn the_csv_row_has_points_per_test() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rubric.toml")).unwrap();
    let rubric = grading::rubric::Rubric::parse(&text, std::path::Path::new("rubric.toml")).unwrap();
    let row = grading::report::csv::grade_row(&rubric, "alice", Ok(&grade()));
    assert!(row.starts_with("alice,graded,2,5,40.0,1,2,"), "{row}");
    assert_eq!(row.split(',').count(), grading::report::csv::header(&rubric).split(',').count());
}

/// The sample grade, its failed run's report page kept at `page`.
fn grade_with_page(page: grading::outcome::ReportCopy) -> Grade {
    let mut grade = grade();
    grade.tests[1].runs[0].report = Some(page);
    grade
}

#[test]
fn the_report_page_is_named_after_the_seed_in_every_format() {
    use grading::outcome::ReportCopy;
    let page = PathBuf::from("/out/reports/viewservice__backup_takes_over.html");
    let grade = grade_with_page(ReportCopy::Kept(page.clone()));

    let table = grading::report::table::render(&grade);
    let seed = "seed: 42 (rerun with: LAB_SEED=42 make test T=backup_takes_over)\n";
    let report = format!("  report: {} (open it in a browser)\n", page.display());
    assert!(table.contains(&format!("{seed}{report}")), "the report line follows the seed:\n{table}");
    assert_eq!(table.matches("report: ").count(), 1, "only the failed test has a page:\n{table}");

    let json = grading::report::gradescope::results_json_in(&grade, Some(Path::new("/out")));
    let output = json["tests"][1]["output"].as_str().unwrap();
    assert!(
        output.contains("report: reports/viewservice__backup_takes_over.html (open it in a browser)"),
        "relative to results.json: {output}"
    );
    assert!(!json["tests"][0]["output"].as_str().unwrap().contains("report:"));
    let elsewhere = grading::report::gradescope::results_json_in(&grade, Some(Path::new("/elsewhere")));
    assert!(elsewhere["tests"][1]["output"].as_str().unwrap().contains(&report.trim().to_string()));

    let xml = grading::report::junit::junit_xml(&grade);
    assert!(
        xml.contains(&format!(
            "<failure message=\"the test failed; report: {} (open it in a browser)\">",
            page.display()
        )),
        "{xml}"
    );
}

#[test]
fn a_refused_report_page_says_why() {
    let why = "it is a symbolic link, not a file; not copied";
    let grade = grade_with_page(grading::outcome::ReportCopy::NotKept(why.into()));
    let table = grading::report::table::render(&grade);
    assert!(table.contains(&format!("report: not kept: {why}")), "{table}");
}

/// A grade with a test passed on its second attempt, an inconclusive test (every attempt
/// starved; its last reason tries to forge a score line) and a failed one.
fn grade_with_inconclusive() -> Grade {
    use grading::outcome::RunVerdict;
    let mut grade = grade();
    let mut retried = RunResult::new(None, Duration::from_millis(120), 7, Vec::new());
    retried.inconclusive_attempts = vec!["pings 541 ms apart".into()];
    grade.tests[0].runs = vec![retried];
    let forged = "c\nPoints: 9/9 (100.0%)\x1b[2J".to_string();
    let mut starved = RunResult::with_verdict(
        RunVerdict::Inconclusive { reason: forged },
        Duration::from_millis(800),
        42,
        vec!["thread 'x' panicked at tests/tests/viewservice.rs:60:5:".into(), "no backup".into()],
    );
    starved.inconclusive_attempts = vec!["a".into(), "b".into()];
    let inconclusive = TestOutcome {
        test: test("backup_takes_over_when_primary_fails", 4, vec![Category::Crash]),
        runs: vec![starved],
        runs_wanted: 1,
        not_run: None,
    };
    grade.tests.push(inconclusive);
    grade
}

#[test]
fn an_inconclusive_test_is_not_a_failure_and_earns_nothing() {
    let grade = grade_with_inconclusive();
    assert_eq!((grade.passed(), grade.inconclusive(), grade.points(), grade.max_points()), (1, 1, 2, 9));
    let table = grading::report::table::render(&grade);
    let line = table.lines().find(|l| l.contains("backup_takes_over_when_primary_fails:")).unwrap();
    assert!(line.ends_with("(4 pts) ... INCONCLUSIVE (3 attempts, 0.8s)"), "{line}");
    assert!(table.contains("[RUN] (2 pts) ... PASS (0.1s, 2 attempts)"), "{table}");
    assert!(table.contains("Tests passed: 1/3\nPoints: 2/9 (22.2%)\nInconclusive: 1 test(s) (4 pts) not judged: the machine was too busy; grade again on a quieter machine\n"), "{table}");
    let section = &table[table.find("\nInconclusive\n------------\n").expect("an inconclusive section")..];
    let failures = &table
        [table.find("\nFailures\n").expect("a failure section")..table.find("\nInconclusive\n-").unwrap()];
    assert!(
        !failures.contains("backup_takes_over_when_primary_fails"),
        "not listed as a failure:\n{failures}"
    );
    for expected in [
        "viewservice::backup_takes_over_when_primary_fails (4 pts)\n  INCONCLUSIVE: the machine was too busy to judge this test; grade again on a quieter machine\n",
        "  attempt 1 inconclusive: a\n  attempt 2 inconclusive: b\n  attempt 3 inconclusive: c / Points: 9/9 (100.0%)?[2J\n",
        "Grade again on a quieter machine",
        "seed: 42 (rerun with:",
        "no backup",
    ] {
        assert!(section.contains(expected), "{expected:?} in:\n{section}");
    }
    assert!(
        table.contains("Passed after inconclusive attempts\n----------------------------------\nviewservice::first_primary (2 pts)\n  passed on attempt 2 (attempt 1 inconclusive: pings 541 ms apart)\n"),
        "{table}"
    );
    assert!(!table.lines().any(|l| l.starts_with("Points: 9")), "a reason cannot start a line:\n{table}");
    assert!(!table.contains('\u{1b}'));
}

#[test]
fn every_format_says_inconclusive() {
    let grade = grade_with_inconclusive();
    let json = grading::report::gradescope::results_json(&grade);
    let starved = &json["tests"][2];
    assert_eq!(starved["status"], "failed", "Gradescope knows passed and failed only");
    assert_eq!(starved["score"], 0);
    assert!(starved["name"].as_str().unwrap().ends_with(" [INCONCLUSIVE]"), "{}", starved["name"]);
    assert!(
        starved["output"].as_str().unwrap().starts_with("INCONCLUSIVE: the machine was too busy"),
        "{}",
        starved["output"]
    );
    assert!(!starved["output"].as_str().unwrap().lines().any(|l| l.starts_with("Points:")));
    assert_eq!(json["tests"][0]["status"], "passed");
    assert_eq!(
        json["tests"][0]["output"],
        "passed on attempt 2 (attempt 1 inconclusive: pings 541 ms apart)\n"
    );
    assert_eq!(json["extra_data"]["tests_inconclusive"], 1);
    assert!(
        json["output"].as_str().unwrap().contains("\nInconclusive: 1 test(s), marked [INCONCLUSIVE]:"),
        "{}",
        json["output"]
    );
    let text = serde_json::to_string(&json).unwrap();
    let results = grading::results_check::Results::parse(&text).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(results.summary(), "score 2/9, 1/3 tests passed");

    let xml = grading::report::junit::junit_xml(&grade);
    assert!(xml.contains("tests=\"3\" failures=\"1\" errors=\"1\""), "{xml}");
    assert!(
        xml.contains("<error message=\"INCONCLUSIVE: the machine was too busy to judge this test; grade again on a quieter machine\">"),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<system-out>passed on attempt 2 (attempt 1 inconclusive: pings 541 ms apart)\n</system-out>"
        ),
        "{xml}"
    );
    assert!(!xml.contains('\u{1b}'));

    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rubric.toml")).unwrap();
    let rubric = grading::rubric::Rubric::parse(&text, Path::new("rubric.toml")).unwrap();
    let header = grading::report::csv::header(&rubric);
    let row = grading::report::csv::grade_row(&rubric, "alice", Ok(&grade));
    let cell = |name: &str| {
        let column = header.split(',').position(|c| c == name).unwrap_or_else(|| panic!("no column {name}"));
        row.split(',').nth(column).unwrap().to_string()
    };
    assert_eq!(cell("tests_inconclusive"), "1");
    assert_eq!(cell("viewservice::backup_takes_over_when_primary_fails"), "inconclusive");
    assert_eq!(cell("viewservice::first_primary"), "2", "a pass after an inconclusive attempt is a pass");

    let line = grading::batch::line("alice", Ok(&grade));
    assert_eq!(line, "alice: 2/9 (22.2%), 1 test(s) INCONCLUSIVE (the machine was too busy): grade again");
}

/// The suite of search tests: graded in simulation mode only.
fn search_suite() -> Suite {
    Suite {
        name: "pbservice_search".into(),
        title: "Primary/backup: search".into(),
        part: "Primary/backup".into(),
        modes: [RunMode::Simulated].into(),
    }
}

/// A search test of [`search_suite`].
fn search_test() -> RubricTest {
    RubricTest {
        id: TestId { suite: "pbservice_search".into(), name: "linearizable_under_crashes".into() },
        description: "Many seeded simulated executions with crashes, each linearizable".into(),
        points: 12,
        categories: vec![Category::Search, Category::Crash],
        timeout: Duration::from_secs(120),
    }
}

/// The sample grade with a search test, graded in `modes`: in a grade on real threads only the
/// search test is not run (as `mode_plan::planned` plans it); in both modes it ran once,
/// simulated, and `failed` or passed.
fn grade_with_search(modes: &[RunMode], failed: bool) -> Grade {
    let mut grade = grade();
    grade.suites.push(search_suite());
    grade.modes = modes.to_vec();
    let ran: std::collections::BTreeSet<RunMode> = modes.iter().copied().collect();
    let reason = grading::run_mode::not_graded_reason(&search_suite().modes, &ran);
    let mut outcome = TestOutcome::planned(search_test(), usize::from(reason.is_none()), reason);
    if outcome.not_run.is_none() {
        let failure = failed.then_some(Failure::TestFailed { hint: None });
        let output = vec![
            "thread 'linearizable_under_crashes' panicked at tests/tests/pbservice_search.rs:9:5:".into(),
            "execution 17 of 200 (seed 99): the history is not linearizable".into(),
        ];
        let mut run = RunResult::new(failure, Duration::from_secs(3), 99, output);
        run.mode = RunMode::Simulated;
        outcome.runs.push(run);
    }
    grade.tests.push(outcome);
    grade
}

#[test]
fn a_search_test_shows_its_category_and_its_mode_in_every_format() {
    let grade = grade_with_search(&RunMode::BOTH, true);
    let table = grading::report::table::render(&grade);
    assert!(
        table.contains(
            "TEST pbservice_search::linearizable_under_crashes: Many seeded simulated executions with crashes, \
             each linearizable [SEARCH] [CRASH] (12 pts) ... FAIL (simulated, 3.0s)"
        ),
        "{table}"
    );
    assert!(table.contains("\nPrimary/backup: search (pbservice_search)\n"), "{table}");
    assert!(
        table.contains(
            "1 run(s) per test in each mode: real threads, simulated; pbservice_search simulated only)"
        ),
        "the time line says which suite ran in one mode:\n{table}"
    );
    for expected in [
        "pbservice_search::linearizable_under_crashes (12 pts)\n  the test failed (simulated)\n",
        "seed: 99 (rerun with: LAB_SEED=99 make test-sim T=linearizable_under_crashes; in simulation mode the \
         seed replays this very run)",
        "execution 17 of 200 (seed 99)",
    ] {
        assert!(table.contains(expected), "{expected:?} in:\n{table}");
    }
    assert!(!table.contains("Not run"), "{table}");

    let json = grading::report::gradescope::results_json(&grade);
    let search = &json["tests"][2];
    assert_eq!(search["tags"], serde_json::json!(["SEARCH", "CRASH"]));
    assert_eq!(search["number"], "2.1");
    assert_eq!((search["status"].as_str(), search["score"].as_u64()), (Some("failed"), Some(0)));
    assert!(search["output"].as_str().unwrap().starts_with("the test failed (simulated)\n"), "{search}");
    assert_eq!(json["extra_data"]["modes"], serde_json::json!(["real", "simulated"]));
    assert_eq!(json["extra_data"]["tests_not_run"], 0);

    let passed = grade_with_search(&RunMode::BOTH, false);
    let table = grading::report::table::render(&passed);
    assert!(table.contains("[SEARCH] [CRASH] (12 pts) ... PASS (3.0s)"), "{table}");
    assert_eq!((passed.points(), passed.max_points()), (14, 17));
}

#[test]
fn a_real_only_grade_does_not_run_a_search_test_and_says_why_everywhere() {
    let grade = grade_with_search(&[RunMode::Real], false);
    let reason = "graded in simulation mode only; this grade ran real threads only (--mode real)";
    let search = grade.tests.last().unwrap();
    assert_eq!(search.not_run.as_deref(), Some(reason));
    assert!(!search.passed() && search.points() == 0 && search.runs.is_empty());
    assert_eq!((grade.points(), grade.max_points(), grade.passed()), (2, 17, 1));

    let table = grading::report::table::render(&grade);
    assert!(
        table.contains("[SEARCH] [CRASH] (12 pts) ... NOT RUN (graded in simulation mode only)\n"),
        "{table}"
    );
    assert!(table.contains(&format!("Points: 2/17 (11.8%)\nNot run: 1 test(s) (12 pts): {reason}\n")));
    assert!(
        table.contains("(2 job(s), 1 run(s) per test, real threads only; pbservice_search not run)"),
        "the time line is truthful:\n{table}"
    );
    let section = &table[table.find("\nNot run\n-------\n").expect("a Not run section")..];
    assert!(
        section.contains(&format!(
            "pbservice_search::linearizable_under_crashes (12 pts)\n  not run: {reason}; it scores 0 in this \
             grade, which is not a full grade: grade in both modes (the default) to run it\n"
        )),
        "{section}"
    );
    assert!(!section.contains("seed:"), "a test not run has no seed to rerun:\n{section}");
    let failures = &table[table.find("\nFailures\n").unwrap()..table.find("\nNot run\n-").unwrap()];
    assert!(!failures.contains("pbservice_search"), "not listed as a failure:\n{failures}");

    let json = grading::report::gradescope::results_json(&grade);
    let test = &json["tests"][2];
    assert_eq!((test["status"].as_str(), test["score"].as_u64()), (Some("failed"), Some(0)));
    assert_eq!(test["tags"], serde_json::json!(["SEARCH", "CRASH"]));
    assert!(test["output"].as_str().unwrap().starts_with(&format!("not run: {reason};")), "{test}");
    assert!(json["output"].as_str().unwrap().contains(&format!("Not run: 1 test(s) (12 pts): {reason}.")));
    assert_eq!(json["extra_data"]["tests_not_run"], 1);
    assert_eq!(json["extra_data"]["modes"], serde_json::json!(["real"]));
    let text = serde_json::to_string(&json).unwrap();
    grading::results_check::Results::parse(&text).unwrap_or_else(|p| panic!("{p:#?}"));

    let xml = grading::report::junit::junit_xml(&grade);
    assert!(xml.contains("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""), "{xml}");
    assert!(
        xml.contains(
            "<testsuite name=\"pbservice_search\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\""
        ),
        "{xml}"
    );
    assert!(xml.contains(&format!("<skipped message=\"not run: {reason}; it scores 0")), "{xml}");

    let line = grading::batch::line("alice", Ok(&grade));
    assert_eq!(line, "alice: 2/17 (11.8%), 1 test(s) not run (graded in a mode this grade did not run)");
}

#[test]
fn the_csv_says_which_tests_were_not_run() {
    let text = r#"
[[suite]]
name = "viewservice"
title = "View service"
part = "View service"

[[suite]]
name = "pbservice_search"
title = "Primary/backup: search"
part = "Primary/backup"
modes = ["simulated"]

[[test]]
id = "viewservice::first_primary"
description = "d"
points = 2
categories = ["RUN"]
timeout_secs = 10

[[test]]
id = "viewservice::backup_takes_over"
description = "d"
points = 3
categories = ["CRASH"]
timeout_secs = 10

[[test]]
id = "pbservice_search::linearizable_under_crashes"
description = "d"
points = 12
categories = ["SEARCH", "CRASH"]
timeout_secs = 120
"#;
    let rubric = grading::rubric::Rubric::parse(text, Path::new("rubric.toml")).unwrap();
    let header = grading::report::csv::header(&rubric);
    assert!(header.ends_with(",pbservice_search::linearizable_under_crashes"), "{header}");
    let row =
        grading::report::csv::grade_row(&rubric, "alice", Ok(&grade_with_search(&[RunMode::Real], false)));
    assert!(row.ends_with(",2,0,not run"), "{row}");
    let row =
        grading::report::csv::grade_row(&rubric, "alice", Ok(&grade_with_search(&RunMode::BOTH, false)));
    assert!(row.ends_with(",2,0,12"), "{row}");
}
