//! Grading one submission: inspect it, check its sources, build it in the scratch workspace,
//! check the rubric against the binaries, run the tests, and return the [`Grade`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::build_exec::BuildLimits;
use crate::build_user;
use crate::compile;
use crate::listing::{self, Mismatch};
use crate::mode_plan;
use crate::outcome::{BuildError, Grade, GradeStatus, RunMode};
use crate::policy;
use crate::progress::{Progress, Style};
use crate::rubric::{Rubric, RubricError, RubricTest};
use crate::sandbox::{Mode, Sandbox, SandboxError, DEFAULT_UID_BASE};
use crate::schedule::{run_all, Executables, Plan};
use crate::scratch::{Scratch, ScratchError};
use crate::stage::Stage;
use crate::submission::{self, Submission, SubmissionError, STUDENT_CRATES};

/// The warning a grade carries when the API check was off: it was not a real grading.
pub const API_CHECK_OFF: &str = "the API check was off (--no-api-check): graded code could use files, \
processes, the environment and threads of its own; this tests the sandbox, it is not a grade";

/// The warning a grade carries when the tests ran in one mode only (`--mode`).
pub fn one_mode_only(mode: RunMode) -> String {
    format!(
        "the tests ran {} only (--mode {}), not in both modes: this is not a full grade",
        match mode {
            RunMode::Real => "on real threads",
            RunMode::Simulated => "in simulation mode",
        },
        mode.option()
    )
}

/// Everything that shapes a grading.
#[derive(Clone, Debug)]
pub struct GradeOptions {
    /// The reference workspace (labrpc, tests, manifests, rubric).
    pub reference: PathBuf,
    /// Its rubric.
    pub rubric: Rubric,
    /// The cache directory (scratch workspace and build cache).
    pub cache: PathBuf,
    /// Parallel test processes.
    pub jobs: usize,
    /// Runs per test in each mode; a test passes only if all pass.
    pub runs: usize,
    /// The modes the tests run in (a set: each once, real first), each with a build of its own
    /// (see [`RunMode`]): a test runs in those of them its suite is graded in (the rubric's
    /// `modes`, both unless it says otherwise) and passes only if it passes in each; a test
    /// graded in none of them is not run and scores 0 (see [`mode_plan`]). Both when grading;
    /// the grader's own tests of its sandbox run real threads only, which saves a build; `make
    /// mutants` can ask for one mode.
    pub modes: BTreeSet<RunMode>,
    /// Only tests whose id contains one of these (all tests when empty).
    pub only: Vec<String>,
    /// Fixed seed for reproducible fault decisions.
    pub seed: Option<u64>,
    /// Multiplies every timeout.
    pub timeout_scale: f64,
    /// Isolation strictness.
    pub sandbox: Mode,
    /// First uid for test processes when root.
    pub uid_base: u32,
    /// Longest allowed build.
    pub build_timeout: Duration,
    /// Pass `--offline` to cargo.
    pub offline: bool,
    /// The limits of cargo and the compilers (see [`crate::build_exec`]).
    pub build_limits: BuildLimits,
    /// Progress display.
    pub progress: Style,
    /// Extra environment for test processes (e.g. `RUST_LOG`).
    pub env: Vec<(String, String)>,
    /// The `grade` binary, which runs inside the sandbox (see [`crate::sandbox::helper_binary`]).
    pub helper: PathBuf,
    /// Run the API check ([`compile::check_api`]) before building. Always on when grading; the
    /// grader's own tests (and `--no-api-check`, for a hostile fixture in `make gradescope-check`)
    /// turn it off to prove that the verdict channel and the sandbox hold by themselves too. Off,
    /// the grade carries the warning [`API_CHECK_OFF`].
    pub api_check: bool,
    /// Run the source check ([`policy::check_sources`]) before building. Always on when grading;
    /// the grader's own tests turn it off to prove that the checks after the compiler (see
    /// [`crate::compiler_reads`]) hold by themselves too.
    pub source_check: bool,
    /// Where to copy the HTML report page of each failed test (`<suite>__<test>.html`, see
    /// [`crate::lab_reports`]); `None`: tests write no page. The `grade` binary always sets it.
    pub reports: Option<PathBuf>,
    /// Stop starting tests once a run failed showing this text (see
    /// [`RunResult::shows`](crate::outcome::RunResult::shows)): the tests left do not run and
    /// earn nothing. For stub mutants, caught as soon as one failure names the stub; `None`
    /// (always, when grading) runs every test.
    pub stop_when_a_failure_shows: Option<String>,
    /// Places test processes must not read besides the reference, the cache and `reports`: a
    /// batch's folder, where results go (see [`crate::exposure`]).
    pub private: Vec<crate::exposure::Private>,
}

