//! Grading every submission in a folder: one CSV row each (written as soon as it is known, so
//! an interrupted batch keeps its rows), and optionally each one's table and `results.json`.
//!
//! A submission's folder name is the submitter's choice: it is shown escaped (one printable
//! line), and the files written for it are named after a plain version of it, never `.`, `..`
//! or anything with a path separator, so nothing lands outside the reports directory.
//!
//! Each submission's tests must read neither the other submissions nor the grades written so
//! far: the batch folder, the CSV's directory and the reports directory are checked as private
//! places (see [`crate::exposure`]) when each grading starts.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::escape::{escape_name, one_line, safe_file_name};
use crate::exposure::Private;
use crate::grade::{grade_submission, GradeOptions};
use crate::outcome::Grade;
use crate::report;

/// The submissions of a batch folder: its subdirectories, sorted, hidden ones skipped.
pub fn submissions(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    found.sort();
    Ok(found)
}

/// A batch's totals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchSummary {
    /// Submissions graded.
    pub graded: usize,
    /// Submissions that could not be graded (not a submission, grader errors).
    pub errors: usize,
    /// Submissions graded with inconclusive tests (the machine was too busy to judge them):
    /// grade them again on a quieter machine.
    pub inconclusive: usize,
}

/// Grades every submission under `dir`, writing `csv` and, if given, `<reports>/<name>.txt`
/// and `<reports>/<name>.json`. The report pages of a submission's failed tests go in
/// `<options.reports>/<name>/` (when `options.reports` is set). Prints one line per submission
/// on stdout.
pub fn run(
    dir: &Path,
    csv: &Path,
    reports: Option<&Path>,
    options: &GradeOptions,
) -> std::io::Result<BatchSummary> {
    let subs = submissions(dir)?;
    if subs.is_empty() {
        return Err(std::io::Error::other(format!(
            "{} has no subdirectories: put each submission in its own folder",
            dir.display()
        )));
    }
    if let Some(reports) = reports {
        fs::create_dir_all(reports)?;
    }
    let mut out = fs::File::create(csv)?;
    writeln!(out, "{}", report::csv::header(&options.rubric))?;
    let options = &private_places(options, dir, csv, reports)?;
    let mut summary = BatchSummary::default();
    let mut files = HashSet::new();
    for (index, path) in subs.iter().enumerate() {
        let raw = path.file_name().unwrap_or_default();
        let name = escape_name(raw);
        let file = unique_file_name(raw, &mut files);
        eprintln!("grade: [{}/{}] {name}", index + 1, subs.len());
        let mut options = options.clone();
        options.reports = options.reports.take().map(|pages| pages.join(&file));
        match grade_submission(path, &options) {
            Ok(grade) => {
                summary.graded += 1;
                if grade.inconclusive() > 0 {
                    summary.inconclusive += 1;
                }
                println!("{}", line(&name, Ok(&grade)));
                writeln!(out, "{}", report::csv::grade_row(&options.rubric, &name, Ok(&grade)))?;
                if let Some(reports) = reports {
                    fs::write(reports.join(format!("{file}.txt")), report::table::render(&grade))?;
                    let json = report::gradescope::results_json_in(&grade, Some(reports));
                    fs::write(reports.join(format!("{file}.json")), serde_json::to_string_pretty(&json)?)?;
                }
            }
            Err(error) => {
                summary.errors += 1;
                let message = one_line(&error.to_string());
                println!("{}", line(&name, Err(&message)));
                writeln!(out, "{}", report::csv::grade_row(&options.rubric, &name, Err(&message)))?;
            }
        }
        out.flush()?;
    }
    Ok(summary)
}

/// `options` with the batch's private places added: its folder, the CSV's directory and the
/// reports directory.
fn private_places(
    options: &GradeOptions,
    dir: &Path,
    csv: &Path,
    reports: Option<&Path>,
) -> std::io::Result<GradeOptions> {
    let mut options = options.clone();
    options.private.push(Private::Batch(std::path::absolute(dir)?));
    options.private.push(Private::results_of_file(csv));
    if let Some(reports) = reports {
        options.private.push(Private::Results(std::path::absolute(reports)?));
    }
    Ok(options)
}

/// The stdout line of one submission (`name` already escaped): its score and how many tests
/// were not run or inconclusive, or why it was not graded (`error`, made [`one_line`]).
pub fn line(name: &str, grade: Result<&Grade, &str>) -> String {
    match grade {
        Ok(grade) => {
            let mut score =
                format!("{name}: {}/{} ({:.1}%)", grade.points(), grade.max_points(), grade.percent());
            if !grade.not_run().is_empty() {
                score.push_str(&format!(
                    ", {} test(s) not run (graded in a mode this grade did not run)",
                    grade.not_run().len()
                ));
            }
            match grade.inconclusive() {
                0 => score,
                n => format!("{score}, {n} test(s) INCONCLUSIVE (the machine was too busy): grade again"),
            }
        }
        Err(error) => format!("{name}: not graded: {}", one_line(error)),
    }
}

/// A plain file name for the submission folder `name` (see [`safe_file_name`]), made unique
/// among `taken` (two folders must never share a report), and added to it.
pub fn unique_file_name(name: &OsStr, taken: &mut HashSet<String>) -> String {
    let base = safe_file_name(name);
    let mut file = base.clone();
    let mut n = 1;
    while !taken.insert(file.clone()) {
        n += 1;
        file = format!("{base}-{n}");
    }
    file
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn report_files_of_hostile_names_stay_plain_and_distinct() {
        let mut taken = HashSet::new();
        let names: Vec<String> = [&b".."[..], b".", b"a/../..", b"x\n\x1b[2J\xff", b"alice", b"alice"]
            .iter()
            .map(|n| unique_file_name(OsStr::from_bytes(n), &mut taken))
            .collect();
        assert_eq!(taken.len(), names.len(), "{names:?}");
        for name in &names {
            assert!(!name.starts_with('.') && !name.contains('/'), "{name:?}");
        }
        assert_eq!(&names[4..], ["alice", "alice-2"]);
    }

    #[test]
    fn the_batch_folder_the_csv_and_the_reports_are_private_places() {
        let reference = std::env::current_dir().unwrap().join("..");
        let options = GradeOptions::for_reference(&reference).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let places =
            private_places(&options, &dir.path().join("subs"), Path::new("grades.csv"), Some(dir.path()))
                .unwrap()
                .private;
        assert_eq!(
            places,
            [
                Private::Batch(dir.path().join("subs")),
                Private::Results(std::env::current_dir().unwrap()),
                Private::Results(dir.path().to_path_buf()),
            ]
        );
    }

    #[test]
    fn a_stdout_line_is_one_line() {
        let line = line("x\\nPoints: 1/1", Err("not a submission\nPoints: 290/290 (100.0%)\x1b[2J"));
        assert_eq!(line, "x\\nPoints: 1/1: not graded: not a submission / Points: 290/290 (100.0%)?[2J");
    }
}
