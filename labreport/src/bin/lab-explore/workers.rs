//! The test processes of an exploration: each started on the one test with its share, in a slot
//! (one of the processes that run at once) whose report directory it writes to, its stdout and
//! stderr read line by line on a thread each, and every one ended, whatever happens, before the
//! runner goes on ([`Workers`]'s `Drop`).
//!
//! Each process leads a process group of its own, and is ended with its group: whatever it
//! started goes with it, and nothing is left holding its output open. (So Ctrl-C on a terminal
//! reaches the runner alone, which ends them.)

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use labreport::explore::{Share, CASE_ENV, EXPLORE_ENV};
use labreport::naming::{REPORT_DIR_ENV, TRACE_DIR_ENV};
use labreport::runner::build::TestBinary;

use super::tail::LineSplitter;

/// How many lines may wait for the runner before the readers (and so the processes) wait.
const QUEUED_LINES: usize = 4096;

/// How long a process's output may stay open after it ended (something it started holds it)
/// before its group is killed.
const OUTPUT_AFTER_EXIT: Duration = Duration::from_secs(1);

/// How long the runner waits for its reading threads once every process is killed; a thread
/// still reading then (from a process that left its group) ends with the runner.
const READERS_END: Duration = Duration::from_secs(2);

/// The variables a test process must not inherit: a replay's case or seed would contradict its
/// share, and the grader's verdict mode (`labtests::verdict::VERDICT_VAR`, a crate this one
/// cannot depend on) would wait for a key on its input.
const NOT_INHERITED: [&str; 3] = [CASE_ENV, labrpc::SEED_ENV, "LAB_VERDICT"];

/// A line a test process printed, or the end of one of its two streams.
#[derive(Debug)]
pub enum Event {
    /// A line (stdout or stderr), without its newline.
    Line {
        /// The process, by the number of its share (each share is run by one process).
        worker: usize,
        /// The line, at most `tail::LINE_BYTES` long.
        text: String,
    },
    /// One of its streams ended.
    Closed {
        /// The process, by the number of its share.
        worker: usize,
    },
}

/// What every process runs.
pub struct Spec<'a> {
    /// The test binary.
    pub binary: &'a TestBinary,
    /// The test, as `--exact` takes it.
    pub test: &'a str,
    /// A process in slot `j` writes its report pages to `reports/process-j`.
    pub reports: &'a Path,
    /// If set, a process in slot `j` writes its traces to `traces/process-j`.
    pub traces: Option<&'a Path>,
}

/// One running test process.
struct Process {
    /// The number of its share.
    worker: usize,
    /// Which of the processes that run at once it is.
    slot: usize,
    child: Child,
    open_streams: u8,
    /// How it ended and when, once reaped.
    exited: Option<(ExitStatus, Instant)>,
}

impl Process {
    /// Kills its process group.
    fn kill(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
}

/// The running test processes and the threads that read them.
pub struct Workers<'a> {
    spec: Spec<'a>,
    running: Vec<Process>,
    readers: Vec<JoinHandle<()>>,
    sender: SyncSender<Event>,
    events: Option<Receiver<Event>>,
}

