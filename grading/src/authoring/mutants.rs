//! Mutants: proof that the suite catches wrong solutions.
//!
//! Two kinds of mutant:
//!
//! - patches: each `grading/mutants/NAME.patch` plants one known bug in the reference: a first
//!   paragraph says which, then a unified diff against the reference's `viewservice/src` or
//!   `pbservice/src`;
//! - stubs ([`super::stub_mutants`]): the reference with one function stubbed as the handout
//!   stubs it, named `stub:CRATE::Type::function`. A stub counts as caught only if a test fails
//!   *and* the failure names the function ("not implemented: Type::function:"), so a student who
//!   leaves it unwritten is told which one.
//!
//! `grade mutants` makes each on a copy of the reference, grades it like any submission, and
//! prints the matrix of which tests caught which mutant, then a grid of the search tests
//! (category SEARCH: many seeded simulated executions each) against the mutants, so one reads
//! which search test caught which bug. A mutant that scores full marks
//! survived: the suite has a hole, and the command fails; so does a stub that only failures not
//! naming it caught. With `--rounds N` every mutant is graded N times, to tell mutants caught
//! every time from mutants caught only sometimes (which need a stronger test).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

use super::materialize;
use super::stub_mutants::{self, StubSite};
use crate::grade::{grade_submission, GradeOptions};
use crate::outcome::{Grade, GradeStatus};
use crate::rubric::{Category, RubricTest, TestId};

/// Where the mutants live, relative to the reference workspace.
pub const MUTANTS_DIR: &str = "grading/mutants";

/// One planted bug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mutant {
    /// The patch's file name without `.patch`, or `stub:CRATE::Type::function`.
    pub name: String,
    /// The bug, in a sentence (the patch's first paragraph).
    pub description: String,
    /// How it is made from the reference.
    pub plant: Plant,
}

/// How a mutant is made from the reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plant {
    /// A patch file applied to it.
    Patch(PathBuf),
    /// One region stubbed as the handout stubs it.
    Stub(StubSite),
}

impl Mutant {
    /// What a failure must show for the mutant to count as caught (a stub's panic text), if
    /// anything beyond failing.
    pub fn must_show(&self) -> Option<String> {
        match &self.plant {
            Plant::Patch(_) => None,
            Plant::Stub(site) => Some(site.panic_text()),
        }
    }

    /// Writes its submission into `dest`.
    pub fn materialize(&self, reference: &Path, dest: &Path) -> Result<(), String> {
        match &self.plant {
            Plant::Patch(patch) => {
                materialize::copy_reference(reference, dest)
                    .map_err(|e| format!("copying the reference: {e}"))?;
                materialize::apply_patch(patch, dest)
            }
            Plant::Stub(site) => stub_mutants::materialize(reference, site, dest),
        }
    }
}

/// The patch mutants in `dir`, sorted by name, keeping those whose name contains one of `only`
/// (none may be kept; `dir` holding no patch at all is an error).
pub fn load(dir: &Path, only: &[String]) -> Result<Vec<Mutant>, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut mutants = Vec::new();
    let mut patches = 0;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".patch"))
        else {
            continue;
        };
        patches += 1;
        if !only.is_empty() && !only.iter().any(|o| name.contains(o.as_str())) {
            continue;
        }
        let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let description = text.split("\n\n").next().unwrap_or("").replace('\n', " ").trim().to_string();
        mutants.push(Mutant { name: name.to_string(), description, plant: Plant::Patch(path) });
    }
    mutants.sort_by(|a, b| a.name.cmp(&b.name));
    if patches == 0 {
        return Err(format!("{} holds no mutant (NAME.patch)", dir.display()));
    }
    Ok(mutants)
}

/// The stub mutants of the reference (see [`super::stub_mutants`]), in file order, keeping those
/// whose name contains one of `only`.
pub fn stubs(reference: &Path, only: &[String]) -> Result<Vec<Mutant>, String> {
    let sites = stub_mutants::sites(reference)?;
    let names = stub_mutants::names(&sites);
    Ok(sites
        .into_iter()
        .zip(names)
        .filter(|(_, name)| only.is_empty() || only.iter().any(|o| name.contains(o.as_str())))
        .map(|(site, name)| Mutant {
            description: format!(
                "{}:{}: {} stubbed as in the handout; caught only by a failure showing \"{}\"",
                site.file,
                site.line,
                site.function,
                site.panic_text()
            ),
            name,
            plant: Plant::Stub(site),
        })
        .collect())
}

