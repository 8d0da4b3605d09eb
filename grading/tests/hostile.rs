//! Hostile and broken submissions (fixtures in `grading/fixtures/`), each graded for real: a
//! real build in the shared cache, real sandboxed test processes. The first grading in a fresh
//! cache builds the dependencies (about 2 minutes on 2 cores); each further one rebuilds the
//! student crates and the graded test binary (20-60 s), and a failing build stops after the
//! student crate (5-15 s). About 3-5 minutes in all.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use grading::grade::grade_submission;
use grading::outcome::{Failure, Grade, GradeStatus};

fn outcome<'a>(grade: &'a Grade, name: &str) -> &'a grading::outcome::TestOutcome {
    grade.tests.iter().find(|t| t.test.id.name == name).unwrap_or_else(|| panic!("{name} was not graded"))
}

fn failure<'a>(grade: &'a Grade, name: &str) -> &'a Failure {
    let test = outcome(grade, name);
    let run = test.failed_run().unwrap_or_else(|| {
        panic!("wanted {name} to fail, but it did not: {:?}", test.runs.first().map(|r| &r.verdict))
    });
    run.failure().expect("a failed run has a failure")
}

fn assert_passed(grade: &Grade, name: &str) {
    let test = outcome(grade, name);
    assert!(
        test.passed(),
        "wanted {name} to pass, got {:?}\n{}",
        test.deciding_run().map(|r| &r.verdict),
        test.runs.first().map(|r| r.output.join("\n")).unwrap_or_default()
    );
}

/// Files named `name` anywhere under `dir`, except under `skip` (not following links).
fn find_named(dir: &Path, name: &str, skip: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path == skip {
            continue;
        }
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => find_named(&path, name, skip, found),
            Ok(_) if entry.file_name() == name => found.push(path),
            _ => {}
        }
    }
}

#[test]
fn hostile_test_processes_are_graded_correctly_and_contained() {
    const ESCAPE: &str = "grade-fixture-escape.txt";
    for stale in ["/tmp", "/dev/shm"] {
        let _ = fs::remove_file(Path::new(stale).join(ESCAPE));
    }
    let submission = common::fixture("hostile_runtime");
    let names = [
        "first_primary",
        "first_backup",
        "empty_view_at_start",
        "backup_takes_over_when_primary_fails",
        "dead_backup_is_removed",
        "restarted_server_becomes_backup",
        "restarted_primary_is_treated_as_dead",
        "get_is_not_a_ping",
        "dead_idle_server_never_becomes_backup",
        "lecture_example_sequence",
        "bad_pings_are_refused",
    ];
    let only: Vec<String> = names.iter().map(|n| format!("viewservice::{n}")).collect();
    // With bubblewrap first: its containment checks need a clean /tmp.
    for mode in [grading::sandbox::Mode::Auto, grading::sandbox::Mode::NoBwrap] {
        graded_and_contained(&submission, &only, names.len(), mode);
    }
    for stale in ["/tmp", "/dev/shm"] {
        let _ = fs::remove_file(Path::new(stale).join(ESCAPE));
    }
}

