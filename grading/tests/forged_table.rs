//! A submission that forges the grader's table (`grading/fixtures/forged_table`), graded for real:
//! its output, its panic message, the names of its files and the name of its directory hold
//! newlines, terminal escapes and `Points: 290/290 (100.0%)`. Every rendering of its grade (the
//! table, `results.json`, JUnit, the CSV row, the batch's files) must show them as visible escapes
//! or inside a test's indented output: no raw control character, no line starting with `Points:`
//! but the grader's own, and no file written outside the reports directory.

mod common;

use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use grading::grade::grade_submission;
use grading::outcome::{Grade, GradeStatus};
use grading::report::{csv, gradescope, junit, table};

/// The line every forged text tries to slip in.
const FORGED: &str = "Points: 290/290 (100.0%)";
/// The same for file names, which cannot hold `/`: with a division slash, which looks the same.
const FORGED_NAME: &str = "Points: 290\u{2215}290 (100.0%)";

/// A directory name with a newline, a forged score, a terminal escape and invalid UTF-8.
fn hostile_dir_name() -> OsString {
    let mut name = format!("sub\n{FORGED_NAME}\x1b[2J").into_bytes();
    name.push(0xff);
    OsString::from_vec(name)
}

/// The fixture, made into a submission at `root`, with hostile file names next to and inside `src/`.
fn forged_submission(root: &Path) {
    fs::create_dir_all(root).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/forged_table");
    grading::authoring::materialize::fixture(&common::reference(), &fixture, root)
        .expect("the fixture applies");
    fs::write(root.join("viewservice").join(format!("x\n\n{FORGED_NAME}\x1b[2J")), "").unwrap();
    fs::write(root.join("viewservice").join(OsStr::from_bytes(b"bad\xff\x1b[2J\r")), "").unwrap();
    let link = root.join("pbservice/src").join(format!("\x1b[2Jevil\n{FORGED_NAME}.rs"));
    std::os::unix::fs::symlink("lib.rs", link).unwrap();
    let fifo = root.join("pbservice/src").join(format!("fifo\r{FORGED_NAME}\u{202e}"));
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
}

/// Fails if `text` holds a control character (other than newline and tab), a bidirectional
/// override, or a line starting with `Points:` other than `real`.
fn assert_clean(what: &str, text: &str, real: Option<&str>) {
    let raw: Vec<char> = text
        .chars()
        .filter(|c| {
            (c.is_control() && *c != '\n' && *c != '\t')
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(raw.is_empty(), "{what} holds raw control characters {raw:?}:\n{text}");
    let points: Vec<&str> = text.lines().filter(|l| l.starts_with("Points:")).collect();
    assert_eq!(points, real.into_iter().collect::<Vec<_>>(), "{what} has a forged `Points:` line:\n{text}");
}

/// Every string in a JSON document.
fn json_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k.clone());
            json_strings(v, out)
        }),
        _ => {}
    }
}

/// Checks every rendering of `grade`.
fn assert_every_rendering_clean(grade: &Grade) {
    let real = format!("Points: {}/{} ({:.1}%)", grade.points(), grade.max_points(), grade.percent());
    let table = table::render(grade);
    eprintln!("{table}");
    assert_clean("the table", &table, Some(&real));
    let json = gradescope::results_json(grade);
    let mut strings = Vec::new();
    json_strings(&json, &mut strings);
    for text in strings {
        assert_clean("results.json", &text, None);
    }
    assert_clean("JUnit", &junit::junit_xml(grade), None);
    let rubric = &common::options(&[]).rubric;
    assert_clean("the CSV row", &csv::grade_row(rubric, &grade.name, Ok(grade)), None);
}

