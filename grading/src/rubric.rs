//! The rubric (`grading/rubric.toml`): which tests are graded, what each is worth, how long it
//! may take, and the resource limits of a test process. It is the single source of truth for
//! the grader's table, its JSON and JUnit output, and the check that rubric and suites agree.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::run_mode::RunMode;

/// Where the rubric lives, relative to the reference workspace.
pub const RUBRIC_PATH: &str = "grading/rubric.toml";

/// The longest timeout a rubric may give one test.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(600);

/// What kind of scenario a test exercises, as DSLabs labels them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Category {
    /// A reliable network, no failures.
    Run,
    /// Calls are dropped or lose their replies.
    Unreliable,
    /// Nodes are cut off from each other.
    Partition,
    /// Servers are killed (and perhaps restarted).
    Crash,
    /// A search test: many short seeded simulated executions with faults, each checked
    /// (linearizability, progress). Its suite is graded in simulation mode only.
    Search,
}

impl Category {
    /// Every category, in the order the rubric's comment lists them.
    pub const ALL: [Category; 5] =
        [Category::Run, Category::Unreliable, Category::Partition, Category::Crash, Category::Search];
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Category::Run => "RUN",
            Category::Unreliable => "UNRELIABLE",
            Category::Partition => "PARTITION",
            Category::Crash => "CRASH",
            Category::Search => "SEARCH",
        })
    }
}

/// A test's stable id: the suite (a test binary of `labtests`, e.g. `viewservice`) and the
/// test function's name. Written `suite::name`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TestId {
    /// The test binary, named after its file in `tests/tests/`.
    pub suite: String,
    /// The `#[test]` function's name, as `--exact` wants it.
    pub name: String,
}

impl TestId {
    /// Parses `suite::name`.
    pub fn parse(text: &str) -> Result<TestId, String> {
        let (suite, name) = text
            .split_once("::")
            .ok_or_else(|| format!("test id {text:?} is not of the form suite::name"))?;
        let valid =
            |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid(suite) || !valid(name) {
            return Err(format!("test id {text:?}: suite and name must be non-empty snake_case identifiers"));
        }
        Ok(TestId { suite: suite.to_string(), name: name.to_string() })
    }
}

impl fmt::Display for TestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.suite, self.name)
    }
}

/// Resource limits of one test process. They bind for real only under an unprivileged uid or a
/// sandbox (see [`crate::sandbox`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Address space (`RLIMIT_AS`), in MiB. The reference peaks near 1 GiB of address space,
    /// most of it malloc arenas reserved but never touched.
    pub memory_mib: u64,
    /// Threads and processes (`RLIMIT_NPROC`) of the test's own user. The reference peaks near 20.
    pub threads: u64,
    /// Largest file a test may write (`RLIMIT_FSIZE`), its captured output included, in MiB.
    pub output_mib: u64,
    /// Open file descriptors (`RLIMIT_NOFILE`).
    pub open_files: u64,
    /// Total size of the test's run directory, in MiB (see [`crate::run_dir_usage`]).
    #[serde(default = "default_disk_mib")]
    pub disk_mib: u64,
    /// Files and directories in the test's run directory.
    #[serde(default = "default_disk_entries")]
    pub disk_entries: u64,
}

fn default_disk_mib() -> u64 {
    256
}

fn default_disk_entries() -> u64 {
    10_000
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            memory_mib: 4096,
            threads: 1024,
            output_mib: 64,
            open_files: 1024,
            disk_mib: default_disk_mib(),
            disk_entries: default_disk_entries(),
        }
    }
}

/// A graded suite: one test binary of `labtests`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suite {
    /// The binary's name (its file in `tests/tests/` without `.rs`).
    pub name: String,
    /// The heading the table shows above the suite's tests.
    pub title: String,
    /// The part of the lab it grades: `"View service"` or `"Primary/backup"`.
    pub part: String,
    /// The modes its tests are graded in (see [`crate::run_mode`]): both unless the rubric says
    /// `modes = ["simulated"]` (a suite that exists only in simulation mode, such as the search
    /// tests: its plain build lists no test) or `["real"]`. Never empty.
    pub modes: BTreeSet<RunMode>,
}

