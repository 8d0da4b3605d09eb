//! An exploration's executions in a test process, and their replay (labtests' `simulation`
//! wrapper, the one every graded scenario runs in): with `LAB_EXPLORE` a scenario runs its share
//! of executions, says `LAB-EXPLORE done I` after each that passed and `LAB-EXPLORE failed I
//! CASE` at the first that failed; `LAB_CASE=CASE` in a fresh process replays that execution
//! exactly, trace for trace, with the leak check too; a value that is malformed or that
//! contradicts another fails the test, saying what is wrong. The subject is a scenario that
//! fails on some schedules only, run in processes of this test binary started again.
#![cfg(feature = "simulation")]

mod common;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::{assert_same_trace, fresh_run, shown, take_trace};
use labreport::explore::{Case, Line, CASE_ENV, EXPLORE_ENV};
use labtests::pb_harness::threads::join;
use labtests::pb_harness::{append, get, Scenario};
use labtests::search::plan::{FaultKinds, Workload};
use labtests::search::{KvHistory, Search};

/// The name of [`explore_subject`], which the tests run in processes of their own.
const SUBJECT: &str = "explore_subject";

/// The subject: on a network that delays and loses messages, client 0 appends to a key and
/// client 1 60 ms later (past the longest delay of a request), and the scenario wants client
/// 0's append first: an order the service does not promise, since a lost request makes client
/// 0 retry after client 1's went through. It fails on the seeds whose faults do that, about one
/// in ten. Ignored: the tests below run
/// it, in processes of their own, as `make explore` would.
#[ignore = "run by the tests of this file, and by the tests of `make explore` (labreport/tests/lab_explore.rs)"]
#[test]
fn explore_subject() {
    labtests::in_this_mode(|| {
        let s = Scenario::begin("Two clients append at once; this subject wants client 0's append first");
        s.primary_and_backup("s1", "s2");
        let (zero, one) = (s.clerk(), s.clerk());
        // Both clerks learn the view first, so that their appends go straight to the primary.
        get(&zero, "k");
        get(&one, "k");
        s.net.set_network_unreliable(true);
        s.threads(|scope| {
            let first = scope.spawn(|| append(&zero, "k", "0"));
            let second = scope.spawn(|| {
                labrpc::time::sleep(Duration::from_millis(60));
                append(&one, "k", "1")
            });
            join(first);
            join(second);
        });
        s.net.set_network_unreliable(false);
        let value = get(&s.clerk(), "k");
        assert_eq!(value, "01", "client 1's append came first: the subject assumed an order no one promised");
    });
}

/// [`explore_subject`] in a fresh process with the variables `vars`, writing its report and
/// trace into `dir`.
fn subject(vars: &[(&str, &str)], dir: &Path) -> Output {
    fresh_run(SUBJECT, vars, dir)
}

/// The panic message of the subject's failure: the line after `panicked at ...:`.
fn failure_message(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut lines =
        stderr.lines().skip_while(|l| !(l.contains("panicked at") && l.contains("sim_explore.rs")));
    lines.nth(1).unwrap_or_else(|| panic!("no panic of the subject:\n{}", shown(output))).to_string()
}

#[test]
fn an_explored_failure_replays_exactly_from_its_case() {
    let dir = tempfile::tempdir().expect("a directory for the traces");
    let explored = subject(&[(EXPLORE_ENV, "1:0:1:200")], dir.path());
    let text = shown(&explored);
    assert!(!explored.status.success(), "no execution of 200 failed:\n{text}");
    let lines: Vec<Line> =
        String::from_utf8_lossy(&explored.stdout).lines().filter_map(Line::parse).collect();
    let (failed, done) = lines.split_last().unwrap_or_else(|| panic!("no protocol line:\n{text}"));
    let Line::Failed { index, case } = failed else {
        panic!("the last line is not a failure: {failed:?}\n{text}")
    };
    let passed: Vec<Line> = (0..*index).map(|index| Line::Done { index }).collect();
    assert_eq!(done, passed, "every execution before the failure says it passed, in order:\n{text}");
    assert_eq!(*case, labreport::explore::execution_case(1, *index));
    let replay = format!("replay it exactly with LAB_CASE={case} make test-sim T=explore_subject");
    assert!(text.contains(&replay), "the failure names its replay ({replay}):\n{text}");
    let report = dir.path().join(labreport::naming::page_name("explore_subject"));
    assert!(report.is_file(), "the failure writes its page into LAB_REPORT_DIR:\n{text}");
    let message = failure_message(&explored);
    let trace = take_trace(SUBJECT, dir.path(), &explored);

    replays_exactly(case, &message, &trace, dir.path(), &["0", "1"]);
}