impl GradeOptions {
    /// Defaults for grading against the reference workspace at `reference`: its rubric, a cache
    /// in `<reference>/target/grade` (see [`crate::cache_dir`]), one job per core, one run per
    /// test.
    pub fn for_reference(reference: &Path) -> Result<GradeOptions, GradeError> {
        let reference = std::fs::canonicalize(reference).map_err(|e| {
            GradeError::Setup(format!("the reference workspace {}: {e}", reference.display()))
        })?;
        let rubric = Rubric::load_from_reference(&reference).map_err(GradeError::Rubric)?;
        Ok(GradeOptions {
            cache: crate::cache_dir::default_cache(&reference, "grade"),
            reference,
            rubric,
            jobs: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            runs: 1,
            modes: BTreeSet::from(RunMode::BOTH),
            only: Vec::new(),
            seed: None,
            timeout_scale: 1.0,
            sandbox: Mode::Auto,
            uid_base: DEFAULT_UID_BASE,
            build_timeout: Duration::from_secs(20 * 60),
            offline: false,
            build_limits: BuildLimits::default(),
            progress: Style::detect(false),
            env: Vec::new(),
            helper: crate::sandbox::helper_binary().unwrap_or_else(|_| PathBuf::from("grade")),
            reports: None,
            api_check: true,
            source_check: true,
            stop_when_a_failure_shows: None,
            private: Vec::new(),
        })
    }

    /// The rubric tests `--only` selects.
    pub fn selected_tests(&self) -> Vec<RubricTest> {
        self.rubric
            .tests
            .iter()
            .filter(|t| {
                self.only.is_empty() || self.only.iter().any(|o| t.id.to_string().contains(o.as_str()))
            })
            .cloned()
            .collect()
    }
}

/// Why grading could not produce a grade (a problem of the setup, not a low score).
#[derive(Debug)]
pub enum GradeError {
    /// The rubric is unreadable or invalid.
    Rubric(RubricError),
    /// The directory is not a submission.
    Submission(SubmissionError),
    /// The scratch workspace could not be prepared.
    Scratch(ScratchError),
    /// Isolation could not be set up as asked.
    Sandbox(SandboxError),
    /// The rubric and the suites disagree.
    RubricMismatch(Vec<Mismatch>),
    /// Anything else about the grader's environment.
    Setup(String),
}