impl Suite {
    /// Whether its tests are graded in one mode only, and which (`None`: both).
    pub fn only_mode(&self) -> Option<RunMode> {
        match self.modes.iter().collect::<Vec<_>>().as_slice() {
            [mode] => Some(**mode),
            _ => None,
        }
    }
}

/// One graded test.
#[derive(Clone, Debug, PartialEq)]
pub struct RubricTest {
    /// Its stable id.
    pub id: TestId,
    /// One line saying what it shows, for students.
    pub description: String,
    /// What passing it is worth.
    pub points: u32,
    /// The scenarios it exercises.
    pub categories: Vec<Category>,
    /// How long one run may take before its process group is killed.
    pub timeout: Duration,
}

impl RubricTest {
    /// `[RUN] [CRASH]`.
    pub fn category_labels(&self) -> String {
        self.categories.iter().map(|c| format!("[{c}]")).collect::<Vec<_>>().join(" ")
    }
}

/// A test of a graded suite that is deliberately not graded, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ungraded {
    /// Its id.
    pub id: TestId,
    /// Why it is not graded (e.g. it tests the checker, not the submission).
    pub reason: String,
}

/// A test binary of `labtests` that is not graded at all, and why.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoredSuite {
    /// The binary's name.
    pub name: String,
    /// Why it is not graded.
    pub reason: String,
}

/// The whole rubric, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Rubric {
    /// Limits of every test process.
    pub limits: Limits,
    /// The graded suites, in the order the table shows them.
    pub suites: Vec<Suite>,
    /// The graded tests, in rubric order (grouped by suite).
    pub tests: Vec<RubricTest>,
    /// Tests of graded suites that are not graded.
    pub ungraded: Vec<Ungraded>,
    /// Test binaries that are not graded.
    pub ignored_suites: Vec<IgnoredSuite>,
}

/// Why a rubric could not be used.
#[derive(Debug)]
pub enum RubricError {
    /// The file could not be read.
    Read {
        /// The rubric's path.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the rubric's shape.
    Parse {
        /// The rubric's path.
        path: PathBuf,
        /// The parser's message, with the line.
        message: String,
    },
    /// The file parses but breaks a rule (duplicate ids, no points, unknown suite...).
    Invalid {
        /// The rubric's path.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<String>,
    },
}

impl fmt::Display for RubricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RubricError::Read { path, source } => {
                write!(f, "cannot read the rubric {}: {source}", path.display())
            }
            RubricError::Parse { path, message } => {
                write!(f, "the rubric {} is not valid: {message}", path.display())
            }
            RubricError::Invalid { path, problems } => {
                writeln!(f, "the rubric {} has {} problem(s):", path.display(), problems.len())?;
                for problem in problems {
                    writeln!(f, "  - {problem}")?;
                }
                write!(f, "fix them in the rubric (see the comment at its top)")
            }
        }
    }
}

impl std::error::Error for RubricError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRubric {
    #[serde(default)]
    limits: Option<Limits>,
    #[serde(default)]
    suite: Vec<RawSuite>,
    #[serde(default)]
    test: Vec<RawTest>,
    #[serde(default)]
    ungraded: Vec<RawUngraded>,
    #[serde(default)]
    ignored_suite: Vec<IgnoredSuite>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuite {
    name: String,
    title: String,
    part: String,
    #[serde(default)]
    modes: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    id: String,
    description: String,
    points: u32,
    categories: Vec<Category>,
    timeout_secs: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUngraded {
    id: String,
    reason: String,
}

impl Rubric {
    /// Reads and validates the rubric at `path`.
    pub fn load(path: &Path) -> Result<Rubric, RubricError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| RubricError::Read { path: path.to_path_buf(), source })?;
        Rubric::parse(&text, path)
    }

    /// Reads the rubric of the reference workspace at `reference`.
    pub fn load_from_reference(reference: &Path) -> Result<Rubric, RubricError> {
        Rubric::load(&reference.join(RUBRIC_PATH))
    }

