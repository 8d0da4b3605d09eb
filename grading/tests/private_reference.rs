//! Grading from a private directory: the reference copied into a directory no other uid may pass
//! through (mode 0700, as a home directory or `mktemp -d` is) and graded as a submission of
//! itself. As root, the builds run as the build uid and the tests as sandbox uids, none of which
//! may enter that directory: what they run and read must be put where they can reach it. Uses the
//! cache the grader's tests share, so only the reference's own crates are rebuilt.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;

use grading::grade::grade_submission;
use grading::outcome::GradeStatus;

/// One view-service and one primary/backup scenario, both over the network.
const ONLY: &[&str] = &["viewservice::first_primary", "pbservice::single_primary_no_backup"];

#[test]
fn a_reference_in_a_private_directory_grades_itself_full_marks() {
    let private = tempfile::tempdir().expect("a temporary directory");
    fs::set_permissions(private.path(), fs::Permissions::from_mode(0o700)).unwrap();
    let clone = private.path().join("lab");
    grading::fsutil::mirror_dir(&common::reference(), &clone, grading::fsutil::NEVER_COPIED)
        .expect("the reference is copied");

    // Its own default cache must be one the build uid can reach, whatever the reference's
    // directory allows (as root it moves out of the private directory).
    let own_cache = grading::cache_dir::default_cache(&clone, "grade");
    if nix::unistd::geteuid().is_root() {
        assert!(
            !own_cache.starts_with(private.path()),
            "as root, the default cache of a private reference must leave it: {}",
            own_cache.display()
        );
    }

    // The grader's tests' own options and cache, with the private copy as the reference.
    let mut options = common::options(ONLY);
    options.reference = fs::canonicalize(&clone).unwrap();
    let grade = grade_submission(&clone, &options).expect("the private copy is graded");
    let table = grading::report::table::render(&grade);
    assert!(matches!(grade.status, GradeStatus::Graded), "the private copy does not build:\n{table}");
    assert_eq!(grade.tests.len(), ONLY.len(), "not every selected test ran:\n{table}");
    assert!(grade.tests.iter().all(|t| t.passed()), "the reference fails from a private directory:\n{table}");
    if nix::unistd::geteuid().is_root() {
        assert!(grade.isolation.contains("uid"), "as root, tests run as sandbox uids: {}", grade.isolation);
    }
}
