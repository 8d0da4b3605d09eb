//! Submissions that attack the grader while it compiles them: taking modules or data from files
//! of the grading machine, or keeping the compiler busy forever. Each is graded twice: with
//! the source check (refused before anything is built), and without it, to show that the
//! checks after the compiler hold by themselves (the build's list of files read, withheld
//! diagnostics, forbidden lints). A refused or failed build never runs a test. About 1-2
//! minutes: the builds stop at the API check, after compiling the student crates only.

mod common;

use std::fs;
use std::time::Duration;

use grading::grade::{grade_submission, GradeOptions};
use grading::outcome::{Grade, GradeStatus};

const ONLY: &[&str] = &["viewservice::first_primary"];

fn graded(submission: &std::path::Path, options: &GradeOptions) -> (Grade, String) {
    let grade = grade_submission(submission, options).expect("graded");
    let text = grading::report::table::render(&grade);
    assert_eq!(grade.points(), 0, "{text}");
    assert!(grade.tests.iter().all(|t| t.runs.is_empty()), "a test ran:\n{text}");
    (grade, text)
}

/// Grades `fixture` with the source check on: it must be refused, naming `what`.
fn refused_before_building(fixture: &str, what: &str) {
    let submission = common::fixture(fixture);
    let (grade, text) = graded(submission.path(), &common::options(ONLY));
    match &grade.status {
        GradeStatus::Refused(violations) => {
            assert!(violations.iter().any(|v| v.contains(what) && v.contains("pbservice/src")), "{text}")
        }
        other => panic!("wanted {fixture} refused by the source check, got {other:?}\n{text}"),
    }
    assert!(grade.build_time.is_none(), "nothing is built");
}

/// Grades the submission at `path` without the source check: the build must be refused or
/// fail; returns the table.
fn build_refused(path: &std::path::Path) -> String {
    let mut options = common::options(ONLY);
    options.source_check = false;
    // If a guard failed, the build would run to this limit rather than for minutes.
    options.build_timeout = Duration::from_secs(240);
    let (grade, text) = graded(path, &options);
    assert!(matches!(grade.status, GradeStatus::BuildFailed(_)), "wanted a refused build:\n{text}");
    text
}

#[test]
fn a_module_path_inside_cfg_attr_is_refused_and_its_file_never_shown() {
    refused_before_building("path_in_cfg_attr", "`path`");

    let submission = common::fixture("path_in_cfg_attr");
    let text = build_refused(submission.path());
    assert!(text.contains("/etc/passwd") && text.contains("not shown"), "{text}");
    assert!(!text.contains("root:"), "the file's text was shown:\n{text}");

    // The attack as a student would aim it: the reference's own sources, which compile.
    let lib = submission.path().join("pbservice/src/lib.rs");
    let reference = common::reference().join("pbservice/src/common.rs");
    let text = fs::read_to_string(&lib).unwrap().replace("/etc/passwd", &reference.display().to_string());
    fs::write(&lib, text).unwrap();
    let text = build_refused(submission.path());
    // Where others may read the reference, the dep-info check refuses the build; in a private
    // clone the build uid cannot even open the file.
    let refused = text.contains("read files outside") || text.contains("Permission denied");
    assert!(refused && text.contains("pbservice/src/common.rs"), "{text}");
    let source = fs::read_to_string(&reference).unwrap();
    let shown: Vec<&str> =
        source.lines().filter(|l| l.trim().len() > 30 && text.contains(l.trim())).collect();
    assert!(shown.is_empty(), "the reference's text was shown: {shown:?}\n{text}");
    assert!(!text.contains("clippy.toml") && !text.contains("Cargo.toml"), "the grader's own files: {text}");
}

#[test]
fn a_debugger_visualizer_cannot_copy_a_file_into_the_binary() {
    refused_before_building("debugger_visualizer", "debugger_visualizer");
    let submission = common::fixture("debugger_visualizer");
    let text = build_refused(submission.path());
    assert!(text.contains("read files outside") && text.contains("/etc/hostname"), "{text}");
    assert!(!text.contains("clippy.toml"), "the grader's own files are not foreign: {text}");
}

#[test]
fn a_constant_that_never_finishes_cannot_stall_the_build() {
    refused_before_building("endless_const", "long_running_const_eval");
    // rustc evaluates the constant even though the manifest's `forbid` overrules its `#[allow]`:
    // what stops it is the CPU limit of every compiler process (lowered here to keep the test
    // short; the reference's longest compile takes about 17 CPU seconds).
    let submission = common::fixture("endless_const");
    let mut options = common::options(ONLY);
    options.source_check = false;
    options.build_limits.cpu_seconds = 40;
    options.build_timeout = Duration::from_secs(240);
    let (grade, text) = graded(submission.path(), &options);
    assert!(matches!(grade.status, GradeStatus::BuildFailed(_)), "{text}");
    assert!(text.contains("stopped by the grader's limits"), "{text}");
    assert!(!text.contains("took longer than"), "the build ran to its time limit:\n{text}");
}

#[test]
fn a_build_run_by_root_cannot_read_what_only_root_may() {
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("note: not root, so builds already run unprivileged; skipped");
        return;
    }
    // A file only root may read, where every other user may pass: the same read as above, but
    // now what stops it is the build's own uid, before any check after the compiler.
    let secret_dir = tempfile::Builder::new().prefix("root-only-").tempdir().unwrap();
    let secret = secret_dir.path().join("secret");
    fs::write(&secret, "root-only text\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o600)).unwrap();
    fs::set_permissions(secret_dir.path(), fs::Permissions::from_mode(0o755)).unwrap();

    let submission = common::fixture("debugger_visualizer");
    let module = submission.path().join("pbservice/src/visualizer.rs");
    let text = fs::read_to_string(&module).unwrap().replace("/etc/hostname", &secret.display().to_string());
    fs::write(&module, text).unwrap();
    let text = build_refused(submission.path());
    assert!(text.contains("Permission denied"), "the build read a root-only file:\n{text}");
    assert!(!text.contains("root-only text"), "{text}");
}
