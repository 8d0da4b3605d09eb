//! What the simulation-mode suites that start their own test binary again share (`sim_replay`,
//! `sim_explore`): a fresh run of one of their ignored subjects, the trace it wrote, and the
//! comparison of two traces.

use std::path::Path;
use std::process::{Command, Output};

use labreport::explore::{CASE_ENV, EXPLORE_ENV};
use labreport::naming::{trace_name, REPORT_DIR_ENV, TRACE_DIR_ENV};

/// The ignored test `subject` of this test binary, run alone in a fresh process with the
/// variables `vars` (and none of the harness's others), writing its trace and any report page
/// into `dir`.
pub fn fresh_run(subject: &str, vars: &[(&str, &str)], dir: &Path) -> Output {
    let mut command = Command::new(std::env::current_exe().expect("this test binary"));
    command
        .args([subject, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(TRACE_DIR_ENV, dir)
        .env(REPORT_DIR_ENV, dir);
    for name in [CASE_ENV, EXPLORE_ENV, labrpc::SEED_ENV, labrpc::sim::LEAK_CHECK_ENV, "LAB_REPORT"] {
        command.env_remove(name);
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().expect("start this test binary again")
}

/// All a run printed, stdout then stderr.
pub fn shown(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The trace the run `output` of `subject` wrote into `dir`, removed from there.
pub fn take_trace(subject: &str, dir: &Path, output: &Output) -> String {
    let path = dir.join(trace_name(subject));
    let trace = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", path.display(), shown(output)));
    std::fs::remove_file(&path).expect("remove the trace");
    trace
}

/// Fails, naming the first line where they part, unless `again` is `first` (`what` says whose
/// traces they are).
pub fn assert_same_trace(first: &str, again: &str, what: &str) {
    if first != again {
        let line = first.lines().zip(again.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{what} gave another trace: first difference at line {}:\n  {}\n  {}",
            line + 1,
            first.lines().nth(line).unwrap_or("(end)"),
            again.lines().nth(line).unwrap_or("(end)")
        );
    }
}