impl fmt::Display for GradeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GradeError::Rubric(e) => write!(f, "{e}"),
            GradeError::Submission(e) => write!(f, "{e}"),
            GradeError::Scratch(e) => write!(f, "preparing the scratch workspace: {e}"),
            GradeError::Sandbox(e) => write!(f, "{e}"),
            GradeError::RubricMismatch(mismatches) => {
                for m in mismatches {
                    writeln!(f, "{m}")?;
                }
                write!(
                    f,
                    "grading stopped: a score from a rubric that does not match the suites would be wrong"
                )
            }
            GradeError::Setup(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for GradeError {}

/// Grades the submission at `path`.
pub fn grade_submission(path: &Path, options: &GradeOptions) -> Result<Grade, GradeError> {
    let submission = submission::inspect(path, &options.reference).map_err(GradeError::Submission)?;
    let selected = options.selected_tests();
    if selected.is_empty() {
        return Err(GradeError::Setup(format!("--only {:?} selects no test of the rubric", options.only)));
    }
    let jobs = options.jobs.max(1);
    let stage = create_stage(options)?;
    let sandbox =
        Sandbox::prepare(options.sandbox, jobs, options.rubric.limits, options.uid_base, stage.helper())
            .map_err(GradeError::Sandbox)?;
    let mut grade = Grade {
        name: submission.name.clone(),
        path: submission.root.clone(),
        status: GradeStatus::Graded,
        suites: options.rubric.suites.clone(),
        tests: mode_plan::planned(&options.rubric, &selected, &options.modes, options.runs),
        notes: submission.notes.clone(),
        warnings: sandbox.warnings().to_vec(),
        isolation: sandbox.describe(),
        build_time: None,
        test_time: Duration::ZERO,
        runs: options.runs.max(1),
        modes: options.modes.iter().copied().collect(),
        jobs,
    };
    let (reference, reports) = (&options.reference, options.reports.as_deref());
    let exposed = crate::exposure::guard(&sandbox, reference, &options.cache, reports, &options.private);
    grade.warnings.extend(exposed.map_err(GradeError::Sandbox)?);
    if !options.api_check {
        grade.warnings.push(API_CHECK_OFF.to_string());
    }
    if options.modes.is_empty() {
        return Err(GradeError::Setup(
            "no mode to run the tests in: give --mode both, real or simulated".into(),
        ));
    }
    if let (1, Some(&mode)) = (options.modes.len(), options.modes.first()) {
        grade.warnings.push(one_mode_only(mode));
    }

    let violations = match options.source_check {
        true => policy::check_sources(&submission.root, &STUDENT_CRATES)
            .map_err(|e| GradeError::Setup(format!("reading the submission's sources: {e}")))?,
        false => Vec::new(),
    };
    if !violations.is_empty() {
        grade.status = GradeStatus::Refused(violations.iter().map(ToString::to_string).collect());
        return Ok(grade);
    }

    let suites: Vec<String> = options
        .rubric
        .suites
        .iter()
        .map(|s| s.name.clone())
        .filter(|s| selected.iter().any(|t| &t.id.suite == s))
        .collect();
    let builds = mode_plan::builds(&options.rubric, &suites, &options.modes);
    let executables = match build_and_stage(options, &submission, &builds, &sandbox, &stage, &mut grade)? {
        Ok(executables) => executables,
        Err(failure) => {
            grade.status = GradeStatus::BuildFailed(failure);
            return Ok(grade);
        }
    };

    let mut mismatches = Vec::new();
    for (suite, exe) in mode_plan::binaries_to_list(&executables) {
        let listed = listing::list_tests(&sandbox, 0, &stage.runs(), &exe).map_err(GradeError::Setup)?;
        let mismatch = listing::compare(&options.rubric, &suite, &listed);
        if !mismatch.is_empty() {
            mismatches.push(mismatch);
        }
    }
    if !mismatches.is_empty() {
        return Err(GradeError::RubricMismatch(mismatches));
    }

    // Each failed run's page waits in the stage (its run directory is reused by the next test).
    let staging = options.reports.as_ref().map(|_| stage.reports());
    let runnable = grade.tests.iter().filter(|t| t.not_run.is_none()).map(|t| t.test.clone()).collect();
    let plan = Plan {
        tests: runnable,
        executables,
        runs: options.runs.max(1),
        jobs,
        seed: options.seed,
        timeout_scale: options.timeout_scale,
        env: options.env.clone(),
        limits: options.rubric.limits,
        reports: staging,
        stop_when_a_failure_shows: options.stop_when_a_failure_shows.clone(),
    };
    let mut progress = Progress::new(options.progress, plan.total_runs());
    let started = Instant::now();
    let ran = run_all(&plan, &sandbox, &stage.runs(), &mut progress);
    grade.tests = mode_plan::merge(std::mem::take(&mut grade.tests), ran);
    grade.test_time = started.elapsed();
    if let Some(dest) = &options.reports {
        crate::lab_reports::keep(&mut grade.tests, dest);
    }
    Ok(grade)
}

/// Builds the submission's suites in the cache, each mode's `builds` (see
/// [`mode_plan::builds`]), and copies their test binaries into the stage. The cache stays
/// locked only meanwhile: once the binaries are staged, another grader may build while this one
/// runs its tests. The inner `Err` is a build that failed or was
/// refused (the API check is part of the build); `grade` gains the build time and any warning.
fn build_and_stage(
    options: &GradeOptions,
    submission: &Submission,
    builds: &BTreeMap<RunMode, Vec<String>>,
    sandbox: &Sandbox,
    stage: &Stage,
    grade: &mut Grade,
) -> Result<Result<Executables, BuildError>, GradeError> {
    let scratch = Scratch::open(&options.cache).map_err(GradeError::Scratch)?;
    // Dropped before `scratch`: the cache is closed to other users while still locked.
    let _closed = crate::cache_dir::CloseWhenDone::new(scratch.root());
    scratch.populate(&options.reference, submission).map_err(GradeError::Scratch)?;
    if options.progress != Style::Quiet {
        eprintln!("grade: building {} in {}", submission.name, scratch.workspace().display());
    }
    let build_started = Instant::now();
    let (settings, as_grader) = build_settings_for(options, stage, sandbox, &scratch);
    grade.warnings.extend(as_grader);
    let checked = match options.api_check {
        true => compile::check_api(&scratch, &settings),
        false => Ok(()),
    };
    if let Err(failure) = checked {
        return match failure {
            BuildError::Tooling(message) => Err(GradeError::Setup(message)),
            failure => Ok(Err(failure)),
        };
    }
    let mut executables = Executables::new();
    for (&mode, suites) in builds {
        let build = match compile::build(&scratch, suites, mode, &settings) {
            Ok(build) => build,
            Err(BuildError::Tooling(message)) => return Err(GradeError::Setup(message)),
            Err(failure) => return Ok(Err(failure)),
        };
        if let Some(uid) = sandbox.build_uid() {
            sandbox.sweep_uid(uid);
        }
        executables.insert(mode, stage_binaries(stage, &build.executables)?);
    }
    grade.build_time = Some(build_started.elapsed());
    Ok(Ok(executables))
}

/// A fresh stage for one grading, holding the `grade` helper (see [`crate::stage`]).
fn create_stage(options: &GradeOptions) -> Result<Stage, GradeError> {
    Stage::create(&options.helper).map_err(|e| {
        GradeError::Setup(format!(
            "preparing the stage for test processes in {}: {e}",
            std::env::temp_dir().display()
        ))
    })
}

/// How cargo runs for this grading ([`build_settings`]), as the sandbox's build uid when it has
/// one (see [`build_user`]); with the warning to give when builds must run as the grader.
fn build_settings_for(
    options: &GradeOptions,
    stage: &Stage,
    sandbox: &Sandbox,
    scratch: &Scratch,
) -> (compile::BuildSettings, Option<String>) {
    let mut settings = build_settings(options, stage);
    let Some(uid) = sandbox.build_uid() else { return (settings, None) };
    match build_user::prepare(uid, scratch, options.offline) {
        Ok(user) => {
            settings.user = Some(user);
            (settings, None)
        }
        Err(why) => {
            (settings, Some(format!("builds run as the grader's own user, not an unprivileged one: {why}")))
        }
    }
}

/// How cargo runs for this grading: through the stage's copy of the `grade` helper.
fn build_settings(options: &GradeOptions, stage: &Stage) -> compile::BuildSettings {
    compile::BuildSettings {
        timeout: options.build_timeout,
        offline: options.offline,
        helper: stage.helper().to_path_buf(),
        limits: options.build_limits,
        user: None,
    }
}

/// The graded test binaries, copied into the stage, by suite.
fn stage_binaries(
    stage: &Stage,
    built: &BTreeMap<String, PathBuf>,
) -> Result<BTreeMap<String, PathBuf>, GradeError> {
    built
        .iter()
        .map(|(suite, exe)| {
            let staged = stage
                .install(exe)
                .map_err(|e| GradeError::Setup(format!("staging the test binary {}: {e}", exe.display())))?;
            Ok((suite.clone(), staged))
        })
        .collect()
}

/// What `grade check-rubric` found.
#[derive(Clone, Debug, Default)]
pub struct RubricCheck {
    /// Graded suites whose binary and rubric disagree.
    pub mismatches: Vec<Mismatch>,
    /// Suites in `tests/tests/` the rubric neither grades nor ignores.
    pub undecided: Vec<String>,
    /// Graded tests per suite, for the summary.
    pub counted: Vec<(String, usize)>,
}

impl RubricCheck {
    /// Whether rubric and suites agree.
    pub fn is_consistent(&self) -> bool {
        self.mismatches.is_empty() && self.undecided.is_empty()
    }
}

impl fmt::Display for RubricCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (suite, count) in &self.counted {
            writeln!(f, "{suite}: {count} tests listed")?;
        }
        for mismatch in &self.mismatches {
            writeln!(f, "{mismatch}")?;
        }
        for suite in &self.undecided {
            writeln!(
                f,
                "suite {suite} (tests/tests/{suite}.rs) is in neither the rubric's [[suite]] list nor its \
                 [[ignored_suite]] list: decide whether it is graded"
            )?;
        }
        if self.is_consistent() {
            writeln!(f, "the rubric and the suites agree")?;
        }
        Ok(())
    }
}

