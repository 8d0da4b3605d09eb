//! The diagnostics a scenario carries: its network traced from the start, its client
//! operations recorded, and, when it fails, the seed, the command that re-runs it and the
//! report page.

use std::path::PathBuf;

use labrpc::{Network, SEED_ENV};

use crate::explore::CASE_ENV;
use parking_lot::Mutex;

use super::builder::{build, Subject};
use super::naming::{page_name, report_dir, trace_name, REPORT_ENV, TRACE_DIR_ENV};
use super::oplog::OpLog;
use super::{html, panic_note};

/// The most a report page may weigh, so that it opens quickly in a browser.
pub const REPORT_SIZE_LIMIT: usize = 5_000_000;

/// What a seed can and cannot bring back, said once for every failure.
pub const SEED_NOTE: &str = "The seed repeats the network's fault decisions: which calls are dropped, \
delayed or reordered, in the order the calls ask for them. It cannot repeat how the threads \
interleave, so the same faults may meet different calls on a re-run, and a failure that depends \
on timing may take a few runs to come back.";

/// The command that re-runs test `test` with `seed` in this build's mode: `make test`, or
/// `make test-sim` in simulation mode (where the seed replays the run exactly). In a simulated
/// run whose schedule is not the default random one, the case (seed and schedule) that replays
/// it (see [`crate::explore`]).
pub fn rerun_command(seed: u64, test: &str) -> String {
    let target = if labrpc::SIMULATED { "test-sim" } else { "test" };
    format!("{} make {target} T={test}", seed_setting(seed))
}

/// The variable setting that repeats a run with `seed` on the calling thread: `LAB_SEED=SEED`,
/// or in a simulated run whose schedule is not the default random one, `LAB_CASE=SEED/SCHEDULE`
/// (the seed alone would replay it with another schedule).
pub fn seed_setting(seed: u64) -> String {
    match labrpc::simulated_schedule() {
        Some(schedule) if schedule != labrpc::Schedule::Random => format!("{CASE_ENV}={seed}/{schedule}"),
        _ => format!("{SEED_ENV}={seed}"),
    }
}

/// What a seed brings back in simulation mode, said once for every failure.
pub const SIMULATED_SEED_NOTE: &str = "The seed replays this run exactly: the schedule of every \
thread, every fault decision and the virtual time.";

/// When to write a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    OnFailure,
    Always,
    Never,
}

/// A scenario's diagnostics. The harness makes one with the scenario's network and calls
/// [`Diagnostics::finish`] when the scenario ends (passed or failed) and before it tears the
/// servers down, so that the teardown is not part of the story.
pub struct Diagnostics {
    net: Network,
    test: String,
    ops: OpLog,
    when: Mutex<When>,
    dir: Mutex<Option<PathBuf>>,
    /// The replay command, if not the seed's (see [`Diagnostics::set_rerun`]).
    rerun: Mutex<Option<String>>,
    /// Nothing printed or written when the scenario fails (see [`Diagnostics::quiet`]).
    quiet: Mutex<bool>,
    /// A note for the report page (see [`Diagnostics::set_run_note`]).
    run_note: Mutex<Option<String>>,
}

impl Diagnostics {
    /// Starts recording the scenario running on this thread (the test named after it), on `net`.
    pub fn start(net: &Network) -> Diagnostics {
        panic_note::install();
        panic_note::clear();
        net.set_tracing(true);
        let test = std::thread::current().name().unwrap_or("scenario").to_string();
        let when = match std::env::var(REPORT_ENV).as_deref().map(str::trim) {
            Err(_) | Ok("") | Ok("failure") | Ok("on-failure") => When::OnFailure,
            Ok("always") => When::Always,
            Ok("never") => When::Never,
            Ok(other) => {
                eprintln!("{REPORT_ENV}={other:?} is not understood (use always, never or failure); reporting failures only");
                When::OnFailure
            }
        };
        Diagnostics {
            net: net.clone(),
            test,
            ops: OpLog::new(net),
            when: Mutex::new(when),
            dir: Mutex::new(None),
            rerun: Mutex::new(None),
            quiet: Mutex::new(false),
            run_note: Mutex::new(None),
        }
    }

    /// Writes this scenario's report into `dir` instead of [`report_dir`] (for a test that
    /// inspects a report of its own).
    pub fn report_to(&self, dir: PathBuf) {
        *self.dir.lock() = Some(dir);
    }

