//! The handout: generated from the reference, every region marked `// BEGIN SOLUTION: hint` ...
//! `// END SOLUTION` in the student crates is replaced by its stub and no line of the solution is
//! left; the handout builds (the grader builds its student crates against the reference's tests),
//! and grading it scores 0 on every test that needs the missing code, each failing with "not
//! implemented". One build in the shared cache, then some 40 s of failing tests, four at a time.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use grading::authoring::handout::{rust_files, HandoutReport};
use grading::grade::grade_submission;
use grading::outcome::GradeStatus;
use grading::submission::STUDENT_CRATES;

/// Graded tests that need none of the code the handout removes (they check the empty view 0,
/// which `ViewServer::new` and `get` give): they pass on the handout, and only they may.
const PASS_WITHOUT_THE_SOLUTION: &[&str] =
    &["viewservice::empty_view_at_start", "viewservice_logic::starts_with_the_empty_view"];

/// Lines of the reference's solution that must not be in the handout, one or two per file. Unlike
/// the per-region check, this does not rely on the markers: it fails if a region's markers are
/// deleted, or moved off the code. Each line must still be in the reference.
const SOLUTION_LINES: &[(&str, &str)] = &[
    ("viewservice/src/server.rs", "heard.restarted |= in_role && viewnum == 0 && heard.viewnum != 0;"),
    ("viewservice/src/server.rs", "None => return unchanged,"),
    ("pbservice/src/server.rs", "if !state.is_from_my_primary(self.name(), args.viewnum, &args.primary) {"),
    ("pbservice/src/server.rs", "state.store = Store::from_snapshot(args.snapshot);"),
    ("pbservice/src/store.rs", "self.snapshot.applied.insert(request.id.client, request.id.seq);"),
    ("pbservice/src/client.rs", "session.primary = self.ask_for_primary()?;"),
];

/// One `// BEGIN SOLUTION: hint` ... `// END SOLUTION` region of a reference file.
struct Region {
    line: usize,
    hint: String,
    code: Vec<String>,
}

/// The regions of `text`, and the (trimmed) lines outside every region.
fn regions(text: &str) -> (Vec<Region>, BTreeSet<String>) {
    let mut regions = Vec::new();
    let mut outside = BTreeSet::new();
    let mut open: Option<Region> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(hint) = trimmed.strip_prefix("// BEGIN SOLUTION") {
            let hint = hint.trim_start_matches(':').trim().to_string();
            open = Some(Region { line: index + 1, hint, code: Vec::new() });
        } else if trimmed.starts_with("// END SOLUTION") {
            regions.push(open.take().expect("END SOLUTION without BEGIN"));
        } else if let Some(region) = open.as_mut() {
            region.code.push(trimmed.to_string());
        } else {
            outside.insert(trimmed.to_string());
        }
    }
    assert!(open.is_none(), "a BEGIN SOLUTION never ends");
    (regions, outside)
}

/// `rustfmt.toml`'s `max_width` (rustfmt's default, 100, if it sets none).
fn max_width(reference: &Path) -> usize {
    let config = fs::read_to_string(reference.join("rustfmt.toml")).unwrap_or_default();
    config
        .lines()
        .filter_map(|l| l.split_once('='))
        .find(|(key, _)| key.trim() == "max_width")
        .map_or(100, |(_, value)| value.trim().parse().expect("rustfmt.toml's max_width"))
}

/// The handout of the reference, in a temporary directory.
fn handout() -> (tempfile::TempDir, PathBuf, HandoutReport) {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("handout");
    let report =
        grading::authoring::handout::generate(&common::reference(), &dir).expect("the handout is generated");
    (out, dir, report)
}

