//! Mutants: proof that the suite catches wrong solutions.
//!
//! Each `grading/mutants/NAME.patch` plants one known bug in the reference: a first paragraph
//! says which, then a unified diff against the reference's `viewservice/src` or `pbservice/src`.
//! `grade mutants` applies each to a copy of the reference, grades it like any submission, and
//! prints the matrix of which tests caught which mutant. A mutant that scores full marks
//! survived: the suite has a hole, and the command fails. With `--rounds N` every mutant is
//! graded N times, to tell mutants caught every time from mutants caught only sometimes (which
//! need a stronger test).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

use super::materialize;
use crate::grade::{grade_submission, GradeOptions};
use crate::outcome::{Grade, GradeStatus};
use crate::rubric::TestId;

/// Where the mutants live, relative to the reference workspace.
pub const MUTANTS_DIR: &str = "grading/mutants";

/// One planted bug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mutant {
    /// The patch's file name without `.patch`.
    pub name: String,
    /// The bug, in a sentence (the patch's first paragraph).
    pub description: String,
    /// The patch file.
    pub patch: PathBuf,
}

/// The mutants in `dir`, sorted by name, keeping those whose name contains one of `only`.
pub fn load(dir: &Path, only: &[String]) -> Result<Vec<Mutant>, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut mutants = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".patch"))
        else {
            continue;
        };
        if !only.is_empty() && !only.iter().any(|o| name.contains(o.as_str())) {
            continue;
        }
        let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let description = text.split("\n\n").next().unwrap_or("").replace('\n', " ").trim().to_string();
        mutants.push(Mutant { name: name.to_string(), description, patch: path });
    }
    mutants.sort_by(|a, b| a.name.cmp(&b.name));
    if mutants.is_empty() {
        return Err(format!("no mutant in {} matches {only:?}", dir.display()));
    }
    Ok(mutants)
}

/// What grading one mutant found, over every round.
#[derive(Clone, Debug, Default)]
pub struct MutantRecord {
    /// Rounds graded.
    pub rounds: usize,
    /// Rounds in which it scored full marks.
    pub survived: usize,
    /// Rounds in which no test caught it but some test was inconclusive (the machine was too
    /// busy to judge it): neither caught nor survived.
    pub unjudged: usize,
    /// Per test: in how many rounds it caught the mutant.
    pub caught_by: BTreeMap<TestId, usize>,
    /// Points of the last round, and the maximum.
    pub last_score: (u32, u32),
    /// A build failure or grading error, if any (the mutant itself is broken).
    pub error: Option<String>,
}

impl MutantRecord {
    /// Adds one round's grade.
    pub fn add(&mut self, grade: &Grade) {
        self.rounds += 1;
        if let GradeStatus::BuildFailed(e) = &grade.status {
            self.error = Some(format!("does not build: {e}"));
        }
        let caught: Vec<&TestId> =
            grade.tests.iter().filter(|t| t.failed_run().is_some()).map(|t| &t.test.id).collect();
        if grade.is_perfect() {
            self.survived += 1;
        } else if caught.is_empty() && grade.inconclusive() > 0 {
            self.unjudged += 1;
        }
        for id in caught {
            *self.caught_by.entry(id.clone()).or_default() += 1;
        }
        self.last_score = (grade.points(), grade.max_points());
    }

    /// Rounds in which some test caught it (or it did not build).
    pub fn caught_rounds(&self) -> usize {
        self.rounds - self.survived - self.unjudged
    }
}

/// Grades every mutant `rounds` times; calls `each` after each grading (for progress).
pub fn run(
    options: &GradeOptions,
    mutants: &[Mutant],
    rounds: usize,
    mut each: impl FnMut(&Mutant, usize, &Grade),
) -> Result<BTreeMap<String, MutantRecord>, String> {
    let mut records = BTreeMap::new();
    for mutant in mutants {
        let dir = tempfile_dir(&mutant.name)?;
        materialize::copy_reference(&options.reference, &dir)
            .map_err(|e| format!("copying the reference: {e}"))?;
        let applied = materialize::apply_patch(&mutant.patch, &dir);
        let record: &mut MutantRecord = records.entry(mutant.name.clone()).or_default();
        if let Err(e) = applied {
            record.error = Some(e);
            let _ = fs::remove_dir_all(&dir);
            continue;
        }
        for round in 0..rounds.max(1) {
            let grade = grade_submission(&dir, options)
                .map_err(|e| format!("grading mutant {}: {e}", mutant.name))?;
            record.add(&grade);
            each(mutant, round, &grade);
        }
        let _ = fs::remove_dir_all(&dir);
    }
    Ok(records)
}

