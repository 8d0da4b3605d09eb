//! Running many test runs on `--jobs` parallel slots: each test in every mode built for its
//! suite (real first; a suite graded in simulation mode only has a simulated binary alone),
//! longest tests first (by timeout), runs of a test spread over the slots, and no further runs
//! of a test once one of its runs did not pass (failed, or was inconclusive however many
//! attempts it had: see [`crate::attempts`]). If asked, no further test at all once a failed run
//! shows a given text (a stub mutant is caught).

use std::collections::hash_map::{DefaultHasher, RandomState};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::hash::{BuildHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use crate::outcome::{RunMode, RunResult, TestOutcome};
use crate::progress::Progress;
use crate::rubric::{Limits, RubricTest, TestId};
use crate::runner::{run_test, RunSpec};
use crate::sandbox::Sandbox;

/// Each mode's test binaries, by suite.
pub type Executables = BTreeMap<RunMode, BTreeMap<String, PathBuf>>;

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The tests, in report order.
    pub tests: Vec<RubricTest>,
    /// Mode → suite → its binary: a test runs in each mode whose map has its suite (a suite
    /// graded in one mode is in that mode's map only). Every test's suite is in some map.
    pub executables: Executables,
    /// Runs per test in each mode; all must pass.
    pub runs: usize,
    /// Parallel processes.
    pub jobs: usize,
    /// Seeds: derived from this when given, random otherwise.
    pub seed: Option<u64>,
    /// Every timeout is multiplied by this.
    pub timeout_scale: f64,
    /// Extra environment for every test process.
    pub env: Vec<(String, String)>,
    /// Resource limits (for messages).
    pub limits: Limits,
    /// Where runs stage the report pages of failed tests; `None`: tests write none.
    pub reports: Option<PathBuf>,
    /// Start no further run once a failed run shows this text ([`RunResult::shows`]); the tests
    /// left have no runs.
    pub stop_when_a_failure_shows: Option<String>,
}

impl Plan {
    /// The modes the tests of `suite` run in: those with a binary of it, real first.
    pub fn modes_of(&self, suite: &str) -> Vec<RunMode> {
        self.executables
            .iter()
            .filter(|(_, binaries)| binaries.contains_key(suite))
            .map(|(m, _)| *m)
            .collect()
    }

    /// Runs of `test`, in all its modes together: the real runs are numbered first, then the
    /// simulated ones.
    pub fn runs_wanted(&self, test: &RubricTest) -> usize {
        self.runs.max(1) * self.modes_of(&test.id.suite).len()
    }

    /// Runs of every test together.
    pub fn total_runs(&self) -> usize {
        self.tests.iter().map(|t| self.runs_wanted(t)).sum()
    }

    /// The mode of run `run` of a test of `suite` (numbered across its modes) and its binary,
    /// `None` past its last run.
    pub fn binary(&self, run: usize, suite: &str) -> Option<(RunMode, &Path)> {
        let mode = *self.modes_of(suite).get(run / self.runs.max(1))?;
        Some((mode, self.executables.get(&mode)?.get(suite)?))
    }

    /// Every run to make, in the order the slots take them: first run of every test (longest
    /// timeout first), then every second run, and so on.
    pub fn queue(&self) -> VecDeque<(usize, usize)> {
        let mut order: Vec<usize> = (0..self.tests.len()).collect();
        order.sort_by(|&a, &b| self.tests[b].timeout.cmp(&self.tests[a].timeout).then(a.cmp(&b)));
        let wanted: Vec<usize> = self.tests.iter().map(|t| self.runs_wanted(t)).collect();
        let most = wanted.iter().copied().max().unwrap_or(0);
        let wanted = &wanted;
        (0..most)
            .flat_map(|run| order.iter().filter(move |&&t| run < wanted[t]).map(move |&t| (t, run)))
            .collect()
    }

    /// The seed of run `run` of `id`.
    pub fn seed_for(&self, id: &TestId, run: usize, random: &RandomState) -> u64 {
        let mut hasher = match self.seed {
            Some(_) => DefaultHasher::new(),
            None => random.build_hasher(),
        };
        (self.seed, id, run).hash(&mut hasher);
        // Keep seeds short enough to read and type.
        hasher.finish() % 1_000_000_000
    }
}

enum Event {
    Started(usize, usize),
    Skipped,
    Finished(usize, usize, usize, RunResult),
}

