//! A build never outlives its grader: `grade build-exec` (cargo's parent) kills cargo's whole
//! process group, compilers included, when the grader's end of its standard input closes, as
//! it does when the grader is killed.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn build_exec(script: &str) -> std::process::Child {
    use std::os::unix::process::CommandExt;
    Command::new(env!("CARGO_BIN_EXE_grade"))
        .args(grading::build_exec::BuildLimits::default().args())
        .args(["--", "sh", "-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("grade build-exec starts")
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_build_dies_with_its_grader() {
    // A "cargo" that starts a "compiler" in the background and waits.
    let marker = "sleep 313.77";
    let mut child = build_exec(&format!("{marker} & {marker}; wait"));
    wait_until("the build to start", || common::processes_with(marker).len() >= 2);
    // What the kernel does to the grader's end of the pipe when the grader dies.
    drop(child.stdin.take());
    wait_until("the build to be killed", || common::processes_with(marker).is_empty());
    let status = child.wait().unwrap();
    assert!(!status.success(), "{status:?}");
}

#[test]
fn a_build_that_ends_reports_its_status() {
    for (script, code) in [("exit 3", 3), ("kill -XCPU $$", 128 + 24)] {
        let mut child = build_exec(script);
        // Held open as the grader holds it (`Child::wait` would close it first).
        let _grader_end = child.stdin.take();
        assert_eq!(child.wait().unwrap().code(), Some(code), "{script}: a signal N shows as 128 + N");
    }
}
