//! A submission whose `View` lies (`grading/fixtures/lying_view`): its view service breaks rules 1
//! and 4 and hides it behind `View::is_primary`, `View::is_backup` and a `PartialEq` that calls
//! every two views equal. The harness judges its own reading of each view's fields, so every
//! attacked test fails, for the broken rule, while a test the lies do not touch still passes.
//! One real grading: about 1-4 minutes, most of it the build.

mod common;

use grading::grade::grade_submission;
use grading::outcome::{Grade, GradeStatus, TestOutcome};

/// Each attacked test, and what its failure must say: the harness saw what the lie hid.
const ATTACKED: &[(&str, &str)] = &[
    (
        "viewservice::uninitialized_server_is_never_promoted",
        "made s3 primary, but s3 was neither primary nor backup",
    ),
    ("viewservice_logic::an_uninitialized_server_is_never_promoted", "uninitialized s2 was made primary"),
    (
        "viewservice_logic::a_dead_primary_is_not_replaced_before_it_acknowledged_its_view",
        "the view should have stayed view 2 (primary s1, backup s2), but became view 3",
    ),
    (
        "pbservice_rules::rule_1_idle_server_never_replaces_dead_primary_and_backup",
        "yet the view service made it primary",
    ),
];

/// A test the lies do not touch: the submission behaves as the reference there.
const HONEST: &str = "viewservice_logic::first_pinger_becomes_primary_of_view_one";

fn outcome<'a>(grade: &'a Grade, id: &str) -> &'a TestOutcome {
    grade.tests.iter().find(|t| t.test.id.to_string() == id).unwrap_or_else(|| panic!("{id} was not graded"))
}

#[test]
fn lying_view_methods_and_equality_gain_no_test() {
    let submission = common::fixture("lying_view");
    let only: Vec<&str> = ATTACKED.iter().map(|(id, _)| *id).chain([HONEST]).collect();
    let grade =
        grade_submission(submission.path(), &common::options(&only)).expect("the submission is graded");
    eprintln!("{}", grading::report::table::render(&grade));
    assert!(matches!(grade.status, GradeStatus::Graded), "{:?}", grade.status);

    for (id, caught) in ATTACKED {
        let test = outcome(&grade, id);
        let run = test.failed_run().unwrap_or_else(|| {
            panic!("{id} passed: the submission's lying View decided it:\n{}", test.runs[0].output.join("\n"))
        });
        let output = run.output.join("\n");
        assert!(output.contains(caught), "{id} failed, but not saying {caught:?}:\n{output}");
    }
    let honest = outcome(&grade, HONEST);
    assert!(honest.passed(), "{HONEST} should pass: {:?}", honest.deciding_run().map(|r| &r.verdict));
}
