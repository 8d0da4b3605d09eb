//! A submission built differently from the reference, to the same contract
//! (`grading/fixtures/alternative_design`): other private state, other helpers, another order of
//! decisions, another state-transfer message. The suites judge only the contract the students'
//! README writes down, so it must score full marks, test by test. One full grading of every
//! graded test, four at a time: about a minute once built.

mod common;

use grading::grade::grade_submission;
use grading::outcome::GradeStatus;

#[test]
fn a_different_design_that_keeps_the_contract_scores_full_marks() {
    let submission = common::fixture("alternative_design");
    let mut options = common::options(&[]);
    // Four at a time on two cores: the graded tests mostly wait on their timers, and a starved
    // run is inconclusive and attempted again, not failed. Keeps `make test` within its budget.
    options.jobs = 4;
    let grade = grade_submission(submission.path(), &options).expect("the submission is graded");
    let table = grading::report::table::render(&grade);
    assert!(matches!(grade.status, GradeStatus::Graded), "the alternative design does not build:\n{table}");
    assert_eq!(grade.tests.len(), options.rubric.tests.len(), "not every graded test ran:\n{table}");
    let failed: Vec<String> = grade
        .tests
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
    assert_eq!(grade.points(), options.rubric.max_points(), "{table}");
}
