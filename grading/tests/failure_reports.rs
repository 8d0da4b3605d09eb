//! The HTML report page of a failed test, end to end: the `grade` binary grades a planted-bug
//! submission (a mutant of `grading/mutants/`) on the one test that catches it, and must copy
//! the page the sandboxed test wrote next to `--json`, name it in the table, in `results.json`
//! (relative to it) and in the JUnit failure message; with `--reports DIR` and `--runs 2`, the
//! page of the first failed run goes to DIR. In the shared build cache: 20-60 s (the first
//! grader test in a fresh cache also builds the dependencies, about 2 minutes on 2 cores).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Planted bugs, each with a test that catches it at once; the first whose patch applies to
/// the reference is used (a patch stops applying when the reference changes under it).
const CANDIDATES: &[(&str, &str)] = &[
    ("pb_backup_serves_clients", "pbservice_rules::rule_4_backup_answers_client_request_with_wrong_server"),
    ("pb_append_forwards_value", "pbservice_rules::append_forwards_argument_not_value"),
    ("pb_new_backup_gets_no_state", "pbservice::backup_joins_and_receives_state"),
];

/// A copy of the reference with the first applicable candidate's bug; the test that catches it.
fn mutant_submission() -> (tempfile::TempDir, &'static str) {
    let reference = common::reference();
    let mut refused = Vec::new();
    for (mutant, test) in CANDIDATES {
        let dir =
            tempfile::Builder::new().prefix(&format!("{mutant}-")).tempdir().expect("a temporary directory");
        grading::authoring::materialize::copy_reference(&reference, dir.path()).expect("copy the reference");
        let patch = reference.join(grading::authoring::mutants::MUTANTS_DIR).join(format!("{mutant}.patch"));
        match grading::authoring::materialize::apply_patch(&patch, dir.path()) {
            Ok(()) => return (dir, test),
            Err(why) => refused.push(why),
        }
    }
    panic!("no candidate mutant applies to the reference (regenerate them):\n{}", refused.join("\n"))
}

/// Runs `grade` on `submission` with `args`; returns its stdout (it must exit 0).
fn grade(submission: &Path, args: &[&str]) -> String {
    let reference = common::reference();
    let output = Command::new(env!("CARGO_BIN_EXE_grade"))
        .arg(submission)
        .arg("--reference")
        .arg(&reference)
        .arg("--cache")
        .arg(common::cache())
        .args(["--quiet", "--seed", "7"])
        .args(args)
        .output()
        .expect("run grade");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "grade failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The path of the `report: PATH (open it in a browser)` line of `text`.
fn report_path(text: &str) -> PathBuf {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("report: ") && l.ends_with("(open it in a browser)"))
        .unwrap_or_else(|| panic!("no report line in:\n{text}"));
    PathBuf::from(line["report: ".len()..line.len() - " (open it in a browser)".len()].trim())
}

/// Asserts that `path` is the HTML page of the failed `test` (its libtest name).
fn assert_page_of(path: &Path, test: &str) {
    let meta = fs::symlink_metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(meta.is_file(), "{} is a regular file", path.display());
    let page = fs::read_to_string(path).expect("the page is text");
    assert!(
        page.trim_start().to_ascii_lowercase().starts_with("<!doctype html"),
        "an HTML page: {}",
        page.chars().take(200).collect::<String>()
    );
    assert!(page.contains(test), "the page names the test {test}");
}

#[test]
fn a_failed_tests_report_is_kept_next_to_the_json_and_named_everywhere() {
    let (submission, id) = mutant_submission();
    let name = id.split("::").nth(1).unwrap();
    let page_name = format!("{}.html", id.replace("::", "__"));
    let out = tempfile::tempdir().expect("a temporary directory");
    let json = out.path().join("results.json");
    let junit = out.path().join("junit.xml");

    let table = grade(
        submission.path(),
        &["--only", id, "--jobs", "1", "--json", json.to_str().unwrap(), "--junit", junit.to_str().unwrap()],
    );
    eprintln!("{table}");
    assert!(table.contains("Tests passed: 0/1"), "the mutant fails {id}:\n{table}");

    // The table: the report line follows the seed line, and names the copy next to --json.
    let failures = &table[table.find("\nFailures\n").expect("a failure section")..];
    let seed_at = failures.find("seed: ").expect("a seed line");
    let report_at = failures.find("report: ").expect("a report line");
    assert!(seed_at < report_at, "the report line follows the seed:\n{failures}");
    let kept = report_path(failures);
    assert_eq!(kept, out.path().join("reports").join(&page_name), "the page is next to results.json");
    assert_page_of(&kept, name);
    assert!(
        !failures.contains("/runs/slot-"),
        "no path into the scratch run directories is shown:\n{failures}"
    );

    // results.json: the path relative to it.
    let results: serde_json::Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    let output = results["tests"][0]["output"].as_str().expect("the test's output");
    assert!(
        output.contains(&format!("report: reports/{page_name} (open it in a browser)")),
        "results.json names the page relative to itself:\n{output}"
    );

    // JUnit: in the failure message.
    let xml = fs::read_to_string(&junit).unwrap();
    let message = xml.lines().find(|l| l.contains("<failure message=")).expect("a failure");
    assert!(message.contains(&format!("report: {}", kept.display())), "{message}");

    // --reports DIR, two runs at once: the page of the first failed run, in DIR.
    let elsewhere = out.path().join("elsewhere");
    let table = grade(
        submission.path(),
        &["--only", id, "--jobs", "2", "--runs", "2", "--reports", elsewhere.to_str().unwrap()],
    );
    let kept = report_path(&table);
    assert_eq!(kept, elsewhere.join(&page_name));
    assert_page_of(&kept, name);
    let pages: Vec<_> =
        fs::read_dir(&elsewhere).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
    assert_eq!(pages, vec![std::ffi::OsString::from(&page_name)], "one page per failed test");
}
