//! Every graded test runs twice: on real threads and in labrpc's simulation mode, and passes
//! only if it passes in both. The reference passes both; a submission right in one mode only
//! (`grading/fixtures/mode_dependent`) loses the test, and the details name the mode that failed
//! and the command that reruns it there.

mod common;

use std::collections::BTreeSet;

use grading::grade::grade_submission;
use grading::outcome::{Grade, RunMode, TestOutcome};

const TESTS: &[&str] = &[
    "viewservice::first_primary",
    "viewservice::first_backup",
    "viewservice::backup_pings_before_primary_acks",
];

fn outcome<'a>(grade: &'a Grade, id: &str) -> &'a TestOutcome {
    grade.tests.iter().find(|t| t.test.id.to_string() == id).unwrap_or_else(|| panic!("{id} was not graded"))
}

fn graded(path: &std::path::Path, api_check: bool) -> (Grade, String) {
    let mut options = common::options(TESTS);
    options.modes = BTreeSet::from(RunMode::BOTH);
    options.api_check = api_check;
    let grade = grade_submission(path, &options).expect("graded");
    let text = grading::report::table::render(&grade);
    eprintln!("{text}");
    (grade, text)
}

#[test]
fn each_test_runs_in_both_modes_and_passes_only_if_both_pass() {
    let (reference, text) = graded(&common::reference(), true);
    for id in TESTS {
        let test = outcome(&reference, id);
        let modes: Vec<RunMode> = test.runs.iter().map(|r| r.mode).collect();
        assert_eq!(modes, [RunMode::Real, RunMode::Simulated], "{id}:\n{text}");
        assert!(test.passed(), "{id}:\n{text}");
    }

    let submission = common::fixture("mode_dependent");
    let (grade, text) = graded(submission.path(), false);
    let details = |id: &str| grading::report::failure_details(outcome(&grade, id), 20);

    let simulated = outcome(&grade, "viewservice::first_primary");
    assert!(!simulated.passed() && simulated.points() == 0, "{text}");
    assert!(simulated.runs[0].passed(), "its real run passes:\n{text}");
    assert_eq!(simulated.failed_run().map(|r| r.mode), Some(RunMode::Simulated), "{text}");
    let shown = details("viewservice::first_primary");
    assert!(shown.contains("(run 2 of 2, simulated)"), "{shown}");
    assert!(shown.contains("make test-sim T=first_primary"), "{shown}");
    assert!(shown.contains("replays this very run"), "{shown}");
    assert!(shown.contains("wrong in simulation mode only"), "{shown}");

    let real = outcome(&grade, "viewservice::first_backup");
    assert_eq!(real.failed_run().map(|r| r.mode), Some(RunMode::Real), "{text}");
    let shown = details("viewservice::first_backup");
    assert!(shown.contains("(run 1 of 2, real threads)"), "{shown}");
    assert!(shown.contains("make test T=first_backup"), "{shown}");
    assert!(text.contains("FAIL (run 1 of 2, real threads,"), "{text}");

    assert!(outcome(&grade, "viewservice::backup_pings_before_primary_acks").passed(), "{text}");
}

/// `--mode simulated` grades in that mode alone (the binaries listed against the rubric are the
/// simulated ones), and the grade says it is not a full grade.
#[test]
fn one_mode_alone_is_graded_and_said_to_be_partial() {
    let mut options = common::options(&["viewservice::first_primary"]);
    options.modes = BTreeSet::from([RunMode::Simulated]);
    let grade = grade_submission(&common::reference(), &options).expect("graded");
    let text = grading::report::table::render(&grade);
    let test = outcome(&grade, "viewservice::first_primary");
    assert_eq!(test.runs.iter().map(|r| r.mode).collect::<Vec<_>>(), [RunMode::Simulated], "{text}");
    assert!(test.passed(), "{text}");
    assert!(text.contains("in simulation mode only (--mode simulated)"), "{text}");
    assert!(text.contains("1 run(s) per test, simulated only"), "{text}");
}
