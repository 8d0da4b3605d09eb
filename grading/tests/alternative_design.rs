//! A submission built differently from the reference, to the same contract
//! (`grading/fixtures/alternative_design`): other private state, other helpers, another order of
//! decisions, another state-transfer message. The suites judge only the contract the students'
//! README writes down, so it must score full marks, test by test. One full grading of every
//! graded test, four at a time: about a minute once built.

mod common;

use grading::outcome::GradeStatus;

#[test]
fn a_different_design_that_keeps_the_contract_scores_full_marks() {
    let submission = common::fixture("alternative_design");
    let mut options = common::options(&[]);
    // Four at a time on two cores: the graded tests mostly wait on their timers, and a starved
    // run is inconclusive and attempted again, not failed. Keeps `make test` within its budget.
    options.jobs = 4;
    // On real threads, and the search tests (graded in simulation mode only) simulated.
    let grades = common::grade_each_test_once(submission.path(), &options);
    let table: String = grades.iter().map(grading::report::table::render).collect();
    for grade in &grades {
        assert!(
            matches!(grade.status, GradeStatus::Graded),
            "the alternative design does not build:\n{table}"
        );
    }
    let tests = common::tests_run(&grades);
    assert_eq!(tests.len(), options.rubric.tests.len(), "not every graded test ran:\n{table}");
    let failed: Vec<String> = tests
        .iter()
        .filter(|test| !test.passed())
        .map(|test| {
            let why = test.failed_run().map(|run| format!("{:?}", run.message)).unwrap_or_default();
            format!("{}: {why}", test.test.id)
        })
        .collect();
    assert!(
        failed.is_empty(),
        "a design the contract allows failed {} test(s); each judged something beyond the contract (or \
         the fixture has a bug):\n  {}\n{table}",
        failed.len(),
        failed.join("\n  ")
    );
    let points: u32 = tests.iter().map(|t| t.points()).sum();
    assert_eq!(points, options.rubric.max_points(), "{table}");
}
