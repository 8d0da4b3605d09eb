//! A submission that forges passes (`grading/fixtures/forged_verdicts`): graded as it is, the API
//! check refuses it with each forbidden use's file, line and reason; graded with that check off,
//! with and without bubblewrap, every attack meets the sealed verdict channel alone and fails.

mod common;

use grading::grade::grade_submission;
use grading::outcome::{BuildError, Grade, GradeStatus};
use grading::sandbox::Mode;

/// Each attacked test, and the attack it meets (see the fixture's README).
const ATTACKED: &[(&str, &str)] = &[
    ("first_primary", "a forged result file, libtest's lines and exit(0)"),
    ("first_backup", "a child process running a passing test with our stdin"),
    ("backup_takes_over_when_primary_fails", "a shell reading the parent's stdin, environment and arguments"),
    ("dead_backup_is_removed", "a thread printing passes after the test failed"),
    ("restarted_server_becomes_backup", "/proc/self/fd/0 and a scan of /proc/self/mem"),
    ("restarted_primary_is_treated_as_dead", "exit(0) through an aliased std"),
    ("get_is_not_a_ping", "exit(0) through a re-export"),
    ("dead_idle_server_never_becomes_backup", "exit(0) from a Drop after the failure"),
    ("lecture_example_sequence", "a panic hook that exits 0"),
];

/// The test that passes honestly on a view service that never changes the view.
const HONEST: &str = "empty_view_at_start";

fn selection() -> Vec<String> {
    ATTACKED.iter().map(|(name, _)| name).chain([&HONEST]).map(|n| format!("viewservice::{n}")).collect()
}

fn grade(api_check: bool, sandbox: Mode) -> Grade {
    let submission = common::fixture("forged_verdicts");
    let only = selection();
    let mut options = common::options(&only.iter().map(String::as_str).collect::<Vec<_>>());
    options.api_check = api_check;
    options.sandbox = sandbox;
    options.timeout_scale = 0.5;
    let grade = grade_submission(submission.path(), &options).expect("the forging submission is graded");
    eprintln!("{}", grading::report::table::render(&grade));
    grade
}

/// Every attacked test failed, and the honest one passed.
fn assert_no_forged_pass(grade: &Grade) {
    assert!(matches!(grade.status, GradeStatus::Graded), "{:?}", grade.status);
    for (name, attack) in ATTACKED {
        let outcome = grade.tests.iter().find(|t| t.test.id.name == *name).expect("graded");
        assert!(!outcome.passed(), "{name} passed through {attack}:\n{}", outcome.runs[0].output.join("\n"));
    }
    let honest = grade.tests.iter().find(|t| t.test.id.name == HONEST).expect("graded");
    assert!(
        honest.passed(),
        "{HONEST} should pass honestly: {:?}",
        honest.deciding_run().map(|r| &r.verdict)
    );
}

#[test]
fn the_api_check_refuses_every_forbidden_use_with_file_line_and_reason() {
    let grade = grade(true, Mode::Auto);
    assert_eq!(grade.points(), 0);
    let GradeStatus::BuildFailed(BuildError::Forbidden { diagnostics, hints }) = &grade.status else {
        panic!("wanted the API check to refuse the submission, got {:?}", grade.status);
    };
    for (needle, why) in [
        ("graded code may not use files", "std::fs"),
        ("graded code may not start processes", "std::process::Command"),
        ("graded code may not read its arguments or environment", "std::env::args"),
        ("graded code may not end the process", "exit through an alias and a re-export"),
        ("std::path::Path::read_dir", "a directory listed through Path's own methods"),
        ("std::path::Path::is_file", "a file's kind asked through Path's own methods"),
        ("viewservice/src/forge.rs:", "the file and line of each use"),
    ] {
        assert!(diagnostics.contains(needle), "no {needle:?} ({why}) in:\n{diagnostics}");
    }
    // The aliased std in `mod hidden` is caught by name resolution, not by spelling.
    assert!(diagnostics.contains("s::process::exit"), "the aliased exit is not reported:\n{diagnostics}");
    assert!(hints.iter().any(|h| h.contains("the test harness owns them")), "{hints:?}");
}

#[test]
fn without_the_api_check_no_attack_forges_a_pass_inside_bubblewrap() {
    let grade = grade(false, Mode::Auto);
    assert!(
        grade.isolation.contains("bubblewrap"),
        "this test needs working bubblewrap, but the grader ran without it ({:?}): install it with \
         `apt-get install bubblewrap` (`make test` does, as root)",
        grade.isolation
    );
    assert_no_forged_pass(&grade);
}

#[test]
fn without_the_api_check_no_attack_forges_a_pass_without_bubblewrap() {
    assert_no_forged_pass(&grade(false, Mode::NoBwrap));
}

#[test]
fn both_student_crates_carry_the_same_api_rules_covering_every_forbidden_module() {
    let root = common::reference();
    let rules =
        std::fs::read_to_string(root.join("viewservice/clippy.toml")).expect("viewservice/clippy.toml");
    let other = std::fs::read_to_string(root.join("pbservice/clippy.toml")).expect("pbservice/clippy.toml");
    assert_eq!(rules, other, "viewservice/clippy.toml and pbservice/clippy.toml must be identical");
    for module in [
        "std::fs::",
        "std::path::Path::",
        "std::process::",
        "std::env::",
        "std::net::",
        "std::os::",
        "std::io::stdin",
    ] {
        assert!(rules.contains(&format!("path = \"{module}")), "clippy.toml denies nothing of {module}");
    }
    for krate in ["viewservice", "pbservice"] {
        let manifest = std::fs::read_to_string(root.join(krate).join("Cargo.toml")).unwrap();
        for lint in ["disallowed_methods", "disallowed_types", "disallowed_macros"] {
            assert!(
                manifest.contains(&format!("{lint} = \"forbid\"")),
                "{krate}/Cargo.toml does not forbid {lint}"
            );
        }
    }
}