/// What grading one mutant found, over every round.
#[derive(Clone, Debug, Default)]
pub struct MutantRecord {
    /// Rounds graded.
    pub rounds: usize,
    /// Rounds in which every test that ran passed (full marks, but for the tests the grading
    /// did not run because of their modes).
    pub survived: usize,
    /// Rounds in which no test caught it but some test was inconclusive (the machine was too
    /// busy to judge it): neither caught nor survived.
    pub unjudged: usize,
    /// For a mutant that must be named (a stub): rounds in which tests failed but none of their
    /// failures showed its name. Not caught: the suite does not tell what is missing.
    pub unnamed: usize,
    /// Per test: in how many rounds it caught the mutant (for a stub: failed showing its name).
    pub caught_by: BTreeMap<TestId, usize>,
    /// For a stub: per test, in how many rounds it failed without showing the stub's name.
    pub failed_unnamed: BTreeMap<TestId, usize>,
    /// Per test: in how many rounds it ran at all (a test may not run: its suite graded in a
    /// mode the grading did not run, or a stub's grading stopped at its first catch).
    pub ran: BTreeMap<TestId, usize>,
    /// Per test the grading did not run in its last round because of its modes: why (see
    /// [`crate::outcome::TestOutcome::not_run`]).
    pub not_run: BTreeMap<TestId, String>,
    /// Points of the last round, and the maximum.
    pub last_score: (u32, u32),
    /// A build failure or grading error, if any (the mutant itself is broken).
    pub error: Option<String>,
}

impl MutantRecord {
    /// Adds one round's grade. `must_show`: what a failure must show to catch the mutant (see
    /// [`Mutant::must_show`]).
    pub fn add(&mut self, grade: &Grade, must_show: Option<&str>) {
        self.rounds += 1;
        if let GradeStatus::BuildFailed(e) = &grade.status {
            self.error = Some(format!("does not build: {e}"));
        }
        let mut caught = Vec::new();
        let mut unnamed = Vec::new();
        for test in &grade.tests {
            if !test.runs.is_empty() {
                *self.ran.entry(test.test.id.clone()).or_default() += 1;
            }
            match &test.not_run {
                Some(reason) => self.not_run.insert(test.test.id.clone(), reason.clone()),
                None => self.not_run.remove(&test.test.id),
            };
            let Some(run) = test.failed_run() else { continue };
            match must_show {
                Some(text) if !run.shows(text) => unnamed.push(&test.test.id),
                _ => caught.push(&test.test.id),
            }
        }
        // Every test the grade ran passed: those it did not run (a suite graded in a mode the
        // grading did not run) cost points but caught nothing.
        let graded = matches!(grade.status, GradeStatus::Graded);
        if graded && grade.tests.iter().filter(|t| t.not_run.is_none()).all(|t| t.passed()) {
            self.survived += 1;
        } else if caught.is_empty() && !unnamed.is_empty() {
            self.unnamed += 1;
        } else if caught.is_empty() && grade.inconclusive() > 0 {
            self.unjudged += 1;
        }
        for id in caught {
            *self.caught_by.entry(id.clone()).or_default() += 1;
        }
        for id in unnamed {
            *self.failed_unnamed.entry(id.clone()).or_default() += 1;
        }
        self.last_score = (grade.points(), grade.max_points());
    }

    /// Rounds in which some test caught it (or it did not build).
    pub fn caught_rounds(&self) -> usize {
        self.rounds - self.survived - self.unjudged - self.unnamed
    }
}

/// The seed of round `round` (from 0) of a matrix graded with `--seed seed`: round 0 takes
/// `seed` itself (so a one-round matrix is the grade `--seed seed` gives), every further round a
/// seed derived from it, so that rounds differ as grader runs with different `--seed`s do, and
/// the whole matrix still repeats. Without a seed every run draws its own, round after round.
fn round_seed(seed: Option<u64>, round: usize) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let seed = seed?;
    if round == 0 {
        return Some(seed);
    }
    // std's `DefaultHasher::new()` has fixed keys: the same seed and round give the same result.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (seed, "mutant round", round).hash(&mut hasher);
    // As short as the runs' own seeds, to read and type.
    Some(hasher.finish() % 1_000_000_000)
}

