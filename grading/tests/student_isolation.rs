//! What a student's `make grade` says about isolation: a grader that is not root names what it
//! goes without in its isolation line, neutrally, and warns about nothing (no tool to install).
//! Run as root, the test runs itself again as `nobody` (uid 65534) to see what a student sees.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use grading::sandbox::{Mode, Sandbox, DEFAULT_UID_BASE};

/// Set in the copy of this test that runs as `nobody`: the `grade` helper it may use.
const AS_STUDENT: &str = "GRADING_TEST_AS_STUDENT";

/// The isolation line and the warnings of a grader on this machine, as this process's user.
fn isolation() -> (String, Vec<String>) {
    let helper = std::env::var_os(AS_STUDENT)
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_grade")), PathBuf::from);
    let sandbox =
        Sandbox::prepare(Mode::Auto, 1, grading::rubric::Limits::default(), DEFAULT_UID_BASE, &helper)
            .expect("sandbox detection");
    (sandbox.describe(), sandbox.warnings().to_vec())
}

#[test]
fn a_grader_that_is_not_root_says_what_it_goes_without_and_warns_of_nothing() {
    if nix::unistd::geteuid().is_root() && std::env::var_os(AS_STUDENT).is_none() {
        use std::os::unix::process::CommandExt;
        // The checkout may be private (a 0700 clone, as CI makes): copies nobody can reach.
        let copies = tempfile::Builder::new().prefix("student-isolation-").tempdir().unwrap();
        std::fs::set_permissions(copies.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let copy = |from: &Path| {
            let to = copies.path().join(from.file_name().unwrap());
            std::fs::copy(from, &to).unwrap();
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755)).unwrap();
            to
        };
        let test = copy(&std::env::current_exe().unwrap());
        let helper = copy(Path::new(env!("CARGO_BIN_EXE_grade")));
        let output = Command::new(&test)
            .args(["--exact", "a_grader_that_is_not_root_says_what_it_goes_without_and_warns_of_nothing"])
            .args(["--nocapture", "--test-threads=1"])
            .env(AS_STUDENT, &helper)
            .current_dir(copies.path())
            // The probe's scratch directory: one nobody may write.
            .env("TMPDIR", "/tmp")
            .uid(65534)
            .gid(65534)
            .output()
            .expect("the test runs as nobody");
        let shown =
            format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "as nobody:\n{shown}");
        assert!(shown.contains("1 passed"), "the test did not run as nobody:\n{shown}");
        // Root's own account: warnings, as course staff want them (none with every layer here).
        let (line, warnings) = isolation();
        assert!(!line.contains("not root"), "as root: {line}");
        if !line.contains("bubblewrap") {
            assert!(!warnings.is_empty(), "as root without bubblewrap, no warning: {line}");
        }
        return;
    }
    let (line, warnings) = isolation();
    println!("isolation: {line}");
    assert_eq!(warnings, Vec::<String>::new(), "a student's grader warns: {line}");
    assert!(line.contains("; not root, so no sandbox uid per test"), "{line}");
    assert!(line.contains("nothing to install here"), "{line}");
    assert!(!line.contains("apt-get"), "{line}");
}