fn graded_and_contained(
    submission: &tempfile::TempDir,
    only: &[String],
    count: usize,
    mode: grading::sandbox::Mode,
) {
    const ESCAPE: &str = "grade-fixture-escape.txt";
    let mut options = common::options(&only.iter().map(String::as_str).collect::<Vec<_>>());
    options.sandbox = mode;
    options.timeout_scale = 0.4; // the looping test times out after 6 s
                                 // Its attacks use processes and files: the API check would refuse it before anything runs.
    options.api_check = false;
    let grade = grade_submission(submission.path(), &options).expect("the hostile submission is graded");
    eprintln!("{}", grading::report::table::render(&grade));
    assert!(matches!(grade.status, GradeStatus::Graded));
    assert_eq!(grade.tests.len(), count, "every selected test is graded, whatever the others did");

    assert!(
        matches!(failure(&grade, "first_primary"), Failure::ExitedEarly { code: 0, .. }),
        "fake ok + exit(0)"
    );
    assert!(
        matches!(failure(&grade, "first_backup"), Failure::Signal { signal, .. } if signal == "SIGABRT"),
        "abort: {:?}",
        failure(&grade, "first_backup")
    );
    assert!(matches!(failure(&grade, "empty_view_at_start"), Failure::TestFailed { .. }), "fake ok + panic");
    assert!(matches!(failure(&grade, "backup_takes_over_when_primary_fails"), Failure::TimedOut(_)));
    let memory = failure(&grade, "dead_backup_is_removed").to_string();
    assert!(memory.contains("memory"), "unbounded allocation: {memory}");
    let threads = failure(&grade, "restarted_server_becomes_backup").to_string();
    assert!(threads.contains("thread"), "unbounded threads: {threads}");
    for name in [
        "restarted_primary_is_treated_as_dead",
        "get_is_not_a_ping",
        "dead_idle_server_never_becomes_backup",
        "lecture_example_sequence",
        "bad_pings_are_refused",
    ] {
        assert_passed(&grade, name);
    }
    let faked = outcome(&grade, "empty_view_at_start").failed_run().unwrap();
    assert!(
        faked.output.iter().any(|l| l.contains("test result: ok")),
        "the fake output is shown, not believed"
    );
    assert!(faked.message.as_deref().unwrap_or("").contains("printed a fake pass"), "{:?}", faked.message);

    // The processes were left behind (a copy of the test binary, which a minimal sandbox tree
    // still holds), so the check below that none outlived its test is not vacuous.
    for (name, said) in [
        ("get_is_not_a_ping", "hostile: started a daemon in a process group of its own: "),
        ("dead_idle_server_never_becomes_backup", "hostile: left a child behind: "),
    ] {
        let runs = &outcome(&grade, name).runs;
        assert!(
            runs.iter().all(|run| run.output.iter().any(|line| line.contains(said))),
            "{mode:?}: {name} did not say `{said}`: {:?}",
            runs.iter().map(|run| &run.output).collect::<Vec<_>>()
        );
    }
    if nix::unistd::Uid::effective().is_root() {
        // As root, every process of the slot's uid is killed after each test, bubblewrap or not.
        for marker in ["313.25", "313.5"] {
            let left = common::processes_with(&format!("sleep {marker}"));
            assert!(left.is_empty(), "{mode:?}: processes outlived their test: {left:?}");
        }
    }
    if common::fully_isolated() && mode == grading::sandbox::Mode::Auto {
        let mut escaped = Vec::new();
        let runs = common::cache().join("runs");
        find_named(&common::cache(), ESCAPE, &runs, &mut escaped);
        let cache = common::cache();
        let above: Vec<PathBuf> = cache.ancestors().skip(1).take(2).map(Path::to_path_buf).collect();
        for dir in above.iter().map(PathBuf::as_path).chain([Path::new("/tmp"), Path::new("/dev/shm")]) {
            let path = dir.join(ESCAPE);
            if path.exists() {
                escaped.push(path);
            }
        }
        assert!(escaped.is_empty(), "the submission wrote outside its run directory: {escaped:?}");
    }
}

#[test]
fn files_a_submission_adds_are_ignored_and_said_so() {
    let _ = fs::remove_file("/tmp/grade-fixture-build-script-ran.txt");
    let submission = common::fixture("extras_ignored");
    let grade = grade_submission(
        submission.path(),
        &common::options(&["viewservice::first_primary", "viewservice::first_backup"]),
    )
    .expect("graded");
    let notes = grade.notes.join("\n");
    for ignored in [
        "viewservice/build.rs",
        "viewservice/Cargo.toml",
        "ignored tests",
        "ignored labrpc",
        "ignored grading",
    ] {
        assert!(notes.contains(ignored), "no note about {ignored}: {notes}");
    }
    assert!(matches!(grade.status, GradeStatus::Graded), "{:?}", grade.status);
    assert_eq!(
        (grade.points(), grade.max_points()),
        (4, 4),
        "the reference's own tests and rubric were used"
    );
    assert!(!Path::new("/tmp/grade-fixture-build-script-ran.txt").exists(), "the build script ran");
}

fn build_failure(fixture: &str) -> String {
    let submission = common::fixture(fixture);
    let grade = grade_submission(submission.path(), &common::options(&["viewservice::first_primary"]))
        .expect("graded");
    assert_eq!(grade.points(), 0);
    let text = grading::report::table::render(&grade);
    match &grade.status {
        GradeStatus::BuildFailed(_) => text,
        other => panic!("wanted {fixture} not to build, got {other:?}\n{text}"),
    }
}

#[test]
fn a_submission_that_does_not_compile_scores_zero_with_the_errors_shown() {
    let text = build_failure("does_not_compile");
    assert!(text.contains("BUILD FAILED"), "{text}");
    assert!(text.contains("error[E0308]") && text.contains("pbservice/src/lib.rs"), "{text}");
    assert!(text.contains("Points: 0/"), "{text}");
}

#[test]
fn a_dependency_the_reference_lacks_is_a_build_failure_with_a_hint() {
    let text = build_failure("uses_dependency");
    assert!(text.contains("definitely_not_a_crate"), "{text}");
    assert!(text.contains("only the dependencies of the reference's manifests"), "{text}");
}