    /// Parses and validates rubric text; `path` only names it in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Rubric, RubricError> {
        let raw: RawRubric = toml::from_str(text)
            .map_err(|e| RubricError::Parse { path: path.to_path_buf(), message: e.to_string() })?;
        let mut problems = Vec::new();
        let suites: Vec<Suite> = raw
            .suite
            .into_iter()
            .map(|s| {
                let modes = suite_modes(&s.name, s.modes.as_deref(), &mut problems);
                Suite { name: s.name, title: s.title, part: s.part, modes }
            })
            .collect();
        let mut suite_names = BTreeSet::new();
        for suite in &suites {
            if !suite_names.insert(suite.name.clone()) {
                problems.push(format!("suite {:?} is declared twice", suite.name));
            }
        }
        let mut seen = BTreeSet::new();
        let mut tests = Vec::new();
        for raw_test in raw.test {
            let id = match TestId::parse(&raw_test.id) {
                Ok(id) => id,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            if !suite_names.contains(&id.suite) {
                problems.push(format!("{id}: suite {:?} has no [[suite]] entry", id.suite));
            }
            if !seen.insert(id.clone()) {
                problems.push(format!("{id} is listed twice"));
            }
            if raw_test.points == 0 {
                problems.push(format!("{id} is worth 0 points: list it under [[ungraded]] instead"));
            }
            if raw_test.categories.is_empty() {
                let all: Vec<String> = Category::ALL.iter().map(ToString::to_string).collect();
                problems.push(format!("{id} has no categories ({})", all.join(", ")));
            }
            if raw_test.description.trim().is_empty() {
                problems.push(format!("{id} has no description"));
            }
            let timeout = if raw_test.timeout_secs.is_finite() && raw_test.timeout_secs > 0.0 {
                Duration::from_secs_f64(raw_test.timeout_secs)
            } else {
                problems.push(format!("{id}: timeout_secs must be a positive number of seconds"));
                Duration::ZERO
            };
            if timeout > MAX_TIMEOUT {
                problems
                    .push(format!("{id}: timeout_secs is above the maximum of {}", MAX_TIMEOUT.as_secs()));
            }
            tests.push(RubricTest {
                id,
                description: raw_test.description,
                points: raw_test.points,
                categories: raw_test.categories,
                timeout,
            });
        }
        let mut ungraded = Vec::new();
        for raw_ungraded in raw.ungraded {
            match TestId::parse(&raw_ungraded.id) {
                Ok(id) => {
                    if seen.contains(&id) {
                        problems.push(format!("{id} is both graded and ungraded"));
                    }
                    ungraded.push(Ungraded { id, reason: raw_ungraded.reason });
                }
                Err(problem) => problems.push(problem),
            }
        }
        for ignored in &raw.ignored_suite {
            if suite_names.contains(&ignored.name) {
                problems.push(format!("suite {:?} is both graded and ignored", ignored.name));
            }
        }
        for suite in &suites {
            if !tests.iter().any(|t| t.id.suite == suite.name) {
                problems.push(format!("suite {:?} has no graded test", suite.name));
            }
        }
        if tests.is_empty() {
            problems.push("the rubric grades no test".to_string());
        }
        if !problems.is_empty() {
            return Err(RubricError::Invalid { path: path.to_path_buf(), problems });
        }
        // Group tests by suite, in suite order, keeping rubric order within a suite.
        let mut ordered = Vec::with_capacity(tests.len());
        for suite in &suites {
            ordered.extend(tests.iter().filter(|t| t.id.suite == suite.name).cloned());
        }
        Ok(Rubric {
            limits: raw.limits.unwrap_or_default(),
            suites,
            tests: ordered,
            ungraded,
            ignored_suites: raw.ignored_suite,
        })
    }

    /// The modes the tests of `suite` are graded in (both for a suite the rubric does not grade).
    pub fn modes_of(&self, suite: &str) -> BTreeSet<RunMode> {
        self.suite(suite).map(|s| s.modes.clone()).unwrap_or_else(|| BTreeSet::from(RunMode::BOTH))
    }

    /// The points of a perfect score.
    pub fn max_points(&self) -> u32 {
        self.tests.iter().map(|t| t.points).sum()
    }

    /// The graded suite named `name`.
    pub fn suite(&self, name: &str) -> Option<&Suite> {
        self.suites.iter().find(|s| s.name == name)
    }

