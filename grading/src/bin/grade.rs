//! `grade`: the lab's grader. See `grade --help`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use grading::authoring::{handout, mutants, rubric_draft};
use grading::build_exec::BuildLimits;
use grading::exposure::Private;
use grading::grade::{grade_submission, GradeOptions};
use grading::mode_plan;
use grading::outcome::RunMode;
use grading::progress::Style;
use grading::report;
use grading::results_check::{Expect, Results};
use grading::sandbox::{Mode, DEFAULT_UID_BASE};
use grading::sandbox_exec::{self, ExecRequest};

/// Grades a primary/backup submission against the reference tests, safely.
///
/// A submission is a directory holding viewservice/src and pbservice/src (the handout's
/// layout). Only those two src/ directories are taken: labrpc, the tests, the manifests,
/// Cargo.lock and the rubric always come from the reference workspace. The grader copies them
/// into a scratch workspace, builds the graded test binaries, and runs each graded test as its
/// own isolated process, with the timeout the rubric (grading/rubric.toml) gives it.
///
/// Two modes: each test runs on real threads (as `make test` runs it) and again in labrpc's
/// simulation mode (as `make test-sim` does: a seeded scheduler on virtual time, where the seed
/// replays the run exactly). A test passes only if it passes in both; a failure names the mode
/// and the command that reruns it. The tests of a suite the rubric grades in simulation mode only
/// (modes = ["simulated"]: the search tests, category SEARCH) run there alone; --mode real does
/// not run them, and they score 0 as NOT RUN.
///
/// Examples:
///
///   grade                          grade the reference itself (what `make grade` does)
///
///   grade ~/subs/alice             grade one submission; prints the table
///
///   grade ~/subs/alice --json results.json --junit junit.xml
///
///   grade --runs 3 --jobs 4        each test must pass 3 times; 4 processes at once
///
///   grade --only partition         only the tests whose id contains "partition"
///
///   grade --batch ~/subs --csv grades.csv --reports ~/subs-reports
///
/// Failure reports: each primary/backup and view-service test that fails writes an HTML page
/// telling its story (its views, messages, faults and client operations); the grader copies it
/// as SUITE__TEST.html and prints its path after the seed (`report: PATH`); open it in a
/// browser. Where: --reports DIR if given; else reports/ next to the --json file; else
/// REFERENCE/target/grade-reports. With --batch: DIR/NAME/ per submission (default: reports/NAME/
/// next to the CSV).
///
/// Isolation: as root, each test runs under an unprivileged uid (so the thread limit binds),
/// inside bubblewrap (only the system's libraries, its programs and its own directory, no
/// network, its own PID namespace), with rlimits on memory, threads, file size and open files. As root, missing
/// layers are reported as warnings (not root, the isolation line names them instead); `--sandbox
/// required` refuses to grade without all of them.
///
/// Inconclusive: a test the machine was too busy to judge (the harness saw its scenario starved
/// past what its timing assumes) is attempted up to 3 times; if no attempt is judged it is
/// INCONCLUSIVE, earns no points and counts as not passed (also for --fail-under): grade again
/// on a quieter machine.
///
/// Exit status: 0 when a grade was produced (whatever the score, unless --fail-under; with
/// --batch, folders that are not submissions get an error row in the CSV), 1 when the score is
/// under --fail-under, 2 when grading itself failed (bad rubric, not a submission, tooling).
#[derive(Parser, Debug)]
#[command(name = "grade", version, verbatim_doc_comment, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    grade: GradeArgs,
}

#[derive(Args, Debug)]
struct GradeArgs {
    /// The submission directory (holding viewservice/src and pbservice/src). Default: the
    /// reference workspace itself.
    submission: Option<PathBuf>,

    /// Write Gradescope's results.json here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,

    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,

    /// Grade every subdirectory of DIR as a submission (needs --csv).
    #[arg(long, value_name = "DIR", requires = "csv", conflicts_with_all = ["submission", "json", "junit"])]
    batch: Option<PathBuf>,

    /// With --batch: the CSV of grades (one row per submission, one column per test).
    #[arg(long, value_name = "FILE", requires = "batch")]
    csv: Option<PathBuf>,

    /// Copy the HTML report page of each failed test here, as SUITE__TEST.html (the failure
    /// details name it). Default: reports/ next to the --json file if given, else
    /// REFERENCE/target/grade-reports. With --batch: also each submission's table (NAME.txt)
    /// and results.json (NAME.json), and its pages go in NAME/ (default: reports/NAME/ next to
    /// the CSV).
    #[arg(long, value_name = "DIR")]
    reports: Option<PathBuf>,