/// Grades every mutant `rounds` times: round 0 with `options.seed`, every further round with a
/// seed derived from it (none without one); calls `each` after each grading with the round and
/// the seed it ran with (for progress). With `stop_at_first_catch`, grading a stub mutant stops
/// at the first failure that names it (the tests left do not run): it is caught, and the matrix
/// shows that test alone.
pub fn run(
    options: &GradeOptions,
    mutants: &[Mutant],
    rounds: usize,
    stop_at_first_catch: bool,
    mut each: impl FnMut(&Mutant, usize, Option<u64>, &Grade),
) -> Result<BTreeMap<String, MutantRecord>, String> {
    let mut records = BTreeMap::new();
    for mutant in mutants {
        let dir = tempfile_dir(&mutant.name)?;
        let made = mutant.materialize(&options.reference, &dir);
        let record: &mut MutantRecord = records.entry(mutant.name.clone()).or_default();
        if let Err(e) = made {
            record.error = Some(e);
            let _ = fs::remove_dir_all(&dir);
            continue;
        }
        let must_show = mutant.must_show();
        let mut options = options.clone();
        let given_seed = options.seed;
        if stop_at_first_catch {
            options.stop_when_a_failure_shows = must_show.clone();
        }
        for round in 0..rounds.max(1) {
            // Every round its own seeds: the same seed would replay a simulated run exactly, and
            // ten rounds would be one run counted ten times.
            options.seed = round_seed(given_seed, round);
            let grade = grade_submission(&dir, &options)
                .map_err(|e| format!("grading mutant {}: {e}", mutant.name))?;
            record.add(&grade, must_show.as_deref());
            each(mutant, round, options.seed, &grade);
        }
        let _ = fs::remove_dir_all(&dir);
    }
    Ok(records)
}