impl<'a> Workers<'a> {
    /// No process yet; each will run `spec`.
    pub fn new(spec: Spec<'a>) -> Workers<'a> {
        let (sender, events) = sync_channel(QUEUED_LINES);
        Workers { spec, running: Vec::new(), readers: Vec::new(), sender, events: Some(events) }
    }

    /// Starts the process of share number `worker`, `share`, in slot `slot`; returns the
    /// directory it writes its report pages to.
    pub fn start(&mut self, worker: usize, share: &Share, slot: usize) -> Result<PathBuf, String> {
        let reports = slot_dir(self.spec.reports, slot);
        let mut child = command(&self.spec, &reports, slot, share)?
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.spec.binary.exe.display()))?;
        let streams = [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
            child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
        ];
        self.running.push(Process { worker, slot, child, open_streams: 2, exited: None });
        for stream in streams {
            let stream = stream.ok_or("a test process's output is not piped")?;
            let sender = self.sender.clone();
            let reader = std::thread::Builder::new()
                .name(format!("worker-{worker}-output"))
                .spawn(move || read_lines(worker, stream, &sender))
                .map_err(|e| format!("cannot start a thread to read a test process: {e}"))?;
            self.readers.push(reader);
        }
        Ok(reports)
    }

    /// The next line or end of stream, waiting at most `timeout`; `None` if none came.
    pub fn next(&mut self, timeout: Duration) -> Option<Event> {
        let event = self.events.as_ref()?.recv_timeout(timeout).ok()?;
        if let Event::Closed { worker } = event {
            if let Some(process) = self.running.iter_mut().find(|p| p.worker == worker) {
                process.open_streams = process.open_streams.saturating_sub(1);
            }
        }
        Some(event)
    }

    /// The processes that ended since last asked, by share number, with how: only once both
    /// their streams were read to the end, so that every line they printed came first.
    pub fn ended(&mut self) -> Vec<(usize, ExitStatus)> {
        let mut ended = Vec::new();
        for process in &mut self.running {
            if process.exited.is_none() {
                if let Ok(Some(status)) = process.child.try_wait() {
                    process.exited = Some((status, Instant::now()));
                }
            }
            match process.exited {
                Some((status, _)) if process.open_streams == 0 => ended.push((process.worker, status)),
                Some((_, at)) if at.elapsed() > OUTPUT_AFTER_EXIT => process.kill(),
                _ => {}
            }
        }
        self.running.retain(|p| !ended.iter().any(|(worker, _)| *worker == p.worker));
        for reader in extract_finished(&mut self.readers) {
            let _ = reader.join();
        }
        ended
    }

    /// Whether a process has closed its output but is not reaped yet: it is ending, and the
    /// runner should look again soon rather than wait for a line.
    pub fn ending(&self) -> bool {
        self.running.iter().any(|p| p.open_streams == 0 && p.exited.is_none())
    }

    /// How many processes have not ended yet (or not been read to the end).
    pub fn running(&self) -> usize {
        self.running.len()
    }

    /// The first of `slots` slots no running process holds, if any.
    pub fn free_slot(&self, slots: usize) -> Option<usize> {
        (0..slots).find(|slot| !self.running.iter().any(|p| p.slot == *slot))
    }

    /// Kills every running process but that of share `keep`, each with its group.
    pub fn kill_all_but(&mut self, keep: Option<usize>) {
        for process in self.running.iter_mut().filter(|p| Some(p.worker) != keep) {
            process.kill();
        }
    }

    /// Kills the process of share `worker` with its group.
    pub fn kill(&mut self, worker: usize) {
        if let Some(process) = self.running.iter_mut().find(|p| p.worker == worker) {
            process.kill();
        }
    }
}

impl Drop for Workers<'_> {
    /// Kills every process still running, with its group, and waits for them; stops the
    /// readers (a reader waiting to hand a line over finds no one to take it) and waits for
    /// them too, a while.
    fn drop(&mut self) {
        self.kill_all_but(None);
        for process in &mut self.running {
            if process.exited.is_none() {
                let _ = process.child.wait();
            }
        }
        drop(self.events.take());
        let deadline = Instant::now() + READERS_END;
        while self.readers.iter().any(|r| !r.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        for reader in extract_finished(&mut self.readers) {
            let _ = reader.join();
        }
    }
}

/// The threads of `readers` that have finished, taken out of it.
fn extract_finished(readers: &mut Vec<JoinHandle<()>>) -> Vec<JoinHandle<()>> {
    let (finished, running): (Vec<_>, Vec<_>) = readers.drain(..).partition(|r| r.is_finished());
    *readers = running;
    finished
}

/// The directory the process in slot `slot` writes into, under `root`.
pub fn slot_dir(root: &Path, slot: usize) -> PathBuf {
    root.join(format!("process-{slot}"))
}

/// The command of a process in slot `slot` running `share`, its pages going to `reports`: the
/// one test, its output shown, ignored or not.
fn command(spec: &Spec, reports: &Path, slot: usize, share: &Share) -> Result<Command, String> {
    clear_pages(reports)?;
    let mut command = Command::new(&spec.binary.exe);
    command
        .args([spec.test, "--exact", "--nocapture", "--test-threads=1", "--include-ignored", "--color=never"])
        .current_dir(&spec.binary.dir)
        .env(EXPLORE_ENV, share.to_string())
        .env(REPORT_DIR_ENV, reports)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    for name in NOT_INHERITED {
        command.env_remove(name);
    }
    if let Some(traces) = spec.traces {
        command.env(TRACE_DIR_ENV, slot_dir(traces, slot));
    }
    Ok(command)
}

/// Makes `dir`, without the pages an earlier exploration left there.
fn clear_pages(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "html") {
            std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Hands over the lines of `stream` until it ends, then says so; stops early if no one listens.
fn read_lines(worker: usize, mut stream: Box<dyn Read + Send>, events: &SyncSender<Event>) {
    let mut split = LineSplitter::default();
    let mut buffer = [0u8; 8192];
    loop {
        let lines = match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => split.feed(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        for text in lines {
            if events.send(Event::Line { worker, text }).is_err() {
                return;
            }
        }
    }
    if let Some(text) = split.finish() {
        let _ = events.send(Event::Line { worker, text });
    }
    let _ = events.send(Event::Closed { worker });
}
