//! Running many test runs on `--jobs` parallel slots: longest tests first (by timeout), runs of
//! a test spread over the slots, and no further runs of a test once one of its runs did not pass
//! (failed, or was inconclusive however many attempts it had: see [`crate::attempts`]). If asked,
//! no further test at all once a failed run shows a given text (a stub mutant is caught).

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
    /// Mode → suite → its binary: every test runs in each mode the map has.
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
    /// Runs per test, in all modes together: the real runs are numbered first, then the
    /// simulated ones.
    pub fn runs_wanted(&self) -> usize {
        self.runs.max(1) * self.executables.len().max(1)
    }

    /// The mode of run `run` (numbered across modes) and its binary for `suite`.
    fn binary(&self, run: usize, suite: &str) -> (RunMode, &Path) {
        let (mode, binaries) =
            self.executables.iter().nth(run / self.runs.max(1)).expect("a run of a mode the plan has");
        (*mode, &binaries[suite])
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
    let mut order: Vec<usize> = (0..plan.tests.len()).collect();
    order.sort_by(|&a, &b| plan.tests[b].timeout.cmp(&plan.tests[a].timeout).then(a.cmp(&b)));
    let queue: VecDeque<(usize, usize)> =
        (0..plan.runs_wanted()).flat_map(|run| order.iter().map(move |&t| (t, run))).collect();
    let queue = Arc::new(Mutex::new(queue));
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
                let _ = events.send(Event::Started(slot, t));
                let scaled = test.timeout.mul_f64(plan.timeout_scale.max(0.01));
                let (mode, exe) = plan.binary(run, &test.id.suite);
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
                    progress.finished(slot, &plan.tests[t].id, run, plan.runs_wanted(), &result);
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
                runs_wanted: plan.runs_wanted(),
            }
        })
        .collect()
}
