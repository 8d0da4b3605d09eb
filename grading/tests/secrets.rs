//! A submission that reads what it must not (`grading/fixtures/reads_the_reference`), graded in a
//! batch as course staff grade: the reference, the batch folder and the results kept private to
//! root (mode 0700), the grader root. Its code, in a graded test, tries to read the reference's
//! solution and mutants (by a path baked in, by `/autograder/source`, by walking up, and by the
//! grader's tree named in the grader's own binary), the grader's cache and the shared caches,
//! another submission of the batch and the results written so far; it writes one line per
//! attempt (what it read, or the error it got) and fails, so the results carry the lines.
//!
//! With bubblewrap and without, every attempt must fail, and its lines must show that it ran:
//! the controls (its own binary, its run directory) read, everything else refused. The grader's
//! tree is the one exception this test cannot close without bubblewrap (it is wherever the
//! developer cloned it): there, whether the reader got in must be what [`exposure`] predicts,
//! and a predicted leak must be one the grader warns about when that tree is the reference.
//!
//! About 1-2 minutes on a warm cache: one build, then one test per mode.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use grading::exposure::{self, Reader};
use grading::sandbox::{Mode, DEFAULT_UID_BASE};

const FIXTURE: &str = "reads_the_reference";
const ONLY: &str = "viewservice::first_primary";

/// What the reader reports on each line, after its mark.
const MARK: &str = "SECRET-READ ";

/// The attempts that must fail in every mode (the grader's tree is judged apart).
const REFUSED: &[&str] = &[
    "reference-solution",
    "reference-mutants",
    "autograder-source",
    "walk-up",
    "cache-workspace",
    "cache-target",
    "shared-caches",
    "batch-folder",
    "batch-other",
    "results-csv",
    "results-earlier",
];

/// The private places of one grading, all inside one directory of mode 0700, each holding a
/// marker no output may show.
struct Layout {
    _root: tempfile::TempDir,
    reference: PathBuf,
    batch: PathBuf,
    out: PathBuf,
    markers: Vec<String>,
}

fn append(path: &Path, text: &str) {
    let mut content = fs::read_to_string(path).unwrap_or_default();
    content.push_str(text);
    fs::write(path, content).unwrap();
}