/// A fresh directory under the system's temporary directory.
fn tempfile_dir(name: &str) -> Result<PathBuf, String> {
    let name: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let dir = std::env::temp_dir().join(format!("grade-mutant-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// The matrix as text: one block per mutant with its score, how often it was caught and by
/// which tests; the grid of the search tests among `tests` (see [`search_grid`]); then the
/// verdict.
pub fn render(mutants: &[Mutant], records: &BTreeMap<String, MutantRecord>, tests: &[RubricTest]) -> String {
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
        let _ = write!(
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
        if !record.failed_unnamed.is_empty() {
            let unnamed: Vec<&str> = record.failed_unnamed.keys().map(|id| id.name.as_str()).collect();
            let _ = write!(out, "; {} more failed without naming it: {}", unnamed.len(), unnamed.join(", "));
        }
        let _ = writeln!(out);
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
    out.push_str(&search_grid(mutants, records, tests));
    for mutant in mutants {
        let _ = writeln!(out, "{}: {}", mutant.name, mutant.description);
    }
    let unjudged: Vec<&str> = mutants
        .iter()
        .filter(|m| records.get(&m.name).is_some_and(|r| r.unjudged > 0))
        .map(|m| m.name.as_str())
        .collect();
    let unnamed: Vec<&str> = mutants
        .iter()
        .filter(|m| records.get(&m.name).is_some_and(|r| r.unnamed > 0))
        .map(|m| m.name.as_str())
        .collect();
    let _ = writeln!(out);
    if !unnamed.is_empty() {
        let _ = writeln!(
            out,
            "NOT NAMED (in some round tests failed, but no failure said which function is missing; a stub's \
             \"not implemented\" must reach the failure): {}",
            unnamed.join(", ")
        );
    }
    if !unjudged.is_empty() {
        let _ = writeln!(
            out,
            "INCONCLUSIVE (a round caught nothing, and the machine was too busy to judge some tests; grade them \
             again on a quieter machine): {}",
            unjudged.join(", ")
        );
    }
    if survivors.is_empty() && unjudged.is_empty() && unnamed.is_empty() {
        let _ = writeln!(out, "Every mutant was caught in every round.");
    } else if survivors.is_empty() {
        let _ = writeln!(out, "No mutant survived a judged round.");
    } else {
        let _ =
            writeln!(out, "SURVIVED (in some round every test that ran passed): {}", survivors.join(", "));
        if !sometimes.is_empty() {
            let _ = writeln!(out, "caught only sometimes (needs a stronger test): {}", sometimes.join(", "));
        }
    }
    out
}

/// The search tests of `tests` (category SEARCH) against the mutants, one column each (`S1`,
/// `S2`... named below the grid): in each cell the rounds in which the test caught the mutant,
/// over the rounds it ran (`1/1`, `0/1`), or `-` if it never ran for that mutant. Empty when
/// `tests` has no search test.
pub fn search_grid(
    mutants: &[Mutant],
    records: &BTreeMap<String, MutantRecord>,
    tests: &[RubricTest],
) -> String {
    let search: Vec<&TestId> =
        tests.iter().filter(|t| t.categories.contains(&Category::Search)).map(|t| &t.id).collect();
    if search.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let width = mutants.iter().map(|m| m.name.len()).max().unwrap_or(10).max("mutant".len());
    let _ =
        writeln!(out, "Search tests [SEARCH]: rounds each caught the mutant / rounds it ran (-: never ran)");
    let _ = write!(out, "{:width$}", "mutant");
    for index in 0..search.len() {
        let _ = write!(out, "  {:>5}", format!("S{}", index + 1));
    }
    let _ = writeln!(out);
    for mutant in mutants {
        let Some(record) = records.get(&mutant.name) else { continue };
        let _ = write!(out, "{:width$}", mutant.name);
        for id in &search {
            let cell = match record.ran.get(*id).copied().unwrap_or(0) {
                0 => "-".to_string(),
                ran => format!("{}/{ran}", record.caught_by.get(*id).copied().unwrap_or(0)),
            };
            let _ = write!(out, "  {cell:>5}");
        }
        let _ = writeln!(out);
    }
    for (index, id) in search.iter().enumerate() {
        let _ = write!(out, "S{} = {id}", index + 1);
        // Why it did not run, for the mutants whose grading did not run it (all, as a rule).
        let not_run: Vec<(&str, &String)> = mutants
            .iter()
            .filter_map(|m| Some((m.name.as_str(), records.get(&m.name)?.not_run.get(*id)?)))
            .collect();
        if let Some((_, reason)) = not_run.first() {
            let graded = mutants.iter().filter(|m| records.contains_key(&m.name)).count();
            let names: Vec<&str> = not_run.iter().map(|(name, _)| *name).collect();
            let _ = match not_run.len() == graded {
                true => write!(out, " (not run: {reason})"),
                false => write!(out, " (not run for {}: {reason})", names.join(", ")),
            };
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out);
    out
}

/// The matrix as CSV: a row per mutant, a column per test, cells = rounds in which the test
/// caught the mutant, empty if the test never ran for that mutant (its suite graded in a mode the
/// grading did not run, or a stub's grading stopped at its first catch).
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
            match record.ran.get(id) {
                Some(_) => {
                    let _ = write!(out, ",{}", record.caught_by.get(id).copied().unwrap_or(0));
                }
                None => out.push(','),
            }
        }
        out.push('\n');
    }
    out
}

/// Whether any mutant survived a round or could not be graded.
pub fn any_survived(records: &BTreeMap<String, MutantRecord>) -> bool {
    records.values().any(|r| r.survived > 0 || r.error.is_some())
}

/// Whether any stub mutant had a round in which tests failed but none named it.
pub fn any_unnamed(records: &BTreeMap<String, MutantRecord>) -> bool {
    records.values().any(|r| r.unnamed > 0)
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

    #[test]
    fn every_round_of_a_seeded_matrix_has_a_seed_of_its_own_and_repeats() {
        assert_eq!(round_seed(Some(42), 0), Some(42), "round 1 is the grade --seed 42 gives");
        let seeds: Vec<u64> = (0..10).map(|r| round_seed(Some(42), r).unwrap()).collect();
        let distinct: std::collections::BTreeSet<u64> = seeds.iter().copied().collect();
        assert_eq!(distinct.len(), 10, "ten rounds, ten seeds: {seeds:?}");
        let again: Vec<u64> = (0..10).map(|r| round_seed(Some(42), r).unwrap()).collect();
        assert_eq!(seeds, again, "the same --seed gives the same rounds");
        assert_ne!(round_seed(Some(43), 1), round_seed(Some(42), 1));
        assert_eq!(round_seed(None, 3), None, "without --seed every run draws its own");
    }

    /// A grade of one mutant round: one test per verdict.
    fn round(verdicts: &[RunVerdict]) -> Grade {
        let quiet: Vec<(RunVerdict, &str)> = verdicts.iter().map(|v| (v.clone(), "")).collect();
        round_with_output(&quiet)
    }

    /// A grade of one mutant round: one test per verdict, each run with this one line of output.
    fn round_with_output(verdicts: &[(RunVerdict, &str)]) -> Grade {
        let tests = verdicts
            .iter()
            .enumerate()
            .map(|(index, (verdict, output))| TestOutcome {
                test: RubricTest {
                    id: TestId { suite: "viewservice".into(), name: format!("t{index}") },
                    description: String::new(),
                    points: 1,
                    categories: vec![Category::Run],
                    timeout: Duration::from_secs(1),
                },
                runs: vec![RunResult::with_verdict(
                    verdict.clone(),
                    Duration::ZERO,
                    1,
                    vec![output.to_string()],
                )],
                runs_wanted: 1,
                not_run: None,
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
            modes: vec![crate::outcome::RunMode::Real],
            jobs: 1,
        }
    }

    #[test]
    fn an_inconclusive_test_neither_catches_a_mutant_nor_lets_it_survive() {
        let starved = RunVerdict::Inconclusive { reason: "starved".into() };
        let failed = RunVerdict::Failed(Failure::TestFailed { hint: None });
        let mut record = MutantRecord::default();
        record.add(&round(&[RunVerdict::Passed, starved.clone()]), None);
        assert_eq!((record.survived, record.unjudged, record.caught_rounds()), (0, 1, 0));
        assert!(record.caught_by.is_empty(), "{:?}", record.caught_by);
        record.add(&round(&[failed, starved]), None);
        assert_eq!((record.unjudged, record.caught_rounds()), (1, 1));
        assert_eq!(record.caught_by.keys().map(|id| id.name.as_str()).collect::<Vec<_>>(), ["t0"]);
        let records = BTreeMap::from([("m".to_string(), record)]);
        assert!(any_unjudged(&records) && !any_survived(&records));
        let mutant =
            Mutant { name: "m".into(), description: "d".into(), plant: Plant::Patch(PathBuf::new()) };
        assert!(render(&[mutant], &records, &[]).contains("INCONCLUSIVE (a round caught nothing"));
    }

    #[test]
    fn a_stub_is_caught_only_by_a_failure_that_names_it() {
        let failed = RunVerdict::Failed(Failure::TestFailed { hint: None });
        let named = "s1's thread s1-tick panicked: not implemented: PbServer::tick: ping the view service";
        let other = "thread 't1' panicked at tests/a.rs:3:5: view 1 never came";
        let longer = "not implemented: PbServer::tick_all: a function whose name starts the same";
        let must_show = Some("not implemented: PbServer::tick:");
        let mut record = MutantRecord::default();
        record.add(&round_with_output(&[(failed.clone(), other), (failed.clone(), longer)]), must_show);
        assert_eq!((record.unnamed, record.survived, record.caught_rounds()), (1, 0, 0));
        assert!(record.caught_by.is_empty(), "{:?}", record.caught_by);
        record.add(&round_with_output(&[(failed.clone(), other), (failed, named)]), must_show);
        assert_eq!((record.unnamed, record.caught_rounds()), (1, 1));
        assert_eq!(record.caught_by.keys().map(|id| id.name.as_str()).collect::<Vec<_>>(), ["t1"]);
        assert_eq!(record.failed_unnamed.values().collect::<Vec<_>>(), [&2, &1]);
        let records = BTreeMap::from([("stub:pbservice::PbServer::tick".to_string(), record)]);
        assert!(any_unnamed(&records) && !any_survived(&records) && !any_unjudged(&records));
        let site = StubSite {
            file: "pbservice/src/server.rs".into(),
            krate: "pbservice".into(),
            line: 184,
            function: "PbServer::tick".into(),
            message: "PbServer::tick: ping the view service".into(),
        };
        let mutant = Mutant {
            name: "stub:pbservice::PbServer::tick".into(),
            description: "d".into(),
            plant: Plant::Stub(site),
        };
        assert_eq!(mutant.must_show().as_deref(), must_show);
        let text = render(&[mutant], &records, &[]);
        assert!(
            text.contains("NOT NAMED (in some round") && !text.contains("Every mutant was caught"),
            "{text}"
        );
        assert!(text.contains("1 test(s): t1(1); 2 more failed without naming it: t0, t1"), "{text}");
    }

    #[test]
    fn the_search_tests_are_columns_of_a_grid_and_of_the_csv() {
        let failed = RunVerdict::Failed(Failure::TestFailed { hint: None });
        let search = |grade: &mut Grade, index: usize, not_run: Option<&str>| {
            let test = &mut grade.tests[index];
            test.test.id = TestId { suite: "pbservice_search".into(), name: format!("s{index}") };
            test.test.categories = vec![Category::Search, Category::Crash];
            if let Some(reason) = not_run {
                (test.runs, test.runs_wanted, test.not_run) = (Vec::new(), 0, Some(reason.to_string()));
            }
        };
        // Both modes: s1 and s2 ran; s1 caught the first mutant, neither the second.
        let mut first = round(&[failed.clone(), failed.clone(), RunVerdict::Passed]);
        search(&mut first, 1, None);
        search(&mut first, 2, None);
        let mut second = round(&[failed.clone(), RunVerdict::Passed, RunVerdict::Passed]);
        search(&mut second, 1, None);
        search(&mut second, 2, None);
        // Real threads only: the search tests did not run.
        let reason = "graded in simulation mode only; this grade ran real threads only (--mode real)";
        let mut third = round(&[failed, RunVerdict::Passed, RunVerdict::Passed]);
        search(&mut third, 1, Some(reason));
        search(&mut third, 2, Some(reason));
        let tests: Vec<RubricTest> = first.tests.iter().map(|t| t.test.clone()).collect();
        let mut records = BTreeMap::new();
        for (name, grade) in [("pb_first", &first), ("pb_second", &second), ("pb_third", &third)] {
            records.entry(name.to_string()).or_insert_with(MutantRecord::default).add(grade, None);
        }
        let mutants: Vec<Mutant> = ["pb_first", "pb_second", "pb_third"]
            .iter()
            .map(|name| Mutant {
                name: name.to_string(),
                description: "d".into(),
                plant: Plant::Patch(PathBuf::new()),
            })
            .collect();
        let grid = search_grid(&mutants, &records, &tests);
        let expected = "\
Search tests [SEARCH]: rounds each caught the mutant / rounds it ran (-: never ran)
mutant        S1     S2
pb_first     1/1    0/1
pb_second    0/1    0/1
pb_third       -      -
S1 = pbservice_search::s1 (not run for pb_third: graded in simulation mode only; this grade ran real threads \
only (--mode real))
S2 = pbservice_search::s2 (not run for pb_third: graded in simulation mode only; this grade ran real threads \
only (--mode real))
";
        assert!(grid.starts_with(expected), "{grid}");
        assert!(render(&mutants, &records, &tests).contains(expected));
        assert_eq!(search_grid(&mutants, &records, &tests[..1]), "", "no search test, no grid");

        // Tests the grading did not run caught nothing: a mutant only they could catch survived.
        let mut fourth = round(&[RunVerdict::Passed, RunVerdict::Passed, RunVerdict::Passed]);
        search(&mut fourth, 1, Some(reason));
        search(&mut fourth, 2, Some(reason));
        let mut record = MutantRecord::default();
        record.add(&fourth, None);
        assert_eq!((record.survived, record.caught_rounds()), (1, 0), "{record:?}");
        assert!(!fourth.is_perfect(), "not full marks: the search tests were not run");

        let ids: Vec<TestId> = tests.iter().map(|t| t.id.clone()).collect();
        let csv = matrix_csv(&mutants, &records, &ids);
        assert_eq!(
            csv,
            "mutant,rounds,survived,viewservice::t0,pbservice_search::s1,pbservice_search::s2\n\
             pb_first,1,0,1,1,0\npb_second,1,0,1,0,0\npb_third,1,0,1,,\n"
        );
    }

    #[test]
    fn the_stub_mutants_are_the_regions_the_handout_stubs() {
        let reference = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let mutants = stubs(&reference, &[]).unwrap();
        let sites = stub_mutants::sites(&reference).unwrap();
        assert_eq!(mutants.len(), sites.len());
        for (mutant, site) in mutants.iter().zip(&sites) {
            assert_eq!(mutant.plant, Plant::Stub(site.clone()));
            assert!(
                mutant.name.starts_with("stub:") && mutant.name.contains(&site.function),
                "{}",
                mutant.name
            );
        }
        let only = stubs(&reference, &["ViewServer::".to_string()]).unwrap();
        let names: Vec<&str> = only.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "stub:viewservice::ViewServer::ping",
                "stub:viewservice::ViewServer::get",
                "stub:viewservice::ViewServer::tick"
            ]
        );
    }
}