    /// The graded test with this id.
    pub fn test(&self, id: &TestId) -> Option<&RubricTest> {
        self.tests.iter().find(|t| &t.id == id)
    }

    /// The names of the graded suites, in order.
    pub fn suite_names(&self) -> Vec<String> {
        self.suites.iter().map(|s| s.name.clone()).collect()
    }

    /// Every test name the rubric knows in `suite`, graded or deliberately ungraded.
    pub fn known_names(&self, suite: &str) -> BTreeSet<String> {
        let graded = self.tests.iter().filter(|t| t.id.suite == suite).map(|t| t.id.name.clone());
        let ungraded = self.ungraded.iter().filter(|u| u.id.suite == suite).map(|u| u.id.name.clone());
        graded.chain(ungraded).collect()
    }

    /// Points per part (`"View service"`, `"Primary/backup"`), in suite order.
    pub fn points_by_part(&self) -> Vec<(String, u32)> {
        let mut parts: Vec<(String, u32)> = Vec::new();
        for test in &self.tests {
            let part = self.suite(&test.id.suite).map(|s| s.part.clone()).unwrap_or_default();
            match parts.iter_mut().find(|(p, _)| *p == part) {
                Some((_, points)) => *points += test.points,
                None => parts.push((part, test.points)),
            }
        }
        parts
    }
}

