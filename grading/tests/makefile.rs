//! The workspace's `Makefile`, as students and staff use it: `make test S=suite` runs one test file
//! (`scripts/test-suite.sh`) and lists the suites when given an unknown one, `make test T=name`
//! hands the name (and the suites) to labreport's `lab-test`, `make explore T=name` hands the
//! name and its numbers to labreport's `lab-explore`; the handout's copy
//! has no staff lines. Everything runs `make` for real; only one test builds and runs a suite (the
//! fake-clock view service logic, seconds once labtests is built), the others give make a cargo
//! that only records its arguments.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `make ARGS` in `dir`, without the `tools` prerequisite (which may run apt-get as root).
fn make(dir: &Path, args: &[&str]) -> Output {
    Command::new("make")
        .arg("-C")
        .arg(dir)
        .args(["--no-print-directory", "-o", "tools"])
        .args(args)
        .output()
        .expect("make runs (install GNU make)")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// A cargo that appends its arguments, one call a line, to the file it returns.
fn recording_cargo(dir: &Path) -> (PathBuf, PathBuf) {
    let log = dir.join("calls");
    let cargo = dir.join("cargo");
    fs::write(&cargo, format!("#!/bin/sh\necho \"$*\" >> '{}'\n", log.display())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&cargo, fs::Permissions::from_mode(0o755)).unwrap();
    (cargo, log)
}

/// The cargo calls the recording cargo saw (none if it never ran).
fn calls(log: &Path) -> Vec<String> {
    fs::read_to_string(log).unwrap_or_default().lines().map(str::to_string).collect()
}

/// The stems of `dir/*.rs`, sorted.
fn stems(dir: &Path) -> Vec<String> {
    let mut stems: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    stems.sort();
    stems
}

/// The functions of a test file marked `#[graded]` or `#[test]`.
fn test_names(source: &str) -> BTreeSet<String> {
    let lines: Vec<&str> = source.lines().map(str::trim).collect();
    lines
        .windows(2)
        .filter(|w| matches!(w[0], "#[graded]" | "#[graded(search)]" | "#[test]"))
        .filter_map(|w| w[1].strip_prefix("fn ").or_else(|| w[1].strip_prefix("pub fn ")))
        .map(|rest| rest.split('(').next().unwrap().to_string())
        .collect()
}

#[test]
fn an_unknown_suite_runs_nothing_and_lists_every_suite_with_its_count() {
    let reference = common::reference();
    let scratch = tempfile::tempdir().unwrap();
    let (cargo, log) = recording_cargo(scratch.path());
    let cargo = format!("CARGO={}", cargo.display());
    let output = make(&reference, &["test", "S=viewservice zz", &cargo]);
    let shown = text(&output);
    assert!(!output.status.success(), "an unknown suite must fail make:\n{shown}");
    assert_eq!(calls(&log), Vec::<String>::new(), "nothing may run when a suite is unknown:\n{shown}");
    assert!(shown.contains("no suite \"zz\"; the suites are: "), "{shown}");
    for suite in stems(&reference.join("tests/tests")) {
        let source = fs::read_to_string(reference.join(format!("tests/tests/{suite}.rs"))).unwrap();
        let count = test_names(&source).len();
        let listed = format!(" {suite} ({count} test{})", if count == 1 { "" } else { "s" });
        assert!(shown.contains(&listed), "{listed} is not listed:\n{shown}");
    }
    // The other crates' test files, by CRATE:NAME.
    assert!(
        shown.contains("labrpc: ") && shown.contains("kill ("),
        "labrpc's test files are not listed:\n{shown}"
    );
}

/// The cargo calls `make ARGS` makes in `dir`, given a cargo that only records them; fails the
/// test if make fails.
fn cargo_calls(dir: &Path, args: &[&str]) -> Vec<String> {
    let scratch = tempfile::tempdir().unwrap();
    let (cargo, log) = recording_cargo(scratch.path());
    let cargo = format!("CARGO={}", cargo.display());
    let output = make(dir, &[args, &[cargo.as_str()]].concat());
    assert!(output.status.success(), "make {args:?} failed:\n{}", text(&output));
    calls(&log)
}

#[test]
fn suites_become_one_cargo_run_per_crate_without_fmt_or_clippy() {
    let reference = common::reference();
    // With T, one run of labreport's `lab-test` over the suites, a `-p` group per crate.
    assert_eq!(
        cargo_calls(&reference, &["test", "S=viewservice_logic,labrpc:kill  pbservice", "T=kill"]),
        [
            "run -q -p labreport --bin lab-test -- kill -p labtests --test viewservice_logic --test pbservice -p labrpc --test kill",
        ]
    );
    assert_eq!(
        cargo_calls(&reference, &["test", "T=kill"]),
        ["run -q -p labreport --bin lab-test -- kill"],
        "T alone: the whole workspace"
    );
    assert_eq!(
        cargo_calls(&reference, &["test", "S=labtests:viewservice viewservice"]),
        ["test -p labtests --test viewservice --no-fail-fast"],
        "one suite, named twice"
    );
}

#[test]
fn explore_hands_its_name_runs_seed_and_jobs_to_lab_explore() {
    let reference = common::reference();
    assert_eq!(
        cargo_calls(&reference, &["explore", "T=first_backup"]),
        ["run -q -p labreport --bin lab-explore -- --runs 100 -- first_backup"],
        "the defaults"
    );
    assert_eq!(
        cargo_calls(&reference, &["explore", "T=pbservice::kill", "RUNS=7", "SEED=3", "JOBS=2"]),
        ["run -q -p labreport --bin lab-explore -- --runs 7 --seed 3 --jobs 2 -- pbservice::kill"]
    );
}

#[test]
fn a_suite_runs_exactly_its_own_tests() {
    let reference = common::reference();
    let wanted = test_names(&fs::read_to_string(reference.join("tests/tests/viewservice_logic.rs")).unwrap());
    assert!(wanted.len() >= 10, "viewservice_logic has only {wanted:?}");
    // The real cargo (the one running this test), in the workspace's own target directory.
    let output = make(&reference, &["test", "S=viewservice_logic"]);
    let shown = text(&output);
    assert!(output.status.success(), "the reference passes its own suite:\n{shown}");
    let ran: BTreeSet<String> = shown
        .lines()
        .filter_map(|l| l.strip_prefix("test ")?.strip_suffix(" ... ok"))
        .map(str::to_string)
        .collect();
    assert_eq!(ran, wanted, "S=viewservice_logic ran other tests than the file's:\n{shown}");
    assert!(!shown.contains("cargo fmt") && !shown.contains("clippy"), "S runs no fmt or clippy:\n{shown}");
}

#[test]
fn the_handout_makefile_has_no_staff_lines_and_helps_with_what_a_student_runs() {
    let reference = common::reference();
    let out = tempfile::tempdir().unwrap();
    let handout = out.path().join("handout");
    grading::authoring::handout::generate(&reference, &handout).expect("the handout is generated");

    let makefile = fs::read_to_string(handout.join("Makefile")).unwrap();
    for marker in ["BEGIN STAFF", "END STAFF", "HANDOUT:"] {
        assert!(
            !makefile.contains(marker),
            "a `{marker}` line is left in the handout's Makefile:\n{makefile}"
        );
    }
    for word in ["mutants", "gradescope", "handout", "reference", "bench"] {
        assert!(!makefile.contains(word), "the handout's Makefile mentions `{word}`:\n{makefile}");
    }
    for target in ["mutants", "handout", "gradescope-check", "bench"] {
        let output = make(&handout, &["-n", target]);
        assert!(!output.status.success(), "the handout still has `make {target}`:\n{}", text(&output));
    }

    let help = make(&handout, &["help"]);
    assert!(help.status.success(), "{}", text(&help));
    let help = text(&help);
    for wanted in [
        "make test ",
        "make test T=",
        "make test S=",
        "make explore T=",
        "make grade ",
        "GRADE_FLAGS",
        "make fmt",
        "make lint",
        "make tools",
        "RUST_LOG",
        "LAB_SEED",
    ] {
        assert!(help.contains(wanted), "the handout's `make help` lacks `{wanted}`:\n{help}");
    }
    assert!(
        help.contains("grade your code"),
        "in the handout, `make grade` grades the student's code:\n{help}"
    );

    // The reference's own help stays whole.
    let staff_help = text(&make(&reference, &["help"]));
    for wanted in
        ["make mutants", "make handout OUT=dir", "make gradescope-check", "make grade SUB=dir", "make bench"]
    {
        assert!(staff_help.contains(wanted), "the reference's `make help` lacks `{wanted}`:\n{staff_help}");
    }

    // The handout's suites are its own: the grader's and the tools' tests are left out of it.
    let shown = text(&make(&handout, &["test", "S=zz"]));
    assert!(shown.contains(" viewservice_logic (") && shown.contains("labrpc: "), "{shown}");
    for absent in ["grading:", "lincheck:", "labreport:"] {
        assert!(!shown.contains(absent), "the handout lists `{absent}` suites it does not have:\n{shown}");
    }
}
