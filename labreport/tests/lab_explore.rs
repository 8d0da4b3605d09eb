//! `lab-explore`, the runner behind `make explore T=name`: with the real cargo, it explores a
//! graded scenario and sums the exploration up, and it finds the failure of a scenario that
//! fails on some seeds only (labtests' `sim_explore::explore_subject`), reports it, and the case
//! it prints replays it. With a cargo and test binaries played by shell scripts: a process that
//! crashes, one that ignores its share, a failure while another process hangs, and an
//! interrupt; none leaves a process behind.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::FakeCargo;
use labreport::explore::{execution_case, CASE_ENV};

const LAB_EXPLORE: &str = env!("CARGO_BIN_EXE_lab-explore");

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// `lab-explore ARGS` in `dir`, its reports under `reports`, with `cargo` as its cargo (the real
/// one when `None`).
fn command(args: &[&str], dir: &Path, reports: &Path, cargo: Option<&Path>) -> Command {
    let mut command = Command::new(LAB_EXPLORE);
    command.args(args).current_dir(dir).env("LAB_REPORT_DIR", reports).env_remove("LAB_TRACE_DIR");
    if let Some(cargo) = cargo {
        command.env("CARGO", cargo);
    }
    command
}

fn lab_explore(args: &[&str], dir: &Path, reports: &Path, cargo: Option<&Path>) -> Output {
    command(args, dir, reports, cargo).stdin(Stdio::null()).output().expect("lab-explore runs")
}

/// The value after `label` on the line of `said` that starts with it.
fn field<'a>(said: &'a str, label: &str) -> &'a str {
    said.lines()
        .find_map(|line| line.strip_prefix(label))
        .unwrap_or_else(|| panic!("no line starts with {label:?}:\n{said}"))
}

/// The command lines (arguments separated by NULs) of the running processes whose command line
/// holds `marker` (arguments separated by spaces).
fn processes(marker: &str) -> Vec<String> {
    let marker = marker.replace(' ', "\0");
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|entry| std::fs::read(entry.path().join("cmdline")).ok())
        .map(|cmdline| String::from_utf8_lossy(&cmdline).into_owned())
        .filter(|cmdline| cmdline.contains(&marker))
        .collect()
}

/// Fails if a process whose command line holds `marker` is running.
fn assert_no_process(marker: &str) {
    let survivors = processes(marker);
    assert!(survivors.is_empty(), "processes survived the exploration: {survivors:?}");
}

/// The workspace's root, where `make explore` runs `lab-explore`.
fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace holds labreport")
}

/// `lab-explore ARGS` with the real cargo, in the workspace, its reports in a directory of its
/// own: its output, its stdout, all it said, and the directory.
fn explore_workspace(args: &[&str]) -> (Output, String, String, tempfile::TempDir) {
    let reports = tempfile::tempdir().expect("a directory for reports");
    let (output, stdout, shown) = said(lab_explore(args, workspace(), reports.path(), None));
    (output, stdout, shown, reports)
}

/// `lab-explore ARGS` with `fake`'s cargo, in its directory, its reports in `reports` there:
/// its output, its stdout and all it said.
fn explore_fake(fake: &FakeCargo, args: &[&str]) -> (Output, String, String) {
    said(lab_explore(args, &fake.dir, &fake.dir.join("reports"), Some(&fake.cargo())))
}

/// `output`, its stdout, and all it said.
fn said(output: Output) -> (Output, String, String) {
    let (stdout, shown) = (String::from_utf8_lossy(&output.stdout).into_owned(), text(&output));
    (output, stdout, shown)
}