/// `case`, replayed in a fresh process (with the leak check off and on, as `leak_checks` say),
/// fails with `message` and writes `trace` again.
fn replays_exactly(case: &Case, message: &str, trace: &str, dir: &Path, leak_checks: &[&str]) {
    let case_text = case.to_string();
    for leak_check in leak_checks {
        let replayed = subject(&[(CASE_ENV, &case_text), (labrpc::sim::LEAK_CHECK_ENV, leak_check)], dir);
        assert!(!replayed.status.success(), "{case} passed on its replay:\n{}", shown(&replayed));
        assert_eq!(
            failure_message(&replayed),
            message,
            "another failure on the replay:\n{}",
            shown(&replayed)
        );
        assert!(String::from_utf8_lossy(&replayed.stdout).lines().all(|l| Line::parse(l).is_none()));
        let again = take_trace(SUBJECT, dir, &replayed);
        assert_same_trace(trace, &again, &format!("the replay of {case} (leak check {leak_check})"));
    }
}

#[test]
fn a_pct_failure_is_named_by_its_case_wherever_a_run_names_its_seed() {
    let dir = tempfile::tempdir().expect("a directory");
    // Worker 2 of 4 runs executions 2, 6, 10, ...: all on the PCT schedule of depth 2.
    let explored = subject(&[(EXPLORE_ENV, "2:2:4:400")], dir.path());
    let text = shown(&explored);
    let failed = String::from_utf8_lossy(&explored.stdout).lines().filter_map(Line::parse).next_back();
    let Some(Line::Failed { case, .. }) = failed else { panic!("no PCT execution of 100 failed:\n{text}") };
    assert_eq!(case.schedule.to_string(), "pct2");
    for wanted in [
        format!("(LAB_CASE={case})"),
        format!("(LAB_CASE={case} replays it exactly)"),
        format!("re-run it: LAB_CASE={case} make test-sim T=explore_subject"),
    ] {
        assert!(text.contains(&wanted), "the run should name its case ({wanted}):\n{text}");
    }
    assert!(!text.contains(&format!("LAB_SEED={}", case.seed)), "its seed alone does not replay it:\n{text}");
    let page = std::fs::read_to_string(dir.path().join(labreport::naming::page_name("explore_subject")))
        .unwrap_or_else(|e| panic!("the failure's page: {e}\n{text}"));
    assert!(page.contains(&format!("LAB_CASE={case} make test-sim T=explore_subject")), "the page's replay");
    let message = failure_message(&explored);
    let trace = take_trace(SUBJECT, dir.path(), &explored);
    replays_exactly(&case, &message, &trace, dir.path(), &["0"]);
}

#[test]
fn bad_or_contradicting_values_fail_saying_what_is_wrong() {
    let dir = tempfile::tempdir().expect("a directory");
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[(CASE_ENV, "12/fifo")], "LAB_CASE: \"12/fifo\" is not a case: \"fifo\" is not a schedule"),
        (&[(CASE_ENV, "12/random/o=1")], "LAB_CASE=12/random/o=1 names a search plan (o=1)"),
        (&[(EXPLORE_ENV, "1:2:2:10")], "LAB_EXPLORE: \"1:2:2:10\": WORKER must be below WORKERS"),
        (
            &[(CASE_ENV, "12/random"), (EXPLORE_ENV, "1:0:2:10")],
            "both LAB_CASE=12/random and LAB_EXPLORE=1:0:2:10 are set",
        ),
    ];
    for (vars, wanted) in cases {
        let output = subject(vars, dir.path());
        let text = shown(&output);
        assert!(!output.status.success(), "{vars:?} passed:\n{text}");
        assert!(text.contains(wanted), "{vars:?} should fail with {wanted:?}:\n{text}");
        assert!(!text.contains("Test: "), "{vars:?} ran the scenario:\n{text}");
    }
}