/// Builds the reference's graded suites and compares what they list with the rubric.
pub fn check_rubric(options: &GradeOptions) -> Result<RubricCheck, GradeError> {
    let submission =
        submission::inspect(&options.reference, &options.reference).map_err(GradeError::Submission)?;
    let stage = create_stage(options)?;
    let sandbox =
        Sandbox::prepare(options.sandbox, 1, options.rubric.limits, options.uid_base, stage.helper())
            .map_err(GradeError::Sandbox)?;
    let suites = options.rubric.suite_names();
    let mut executables = Executables::new();
    {
        // Locked while it builds and stages, as for a grading.
        let scratch = Scratch::open(&options.cache).map_err(GradeError::Scratch)?;
        scratch.populate(&options.reference, &submission).map_err(GradeError::Scratch)?;
        // As a grading builds: a file root wrote into the cache would stop the build uid's builds.
        let (settings, as_grader) = build_settings_for(options, &stage, &sandbox, &scratch);
        if let Some(warning) = as_grader {
            eprintln!("grade: {warning}");
        }
        // Each suite from a build it is graded in: a simulated-only suite's plain build lists none.
        for (mode, built) in mode_plan::listing_builds(&options.rubric, &suites) {
            let build = compile::build(&scratch, &built, mode, &settings).map_err(|e| {
                GradeError::Setup(format!("building the reference ({} build): {e}", mode.label()))
            })?;
            if let Some(uid) = sandbox.build_uid() {
                sandbox.sweep_uid(uid);
            }
            executables.insert(mode, stage_binaries(&stage, &build.executables)?);
        }
    }
    let binaries = mode_plan::binaries_to_list(&executables);
    let mut check = RubricCheck {
        undecided: listing::undecided_suites(&options.rubric, &options.reference),
        ..Default::default()
    };
    for suite in &suites {
        let exe = binaries.get(suite).ok_or_else(|| {
            GradeError::Setup(format!("the reference's build has no test binary for the suite {suite}"))
        })?;
        let listed = listing::list_tests(&sandbox, 0, &stage.runs(), exe).map_err(GradeError::Setup)?;
        check.counted.push((suite.clone(), listed.len()));
        let mismatch = listing::compare(&options.rubric, suite, &listed);
        if !mismatch.is_empty() {
            check.mismatches.push(mismatch);
        }
    }
    Ok(check)
}