#[test]
fn explores_a_graded_scenario_and_sums_it_up() {
    let args = ["--runs", "6", "--jobs", "2", "--seed", "11", "viewservice::first_primary"];
    let (output, stdout, shown, _reports) = explore_workspace(&args);
    assert!(output.status.success(), "the reference passes its scenario:\n{shown}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "explore: first_primary (tests/tests/viewservice.rs), 6 executions in 2 test processes, 2 at a time, \
             base seed 11 \
             (SEED=11 repeats them)",
            lines.get(1).copied().unwrap_or("(none)"),
        ],
        "{shown}"
    );
    let summary = lines[1];
    assert!(
        summary.starts_with(
            "explored first_primary: 6 executions passed (6 seeds from base seed 11; 4 random, 1 pct2, 1 pct3), "
        ) && summary.contains(" executions/s on 2 test processes at a time, "),
        "{summary}"
    );
    assert!(shown.contains("Finished"), "cargo's progress is shown:\n{shown}");
}

#[test]
fn finds_a_failure_reports_it_and_its_case_replays_it() {
    let args = ["--runs", "40", "--jobs", "2", "--seed", "1", "explore_subject"];
    let (output, stdout, shown, reports) = explore_workspace(&args);
    assert_eq!(output.status.code(), Some(1), "one execution of 40 fails:\n{shown}");
    let failed = field(&stdout, "explore: execution ");
    let (index, rest) = failed.split_once(" of 40 failed (worker ").expect("the execution and the worker");
    let index: u64 = index.parse().expect("an execution's number");
    let worker = rest.strip_suffix(" of 2)").expect("the worker");
    let case = execution_case(1, index);
    assert_eq!(
        field(&stdout, "  case:   "),
        format!("{case} (seed {}, schedule {})", case.seed, case.schedule)
    );
    let replay = format!("LAB_CASE={case} make test-sim T=explore_subject");
    assert_eq!(field(&stdout, "  replay: "), replay);
    // Forty executions are two shares, one per slot: worker I ran in slot I.
    let page = reports.path().join("explore").join(format!("process-{worker}")).join("explore_subject.html");
    assert_eq!(field(&stdout, "  report: "), format!("{} (open it in a browser)", page.display()));
    assert!(page.is_file(), "the page is there:\n{shown}");
    let complaint = "client 1's append came first";
    let output_of = format!("---- the output of worker {worker} (its ");
    let tail = &stdout[stdout.find(&output_of).unwrap_or_else(|| panic!("no output shown:\n{stdout}"))..];
    assert!(
        tail.contains(complaint) && tail.contains(&format!("LAB-EXPLORE failed {index} {case}")),
        "{tail}"
    );
    assert_no_process("explore_subject --exact --nocapture");

    // The replay: the case alone, in the suite's own test binary, fails the same way.
    let replayed = Command::new(env!("CARGO"))
        .args(["test", "-q", "-p", "labtests", "--features", "labtests/simulation", "--test", "sim_explore"])
        .args(["--", "explore_subject", "--exact", "--ignored", "--nocapture"])
        .current_dir(workspace())
        .env(CASE_ENV, case.to_string())
        .env("LAB_REPORT_DIR", reports.path())
        .env_remove("LAB_EXPLORE")
        .output()
        .expect("cargo test runs");
    let replay_shown = text(&replayed);
    assert!(!replayed.status.success(), "the case passed on its replay:\n{replay_shown}");
    assert!(replay_shown.contains(complaint), "another failure on the replay:\n{replay_shown}");
    assert!(
        replay_shown.contains(&format!("case {case}: replay it exactly with {replay}")),
        "{replay_shown}"
    );
}

/// A test binary's answer to `--list`: two tests, one of them named `subject`.
const LIST: &str =
    "if [ \"$1\" = --list ]; then printf 'subject: test\\nother_subject: test\\n'; exit 0; fi\n\
echo \"args: $*; case: ${LAB_CASE-unset}; seed: ${LAB_SEED-unset}; report dir: $LAB_REPORT_DIR\"\n\
worker=$(echo \"$LAB_EXPLORE\" | cut -d: -f2)\n";

/// What worker 1 does in the fakes that need another process busy: it passes one execution,
/// says so in a file (`ready`, beside the report directories), then hangs in a process of its
/// own (`sleep SECONDS`, a number each test has to itself), which must go with it.
fn hangs(seconds: u32) -> String {
    format!(
        "if [ \"$worker\" = 1 ]; then echo 'LAB-EXPLORE done 1'; touch \"$LAB_REPORT_DIR/../ready\"; \
         sleep {seconds}; fi\n"
    )
}