    /// Writes this scenario's report even if it passes, as `LAB_REPORT=always` does for every
    /// scenario (for a test that inspects the page of a passing scenario).
    pub fn report_always(&self) {
        *self.when.lock() = When::Always;
    }

    /// Gives `command` as the way to replay this scenario, instead of its seed's (a search's
    /// execution is replayed by its case, see [`crate::explore`]).
    pub fn set_rerun(&self, command: String) {
        *self.rerun.lock() = Some(command);
    }

    /// Prints nothing and writes no report when the scenario fails (a search's trial runs, made
    /// only to learn whether they fail; the one reported runs again without this).
    pub fn quiet(&self) {
        *self.quiet.lock() = true;
        *self.when.lock() = When::Never;
    }

    /// Shows `note` on the report page, under the seed: what the harness knows about this run
    /// that the trace does not say (a search's failure: how much it shrank).
    pub fn set_run_note(&self, note: String) {
        *self.run_note.lock() = Some(note);
    }

    /// The scenario's client operations, for the clerks to record into.
    pub fn ops(&self) -> &OpLog {
        &self.ops
    }

    /// The test's name.
    pub fn test(&self) -> &str {
        &self.test
    }

    /// The command that re-runs this test: with this network's seed, unless one was given
    /// ([`Diagnostics::set_rerun`]).
    pub fn rerun(&self) -> String {
        self.rerun.lock().clone().unwrap_or_else(|| rerun_command(self.net.seed(), &self.test))
    }

    /// Ends the scenario: if it is failing (this thread is panicking), prints the seed and the
    /// command that re-runs it; and if it fails (or `LAB_REPORT=always`), writes the report and
    /// prints where.
    pub fn finish(&self) {
        let (failed, quiet) = (std::thread::panicking(), *self.quiet.lock());
        if failed && !quiet {
            eprintln!("\n---- {} failed; seed {} ----", self.test, self.net.seed());
            eprintln!("re-run it: {}", self.rerun());
            eprintln!("{}", if labrpc::SIMULATED { SIMULATED_SEED_NOTE } else { SEED_NOTE });
        }
        if let Some(dir) = std::env::var_os(TRACE_DIR_ENV).filter(|dir| !dir.is_empty() && !quiet) {
            match self.write_trace(&PathBuf::from(dir)) {
                Ok(path) => eprintln!("trace: {}", path.display()),
                Err(error) => eprintln!("could not write the trace: {error}"),
            }
        }
        let wanted = match *self.when.lock() {
            When::Always => true,
            When::OnFailure => failed,
            When::Never => false,
        };
        if !wanted {
            return;
        }
        match self.write_report(failed) {
            Ok(path) => eprintln!("report: {} (open it in a browser)", path.display()),
            Err(error) => eprintln!("could not write the report: {error}"),
        }
    }

    /// The report page of the scenario so far, as if it had failed without a message (a test
    /// can check that the page of a long scenario stays under [`REPORT_SIZE_LIMIT`]).
    pub fn report_page(&self) -> String {
        self.page(true)
    }

    /// Writes the network's whole event trace so far into `dir`, as text.
    fn write_trace(&self, dir: &std::path::Path) -> Result<PathBuf, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let path = dir.join(trace_name(&self.test));
        let mut file =
            std::fs::File::create(&path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        self.net.write_trace(&mut file).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    }

    fn write_report(&self, failed: bool) -> Result<PathBuf, String> {
        let page = self.page(failed);
        let dir = self.dir.lock().clone().unwrap_or_else(report_dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let path = dir.join(page_name(&self.test));
        std::fs::write(&path, page).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    }

    fn page(&self, failed: bool) -> String {
        let subject = Subject {
            test: self.test.clone(),
            failed,
            failure: if failed { panic_note::latest() } else { None },
            seed: self.net.seed(),
            rerun: self.rerun(),
            seed_note: if labrpc::SIMULATED { SIMULATED_SEED_NOTE } else { SEED_NOTE }.to_string(),
            run_note: self.run_note.lock().clone(),
            virtual_time: labrpc::SIMULATED,
            now_us: self.net.now_us(),
        };
        html::render(&build(subject, &self.net.trace(), &self.ops.records()))
    }
}
