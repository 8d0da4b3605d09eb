//! The batch CSV: one row per submission, with its points per test. An inconclusive test (the
//! machine was too busy to judge it; it earns no points) has `inconclusive` for its points, and
//! `tests_inconclusive` counts them: grade that submission again on a quieter machine. A test
//! the grade did not run (its suite is graded in a mode the grade did not run, e.g. the search
//! tests in a `--mode real` grade) has `not run`.

use crate::escape::caps::{cap_middle, CSV_CELL};
use crate::escape::printable;
use crate::outcome::{Grade, GradeStatus};
use crate::rubric::Rubric;

/// The header row: fixed columns, then one column per graded test id.
pub fn header(rubric: &Rubric) -> String {
    let mut cells: Vec<String> = [
        "submission",
        "status",
        "points",
        "max_points",
        "percent",
        "tests_passed",
        "tests_total",
        "tests_inconclusive",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    cells.extend(rubric.tests.iter().map(|t| t.id.to_string()));
    row(&cells)
}

/// The row of one grade; `error` is set when grading could not produce one.
pub fn grade_row(rubric: &Rubric, name: &str, grade: Result<&Grade, &str>) -> String {
    let mut cells = vec![name.to_string()];
    match grade {
        Ok(grade) => {
            cells.push(
                match &grade.status {
                    GradeStatus::Graded => "graded",
                    GradeStatus::Refused(_) => "refused",
                    GradeStatus::BuildFailed(_) => "build failed",
                }
                .to_string(),
            );
            cells.push(grade.points().to_string());
            cells.push(grade.max_points().to_string());
            cells.push(format!("{:.1}", grade.percent()));
            cells.push(grade.passed().to_string());
            cells.push(grade.tests.len().to_string());
            cells.push(grade.inconclusive().to_string());
            for test in &rubric.tests {
                let points = grade.tests.iter().find(|o| o.test.id == test.id).map(|o| {
                    if o.not_run.is_some() {
                        "not run".to_string()
                    } else if o.is_inconclusive() {
                        "inconclusive".to_string()
                    } else {
                        o.points().to_string()
                    }
                });
                cells.push(points.unwrap_or_default());
            }
        }
        Err(error) => {
            cells.push(format!("error: {error}"));
            cells.extend(std::iter::repeat_n(String::new(), 6 + rubric.tests.len()));
        }
    }
    row(&cells)
}

fn row(cells: &[String]) -> String {
    cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(",")
}

/// A CSV cell, quoted when needed: one printable line (see [`printable`]) of at most
/// [`CSV_CELL`] before quoting (its start and end kept), and a cell that a spreadsheet would take
/// for a formula (`=`, `+`, `-`, `@`) is prefixed with `'`.
pub fn quote(cell: &str) -> String {
    let cell = printable(&cell.replace(['\n', '\r'], " "));
    let mut cell = cap_middle(&cell, CSV_CELL.bytes, &CSV_CELL.to_string()).into_owned();
    if cell.starts_with(['=', '+', '-', '@']) {
        cell.insert(0, '\'');
    }
    if cell.contains([',', '"']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_when_needed() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("a\nPoints: 1/1\x1b[2J"), "a Points: 1/1?[2J");
        assert_eq!(quote("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(quote("-1"), "'-1");
    }

    #[test]
    fn cells_are_capped_with_a_marker() {
        let at_cap = "é".repeat(CSV_CELL.bytes / 2);
        assert_eq!(quote(&at_cap), at_cap);
        let over = format!("{at_cap}x");
        let cell = quote(&over);
        assert!(cell.len() <= CSV_CELL.bytes, "{}", cell.len());
        assert!(cell.contains(" bytes cut: CSV cell capped at 1 KiB] "), "{cell}");
        assert!(cell.starts_with('é') && cell.ends_with('x'), "{cell}");
    }
}
