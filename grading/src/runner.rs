//! One run of one test: its own sandboxed process, its own process group, its timeout, and a
//! verdict from the grader's own bookkeeping.
//!
//! The test binary runs exactly one test (`NAME --exact --test-threads 1`). Its verdict travels
//! through the sealed channel of [`crate::verdict`]: a fresh key on standard input, which the
//! harness prints back only once the scenario has returned. A run passes only if the process
//! exited with status 0 *and* its output holds this run's key. libtest's own lines, result
//! files, exit codes and anything else the code under test can print or write decide nothing.
//!
//! A run that failed, exited early or timed out, and whose output holds this run's
//! inconclusive line (the harness found the machine starved the scenario), judged nothing: it
//! is attempted again (see [`crate::attempts`]). A run stopped for its run directory, killed by
//! a signal (memory, stack) or that the grader could not run is judged as before: no busy
//! machine explains those.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::attempts::attempt_run;
use crate::escape::caps::{self, LOG_BYTES, LOG_LINES, READ_BYTES};
use crate::lab_reports;
use crate::outcome::{panic_message, Failure, ReportCopy, RunMode, RunResult, RunVerdict};
use crate::process::{kill_group, wait_watching, Waited};
use crate::rubric::{Limits, RubricTest};
use crate::run_dir_usage;
use crate::sandbox::Sandbox;
use crate::verdict::{VerdictKey, VERDICT_VAR};

/// One run to make.
#[derive(Clone, Debug)]
pub struct RunSpec<'a> {
    /// The test.
    pub test: &'a RubricTest,
    /// The mode its binary was built for.
    pub mode: RunMode,
    /// Its suite's binary, built for `mode`.
    pub exe: &'a Path,
    /// `LAB_SEED` for this run.
    pub seed: u64,
    /// How long it may take.
    pub timeout: Duration,
    /// Extra environment (`RUST_LOG`...).
    pub env: &'a [(String, String)],
    /// Which run of the test this is (0 for the first).
    pub run: usize,
    /// Where to stage the report page of a failed run (see [`crate::lab_reports`]); `None`: the
    /// test writes none.
    pub reports: Option<&'a Path>,
}

/// Runs one test in job slot `slot`, using `<runs>/slot-N` as its working directory: one
/// attempt, or more while they are inconclusive (see [`attempt_run`]).
pub fn run_test(
    sandbox: &Sandbox,
    slot: usize,
    runs: &Path,
    spec: &RunSpec<'_>,
    limits: &Limits,
) -> RunResult {
    attempt_run(|_| run_attempt(sandbox, slot, runs, spec, limits))
}

/// One attempt of a run: one process.
fn run_attempt(
    sandbox: &Sandbox,
    slot: usize,
    runs: &Path,
    spec: &RunSpec<'_>,
    limits: &Limits,
) -> RunResult {
    let started = Instant::now();
    let result = run_inner(sandbox, slot, runs, spec, limits);
    let duration = started.elapsed();
    let mut result = match result {
        Ok(ran) => {
            let mut result = RunResult::with_verdict(ran.verdict, duration, spec.seed, ran.tail);
            result.output_cut = ran.cut;
            result.message = ran.message;
            result.report = ran.report;
            result
        }
        Err(e) => RunResult::new(Some(Failure::Grader(e)), duration, spec.seed, Vec::new()),
    };
    result.mode = spec.mode;
    result
}

/// The outcome of one process.
struct Ran {
    verdict: RunVerdict,
    /// Its output's tail (see [`caps::keep_end`]).
    tail: Vec<String>,
    /// Bytes of output before the tail, not kept.
    cut: u64,
    /// Its panic message (`None` if it passed).
    message: Option<String>,
    report: Option<ReportCopy>,
}