#[test]
fn every_marked_region_is_replaced_by_its_stub_and_no_solution_line_is_left() {
    let reference = common::reference();
    let (_out, dir, report) = handout();
    // The tools' self-tests (they need a browser or bubblewrap) stay out with the grader's secrets.
    for left_out in [
        "grading/mutants",
        "grading/fixtures",
        "grading/tests",
        "lincheck/tests",
        "labreport/tests",
        "target",
    ] {
        assert!(!dir.join(left_out).exists(), "{left_out} is in the handout");
    }
    // What the lab's own suites need is in: the graded suites, their harness and its tools.
    for kept in
        ["tests/tests/pbservice.rs", "tests/src/pb_harness.rs", "lincheck/src/lib.rs", "labreport/src/lib.rs"]
    {
        assert!(dir.join(kept).is_file(), "{kept} is missing from the handout");
    }
    let readme = fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.contains("make grade") && readme.contains("not implemented"), "the student README");

    let width = max_width(&reference);
    let mut total = 0;
    for krate in STUDENT_CRATES {
        for file in rust_files(&reference.join(krate).join("src")) {
            let relative = file.strip_prefix(&reference).unwrap().display().to_string();
            let (regions, outside) = regions(&fs::read_to_string(&file).unwrap());
            let handout = fs::read_to_string(dir.join(&relative)).unwrap();
            let handout_lines: BTreeSet<&str> = handout.lines().map(str::trim).collect();
            assert!(!handout.contains("SOLUTION"), "{relative}: a solution marker is left in the handout");
            for region in &regions {
                let at = format!("{relative}:{}", region.line);
                assert!(!region.hint.is_empty(), "{at}: the region has no hint for the student");
                let stub = format!("unimplemented!({:?})", region.hint);
                let stub_line = handout.lines().find(|l| l.trim() == stub);
                let stub_line = stub_line.unwrap_or_else(|| panic!("{at}: no stub `{stub}` in the handout"));
                assert!(
                    stub_line.chars().count() <= width,
                    "{at}: the stub is wider than rustfmt's {width} columns, so the handout fails its \
                     format check; shorten the hint:\n{stub_line}"
                );
                // The region's own lines: those that occur nowhere else in the file.
                let own: Vec<&String> =
                    region.code.iter().filter(|l| !l.is_empty() && !outside.contains(*l)).collect();
                assert!(!own.is_empty(), "{at}: the region holds no line of its own to check");
                for line in own {
                    assert!(!handout_lines.contains(line.as_str()), "{at}: the handout still holds `{line}`");
                }
            }
            total += regions.len();
        }
    }
    assert_eq!(report.regions.len(), total, "{report}");
    assert!(total >= 20, "only {total} marked regions: the solution is not marked:\n{report}");

    for (file, line) in SOLUTION_LINES {
        let original = fs::read_to_string(reference.join(file)).unwrap();
        assert!(
            original.lines().any(|l| l.trim() == *line),
            "{file} no longer holds `{line}`: update SOLUTION_LINES with a line of the new solution"
        );
        let handout = fs::read_to_string(dir.join(file)).unwrap();
        assert!(
            !handout.lines().any(|l| l.trim() == *line),
            "{file}: the solution line `{line}` is in the handout"
        );
    }
}

#[test]
fn the_handout_builds_and_scores_zero_on_every_test_that_needs_the_solution() {
    let (_out, dir, _report) = handout();
    // Every graded test; the stubs make them fail within seconds, most of which they spend
    // waiting for a view that never comes: four at a time, though the machine may have two cores.
    let mut options = common::options(&[]);
    options.jobs = 4;
    let grade = grade_submission(&dir, &options).expect("the handout is graded");
    let table = grading::report::table::render(&grade);
    assert!(matches!(grade.status, GradeStatus::Graded), "the handout does not build:\n{table}");
    assert_eq!(grade.tests.len(), options.rubric.tests.len(), "not every graded test ran:\n{table}");
    let mut passed = Vec::new();
    for test in &grade.tests {
        let id = test.test.id.to_string();
        if PASS_WITHOUT_THE_SOLUTION.contains(&id.as_str()) {
            assert!(test.passed(), "{id} needs none of the solution, yet failed on the handout:\n{table}");
            passed.push(id);
            continue;
        }
        let run = test.failed_run().unwrap_or_else(|| panic!("{id} passed on the handout:\n{table}"));
        let text = format!("{:?}\n{}", run.message, run.output.join("\n"));
        assert!(text.contains("not implemented"), "{id} failed without saying why:\n{text}");
    }
    assert_eq!(
        passed.len(),
        PASS_WITHOUT_THE_SOLUTION.len(),
        "PASS_WITHOUT_THE_SOLUTION names unknown tests"
    );
    let free: u32 = grade.tests.iter().filter(|t| t.passed()).map(|t| t.test.points).sum();
    assert_eq!(grade.points(), free, "{table}");
}
