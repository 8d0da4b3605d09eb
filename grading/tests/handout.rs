//! The handout: generated from the reference, it builds (the grader builds its student crates
//! against the reference's tests), and grading it scores 0 on every test that needs the missing
//! code, each failing with "not implemented". One build in the shared cache: 20-60 s.

mod common;

use grading::grade::grade_submission;
use grading::outcome::GradeStatus;

#[test]
fn the_handout_builds_and_fails_every_test_with_not_implemented() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("handout");
    let report = grading::handout::generate(&common::reference(), &dir).expect("the handout is generated");
    assert!(report.stubbed.len() >= 10, "{report}");
    for left_out in ["grading/mutants", "grading/fixtures", "grading/tests", "target"] {
        assert!(!dir.join(left_out).exists(), "{left_out} is in the handout");
    }
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.contains("make grade") && readme.contains("not implemented"), "the student README");
    let server = std::fs::read_to_string(dir.join("viewservice/src/server.rs")).unwrap();
    assert!(!server.contains("successor_of_failed_primary(backup)"), "the solution is still in the handout");

    // One test per graded suite, plus a few more of the primary/backup suites.
    let only = [
        "viewservice::first_primary",
        "viewservice_logic::first_pinger_becomes_primary_of_view_one",
        "viewservice_model::view_service_rules_hold_in_every_bounded_run",
        "pbservice::single_primary_no_backup",
        "pbservice_rules::rule_4_backup_answers_client_request_with_wrong_server",
    ];
    let mut options = common::options(&only);
    options.timeout_scale = 0.5;
    let grade = grade_submission(&dir, &options).expect("the handout is graded");
    let table = grading::report::table::render(&grade);
    assert!(matches!(grade.status, GradeStatus::Graded), "the handout does not build:\n{table}");
    assert_eq!(grade.points(), 0, "{table}");
    for test in &grade.tests {
        let run = test.failed_run().expect("failed");
        let text = format!("{:?}\n{}", run.message, run.output.join("\n"));
        assert!(text.contains("not implemented"), "{} failed without saying why:\n{text}", test.test.id);
    }
}