    #[command(flatten)]
    common: CommonArgs,

    /// Exit with status 1 if the score is below this percentage.
    #[arg(long, value_name = "PERCENT")]
    fail_under: Option<f64>,
}

#[derive(Args, Debug, Clone)]
struct CommonArgs {
    /// Run each test N times in each mode; it passes only if every run passes (flaky solutions
    /// lose points).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    runs: u32,

    /// The modes each test runs in: both (a grade), or one of them (quicker, for trying
    /// something out, or a mutant matrix of one mode; the grade says it is not a full grade). A
    /// suite graded in one mode only (the rubric's `modes`) runs in that mode alone, and not at
    /// all in a grade of the other mode (its tests score 0, NOT RUN).
    #[arg(long, value_enum, default_value_t = ModeArg::Both)]
    mode: ModeArg,

    /// Test processes at once. Default: the number of cores.
    #[arg(long, short = 'j', value_name = "J")]
    jobs: Option<usize>,

    /// Only the tests whose id (suite::name) contains PATTERN; repeat or separate with commas.
    #[arg(long, value_name = "PATTERN", value_delimiter = ',')]
    only: Vec<String>,

    /// Derive every run's LAB_SEED from this number, for a reproducible grading (random otherwise;
    /// the seed of each failed run is always printed).
    #[arg(long, value_name = "SEED")]
    seed: Option<u64>,

    /// Multiply every test's timeout (e.g. 2 on a slow or busy machine).
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    timeout_scale: f64,

    /// How strictly to isolate test processes.
    #[arg(long, value_enum, default_value_t = SandboxArg::Auto)]
    sandbox: SandboxArg,

    /// As root: the first of the uids (one per job) test processes run as. They must belong to no
    /// account: every process of such a uid is killed after each test.
    #[arg(long, value_name = "UID", default_value_t = DEFAULT_UID_BASE)]
    sandbox_uid: u32,

    /// The reference workspace. Default: the workspace this grader was built in.
    #[arg(long, value_name = "DIR")]
    reference: Option<PathBuf>,

    /// The build cache (scratch workspace, target directory). Default: REFERENCE/target/grade;
    /// as root, when other users may not pass through REFERENCE's directories,
    /// /var/cache/lab-grade/NAME-HASH/grade, so builds can run as an unprivileged uid.
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,

    /// Build without network access (dependencies must already be fetched: `cargo fetch`).
    #[arg(long)]
    offline: bool,

    /// Set RUST_LOG in test processes (info, debug) so failure logs tell the story.
    #[arg(long, value_name = "LEVEL")]
    log: Option<String>,

    /// Skip the API check (the forbidden files, processes, environment, sockets and threads of
    /// the student crates' clippy.toml). Only for testing the sandbox with a hostile fixture: graded
    /// code may then do all of these, and the grade says so in a warning. Never for grading.
    #[arg(long)]
    no_api_check: bool,

