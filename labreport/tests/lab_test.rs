//! `lab-test`, the runner behind `make test T=name`: a name no test has runs nothing, fails, and
//! names the closest tests (with the real cargo, on lab-test's own unit tests); a name some
//! tests have runs only their suites, passes their output through, and ends with one line that
//! sums them up (with a cargo and test binaries played by small scripts, so that a failure, a
//! crash and cargo's progress are all on cue).

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::FakeCargo;

const LAB_TEST: &str = env!("CARGO_BIN_EXE_lab-test");

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `lab-test ARGS` in `dir`, with `cargo` as its cargo (the real one when `None`).
fn lab_test(args: &[&str], dir: &Path, cargo: Option<&Path>) -> Output {
    let mut command = Command::new(LAB_TEST);
    command.args(args).current_dir(dir);
    if let Some(cargo) = cargo {
        command.env("CARGO", cargo);
    }
    command.output().expect("lab-test runs")
}

/// What the real cargo is asked to build: `lab-test`'s own unit tests, with the features of a
/// workspace build (`--workspace`), so that after `make test` (`cargo test --workspace`) this
/// builds nothing again.
const OWN_TESTS: &[&str] = &["--workspace", "--bin", "lab-test"];

#[test]
fn a_name_no_test_has_runs_nothing_fails_and_names_the_closest_tests() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let args: Vec<&str> = ["colours_are_stripd"].iter().chain(OWN_TESTS).copied().collect();
    let output = lab_test(&args, here, None);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(!output.status.success(), "a name no test has must fail:\n{stdout}{stderr}");
    assert_eq!(stdout, "", "nothing ran");
    let (_, said) = stderr
        .split_once("no test matches \"colours_are_stripd\"; the closest of the ")
        .unwrap_or_else(|| panic!("no `no test matches` line:\n{stderr}"));
    let names: Vec<&str> = said.lines().skip(1).take_while(|l| l.starts_with("  ")).collect();
    assert_eq!(names.len(), 5, "five close names:\n{stderr}");
    assert!(
        names[0].starts_with("  suite::tests::colours_are_stripped")
            && names[0].ends_with("(src/bin/lab-test/main.rs)"),
        "the closest name comes first, with its file:\n{stderr}"
    );
    assert!(!stderr.contains("Executable "), "cargo's list of binaries is left out:\n{stderr}");
}

/// `lab-test FILTER` with `fake`'s cargo, in its directory.
fn run(fake: &FakeCargo, filter: &str) -> Output {
    lab_test(&[filter], &fake.dir, Some(&fake.cargo()))
}

/// A suite with two `first` tests, one of which fails, printing what libtest would.
const MIXED: &str = r#"if [ "$1" = --list ]; then printf 'first_ok: test\nfirst_bad: test\nother: test\n\n3 tests, 0 benchmarks\n'; exit 0; fi
echo "args: $*; in $(pwd)"
printf '\nrunning 2 tests\ntest first_bad ... the story of first_bad\nFAILED\ntest first_ok ... ok\n\n'
echo "the failure of first_bad, whole" >&2
printf 'failures:\n    first_bad\n\ntest result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 1 filtered out; finished in 0.01s\n\n'
exit 101"#;

/// A suite none of whose tests is a `first` one: running it would show `running 0 tests`.
const UNRELATED: &str = r#"if [ "$1" = --list ]; then printf 'unrelated: test\n'; exit 0; fi
printf '\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 1 filtered out\n\n'"#;

#[test]
fn a_name_some_tests_have_runs_their_suites_only_and_ends_with_one_line() {
    let fake = FakeCargo::new("lab-test", "mixed", &[("a_mixed", MIXED), ("b_unrelated", UNRELATED)]);
    let output = run(&fake, "first");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "a failed test fails the run:\n{stdout}{stderr}");
    let pkg = fake.dir.join("pkg");
    assert!(
        stdout.contains(&format!("args: first --nocapture --test-threads=1; in {}", pkg.display())),
        "the suite runs in its package with the filter, one test at a time, output shown:\n{stdout}"
    );
    for whole in ["test first_bad ... the story of first_bad\nFAILED\n", "failures:\n    first_bad\n"] {
        assert!(stdout.contains(whole), "the suite's output is passed through whole ({whole:?}):\n{stdout}");
    }
    assert!(stderr.contains("the failure of first_bad, whole"), "and its stderr:\n{stderr}");
    assert!(!stdout.contains("running 0 tests"), "a suite that matched nothing is not run:\n{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some("2 tests matched \"first\": 1 passed, 1 failed"),
        "one closing line:\n{stdout}"
    );
    assert!(stderr.contains("Compiling pkg"), "cargo's progress is shown:\n{stderr}");
    assert!(stderr.contains("Running pkg/tests/a_mixed.rs ("), "the suite is named:\n{stderr}");
    assert!(!stderr.contains("b_unrelated"), "the unrelated suite is not named:\n{stderr}");
}

#[test]
fn a_run_whose_tests_all_pass_succeeds() {
    let passing = r#"if [ "$1" = --list ]; then printf 'first_ok: test\n'; exit 0; fi
printf '\nrunning 1 test\ntest first_ok ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n\n'"#;
    let fake = FakeCargo::new("lab-test", "passing", &[("passing", passing), ("b_unrelated", UNRELATED)]);
    let output = run(&fake, "first");
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert_eq!(stdout.lines().last(), Some("1 test matched \"first\": 1 passed"), "{stdout}");
}

#[test]
fn a_suite_that_dies_before_its_result_counts_its_tests_unfinished() {
    let crash = r#"if [ "$1" = --list ]; then printf 'first_crash: test\n'; exit 0; fi
printf '\nrunning 1 test\ntest first_crash ... '
kill -9 $$"#;
    let fake = FakeCargo::new("lab-test", "crash", &[("crashing", crash)]);
    let output = run(&fake, "first");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("test first_crash ... "), "what it printed is shown:\n{stdout}");
    assert!(stderr.contains("before reporting its tests"), "the crash is named:\n{stderr}");
    assert_eq!(stdout.lines().last(), Some("1 test matched \"first\": 1 unfinished"), "{stdout}");
}