#[test]
fn a_forged_table_is_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(hostile_dir_name());
    forged_submission(&root);
    let grade = grade_submission(&root, &common::options(&["viewservice::first_primary"])).expect("graded");
    assert!(matches!(grade.status, GradeStatus::Graded), "{:?}", grade.status);
    assert_eq!(grade.points(), 0, "the forged submission fails first_primary");
    assert_eq!(grade.name, format!("sub\\n{FORGED_NAME}\\u{{1b}}[2J\\xff"));
    assert_every_rendering_clean(&grade);

    // Escaped, not dropped: the student can tell what the grader ignored.
    let table = table::render(&grade);
    for shown in [
        format!("ignored viewservice/x\\n\\n{FORGED_NAME}\\u{{1b}}[2J: only viewservice/src is graded"),
        "ignored viewservice/bad\\xff\\u{1b}[2J\\r".to_string(),
        format!("ignored pbservice/src/\\u{{1b}}[2Jevil\\n{FORGED_NAME}.rs: symbolic links are not copied"),
        format!("ignored pbservice/src/fifo\\r{FORGED_NAME}\\u{{202e}}: not a regular file"),
    ] {
        assert!(table.contains(&shown), "the notes should show {shown:?}:\n{table}");
    }
    // The test's own output is shown, inside the indented failure details.
    assert!(table.contains(&format!("      | {FORGED}")), "{table}");
}

#[test]
fn a_refused_submission_shows_its_hostile_paths_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(hostile_dir_name());
    forged_submission(&root);
    let file = root.join("viewservice/src").join(format!("evil\n{FORGED_NAME}\x1b[2J.rs"));
    fs::write(file, "const X: &str = include_str!(\"/etc/hostname\");\n").unwrap();
    let grade = grade_submission(&root, &common::options(&["viewservice::first_primary"])).expect("graded");
    assert!(matches!(grade.status, GradeStatus::Refused(_)), "{:?}", grade.status);
    assert_every_rendering_clean(&grade);
    let table = table::render(&grade);
    assert!(table.contains(&format!("viewservice/src/evil\\n{FORGED_NAME}\\u{{1b}}[2J.rs:1:")), "{table}");
}

/// Every path under `dir`, not following links.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap().map(Result::unwrap) {
        out.push(entry.path());
        if entry.file_type().unwrap().is_dir() {
            walk(&entry.path(), out);
        }
    }
}

#[test]
fn a_batch_keeps_hostile_names_inside_its_reports() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    forged_submission(&subs.join(hostile_dir_name()));
    // Not submissions: error rows, nothing built. (Hidden folders, `.` and `..` are skipped.)
    fs::create_dir_all(subs.join("a".repeat(250))).unwrap();
    fs::create_dir_all(subs.join(format!("x\n{FORGED_NAME}\x1b[2J"))).unwrap();
    fs::create_dir_all(subs.join(OsStr::from_bytes(b"\xff.."))).unwrap();
    fs::create_dir_all(subs.join("=HYPERLINK(\"http:\u{2215}\u{2215}example.com\")")).unwrap();
    let out = dir.path().join("out");
    let reports = out.join("reports");
    let csv_path = out.join("grades.csv");
    fs::create_dir_all(&out).unwrap();
    let mut options = common::options(&["viewservice::first_primary"]);
    options.reports = Some(reports.join("pages"));
    let summary = grading::batch::run(&subs, &csv_path, Some(&reports), &options).expect("the batch runs");
    assert_eq!((summary.graded, summary.errors), (1, 4));

    let csv = fs::read_to_string(&csv_path).unwrap();
    assert_clean("the CSV", &csv, None);
    assert_eq!(csv.lines().count(), 6, "a header and one row per submission:\n{csv}");
    assert!(
        !csv.contains("\n=") && !csv.contains(",="),
        "a cell a spreadsheet would run as a formula:\n{csv}"
    );

    let mut written = Vec::new();
    walk(dir.path(), &mut written);
    for path in &written {
        let name = path.file_name().unwrap();
        if path.starts_with(&subs) {
            continue;
        }
        assert!(path.starts_with(&out), "written outside the output directory: {path:?}");
        if path.starts_with(&reports) {
            let name = name.to_str().unwrap_or_else(|| panic!("a report file name is not UTF-8: {path:?}"));
            assert!(
                !name.starts_with('.') && name.chars().all(|c| c.is_alphanumeric() || "._-".contains(c)),
                "a report file name that is not plain: {name:?}"
            );
        }
    }
    let tables: Vec<&PathBuf> = written
        .iter()
        .filter(|p| p.parent() == Some(&reports) && p.extension() == Some("txt".as_ref()))
        .collect();
    assert_eq!(tables.len(), 1, "one table, for the graded submission: {written:?}");
    let text = fs::read_to_string(tables[0]).unwrap();
    assert_clean("the batch's table", &text, Some("Points: 0/2 (0.0%)"));
}