fn run_inner(
    sandbox: &Sandbox,
    slot: usize,
    runs: &Path,
    spec: &RunSpec<'_>,
    limits: &Limits,
) -> Result<Ran, String> {
    let run_dir = runs.join(format!("slot-{slot}"));
    sandbox.make_run_dir(slot, &run_dir).map_err(|e| e.to_string())?;
    let output_path = runs.join(format!("slot-{slot}.out"));
    let output = crate::fsutil::create_private(&output_path)
        .map_err(|e| format!("create {}: {e}", output_path.display()))?;
    let output_err = output.try_clone().map_err(|e| e.to_string())?;
    // The grader reads the output through its own handle, never by path again.
    let mut output_read = output.try_clone().map_err(|e| e.to_string())?;
    let name = &spec.test.id.name;
    let args: Vec<String> = vec![
        name.clone(),
        "--exact".into(),
        // The rubric, not #[ignore], decides what is graded.
        "--include-ignored".into(),
        "--test-threads".into(),
        "1".into(),
        "--color".into(),
        "never".into(),
    ];
    let mut env: Vec<(String, String)> =
        vec![("LAB_SEED".into(), spec.seed.to_string()), (VERDICT_VAR.into(), "stdin".into())];
    env.extend(lab_reports::test_env(&run_dir, spec.reports.is_some()));
    env.extend(spec.env.iter().cloned());
    let mut command = sandbox.command(slot, &run_dir, spec.exe, &args, &env);
    command.stdin(Stdio::piped()).stdout(Stdio::from(output)).stderr(Stdio::from(output_err));
    let key = VerdictKey::draw();
    let budget_hits = sandbox.memory_budget_hits(slot);
    let mut child = sandbox
        .start(slot, &mut command, true)
        .map_err(|e| format!("cannot start {}: {e}", spec.exe.display()))?;
    let stdin = child.stdin.take().expect("stdin is piped");
    // A process that died at once has closed the pipe: that is its failure, judged below.
    let _ = key.send(stdin);
    let waited = wait_watching(&mut child, spec.timeout, || run_dir_usage::over_limits(&run_dir, limits));
    kill_group(child.id());
    let _ = child.wait();
    sandbox.sweep(slot);
    // Once more: a test can fill its directory between two looks and exit.
    let waited = match waited {
        Waited::Exited(_) => match run_dir_usage::over_limits(&run_dir, limits) {
            Some(why) => Waited::Stopped(why),
            None => waited,
        },
        other => other,
    };
    // Only the output's last bytes are read, whatever the test printed; the verdict lines go
    // before any line is cut (a key must never reach a report, not even in part).
    let (window, before) = read_end(&mut output_read, READ_BYTES).unwrap_or_default();
    let mut lines = caps::output_lines(&window);
    drop(window);
    let heard = key.heard_in_file(&mut output_read);
    key.strip(&mut lines);
    caps::cap_lines(&mut lines);
    let failure = match (waited, &heard) {
        (Waited::TimedOut, _) => Some(Failure::TimedOut(spec.timeout)),
        (Waited::Stopped(why), _) => Some(Failure::DiskLimit(why)),
        (Waited::Failed(e), _) => Some(Failure::Grader(format!("waiting for the test process: {e}"))),
        (_, Err(e)) => {
            Some(Failure::Grader(format!("reading the test's output {}: {e}", output_path.display())))
        }
        (Waited::Exited(status), Ok(heard)) => {
            judge(status, sandbox.reports_signals_as_codes(), heard.verdict, limits, &lines)
        }
    };
    let failure = match failure {
        Some(Failure::Signal { signal, .. }) if sandbox.memory_budget_hits(slot) > budget_hits => {
            Some(Failure::Signal {
                signal,
                hint: format!(
                    "its processes together reached the test's memory budget ({} MiB)",
                    limits.memory_mib
                ),
            })
        }
        other => other,
    };
    let starved = heard.ok().and_then(|heard| heard.inconclusive);
    let verdict = match (failure, starved) {
        (None, _) => RunVerdict::Passed,
        (
            Some(Failure::TestFailed { .. } | Failure::TimedOut(_) | Failure::ExitedEarly { .. }),
            Some(reason),
        ) => RunVerdict::Inconclusive { reason },
        (Some(failure), _) => RunVerdict::Failed(failure),
    };
    // The message may lie further back than the tail kept.
    let message = match verdict {
        RunVerdict::Passed => None,
        _ => panic_message(&lines),
    };
    let (mut tail, cut) = caps::keep_end(lines, before, LOG_LINES, LOG_BYTES);
    // Every process of the run is gone (killed and swept): what it left is safe to read.
    let report = match (&verdict, spec.reports) {
        (RunVerdict::Passed, _) | (_, None) => None,
        (_, Some(staging)) => {
            let staged = staging.join(format!(
                "{}.run{}.html",
                lab_reports::file_name(&spec.test.id.to_string()),
                spec.run + 1
            ));
            let report = lab_reports::take(&run_dir, name, &staged);
            if let Some(ReportCopy::Kept(staged)) = &report {
                lab_reports::retarget(&mut tail, &lab_reports::written_at(&run_dir, name), staged);
            }
            report
        }
    };
    // Emptied now, not when the slot is next used: what a test wrote (up to its disk limit)
    // would otherwise wait for the disk, and slow the tests that run beside the next one.
    // If this fails, preparing the slot's next run tries again (and sets the tree aside).
    let _ = crate::remove_tree::remove_tree(&run_dir);
    Ok(Ran { verdict, tail, cut, message, report })
}