/// The modes of suite `name` from its `modes` setting (absent: both), adding to `problems` for
/// an empty list, an unknown or a repeated mode name.
fn suite_modes(name: &str, modes: Option<&[String]>, problems: &mut Vec<String>) -> BTreeSet<RunMode> {
    let Some(names) = modes else { return BTreeSet::from(RunMode::BOTH) };
    let known: Vec<String> = RunMode::BOTH.iter().map(|m| format!("{:?}", m.option())).collect();
    if names.is_empty() {
        problems.push(format!(
            "suite {name:?}: modes is an empty list: name the modes its tests are graded in ({}), or leave \
             modes out to grade them in both",
            known.join(", ")
        ));
        return BTreeSet::from(RunMode::BOTH);
    }
    let mut found = BTreeSet::new();
    for mode in names {
        match RunMode::parse(mode) {
            Some(parsed) if !found.insert(parsed) => {
                problems.push(format!("suite {name:?}: modes names {mode:?} twice"));
            }
            Some(_) => {}
            None => problems.push(format!(
                "suite {name:?}: unknown mode {mode:?} in modes: the modes are {}",
                known.join(" and ")
            )),
        }
    }
    if found.is_empty() {
        found = BTreeSet::from(RunMode::BOTH);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
[limits]
memory_mib = 1024
threads = 64
output_mib = 8
open_files = 256

[[suite]]
name = "viewservice"
title = "View service"
part = "View service"

[[test]]
id = "viewservice::first_primary"
description = "The first server to ping becomes primary"
points = 2
categories = ["RUN"]
timeout_secs = 10

[[ungraded]]
id = "viewservice::helper"
reason = "not about the submission"

[[ignored_suite]]
name = "linearizability_checker"
reason = "tests the checker"
"#;

    #[test]
    fn a_small_rubric_parses() {
        let rubric = Rubric::parse(SMALL, Path::new("small.toml")).unwrap();
        assert_eq!(rubric.max_points(), 2);
        assert_eq!(rubric.limits.threads, 64);
        assert_eq!(rubric.tests[0].id.to_string(), "viewservice::first_primary");
        assert_eq!(rubric.tests[0].timeout, Duration::from_secs(10));
        assert_eq!(rubric.tests[0].category_labels(), "[RUN]");
        assert_eq!(rubric.known_names("viewservice").len(), 2);
    }

    #[test]
    fn problems_are_all_reported_at_once() {
        let bad = SMALL.replace("points = 2", "points = 0").replace("\"RUN\"", "").replace(
            "[[ungraded]]\nid = \"viewservice::helper\"",
            "[[ungraded]]\nid = \"viewservice::first_primary\"",
        );
        let err = Rubric::parse(&bad, Path::new("bad.toml")).unwrap_err().to_string();
        assert!(err.contains("worth 0 points"), "{err}");
        assert!(err.contains("no categories"), "{err}");
        assert!(err.contains("both graded and ungraded"), "{err}");
    }

    #[test]
    fn unknown_fields_and_categories_are_refused_with_the_line() {
        let err = Rubric::parse(&SMALL.replace("\"RUN\"", "\"FAST\""), Path::new("r.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("FAST") || err.contains("unknown variant"), "{err}");
        let err = Rubric::parse(&SMALL.replace("points = 2", "points = 2\npts = 3"), Path::new("r.toml"))
            .unwrap_err();
        assert!(err.to_string().contains("pts"), "{err}");
    }

    /// [`SMALL`] with a simulated-only suite of search tests.
    fn with_search_suite(modes: &str) -> String {
        format!(
            "{SMALL}
[[suite]]
name = \"pbservice_search\"
title = \"Primary/backup: search\"
part = \"Primary/backup\"
{modes}

[[test]]
id = \"pbservice_search::linearizable_under_crashes\"
description = \"Many seeded simulated executions with crashes, each linearizable\"
points = 12
categories = [\"SEARCH\", \"CRASH\"]
timeout_secs = 120
"
        )
    }

    #[test]
    fn a_suite_graded_in_simulation_mode_only_and_its_search_tests_parse() {
        let rubric =
            Rubric::parse(&with_search_suite("modes = [\"simulated\"]"), Path::new("r.toml")).unwrap();
        let search = rubric.suite("pbservice_search").unwrap();
        assert_eq!(search.modes, BTreeSet::from([RunMode::Simulated]));
        assert_eq!(search.only_mode(), Some(RunMode::Simulated));
        let plain = rubric.suite("viewservice").unwrap();
        assert_eq!(plain.modes, BTreeSet::from(RunMode::BOTH), "absent: both modes");
        assert_eq!(plain.only_mode(), None);
        assert_eq!(rubric.modes_of("pbservice_search"), BTreeSet::from([RunMode::Simulated]));
        let test = rubric.tests.iter().find(|t| t.id.suite == "pbservice_search").unwrap();
        assert_eq!(test.categories, [Category::Search, Category::Crash]);
        assert_eq!(test.category_labels(), "[SEARCH] [CRASH]");
        let both = Rubric::parse(&with_search_suite("modes = [\"real\", \"simulated\"]"), Path::new("r"));
        assert_eq!(both.unwrap().modes_of("pbservice_search"), BTreeSet::from(RunMode::BOTH));
    }

    #[test]
    fn bad_suite_modes_are_errors_naming_the_suite() {
        let error = |modes: &str| {
            Rubric::parse(&with_search_suite(modes), Path::new("r.toml")).unwrap_err().to_string()
        };
        let empty = error("modes = []");
        assert!(empty.contains("suite \"pbservice_search\": modes is an empty list"), "{empty}");
        assert!(empty.contains("leave modes out to grade them in both"), "{empty}");
        let unknown = error("modes = [\"simulation\"]");
        assert!(
            unknown.contains(
                "suite \"pbservice_search\": unknown mode \"simulation\" in modes: the modes are \"real\" and \"simulated\""
            ),
            "{unknown}"
        );
        let twice = error("modes = [\"simulated\", \"simulated\"]");
        assert!(twice.contains("suite \"pbservice_search\": modes names \"simulated\" twice"), "{twice}");
        let not_a_list = error("modes = \"simulated\"");
        assert!(not_a_list.contains("modes") && not_a_list.contains("is not valid"), "{not_a_list}");
    }

    #[test]
    fn the_missing_categories_message_lists_search() {
        let err = Rubric::parse(&SMALL.replace("\"RUN\"", ""), Path::new("r.toml")).unwrap_err().to_string();
        assert!(err.contains("no categories (RUN, UNRELIABLE, PARTITION, CRASH, SEARCH)"), "{err}");
    }

    #[test]
    fn test_ids_must_name_suite_and_test() {
        assert!(TestId::parse("viewservice::first_primary").is_ok());
        assert!(TestId::parse("first_primary").is_err());
        assert!(TestId::parse("a::b::c").is_err());
        assert!(TestId::parse("::b").is_err());
    }
}