/// A fresh directory under the system's temporary directory.
fn tempfile_dir(name: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("grade-mutant-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// The matrix as text: one block per mutant with its score, how often it was caught and by
/// which tests; then the verdict.
pub fn render(mutants: &[Mutant], records: &BTreeMap<String, MutantRecord>) -> String {
    let mut out = String::new();
    let rounds = records.values().map(|r| r.rounds).max().unwrap_or(0);
    let _ = writeln!(out, "Mutant matrix: {} mutants, {rounds} round(s) each\n", mutants.len());
    let width = mutants.iter().map(|m| m.name.len()).max().unwrap_or(10);
    let _ = writeln!(out, "{:width$}  caught   score     tests that caught it (rounds)", "mutant");
    for mutant in mutants {
        let Some(record) = records.get(&mutant.name) else { continue };
        if let Some(error) = &record.error {
            let _ = writeln!(out, "{:width$}  ERROR    {}", mutant.name, error.lines().next().unwrap_or(""));
            continue;
        }
        let mut by: Vec<(&TestId, &usize)> = record.caught_by.iter().collect();
        by.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let listed: Vec<String> = by
            .iter()
            .map(|(id, n)| if record.rounds > 1 { format!("{}({n})", id.name) } else { id.name.clone() })
            .collect();
        let _ = writeln!(
            out,
            "{:width$}  {}/{}      {:>3}/{:<3}   {} test(s): {}",
            mutant.name,
            record.caught_rounds(),
            record.rounds,
            record.last_score.0,
            record.last_score.1,
            by.len(),
            listed.join(", ")
        );
    }
    let survivors: Vec<&str> = mutants
        .iter()
        .filter(|m| records.get(&m.name).is_some_and(|r| r.survived > 0))
        .map(|m| m.name.as_str())
        .collect();
    let sometimes: Vec<&str> = mutants
        .iter()
        .filter(|m| records.get(&m.name).is_some_and(|r| r.survived > 0 && r.caught_rounds() > 0))
        .map(|m| m.name.as_str())
        .collect();
    let _ = writeln!(out);
    for mutant in mutants {
        let _ = writeln!(out, "{}: {}", mutant.name, mutant.description);
    }
    let unjudged: Vec<&str> = mutants
        .iter()
        .filter(|m| records.get(&m.name).is_some_and(|r| r.unjudged > 0))
        .map(|m| m.name.as_str())
        .collect();
    let _ = writeln!(out);
    if !unjudged.is_empty() {
        let _ = writeln!(
            out,
            "INCONCLUSIVE (a round caught nothing, and the machine was too busy to judge some tests; grade them \
             again on a quieter machine): {}",
            unjudged.join(", ")
        );
    }
    if survivors.is_empty() && unjudged.is_empty() {
        let _ = writeln!(out, "Every mutant was caught in every round.");
    } else if survivors.is_empty() {
        let _ = writeln!(out, "No mutant survived a judged round.");
    } else {
        let _ = writeln!(out, "SURVIVED (scored full marks in some round): {}", survivors.join(", "));
        if !sometimes.is_empty() {
            let _ = writeln!(out, "caught only sometimes (needs a stronger test): {}", sometimes.join(", "));
        }
    }
    out
}

/// The matrix as CSV: a row per mutant, a column per test, cells = rounds in which the test
/// caught the mutant.
pub fn matrix_csv(mutants: &[Mutant], records: &BTreeMap<String, MutantRecord>, tests: &[TestId]) -> String {
    let mut out = String::from("mutant,rounds,survived");
    for id in tests {
        out.push(',');
        out.push_str(&id.to_string());
    }
    out.push('\n');
    for mutant in mutants {
        let Some(record) = records.get(&mutant.name) else { continue };
        let _ = write!(out, "{},{},{}", mutant.name, record.rounds, record.survived);
        for id in tests {
            let _ = write!(out, ",{}", record.caught_by.get(id).copied().unwrap_or(0));
        }
        out.push('\n');
    }
    out
}

/// Whether any mutant survived a round or could not be graded.
pub fn any_survived(records: &BTreeMap<String, MutantRecord>) -> bool {
    records.values().any(|r| r.survived > 0 || r.error.is_some())
}

/// Whether any mutant had a round that caught nothing only because tests were inconclusive:
/// the suite was not shown to catch it.
pub fn any_unjudged(records: &BTreeMap<String, MutantRecord>) -> bool {
    records.values().any(|r| r.unjudged > 0)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;
    use crate::outcome::{Failure, RunResult, RunVerdict, TestOutcome};
    use crate::rubric::{Category, RubricTest};

    /// A grade of one mutant round: one test per verdict.
    fn round(verdicts: &[RunVerdict]) -> Grade {
        let tests = verdicts
            .iter()
            .enumerate()
            .map(|(index, verdict)| TestOutcome {
                test: RubricTest {
                    id: TestId { suite: "viewservice".into(), name: format!("t{index}") },
                    description: String::new(),
                    points: 1,
                    categories: vec![Category::Run],
                    timeout: Duration::from_secs(1),
                },
                runs: vec![RunResult::with_verdict(verdict.clone(), Duration::ZERO, 1, Vec::new())],
                runs_wanted: 1,
            })
            .collect();
        Grade {
            name: "mutant".into(),
            path: PathBuf::new(),
            status: GradeStatus::Graded,
            suites: Vec::new(),
            tests,
            notes: Vec::new(),
            warnings: Vec::new(),
            isolation: String::new(),
            build_time: None,
            test_time: Duration::ZERO,
            runs: 1,
            jobs: 1,
        }
    }

    #[test]
    fn an_inconclusive_test_neither_catches_a_mutant_nor_lets_it_survive() {
        let starved = RunVerdict::Inconclusive { reason: "starved".into() };
        let failed = RunVerdict::Failed(Failure::TestFailed { hint: None });
        let mut record = MutantRecord::default();
        record.add(&round(&[RunVerdict::Passed, starved.clone()]));
        assert_eq!((record.survived, record.unjudged, record.caught_rounds()), (0, 1, 0));
        assert!(record.caught_by.is_empty(), "{:?}", record.caught_by);
        record.add(&round(&[failed, starved]));
        assert_eq!((record.unjudged, record.caught_rounds()), (1, 1));
        assert_eq!(record.caught_by.keys().map(|id| id.name.as_str()).collect::<Vec<_>>(), ["t0"]);
        let records = BTreeMap::from([("m".to_string(), record)]);
        assert!(any_unjudged(&records) && !any_survived(&records));
        let mutant = Mutant { name: "m".into(), description: "d".into(), patch: PathBuf::new() };
        assert!(render(&[mutant], &records).contains("INCONCLUSIVE (a round caught nothing"));
    }
}
