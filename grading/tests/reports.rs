//! The report formats on a hand-made grade (no build): the DSLabs table line, Gradescope's
//! results.json fields, JUnit XML and the CSV row.

use std::path::{Path, PathBuf};
use std::time::Duration;

use grading::outcome::{Failure, Grade, GradeStatus, RunResult, TestOutcome};
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
    };
    Grade {
        name: "alice".into(),
        path: PathBuf::from("/subs/alice"),
        status: GradeStatus::Graded,
        suites: vec![Suite {
            name: "viewservice".into(),
            title: "View service".into(),
            part: "View service".into(),
        }],
        tests: vec![passed, failed],
        notes: vec!["ignored viewservice/build.rs: build scripts are never run".into()],
        warnings: Vec::new(),
        isolation: "test isolation".into(),
        build_time: Some(Duration::from_secs(30)),
        test_time: Duration::from_secs(1),
        runs: 1,
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