/// What worker 0 does before it fails: waits (ten seconds at most) for worker 1 to be ready.
const AWAIT_READY: &str =
    "i=0; while [ ! -e \"$LAB_REPORT_DIR/../ready\" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n";

#[test]
fn a_process_that_crashes_is_a_failure_naming_what_it_was_running() {
    let hangs = hangs(4243);
    let script =
        format!("{LIST}{hangs}echo 'LAB-EXPLORE done 0'\necho 'the story of execution 2' >&2\nkill -9 $$\n");
    let fake = FakeCargo::new("lab-explore", "crash", &[("suite", &script)]);
    let reports = fake.dir.join("reports");
    let mut command = command(
        &["--runs", "6", "-j", "2", "--seed", "5", "subject"],
        &fake.dir,
        &reports,
        Some(&fake.cargo()),
    );
    let output = command.env(CASE_ENV, "9/random").env("LAB_SEED", "9").output().expect("lab-explore runs");
    let (stdout, shown) = (String::from_utf8_lossy(&output.stdout).into_owned(), text(&output));
    assert_eq!(output.status.code(), Some(1), "{shown}");
    assert_eq!(
        fake.cargo_args(),
        "test --no-run --message-format=json-render-diagnostics -p labtests --features labtests/simulation"
    );
    assert!(
        stdout.contains(&format!(
            "args: subject --exact --nocapture --test-threads=1 --include-ignored --color=never; case: unset; seed: \
             unset; report dir: {}",
            reports.join("explore/process-0").display()
        )),
        "one test, exactly, its output shown, without the caller's case or seed:\n{shown}"
    );
    assert!(stdout.contains("the story of execution 2\n"), "{shown}");
    let case = execution_case(5, 2);
    assert!(stdout.contains("explore: worker 0 of 2 ended (signal: 9 (SIGKILL)) without saying which execution failed\n  it was running execution 2 of 6\n"), "{shown}");
    assert_eq!(field(&stdout, "  replay: "), format!("LAB_CASE={case} make test-sim T=subject"));
    assert_no_process("sleep 4243");
}

#[test]
fn a_test_that_ignores_its_share_is_told_it_takes_no_part() {
    let script = format!("{LIST}printf '\\nrunning 1 test\\ntest subject ... ok\\n'\n");
    let fake = FakeCargo::new("lab-explore", "absent", &[("suite", &script)]);
    let (output, _, shown) = explore_fake(&fake, &["--runs", "3", "-j", "1", "subject"]);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    assert!(shown.contains("passed having run 0 of its 3 executions: subject does not take part"), "{shown}");
}

#[test]
fn a_failure_stops_the_other_processes_and_shows_the_end_of_its_output() {
    let hangs = hangs(4245);
    let script = format!(
        "{LIST}{hangs}{AWAIT_READY}echo 'LAB-EXPLORE done 0'\ni=0; while [ $i -lt 300 ]; do echo \"line $i\"; i=$((i+1)); done\n\
         echo page > \"$LAB_REPORT_DIR/subject.html\"\necho \"report: $LAB_REPORT_DIR/subject.html (open it in a browser)\" >&2\n\
         echo 'LAB-EXPLORE failed 2 77/pct2'\nexit 101\n"
    );
    let fake = FakeCargo::new("lab-explore", "failed", &[("suite", &script)]);
    let reports = fake.dir.join("reports");
    std::fs::create_dir_all(reports.join("explore/process-1")).unwrap();
    std::fs::write(reports.join("explore/process-1/old.html"), "an earlier exploration's").unwrap();
    let started = Instant::now();
    let (output, stdout, shown) = explore_fake(&fake, &["--runs", "6", "-j", "2", "--seed", "5", "subject"]);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    assert!(started.elapsed() < Duration::from_secs(30), "the hanging process was not stopped at once");
    assert_no_process("sleep 4245");
    assert!(stdout.contains("---- the output of worker 0 (its last 200 lines; "), "{shown}");
    assert!(
        stdout.contains("\nline 299\n") && !stdout.contains("\nline 0\n"),
        "the end of the output:\n{shown}"
    );
    assert!(stdout.contains("explore: execution 2 of 6 failed (worker 0 of 2)\n"), "{shown}");
    assert_eq!(field(&stdout, "  case:   "), "77/pct2 (seed 77, schedule pct2)");
    let page = reports.join("explore/process-0/subject.html");
    assert_eq!(field(&stdout, "  report: "), format!("{} (open it in a browser)", page.display()));
    assert!(
        !reports.join("explore/process-1/old.html").exists(),
        "an earlier exploration's pages are cleared"
    );
    assert!(stdout.contains("\n  2 other executions passed, in "), "one execution each:\n{shown}");
}