/// The last `max` bytes of `file` (all of it if shorter), from a character's start, and how
/// many bytes come before them.
fn read_end(file: &mut File, max: u64) -> io::Result<(Vec<u8>, u64)> {
    let len = file.metadata()?.len();
    let start = len.saturating_sub(max);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::with_capacity((len - start) as usize);
    file.take(max).read_to_end(&mut bytes)?;
    let skip = if start > 0 { caps::first_char_start(&bytes) } else { 0 };
    bytes.drain(..skip);
    Ok((bytes, start + skip as u64))
}

/// The verdict for a process that ended with `status`; `confirmed`: its output holds this run's
/// verdict line. With `signals_as_codes` (bubblewrap reports a child killed by signal N as exit
/// status 128 + N), such statuses are read as signals when the test was not confirmed.
fn judge(
    status: ExitStatus,
    signals_as_codes: bool,
    confirmed: bool,
    limits: &Limits,
    tail: &[String],
) -> Option<Failure> {
    use std::os::unix::process::ExitStatusExt;
    let code = status.code().unwrap_or(-1);
    let signal = status
        .signal()
        .or_else(|| (signals_as_codes && !confirmed && (129..=192).contains(&code)).then_some(code - 128));
    if let Some(signal) = signal {
        return Some(Failure::Signal {
            signal: signal_name(signal),
            hint: signal_hint(signal, limits, tail),
        });
    }
    match (code, confirmed) {
        (0, true) => None,
        (_, true) => Some(Failure::CrashedAfterPassing(code)),
        // libtest's status for a failed test.
        (101, false) => Some(Failure::TestFailed { hint: output_hint(limits, tail) }),
        (_, false) => Some(Failure::ExitedEarly { code, hint: output_hint(limits, tail) }),
    }
}

/// Advice drawn from the output. Only a hint: the verdict never depends on it.
fn output_hint(limits: &Limits, tail: &[String]) -> Option<String> {
    let text = tail.join("\n");
    if text.contains("memory allocation of") || text.contains("capacity overflow") {
        Some(format!("the process ran out of memory (limit: {} MiB of address space)", limits.memory_mib))
    } else if text.contains("failed to spawn thread") || text.contains("Resource temporarily unavailable") {
        Some(format!(
            "the process could not start another thread (limit: {} threads and processes)",
            limits.threads
        ))
    } else if text.contains("has overflowed its stack") {
        Some("a thread overflowed its stack (unbounded recursion?)".into())
    } else {
        None
    }
}

fn signal_hint(signal: i32, limits: &Limits, tail: &[String]) -> String {
    match Signal::try_from(signal) {
        Ok(Signal::SIGABRT) => output_hint(limits, tail).unwrap_or_else(|| {
            "the process aborted: std::process::abort, a panic while panicking, or a failed allocation".into()
        }),
        Ok(Signal::SIGSEGV) | Ok(Signal::SIGBUS) => {
            output_hint(limits, tail).unwrap_or_else(|| "a memory error or a stack overflow".into())
        }
        Ok(Signal::SIGXFSZ) => format!("the test wrote more than the {} MiB output limit", limits.output_mib),
        Ok(Signal::SIGKILL) => "killed (the system ran out of memory, or the process killed itself)".into(),
        _ => "the process was killed by a signal".into(),
    }
}

fn signal_name(signal: i32) -> String {
    Signal::try_from(signal).map(|s| s.as_str().to_string()).unwrap_or_else(|_| format!("signal {signal}"))
}

/// Where a run's output went, for `--keep`.
pub fn output_path(runs: &Path, slot: usize) -> PathBuf {
    runs.join(format!("slot-{slot}.out"))
}