#[test]
fn unsafe_code_is_refused_by_the_compiler_with_a_hint() {
    let text = build_failure("uses_unsafe");
    assert!(text.contains("unsafe"), "{text}");
    assert!(text.contains("unsafe code is not allowed in this lab"), "{text}");
}

#[test]
fn reading_files_at_compile_time_is_refused_before_building() {
    let submission = common::fixture("reads_files_at_compile_time");
    let grade = grade_submission(submission.path(), &common::options(&["viewservice::first_primary"]))
        .expect("graded");
    match &grade.status {
        GradeStatus::Refused(violations) => {
            assert!(
                violations.iter().any(|v| v.contains("pbservice/src/lib.rs") && v.contains("include_str")),
                "{violations:?}"
            );
        }
        other => panic!("wanted a refusal, got {other:?}"),
    }
    assert_eq!(grade.points(), 0);
    assert!(grade.build_time.is_none(), "nothing was built");
}

#[test]
fn a_directory_that_is_not_a_submission_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let error = grade_submission(dir.path(), &common::options(&["viewservice::first_primary"])).unwrap_err();
    assert!(error.to_string().contains("viewservice/src"), "{error}");
}

#[test]
fn attacks_on_the_graders_resources_cost_only_the_attacking_test() {
    let submission = common::fixture("hostile_resources");
    let names = [
        "idle_third_server_becomes_backup_when_primary_fails",
        "view_service_waits_for_primary_ack",
        "uninitialized_server_is_never_promoted",
        "backup_that_never_learned_a_view_is_not_promoted",
        "backup_pings_before_primary_acks",
        "five_servers_one_primary_one_backup",
        "first_primary",
        "first_backup",
    ];
    let only: Vec<String> = names.iter().map(|n| format!("viewservice::{n}")).collect();
    // Without bubblewrap first: its attacks on /tmp then reach the second grading.
    for mode in [grading::sandbox::Mode::NoBwrap, grading::sandbox::Mode::Auto] {
        let mut options = common::options(&only.iter().map(String::as_str).collect::<Vec<_>>());
        options.sandbox = mode;
        options.api_check = false; // its attacks use files
        options.reports = Some(tempfile::tempdir().unwrap().keep());
        let grade = grade_submission(submission.path(), &options).expect("graded");
        let text = grading::report::table::render(&grade);
        eprintln!("{text}");
        assert!(grade.grader_errors().is_empty(), "{mode:?}: the grader's own problem:\n{text}");
        let stopped = |name: &str, why: &str| match failure(&grade, name) {
            Failure::DiskLimit(reason) => assert!(reason.contains(why), "{mode:?} {name}: {reason}"),
            other => panic!("{mode:?} {name}: wanted it stopped ({why}), got {other:?}"),
        };
        stopped("view_service_waits_for_primary_ack", "MiB");
        stopped("uninitialized_server_is_never_promoted", "files and directories");
        match failure(&grade, "idle_third_server_becomes_backup_when_primary_fails") {
            Failure::DiskLimit(reason) => {
                assert!(reason.contains("deep") || reason.contains("files"), "{reason}")
            }
            other => panic!("{mode:?}: the deep tree: {other:?}"),
        }
        let linked =
            outcome(&grade, "backup_that_never_learned_a_view_is_not_promoted").failed_run().unwrap();
        assert!(
            !matches!(linked.report, Some(grading::outcome::ReportCopy::Kept(_))),
            "{mode:?}: a linked page was copied: {:?}",
            linked.report
        );
        assert!(!text.contains("root:"), "{mode:?}: the linked file's text was shown:\n{text}");
        for name in ["backup_pings_before_primary_acks", "first_primary", "first_backup"] {
            assert_passed(&grade, name);
        }
        if grade.isolation.contains("cgroup") {
            // One budget for the test's processes together: 3 x 1.5 GiB do not fit in 4 GiB.
            failure(&grade, "five_servers_one_primary_one_backup");
        } else {
            eprintln!("note: no control group per test here; the shared memory budget is not checked");
        }
    }
    for uid in 61000..61004 {
        let _ = fs::remove_file(format!("/tmp/grade-uid-{uid}.lock"));
        let _ = fs::remove_file(format!("/tmp/uid-{uid}.lock"));
        let _ = fs::remove_file(format!("/dev/shm/uid-{uid}.lock"));
        let _ = fs::remove_file(format!("/dev/shm/grade-uid-{uid}.lock"));
    }
}