#[test]
fn a_long_exploration_takes_a_process_per_share_a_few_at_a_time() {
    // Each process notes its share in a file beside the report directories, and passes it.
    let script = format!(
        "{LIST}echo \"$LAB_EXPLORE $(basename \"$LAB_REPORT_DIR\")\" >> \"$LAB_REPORT_DIR/../shares\"\n\
         runs=$(echo \"$LAB_EXPLORE\" | cut -d: -f4); workers=$(echo \"$LAB_EXPLORE\" | cut -d: -f3)\n\
         i=$worker; while [ $i -lt $runs ]; do echo \"LAB-EXPLORE done $i\"; i=$((i+workers)); done\n"
    );
    let fake = FakeCargo::new("lab-explore", "long", &[("suite", &script)]);
    let reports = fake.dir.join("reports");
    let (output, stdout, shown) =
        explore_fake(&fake, &["--runs", "450", "-j", "2", "--seed", "8", "subject"]);
    assert!(output.status.success(), "{shown}");
    assert!(
        stdout.contains("450 executions in 3 test processes, 2 at a time"),
        "at most 200 a process:\n{shown}"
    );
    assert!(
        stdout.contains("explored subject: 450 executions passed (450 seeds from base seed 8; "),
        "{shown}"
    );
    let mut shares: Vec<String> = std::fs::read_to_string(reports.join("explore/shares"))
        .expect("the shares noted")
        .lines()
        .map(|line| line.split_once(' ').map_or(line, |(share, _)| share).to_string())
        .collect();
    shares.sort();
    assert_eq!(shares, ["8:0:3:450", "8:1:3:450", "8:2:3:450"], "{shown}");
    let slots = std::fs::read_to_string(reports.join("explore/shares")).unwrap();
    assert!(
        slots.lines().all(|l| l.ends_with(" process-0") || l.ends_with(" process-1")),
        "two slots:\n{slots}"
    );
}

#[test]
fn an_interrupt_stops_every_process() {
    let script = format!("{LIST}echo \"LAB-EXPLORE done $worker\"\nsleep 4244\n");
    let fake = FakeCargo::new("lab-explore", "interrupt", &[("suite", &script)]);
    let mut child =
        command(&["--runs", "6", "-j", "2", "subject"], &fake.dir, &fake.dir.join("r"), Some(&fake.cargo()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("lab-explore starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut header = String::new();
    stdout.read_line(&mut header).expect("the header");
    assert!(
        header.starts_with(
            "explore: subject (pkg/tests/suite.rs), 6 executions in 2 test processes, 2 at a time"
        ),
        "{header}"
    );
    // Both processes are running once both sleep; the runner has its handler by then.
    let deadline = Instant::now() + Duration::from_secs(20);
    while processes("sleep 4244").len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("interrupt lab-explore");
    let status = child.wait().expect("lab-explore ends");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("its output");
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(
        rest.starts_with("explore: interrupted; ") && rest.contains(" of 6 executions had passed"),
        "{rest}"
    );
    assert_no_process("sleep 4244");
}
