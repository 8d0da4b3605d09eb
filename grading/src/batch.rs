//! Grading every submission in a folder: one CSV row each (written as soon as it is known, so
//! an interrupted batch keeps its rows), and optionally each one's table and `results.json`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::grade::{grade_submission, GradeOptions};
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
    let mut summary = BatchSummary::default();
    for (index, path) in subs.iter().enumerate() {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        eprintln!("grade: [{}/{}] {name}", index + 1, subs.len());
        let mut options = options.clone();
        options.reports = options.reports.take().map(|pages| pages.join(&name));
        match grade_submission(path, &options) {
            Ok(grade) => {
                summary.graded += 1;
                println!("{name}: {}/{} ({:.1}%)", grade.points(), grade.max_points(), grade.percent());
                writeln!(out, "{}", report::csv::grade_row(&options.rubric, &name, Ok(&grade)))?;
                if let Some(reports) = reports {
                    fs::write(reports.join(format!("{name}.txt")), report::table::render(&grade))?;
                    let json = report::gradescope::results_json_in(&grade, Some(reports));
                    fs::write(reports.join(format!("{name}.json")), serde_json::to_string_pretty(&json)?)?;
                }
            }
            Err(error) => {
                summary.errors += 1;
                println!("{name}: not graded: {error}");
                let message = error.to_string();
                writeln!(out, "{}", report::csv::grade_row(&options.rubric, &name, Err(&message)))?;
            }
        }
        out.flush()?;
    }
    Ok(summary)
}
