//! Inconclusive runs through the real runner: a fake test binary (a shell script) reads the
//! run's key from standard input, as the harness does, and prints the inconclusive line or the
//! verdict line depending on its test name and on how many times it ran (counted in a directory
//! of this test). No build of the lab is needed.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use grading::attempts::MAX_ATTEMPTS;
use grading::outcome::{Failure, RunMode, RunResult, RunVerdict};
use grading::rubric::{Category, Limits, RubricTest, TestId};
use grading::runner::{run_test, RunSpec};
use grading::sandbox::{Mode, Sandbox, DEFAULT_UID_BASE};

/// The fake harness. `$1` is the test's name; `$STATE/$1` counts its attempts.
const FAKE_TEST: &str = r#"#!/bin/sh
read -r key
count="$STATE/$1"
n=$(( $(cat "$count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$count"
starved() {
    printf "thread 'main' panicked at tests/fake.rs:1:1:\nwanted a backup\n"
    printf 'lab inconclusive: %s: pings 541 ms apart, attempt %s\n' "$key" "$n"
    exit 101
}
case "$1:$n" in
    inconclusive_then_pass:1 | inconclusive_then_fail:1 | always_inconclusive:*) starved ;;
    inconclusive_then_pass:*) printf '\nlab verdict: %s\n' "$key"; exit 0 ;;
    inconclusive_then_fail:*) echo "two primaries"; exit 101 ;;
    forged_inconclusive:*)
        echo "lab inconclusive: 0123456789abcdef0123456789abcdef: the machine, honestly"
        echo "lab inconclusive: : the machine"
        exit 101 ;;
    starved_then_timed_out:*)
        printf 'lab inconclusive: %s: pings 541 ms apart\n' "$key"
        exec sleep 30 ;;
esac
exit 2
"#;

struct Fake {
    _dir: tempfile::TempDir,
    exe: PathBuf,
    runs: PathBuf,
    env: Vec<(String, String)>,
    sandbox: Sandbox,
}

impl Fake {
    fn new() -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("fake-test");
        std::fs::write(&exe, FAKE_TEST).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let (state, runs) = (dir.path().join("state"), dir.path().join("runs"));
        std::fs::create_dir(&state).unwrap();
        std::fs::create_dir(&runs).unwrap();
        let helper = Path::new(env!("CARGO_BIN_EXE_grade"));
        // Off: the script runs as this test's user and may keep its count outside its run directory.
        let sandbox = Sandbox::prepare(Mode::Off, 1, Limits::default(), DEFAULT_UID_BASE, helper).unwrap();
        Fake { exe, runs, env: vec![("STATE".into(), state.display().to_string())], sandbox, _dir: dir }
    }

    fn run(&self, name: &str, timeout: Duration) -> RunResult {
        let test = RubricTest {
            id: TestId { suite: "fake".into(), name: name.into() },
            description: name.into(),
            points: 1,
            categories: vec![Category::Run],
            timeout,
        };
        let spec = RunSpec {
            test: &test,
            mode: RunMode::Real,
            exe: &self.exe,
            seed: 7,
            timeout,
            env: &self.env,
            run: 0,
            reports: None,
        };
        run_test(&self.sandbox, 0, &self.runs, &spec, &Limits::default())
    }
}

const QUICK: Duration = Duration::from_secs(20);

#[test]
fn an_inconclusive_attempt_then_a_pass_is_a_pass_with_a_note() {
    let run = Fake::new().run("inconclusive_then_pass", QUICK);
    assert!(run.passed(), "{:?}\n{}", run.verdict, run.output.join("\n"));
    assert_eq!(run.inconclusive_attempts, ["pings 541 ms apart, attempt 1"]);
    assert_eq!(
        run.attempts_note().as_deref(),
        Some("passed on attempt 2 (attempt 1 inconclusive: pings 541 ms apart, attempt 1)")
    );
}

#[test]
fn attempts_all_inconclusive_make_an_inconclusive_run() {
    let run = Fake::new().run("always_inconclusive", QUICK);
    assert_eq!(
        run.verdict,
        RunVerdict::Inconclusive { reason: format!("pings 541 ms apart, attempt {MAX_ATTEMPTS}") }
    );
    assert_eq!(run.attempts(), MAX_ATTEMPTS);
    assert!(
        !run.output.iter().any(|l| l.contains("lab inconclusive")),
        "the keyed line (and its key) is not shown: {:?}",
        run.output
    );
    assert!(run.message.as_deref().is_some_and(|m| m.contains("wanted a backup")), "{:?}", run.message);
}

#[test]
fn an_inconclusive_attempt_then_a_failure_is_a_failure() {
    let run = Fake::new().run("inconclusive_then_fail", QUICK);
    assert!(matches!(run.failure(), Some(Failure::TestFailed { .. })), "{:?}", run.verdict);
    assert_eq!(run.attempts(), 2);
    assert!(run.attempts_note().unwrap().starts_with("failed on attempt 2 (attempt 1 inconclusive: "));
}

#[test]
fn an_inconclusive_line_without_the_key_is_a_plain_failure() {
    let run = Fake::new().run("forged_inconclusive", QUICK);
    assert!(matches!(run.failure(), Some(Failure::TestFailed { .. })), "{:?}", run.verdict);
    assert_eq!(run.attempts(), 1, "a forged line earns no second attempt");
}

#[test]
fn a_starved_run_that_then_hangs_is_inconclusive_not_timed_out() {
    let run = Fake::new().run("starved_then_timed_out", Duration::from_secs(1));
    assert!(run.is_inconclusive(), "{:?}", run.verdict);
    assert_eq!(run.attempts(), MAX_ATTEMPTS);
}
