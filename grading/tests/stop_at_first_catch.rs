//! The scheduler's stop for stub mutants (`grade mutants --stop-at-first-catch`), through the
//! real runner: a fake test binary (a shell script) fails with or without a stub's message, or
//! passes, depending on its test name. Once a failure shows the text, no further test starts;
//! a failure that does not show it stops nothing. No build of the lab is needed.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use grading::outcome::TestOutcome;
use grading::progress::{Progress, Style};
use grading::rubric::{Category, Limits, RubricTest, TestId};
use grading::sandbox::{Mode, Sandbox, DEFAULT_UID_BASE};
use grading::schedule::{run_all, Plan};

/// The fake harness: `$1` is the test's name; it answers with the run's key when it passes.
const FAKE_TEST: &str = r#"#!/bin/sh
read -r key
case "$1" in
    fails_elsewhere) printf "thread 'main' panicked at tests/fake.rs:1:1:\nview 1 never came\n"; exit 101 ;;
    fails_naming_the_stub)
        printf "a server panicked: s1's thread s1-tick panicked: not implemented: PbServer::tick: ping\n"
        exit 101 ;;
    *) printf '\nlab verdict: %s\n' "$key"; exit 0 ;;
esac
"#;

/// The stub's text, as `StubSite::panic_text` makes it.
const STUB: &str = "not implemented: PbServer::tick:";

/// Runs the fake tests in the scheduler's order (longest timeout first: the order below), one
/// at a time; returns each test's outcome by name.
fn run(stop: Option<&str>) -> BTreeMap<String, TestOutcome> {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("fake-test");
    std::fs::write(&exe, FAKE_TEST).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let runs = dir.path().join("runs");
    std::fs::create_dir(&runs).unwrap();
    let helper = Path::new(env!("CARGO_BIN_EXE_grade"));
    let sandbox = Sandbox::prepare(Mode::Off, 1, Limits::default(), DEFAULT_UID_BASE, helper).unwrap();
    let names = ["passes_first", "fails_elsewhere", "fails_naming_the_stub", "passes_after", "passes_last"];
    let tests: Vec<RubricTest> = names
        .iter()
        .enumerate()
        .map(|(index, name)| RubricTest {
            id: TestId { suite: "fake".into(), name: name.to_string() },
            description: name.to_string(),
            points: 1,
            categories: vec![Category::Run],
            timeout: Duration::from_secs(60 - index as u64),
        })
        .collect();
    let plan = Plan {
        tests,
        executables: BTreeMap::from([(
            grading::outcome::RunMode::Real,
            BTreeMap::from([("fake".to_string(), PathBuf::from(&exe))]),
        )]),
        runs: 1,
        jobs: 1,
        seed: Some(1),
        timeout_scale: 1.0,
        env: Vec::new(),
        limits: Limits::default(),
        reports: None,
        stop_when_a_failure_shows: stop.map(str::to_string),
    };
    let mut progress = Progress::new(Style::Quiet, names.len());
    let outcomes = run_all(&plan, &sandbox, &runs, &mut progress);
    outcomes.into_iter().map(|o| (o.test.id.name.clone(), o)).collect()
}

#[test]
fn no_test_starts_after_a_failure_that_shows_the_stub() {
    let outcomes = run(Some(STUB));
    let ran = |name: &str| outcomes[name].runs.len();
    assert!(outcomes["passes_first"].passed());
    // A failure that does not name the stub stops nothing.
    assert!(outcomes["fails_elsewhere"].failed_run().is_some_and(|r| !r.shows(STUB)));
    let caught = outcomes["fails_naming_the_stub"].failed_run().expect("it failed");
    assert!(caught.shows(STUB), "{:?}", caught.output);
    assert_eq!((ran("passes_after"), ran("passes_last")), (0, 0), "tests ran after the stub was named");
}

#[test]
fn without_the_stop_every_test_runs() {
    let outcomes = run(None);
    for (name, outcome) in &outcomes {
        assert_eq!(outcome.runs.len(), 1, "{name} did not run");
    }
    assert!(outcomes["passes_after"].passed() && outcomes["passes_last"].passed());
}