fn layout() -> Layout {
    let root = tempfile::Builder::new().prefix("secrets-").tempdir().expect("a temporary directory");
    // Private to root, as staff keep these (a temporary directory is made with the umask's mode).
    fs::set_permissions(root.path(), fs::Permissions::from_mode(0o700)).unwrap();
    let stamp = format!(
        "{:x}{:x}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    );
    let markers: Vec<String> =
        ["reference", "alice", "results"].iter().map(|w| format!("{w}-secret-{stamp}")).collect();

    // The reference, kept where staff keep it: a private directory.
    let reference = root.path().join("lab");
    grading::fsutil::mirror_dir(&common::reference(), &reference, grading::fsutil::NEVER_COPIED).unwrap();
    append(&reference.join("pbservice/src/server.rs"), &format!("// {}\n", markers[0]));

    // The batch: alice's code (only pbservice/src, so the batch spends no build on it) and the
    // reader's submission.
    let batch = root.path().join("subs");
    let alice = batch.join("alice/pbservice/src");
    fs::create_dir_all(&alice).unwrap();
    fs::write(alice.join("server.rs"), format!("// alice's primary/backup server\n// {}\n", markers[1]))
        .unwrap();
    let mallory = batch.join("mallory");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(FIXTURE);
    grading::authoring::materialize::fixture(&common::reference(), &fixture, &mallory)
        .expect("the fixture applies");

    // Results: an earlier grading's, and this batch's CSV.
    let out = root.path().join("out");
    fs::create_dir_all(out.join("reports")).unwrap();
    fs::write(out.join("reports/earlier.json"), format!("{{\"output\": \"{}\"}}\n", markers[2])).unwrap();

    let baked = [
        ("reference-solution", reference.join("pbservice/src/server.rs")),
        ("reference-mutants", reference.join(exposure::MUTANTS)),
        ("batch-folder", batch.clone()),
        ("batch-other", alice.join("server.rs")),
        ("results-csv", out.join("grades.csv")),
        ("results-earlier", out.join("reports/earlier.json")),
    ];
    let mut targets =
        String::from("//! Baked in by grading/tests/secrets.rs.\n\npub const BAKED: &[(&str, &str)] = &[\n");
    for (label, path) in &baked {
        targets.push_str(&format!("    ({label:?}, {:?}),\n", path.display().to_string()));
    }
    targets.push_str("];\n");
    fs::write(mallory.join("viewservice/src/targets.rs"), targets).unwrap();
    Layout { _root: root, reference, batch, out, markers }
}

/// The reader's lines in `output`: label → (outcome, the whole line).
fn attempts(output: &str) -> BTreeMap<String, (String, String)> {
    let mut found = BTreeMap::new();
    for line in output.lines() {
        let Some(at) = line.find(MARK) else { continue };
        let rest = &line[at + MARK.len()..];
        let Some((label, outcome)) = rest.split_once(": ") else { continue };
        found.insert(label.to_string(), (outcome.to_string(), rest.to_string()));
    }
    found
}

fn got_in(outcome: &str) -> bool {
    outcome.starts_with("read") || outcome.starts_with("listed")
}

/// Grades the batch in `mode`; returns what went wrong (empty: nothing leaked, and the reader
/// ran).
fn grade_in(layout: &Layout, mode: Mode) -> Vec<String> {
    let mut options = common::options(&[ONLY]);
    options.reference = fs::canonicalize(&layout.reference).unwrap();
    options.sandbox = mode;
    options.api_check = false; // the reader uses files, which the API check refuses before anything runs
    options.reports = Some(layout.out.join("reports"));
    let csv = layout.out.join("grades.csv");
    let summary = grading::batch::run(&layout.batch, &csv, Some(&layout.out.join("reports")), &options)
        .expect("the batch is graded");
    assert_eq!((summary.graded, summary.errors), (1, 1), "{mode:?}: mallory graded, alice not a submission");

    let json = fs::read_to_string(layout.out.join("reports/mallory.json")).expect("mallory's results.json");
    let table = fs::read_to_string(layout.out.join("reports/mallory.txt")).expect("mallory's table");
    eprintln!("{mode:?}:\n{table}");
    let results: serde_json::Value = serde_json::from_str(&json).unwrap();
    let output = results["tests"][0]["output"].as_str().unwrap_or_default();
    let seen = attempts(output);
    let mut problems = Vec::new();
    let mut problem = |text: String| problems.push(format!("{mode:?}: {text}"));

    if !seen.contains_key("done") {
        problem(format!("the reader did not report its end; the test's output:\n{output}"));
    }
    for (control, verb) in [("own-exe", "read"), ("run-dir", "listed")] {
        match seen.get(control) {
            Some((outcome, _)) if outcome.starts_with(verb) => {}
            other => problem(format!("the control {control} should have {verb}: {other:?}")),
        }
    }
    for label in REFUSED {
        match seen.get(*label) {
            None => problem(format!("no line for {label}")),
            Some((outcome, line)) if got_in(outcome) => problem(format!("LEAKED {line}")),
            Some(_) => {}
        }
    }
    let tree = common::reference();
    match seen.get("grader-tree") {
        None => problem("no line for grader-tree".into()),
        Some((outcome, line)) if mode == Mode::NoBwrap => {
            // Without bubblewrap only the modes of the developer's clone decide: as predicted.
            let server = tree.join("pbservice/src/server.rs");
            let predicted = Reader { uid: DEFAULT_UID_BASE }.may_read(&server);
            if !line.contains(&server.display().to_string()) {
                problem(format!("the reader did not find the grader's tree in the grader's binary: {line}"));
            } else if got_in(outcome) != predicted {
                problem(format!(
                    "exposure predicted readable={predicted} for {}, but: {line}",
                    server.display()
                ));
            } else if predicted {
                let warned =
                    exposure::reference(&tree, &[Reader { uid: DEFAULT_UID_BASE }]).map(|e| e.to_string());
                let fix = format!("chmod 700 {}", tree.display());
                if !warned.as_deref().is_some_and(|w| w.contains(&fix)) {
                    problem(format!("the tree leaked, and the grader would not say `{fix}`: {warned:?}"));
                }
                eprintln!("note: without bubblewrap the grader's clone {} is readable to tests, as predicted (the grader warns when it is the reference)", tree.display());
            }
        }
        Some((outcome, line)) if got_in(outcome) => problem(format!("LEAKED {line}")),
        Some(_) => {}
    }
    for file in ["reports/mallory.json", "reports/mallory.txt", "grades.csv"] {
        let text = fs::read_to_string(layout.out.join(file)).unwrap_or_default();
        for marker in &layout.markers {
            if text.contains(marker) {
                problem(format!("{file} shows the secret marker {marker}"));
            }
        }
    }
    if table.contains("they could read") {
        problem(format!("the private layout was reported as exposed:\n{table}"));
    }
    for (label, (_, line)) in &seen {
        eprintln!("{mode:?} {label}: {line}");
    }
    problems
}

#[test]
fn a_submission_reads_nothing_secret_with_or_without_bubblewrap() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("note: not root, so tests run as your own user and may read what you may: skipped");
        return;
    }
    let layout = layout();
    let _ = common::fully_isolated(); // as root without bubblewrap installed, says how to get it
    let mut problems = Vec::new();
    for mode in [Mode::Auto, Mode::NoBwrap] {
        problems.extend(grade_in(&layout, mode));
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn exposure_knows_where_the_mutants_are() {
    assert_eq!(exposure::MUTANTS, grading::authoring::mutants::MUTANTS_DIR);
}
