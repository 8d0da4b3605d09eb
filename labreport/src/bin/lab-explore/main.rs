//! `lab-explore`: runs one simulated scenario under many seeds and schedules, on every core, and
//! stops at the first failure; `make explore T=name RUNS=N [SEED=B] [JOBS=J]` runs it.
//!
//! ```text
//! lab-explore [--runs N] [--seed B] [--jobs J] NAME
//! ```
//!
//! It builds the graded suites simulated (`cargo test --no-run -p labtests --features
//! labtests/simulation`, cargo's progress and errors shown; `CARGO` names the cargo), chooses the
//! one test NAME designates (its name, SUITE::NAME, or a part of one name only; otherwise it
//! names the closest tests or every candidate, and fails), and prints the base seed. Then it
//! runs processes of the test's binary, one per core at a time, each running only that test
//! with `LAB_EXPLORE=BASE:WORKER:WORKERS:RUNS` (its share of the executions, see
//! `labreport::explore`; at most 200 executions a process, so that what a run leaves behind in
//! its process stays bounded) and the report directory of its slot
//! (`target/lab-reports/explore/process-J`, under `LAB_REPORT_DIR` if set), and reads their
//! `LAB-EXPLORE` lines: progress (a bar on a
//! terminal, a line every ten seconds elsewhere, on stderr), and at the first failure it stops
//! the other processes, and prints the failing process's output (its last 200 lines), the
//! execution, its case, the command that replays it and its report page. A process that dies
//! without naming a failed execution is a failure too; one that passes without running its
//! share means the test takes no part in explorations. When all pass: how many executions and
//! seeds, per schedule, executions per second and the time taken.
//!
//! Exit status: 0 if every execution passed, 1 on a failure, 2 on bad arguments, cargo's on a
//! build failure, 130 when interrupted. No test process outlives it.

mod args;
mod drive;
mod plan;
mod progress;
mod report;
mod select;
mod state;
mod tail;
mod workers;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::Parser;
use labreport::naming::{report_dir, TRACE_DIR_ENV};
use labreport::runner::build::{build, Failure, TestBinary};
use labreport::runner::listing::list;

use args::Args;
use drive::{drive, Ending};
use plan::Plan;
use progress::Progress;
use state::Exploration;
use workers::{Spec, Workers};

/// What is built: the graded suites, simulated.
const SELECTION: [&str; 4] = ["-p", "labtests", "--features", "labtests/simulation"];

/// The exit status of an interrupted exploration (128 + SIGINT, as a shell reports it).
const INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(Ending::Passed) => ExitCode::SUCCESS,
        Ok(Ending::Failed) => ExitCode::FAILURE,
        Ok(Ending::Interrupted) => ExitCode::from(INTERRUPTED),
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("{}", failure.message);
            }
            ExitCode::from(u8::try_from(failure.code).unwrap_or(1))
        }
    }
}

/// Builds, chooses the test, explores it and says how it went.
fn run(args: &Args) -> Result<Ending, Failure> {
    // Before the build: a missing name needs no build to be told.
    select::named(&args.name).map_err(|e| Failure::new(2, e))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let here = std::env::current_dir().map_err(|e| Failure::new(1, format!("no current directory: {e}")))?;
    let selection: Vec<String> = SELECTION.iter().map(|s| s.to_string()).collect();
    let mut listed: Vec<(TestBinary, Vec<String>)> = Vec::new();
    for binary in build(&cargo, &selection, &here)? {
        let names = list(&binary).map_err(|e| Failure::new(1, e))?;
        listed.push((binary, names));
    }
    let chosen = select::select(&args.name, &listed).map_err(|e| Failure::new(1, e))?;
    let plan = Plan::new(args.seed.unwrap_or_else(rand::random), args.runs, args.jobs());
    println!("{}", report::header(&chosen, &plan));

    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    if let Err(e) = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed)) {
        eprintln!("explore: cannot catch Ctrl-C ({e}); an interrupt may leave test processes to end alone");
    }
    // Absolute: the processes run in their package's directory, not in this one.
    let reports = here.join(report_dir()).join("explore");
    let traces = std::env::var_os(TRACE_DIR_ENV).filter(|d| !d.is_empty()).map(|d| here.join(d));
    let spec =
        Spec { binary: &chosen.binary, test: &chosen.name, reports: &reports, traces: traces.as_deref() };
    let mut exploration = Exploration::new(&plan.shares());
    let mut progress = Progress::start(plan.runs, std::io::stderr().is_terminal());
    let driven = drive(&mut Workers::new(spec), &plan, &mut exploration, &mut progress, &interrupted);
    let elapsed = progress.finish();
    let ending = driven.map_err(|message| Failure::new(1, message))?;
    let said = match ending {
        Ending::Passed => report::passed(&chosen, &plan, &exploration, elapsed),
        Ending::Failed => report::failed(&chosen.name, &plan, &exploration, elapsed),
        Ending::Interrupted => report::interrupted(&plan, &exploration),
    };
    println!("{said}");
    Ok(ending)
}
