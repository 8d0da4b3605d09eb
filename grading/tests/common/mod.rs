//! Helpers shared by the grader's own tests: the reference, a build cache shared by every test
//! (so dependencies build once), and fixtures made from the reference.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use grading::grade::GradeOptions;
use grading::progress::Style;

/// The reference workspace (this repository).
pub fn reference() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("the reference workspace")
}

/// The build cache every grader test shares (tests take turns through its lock while they build):
/// `make grade`'s own, so that dependencies built by one are not built again by the other.
pub fn cache() -> PathBuf {
    grading::cache_dir::default_cache(&reference(), "grade")
}

/// Options for grading only the tests whose ids contain one of `only`, on real threads only
/// (what these tests check does not depend on the mode; `simulation_mode.rs` checks both).
pub fn options(only: &[&str]) -> GradeOptions {
    let mut options = GradeOptions::for_reference(&reference()).expect("the reference's rubric");
    options.cache = cache();
    options.jobs = 2;
    options.modes = std::collections::BTreeSet::from([grading::outcome::RunMode::Real]);
    options.only = only.iter().map(|s| s.to_string()).collect();
    options.progress = Style::Quiet;
    options.helper = PathBuf::from(env!("CARGO_BIN_EXE_grade"));
    options
}

/// Grades `path` so that every test `options` selects runs once, in a mode it is graded in:
/// `options`' grading (real threads, which does not run the tests of a suite the rubric grades
/// in simulation mode only), then, if the rubric has such suites (the search tests), a grading
/// of their selected tests in simulation mode. The gradings, in that order.
pub fn grade_each_test_once(path: &Path, options: &GradeOptions) -> Vec<grading::outcome::Grade> {
    use grading::outcome::RunMode;
    let mut grades = vec![grading::grade::grade_submission(path, options).expect("graded on real threads")];
    let simulated_only: Vec<String> = options
        .rubric
        .suites
        .iter()
        .filter(|s| !s.modes.contains(&RunMode::Real))
        .map(|s| s.name.clone())
        .filter(|s| options.selected_tests().iter().any(|t| &t.id.suite == s))
        .collect();
    if !simulated_only.is_empty() {
        let mut simulated = options.clone();
        simulated.modes = std::collections::BTreeSet::from([RunMode::Simulated]);
        simulated.only = simulated_only.iter().map(|s| format!("{s}::")).collect();
        grades.push(grading::grade::grade_submission(path, &simulated).expect("graded in simulation mode"));
    }
    grades
}

/// The outcomes of the tests the gradings ran (see [`grade_each_test_once`]).
pub fn tests_run(grades: &[grading::outcome::Grade]) -> Vec<&grading::outcome::TestOutcome> {
    grades.iter().flat_map(|g| &g.tests).filter(|t| t.not_run.is_none()).collect()
}

/// The fixture `name` of `grading/fixtures/`, made into a submission in a temporary directory.
pub fn fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix(&format!("{name}-")).tempdir().expect("a temporary directory");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
    grading::authoring::materialize::fixture(&reference(), &source, dir.path()).expect("the fixture applies");
    dir
}

/// Whether this machine gives tests full isolation (root with working bubblewrap).
pub fn fully_isolated() -> bool {
    let sandbox = grading::sandbox::Sandbox::prepare(
        grading::sandbox::Mode::Auto,
        1,
        grading::rubric::Limits::default(),
        grading::sandbox::DEFAULT_UID_BASE,
        Path::new(env!("CARGO_BIN_EXE_grade")),
    )
    .expect("sandbox detection");
    // On root, only a missing tool stands between this machine and full isolation: fail and say
    // how to get it instead of skipping the containment checks.
    if nix::unistd::geteuid().is_root() {
        if let Some(missing) = sandbox.warnings().iter().find(|w| w.contains("not installed")) {
            panic!(
                "this test needs bubblewrap, which is missing: {missing} (`make test` installs it, as root)"
            );
        }
    }
    if !sandbox.is_complete() {
        eprintln!("note: isolation is partial here ({}); containment checks are skipped", sandbox.describe());
    }
    sandbox.is_complete()
}

/// Processes whose command line contains `needle`.
pub fn processes_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().filter_map(Result::ok) {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(needle) {
                found.push(format!("{}: {cmdline}", entry.file_name().to_string_lossy()));
            }
        }
    }
    found
}