    /// No progress display on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ModeArg {
    /// On real threads, then in simulation mode: a test passes only if it passes in both.
    Both,
    /// On real threads only (`make test`).
    Real,
    /// In simulation mode only (`make test-sim`).
    Simulated,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SandboxArg {
    /// Every layer available; warn about missing ones.
    Auto,
    /// Refuse to grade without an unprivileged uid and working bubblewrap.
    Required,
    /// Every layer except bubblewrap (as where it is not installed).
    NoBwrap,
    /// Only rlimits (debugging the grader).
    Off,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check that the rubric lists exactly the tests of the graded suites (builds the reference).
    CheckRubric(CommonArgs),
    /// Print rubric entries (TOML) for tests of graded suites that the rubric lacks, drafted from
    /// the test sources (doc comment → description, body → categories), for review.
    RubricDraft {
        /// Draft every test, not only the missing ones.
        #[arg(long)]
        all: bool,
        /// The reference workspace.
        #[arg(long, value_name = "DIR")]
        reference: Option<PathBuf>,
    },
    /// Grade every planted-bug patch of grading/mutants/, then every stub mutant, and print which
    /// tests caught which (the search tests, category SEARCH, also in a grid); fails if a mutant scores full marks (the suite missed a bug), does not
    /// apply or build, or is a stub whose failures do not name it.
    ///
    /// A stub mutant (stub:CRATE::Type::function) is the reference with one SOLUTION region
    /// stubbed exactly as the handout stubs it. It counts as caught only if a test fails and the
    /// failure shows "not implemented: Type::function:", so a student who leaves the function
    /// unwritten is told which one.
    #[command(verbatim_doc_comment)]
    Mutants {
        /// Only the mutants whose name contains PATTERN; repeat or separate with commas.
        #[arg(long = "mutant", value_name = "PATTERN", value_delimiter = ',')]
        mutants: Vec<String>,
        /// Only the stub mutants, not the patches.
        #[arg(long, conflicts_with = "no_stubs")]
        stubs_only: bool,
        /// Only the patches of grading/mutants/, not the stub mutants.
        #[arg(long)]
        no_stubs: bool,
        /// Grade a stub mutant only until a failure names it (it is caught; the other tests do
        /// not run, so the matrix shows that one test). Patches are always graded in full.
        #[arg(long)]
        stop_at_first_catch: bool,
        /// Grade each mutant N times, to find mutants caught only sometimes. With --seed, round 1
        /// takes that seed and each further round a seed derived from it (printed with the round),
        /// so the rounds differ and the whole matrix repeats; without it, every run draws its own.
        #[arg(long, value_name = "N", default_value_t = 1)]
        rounds: usize,
        /// Also write the matrix as CSV (mutant x test, cells = rounds caught, empty where the
        /// test did not run for that mutant).
        #[arg(long, value_name = "FILE")]
        matrix: Option<PathBuf>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Write the students' handout: the reference with the functions of grading/handout.toml (and
    /// regions marked `// BEGIN SOLUTION` ... `// END SOLUTION`) replaced by stubs that compile and
    /// panic with "not implemented", and grading/HANDOUT_README.md as its README.
    Handout {
        /// The directory to create (must not exist or be empty).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The reference workspace.
        #[arg(long, value_name = "DIR")]
        reference: Option<PathBuf>,
    },
    /// Check a results.json as Gradescope reads it (its fields, their types and values), and
    /// optionally its score; `make gradescope-check` runs it on what run_autograder wrote.
    /// Exit status 1 (with every problem named) if the check fails.
    CheckResults {
        /// The results.json to check.
        file: PathBuf,
        /// The score must be full: every test passed with its full points.
        #[arg(long, conflicts_with = "expect_zero")]
        expect_full: bool,
        /// The score must be 0, with no test passed.
        #[arg(long)]
        expect_zero: bool,
        /// Some output (the top level's or a test's) must contain TEXT (repeat for several).
        #[arg(long, value_name = "TEXT")]
        output_contains: Vec<String>,
        /// No output (the top level's or a test's) may contain TEXT (repeat for several).
        #[arg(long, value_name = "TEXT")]
        output_lacks: Vec<String>,
    },
    /// Internal: apply rlimits, then exec PROGRAM (run inside the sandbox).
    #[command(hide = true)]
    SandboxExec {
        #[arg(long)]
        memory_mib: u64,
        #[arg(long)]
        output_mib: u64,
        #[arg(long)]
        open_files: u64,
        #[arg(long)]
        threads: Option<u64>,
        #[arg(long)]
        new_session: bool,
        program: PathBuf,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
    /// Internal: wait for the grader's go-ahead line on stdin, then exec PROGRAM.
    #[command(hide = true)]
    SandboxWait {
        program: PathBuf,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
    /// Internal: kill every process of the calling uid (run as a sandbox uid).
    #[command(hide = true)]
    SandboxKill,
    /// Internal: runs cargo with the build's limits; kills it when the grader goes away.
    #[command(hide = true)]
    BuildExec {
        #[arg(long)]
        cpu_seconds: u64,
        #[arg(long)]
        memory_mib: u64,
        #[arg(long)]
        file_mib: u64,
        #[arg(long)]
        open_files: u64,
        program: PathBuf,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::SandboxExec {
            memory_mib,
            output_mib,
            open_files,
            threads,
            new_session,
            program,
            args,
        }) => {
            let request =
                ExecRequest { memory_mib, output_mib, open_files, threads, new_session, program, args };
            let error = sandbox_exec::exec(&request);
            eprintln!("grade sandbox-exec: cannot run {}: {error}", request.program.display());
            ExitCode::from(126)
        }
        Some(Command::BuildExec { cpu_seconds, memory_mib, file_mib, open_files, program, args }) => {
            let limits = BuildLimits { cpu_seconds, memory_mib, file_mib, open_files };
            match grading::build_exec::supervise(&limits, &program, &args) {
                Ok(code) => ExitCode::from(code),
                Err(error) => {
                    eprintln!("grade build-exec: {error}");
                    ExitCode::from(126)
                }
            }
        }
        Some(Command::SandboxWait { program, args }) => {
            let error = sandbox_exec::wait_then_exec(&program, &args);
            eprintln!("grade sandbox-wait: cannot run {}: {error}", program.display());
            ExitCode::from(126)
        }
        Some(Command::SandboxKill) => match sandbox_exec::kill_all_of_my_uid() {
            Ok(_) => ExitCode::SUCCESS,
            Err(refused) => {
                eprintln!("grade sandbox-kill: {refused}");
                ExitCode::from(2)
            }
        },
        Some(Command::CheckRubric(common)) => exit_on_error(check_rubric(&common)),
        Some(Command::Mutants {
            mutants,
            stubs_only,
            no_stubs,
            stop_at_first_catch,
            rounds,
            matrix,
            common,
        }) => {
            let kinds = MutantKinds { patches: !stubs_only, stubs: !no_stubs, stop_at_first_catch };
            exit_on_error(run_mutants(&mutants, kinds, rounds, matrix, &common))
        }
        Some(Command::CheckResults { file, expect_full, expect_zero, output_contains, output_lacks }) => {
            let expect = match (expect_full, expect_zero) {
                (true, _) => Some(Expect::Full),
                (_, true) => Some(Expect::Zero),
                _ => None,
            };
            exit_on_error(check_results(&file, expect, &output_contains, &output_lacks))
        }
        Some(Command::RubricDraft { all, reference }) => exit_on_error(rubric_draft(all, reference)),
        Some(Command::Handout { out, reference }) => {
            let reference = reference.unwrap_or_else(default_reference);
            exit_on_error(handout::generate(&reference, &out).map(|report| {
                print!("{report}");
                println!(
                    "handout written to {}; check it with: make -C {} test",
                    out.display(),
                    out.display()
                );
                ExitCode::SUCCESS
            }))
        }
        None => exit_on_error(grade(&cli.grade)),
    }
}

fn exit_on_error(result: Result<ExitCode, String>) -> ExitCode {
    result.unwrap_or_else(|message| {
        eprintln!("grade: {message}");
        ExitCode::from(2)
    })
}

/// The reference workspace this grader was built in.
fn default_reference() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn options(common: &CommonArgs) -> Result<GradeOptions, String> {
    let reference = common.reference.clone().unwrap_or_else(default_reference);
    let mut options = GradeOptions::for_reference(&reference).map_err(|e| e.to_string())?;
    if let Some(cache) = &common.cache {
        options.cache = cache.clone();
    }
    if let Some(jobs) = common.jobs {
        options.jobs = jobs.max(1);
    }
    options.runs = common.runs as usize;
    options.modes = match common.mode {
        ModeArg::Both => BTreeSet::from(RunMode::BOTH),
        ModeArg::Real => BTreeSet::from([RunMode::Real]),
        ModeArg::Simulated => BTreeSet::from([RunMode::Simulated]),
    };
    options.only = common.only.iter().filter(|o| !o.is_empty()).cloned().collect();
    options.seed = common.seed;
    if !(common.timeout_scale.is_finite() && common.timeout_scale > 0.0) {
        return Err("--timeout-scale must be a positive number".into());
    }
    options.timeout_scale = common.timeout_scale;
    options.sandbox = match common.sandbox {
        SandboxArg::Auto => Mode::Auto,
        SandboxArg::Required => Mode::Required,
        SandboxArg::NoBwrap => Mode::NoBwrap,
        SandboxArg::Off => Mode::Off,
    };
    options.uid_base = common.sandbox_uid;
    options.offline = common.offline;
    options.api_check = !common.no_api_check;
    options.progress = Style::detect(common.quiet);
    if let Some(level) = &common.log {
        options.env.push(("RUST_LOG".into(), level.clone()));
    }
    options.build_timeout = Duration::from_secs(20 * 60);
    Ok(options)
}

/// The directory holding `file`, as an absolute path.
fn dir_of(file: &Path) -> Result<PathBuf, String> {
    let parent = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::path::absolute(parent).map_err(|e| format!("cannot resolve {}: {e}", parent.display()))
}

/// Where failed tests' report pages go: `--reports`, else `reports/` next to the CSV (batch)
/// or the JSON, else the reference's `target/grade-reports`.
fn reports_dir(args: &GradeArgs, reference: &Path) -> Result<PathBuf, String> {
    let dir = match (&args.reports, &args.csv, &args.json) {
        (Some(dir), _, _) => dir.clone(),
        (None, Some(csv), _) if args.batch.is_some() => dir_of(csv)?.join("reports"),
        (None, _, Some(json)) => dir_of(json)?.join("reports"),
        _ => reference.join(grading::lab_reports::DEFAULT_REPORTS),
    };
    std::path::absolute(&dir).map_err(|e| format!("cannot resolve {}: {e}", dir.display()))
}

fn grade(args: &GradeArgs) -> Result<ExitCode, String> {
    let mut options = options(&args.common)?;
    options.reports = Some(reports_dir(args, &options.reference)?);
    if let Some(dir) = &args.batch {
        let csv = args.csv.as_ref().ok_or("--batch needs --csv FILE")?;
        // The tables and results.json files go with the pages when --reports is given.
        let tables = args.reports.as_ref().and(options.reports.clone());
        let summary = grading::batch::run(dir, csv, tables.as_deref(), &options)
            .map_err(|e| format!("batch grading {}: {e}", dir.display()))?;
        eprintln!(
            "grade: graded {} submission(s), {} could not be graded; grades in {}",
            summary.graded,
            summary.errors,
            csv.display()
        );
        if summary.inconclusive > 0 {
            eprintln!(
                "grade: {} of them had INCONCLUSIVE tests (the machine was too busy to judge them; they earn no \
                 points): grade them again on a quieter machine",
                summary.inconclusive
            );
        }
        // A folder that is not a submission is the submitter's problem, recorded in its CSV row.
        return Ok(ExitCode::SUCCESS);
    }
    let submission = args.submission.clone().unwrap_or_else(|| options.reference.clone());
    // Where the results go: no test may read them (nor those of an earlier grading there).
    options.private.extend(args.json.iter().chain(&args.junit).map(|file| Private::results_of_file(file)));
    let grade = grade_submission(&submission, &options).map_err(|e| e.to_string())?;
    print!("{}", report::table::render(&grade));
    if let Some(path) = &args.json {
        let dir = dir_of(path)?;
        let json = serde_json::to_string_pretty(&report::gradescope::results_json_in(&grade, Some(&dir)))
            .map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("write {}: {e}", path.display()))?;
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, report::junit::junit_xml(&grade))
            .map_err(|e| format!("write {}: {e}", path.display()))?;
    }
    if !grade.grader_errors().is_empty() {
        return Err(format!(
            "{} test(s) could not be run because of a problem of the grader (see ERROR above)",
            grade.grader_errors().len()
        ));
    }
    if grade.inconclusive() > 0 {
        eprintln!(
            "grade: {} test(s) INCONCLUSIVE: the machine was too busy to judge them, so they earn no points; \
             grade again on a quieter machine",
            grade.inconclusive()
        );
    }
    match args.fail_under {
        Some(minimum) if grade.percent() < minimum => {
            eprintln!("grade: {:.1}% is under --fail-under {minimum}", grade.percent());
            Ok(ExitCode::from(1))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn check_rubric(common: &CommonArgs) -> Result<ExitCode, String> {
    let options = options(common)?;
    let report = grading::grade::check_rubric(&options).map_err(|e| e.to_string())?;
    print!("{report}");
    Ok(if report.is_consistent() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `grade check-results`: exit 0 if `file` has Gradescope's format (and the expected score and
/// output), 1 with every problem named if not, 2 if it cannot be read.
fn check_results(
    file: &Path,
    expect: Option<Expect>,
    output_contains: &[String],
    output_lacks: &[String],
) -> Result<ExitCode, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("check-results: cannot read {}: {e}", file.display()))?;
    let problems = match Results::parse(&text) {
        Ok(results) => {
            let mut problems = expect.map(|expect| results.check(expect)).unwrap_or_default();
            problems.extend(results.missing_from_output(output_contains));
            problems.extend(results.present_in_output(output_lacks));
            if problems.is_empty() {
                let score = match expect {
                    Some(Expect::Full) => ", the full score as expected",
                    Some(Expect::Zero) => ", zero as expected",
                    None => "",
                };
                println!(
                    "grade check-results: {}: Gradescope's format, {}{score}",
                    file.display(),
                    results.summary()
                );
                return Ok(ExitCode::SUCCESS);
            }
            problems
        }
        Err(problems) => problems,
    };
    eprintln!("grade check-results: {} fails the check:", file.display());
    for problem in &problems {
        eprintln!("  - {problem}");
    }
    Ok(ExitCode::from(1))
}

fn rubric_draft(all: bool, reference: Option<PathBuf>) -> Result<ExitCode, String> {
    let reference = reference.unwrap_or_else(default_reference);
    let rubric = grading::rubric::Rubric::load_from_reference(&reference).map_err(|e| e.to_string())?;
    print!("{}", rubric_draft::draft(&rubric, &reference, all).map_err(|e| e.to_string())?);
    Ok(ExitCode::SUCCESS)
}

/// One mutant round in a line: points, failed tests (for a stub: how many named it), tests
/// inconclusive and not run, time.
fn mutant_progress(mutant: &mutants::Mutant, grade: &grading::outcome::Grade) -> String {
    let failed: Vec<_> = grade.tests.iter().filter_map(|t| t.failed_run()).collect();
    let named = match mutant.must_show() {
        Some(text) => format!(" ({} naming it)", failed.iter().filter(|r| r.shows(&text)).count()),
        None => String::new(),
    };
    let not_run = grade.tests.iter().filter(|t| t.runs.is_empty()).count();
    let seconds = grade.build_time.unwrap_or_default().as_secs_f64() + grade.test_time.as_secs_f64();
    format!(
        "{}/{} points, {} test(s) failed{named}, {} inconclusive, {not_run} not run ({seconds:.0}s)",
        grade.points(),
        grade.max_points(),
        failed.len(),
        grade.inconclusive()
    )
}

/// Which mutants `grade mutants` grades, and how.
struct MutantKinds {
    patches: bool,
    stubs: bool,
    stop_at_first_catch: bool,
}

fn run_mutants(
    only: &[String],
    kinds: MutantKinds,
    rounds: usize,
    matrix: Option<PathBuf>,
    common: &CommonArgs,
) -> Result<ExitCode, String> {
    let mut options = options(common)?;
    options.progress = Style::detect(true);
    let mut planted = Vec::new();
    if kinds.patches {
        planted.extend(mutants::load(&options.reference.join(mutants::MUTANTS_DIR), only)?);
    }
    if kinds.stubs {
        planted.extend(mutants::stubs(&options.reference, only)?);
    }
    if planted.is_empty() {
        return Err(format!(
            "no mutant matches --mutant {only:?} (patch names are those of {}, stub names stub:CRATE::Type::function)",
            mutants::MUTANTS_DIR
        ));
    }
    let stubs = planted.iter().filter(|m| m.must_show().is_some()).count();
    let selected = options.selected_tests();
    let graded = options.rubric.suites.iter().filter(|s| selected.iter().any(|t| t.id.suite == s.name));
    let modes: Vec<&str> = options.modes.iter().map(|m| m.label()).collect();
    let modes = format!("{}{}", modes.join(" and "), mode_plan::suite_exceptions(graded, &options.modes));
    eprintln!(
        "grade: {} mutant(s) ({} patch(es), {stubs} stub(s)), {} round(s) each, tests run {modes}{}",
        planted.len(),
        planted.len() - stubs,
        rounds.max(1),
        if kinds.stop_at_first_catch && stubs > 0 { "; stubs until a failure names them" } else { "" }
    );
    let started = std::time::Instant::now();
    let records =
        mutants::run(&options, &planted, rounds, kinds.stop_at_first_catch, |mutant, round, seed, grade| {
            let seed = seed.map(|s| format!(" (--seed {s})")).unwrap_or_default();
            eprintln!("grade: {} round {}{seed}: {}", mutant.name, round + 1, mutant_progress(mutant, grade));
        })?;
    println!("Tests run: {modes}");
    print!("{}", mutants::render(&planted, &records, &selected));
    println!("Wall time: {:.0}s", started.elapsed().as_secs_f64());
    if let Some(path) = matrix {
        let tests: Vec<_> = selected.into_iter().map(|t| t.id).collect();
        std::fs::write(&path, mutants::matrix_csv(&planted, &records, &tests))
            .map_err(|e| format!("write {}: {e}", path.display()))?;
    }
    let judged = !mutants::any_survived(&records)
        && !mutants::any_unnamed(&records)
        && !mutants::any_unjudged(&records);
    Ok(if judged { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