/// The name of [`search_subject`].
const SEARCH_SUBJECT: &str = "search_subject";

/// A search with a failure planted beside its checks: no execution may append. Most executions
/// of the workload append, so the first one fails, whatever else it does, and its smallest
/// failing run is one Append and no fault. Ignored: the test below runs it in processes of its
/// own.
#[ignore = "run by a_search_failure_is_shrunk_and_its_page_says_how_much, in processes of its own"]
#[test]
fn search_subject() {
    let workload = Workload {
        servers: 2,
        clients: 2,
        ops_per_client: 4,
        keys: 1,
        faults: 4,
        fault_gap_ms: (50, 400),
        kinds: FaultKinds { crashes: true, loss: true, ..FaultKinds::default() },
    };
    Search { name: SEARCH_SUBJECT, workload, budget: 20 }.run_checking(Some(no_append));
}

/// The planted failure: an Append in the history.
fn no_append(history: &KvHistory) -> Result<(), String> {
    match history.operations().iter().find(|op| matches!(op.input, lincheck::KvInput::Append { .. })) {
        Some(op) => Err(format!("planted failure: client {} appended", op.client)),
        None => Ok(()),
    }
}

/// The line of `text` that starts with `label`, without it.
fn line_after<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find_map(|line| line.strip_prefix(label))
        .unwrap_or_else(|| panic!("no line starts with {label:?}:\n{text}"))
}

#[test]
fn a_search_failure_is_shrunk_and_its_page_says_how_much() {
    let dir = tempfile::tempdir().expect("a directory");
    let page_path = dir.path().join(labreport::naming::page_name(SEARCH_SUBJECT));
    let found = fresh_run(SEARCH_SUBJECT, &[(labrpc::SEED_ENV, "3")], dir.path());
    let text = shown(&found);
    assert!(!found.status.success() && text.contains("planted failure: client "), "{text}");
    // The test's output and the page both say how much smaller the reported run is.
    let shrank = line_after(&text, "It shrank from ");
    let (from, to) = shrank.split_once(" to ").unwrap_or_else(|| panic!("{shrank}"));
    assert!(from.ends_with(" s)") && !from.starts_with("1 operation and 0 faults"), "{shrank}");
    assert!(to.starts_with("1 operation and 0 faults (faults until "), "{shrank}");
    assert!(to.contains(" s) in ") && to.ends_with(" trial runs."), "{shrank}");
    let page = std::fs::read_to_string(&page_path).unwrap_or_else(|e| panic!("the page: {e}\n{text}"));
    let note = page
        .split("<p id=\"run-note\" class=\"note\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or_else(|| panic!("the page has no run note:\n{text}"));
    assert!(note.starts_with("The smallest failing run the search found: execution "), "{note}");
    assert!(note.ends_with(&format!("shrank from {shrank}")), "{note}");

    // The case it gives replays the smallest run, whose page says what part of the execution it is.
    let command = line_after(&text, "Replay it exactly: ");
    let case = command
        .strip_prefix(&format!("{CASE_ENV}="))
        .and_then(|rest| rest.strip_suffix(&format!(" make test-sim T={SEARCH_SUBJECT}")))
        .unwrap_or_else(|| panic!("{command}"));
    assert!(case.contains("/o="), "the case names the shrunk plan: {case}");
    std::fs::remove_file(&page_path).expect("remove the page");
    let replayed = fresh_run(SEARCH_SUBJECT, &[(CASE_ENV, case)], dir.path());
    let again = shown(&replayed);
    assert!(!replayed.status.success() && again.contains("planted failure: client "), "{again}");
    let page =
        std::fs::read_to_string(&page_path).unwrap_or_else(|e| panic!("the replay's page: {e}\n{again}"));
    assert!(page.contains("A part of the search&#39;s execution (seed "), "the replay's page");
    assert!(page.contains("1 operation and 0 faults (faults until "), "the replay's page");
}