/// Runs the plan; returns one outcome per test, in plan order.
pub fn run_all(plan: &Plan, sandbox: &Sandbox, runs_dir: &Path, progress: &mut Progress) -> Vec<TestOutcome> {
    let queue = Arc::new(Mutex::new(plan.queue()));
    let failed: Arc<Mutex<BTreeSet<usize>>> = Arc::new(Mutex::new(BTreeSet::new()));
    let stopped = AtomicBool::new(false);
    let random = RandomState::new();
    let (events, received) = mpsc::channel();
    let mut results: Vec<Vec<(usize, RunResult)>> = vec![Vec::new(); plan.tests.len()];

    std::thread::scope(|scope| {
        for slot in 0..plan.jobs.max(1) {
            let (queue, failed, events, random, stopped) =
                (Arc::clone(&queue), Arc::clone(&failed), events.clone(), &random, &stopped);
            scope.spawn(move || loop {
                let next = queue.lock().expect("queue lock").pop_front();
                let Some((t, run)) = next else { break };
                if stopped.load(Ordering::SeqCst) || failed.lock().expect("failed lock").contains(&t) {
                    let _ = events.send(Event::Skipped);
                    continue;
                }
                let test = &plan.tests[t];
                let Some((mode, exe)) = plan.binary(run, &test.id.suite) else {
                    // Never: the queue holds a test's runs only while it has a binary for them.
                    let _ = events.send(Event::Skipped);
                    continue;
                };
                let _ = events.send(Event::Started(slot, t));
                let scaled = test.timeout.mul_f64(plan.timeout_scale.max(0.01));
                let spec = RunSpec {
                    test,
                    mode,
                    exe,
                    seed: plan.seed_for(&test.id, run, random),
                    timeout: scaled,
                    env: &plan.env,
                    run,
                    reports: plan.reports.as_deref(),
                };
                let result = run_test(sandbox, slot, runs_dir, &spec, &plan.limits);
                if !result.passed() {
                    failed.lock().expect("failed lock").insert(t);
                }
                let stop = plan.stop_when_a_failure_shows.as_deref();
                if result.failure().is_some() && stop.is_some_and(|text| result.shows(text)) {
                    stopped.store(true, Ordering::SeqCst);
                }
                let _ = events.send(Event::Finished(slot, t, run, result));
            });
        }
        drop(events);
        loop {
            match received.recv_timeout(Progress::TICK) {
                Ok(Event::Started(slot, t)) => progress.started(slot, &plan.tests[t].id),
                Ok(Event::Skipped) => progress.skipped(1),
                Ok(Event::Finished(slot, t, run, result)) => {
                    let runs = plan.runs_wanted(&plan.tests[t]);
                    progress.finished(slot, &plan.tests[t].id, run, runs, &result);
                    results[t].push((run, result));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => progress.redraw(),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
    });
    progress.finish();

    plan.tests
        .iter()
        .zip(results)
        .map(|(test, mut runs)| {
            runs.sort_by_key(|(run, _)| *run);
            TestOutcome {
                test: test.clone(),
                runs: runs.into_iter().map(|(_, r)| r).collect(),
                runs_wanted: plan.runs_wanted(test),
                not_run: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::rubric::Category;

    fn test(suite: &str, name: &str, timeout_secs: u64) -> RubricTest {
        RubricTest {
            id: TestId { suite: suite.into(), name: name.into() },
            description: String::new(),
            points: 1,
            categories: vec![Category::Run],
            timeout: Duration::from_secs(timeout_secs),
        }
    }

    /// A plan of two tests, `runs` runs each: `viewservice` built in both modes,
    /// `pbservice_search` in the simulated build alone (a suite graded in simulation mode only).
    fn plan(runs: usize) -> Plan {
        let binary = |path: &str| PathBuf::from(path);
        Plan {
            tests: vec![test("viewservice", "first_primary", 10), test("pbservice_search", "search", 100)],
            executables: Executables::from([
                (RunMode::Real, BTreeMap::from([("viewservice".to_string(), binary("real/vs"))])),
                (
                    RunMode::Simulated,
                    BTreeMap::from([
                        ("viewservice".to_string(), binary("sim/vs")),
                        ("pbservice_search".to_string(), binary("sim/search")),
                    ]),
                ),
            ]),
            runs,
            jobs: 1,
            seed: Some(1),
            timeout_scale: 1.0,
            env: Vec::new(),
            limits: Limits::default(),
            reports: None,
            stop_when_a_failure_shows: None,
        }
    }

    #[test]
    fn a_simulated_only_suite_runs_only_in_simulated_mode() {
        let plan = plan(2);
        assert_eq!(plan.modes_of("viewservice"), RunMode::BOTH);
        assert_eq!(plan.modes_of("pbservice_search"), [RunMode::Simulated]);
        assert_eq!((plan.runs_wanted(&plan.tests[0]), plan.runs_wanted(&plan.tests[1])), (4, 2));
        assert_eq!(plan.total_runs(), 6);
        let modes = |suite: &str, runs: usize| -> Vec<Option<(RunMode, PathBuf)>> {
            (0..runs).map(|run| plan.binary(run, suite).map(|(m, p)| (m, p.to_path_buf()))).collect()
        };
        let (real, sim) =
            (Some((RunMode::Real, "real/vs".into())), Some((RunMode::Simulated, "sim/vs".into())));
        assert_eq!(modes("viewservice", 5), [real.clone(), real, sim.clone(), sim, None]);
        let search = Some((RunMode::Simulated, PathBuf::from("sim/search")));
        assert_eq!(modes("pbservice_search", 3), [search.clone(), search, None]);
        // Longest first, and a test's runs only while it has them.
        assert_eq!(plan.queue(), [(1, 0), (0, 0), (1, 1), (0, 1), (0, 2), (0, 3)]);
    }

    #[test]
    fn a_suite_with_no_binary_has_no_run() {
        let mut plan = plan(1);
        plan.executables.remove(&RunMode::Simulated);
        assert_eq!(plan.runs_wanted(&plan.tests[1]), 0);
        assert_eq!(plan.binary(0, "pbservice_search"), None);
        assert_eq!(plan.queue(), [(0, 0)]);
    }
}
