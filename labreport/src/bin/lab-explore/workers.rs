//! The test processes of an exploration: each started on the one test with its share and a
//! report directory of its own, its stdout and stderr read line by line on a thread each, and
//! every one ended, whatever happens, before the runner goes on ([`Workers`]'s `Drop`).
//!
//! Each process leads a process group of its own, and is ended with its group: whatever it
//! started goes with it, and nothing is left holding its output open. (So Ctrl-C on a terminal
//! reaches the runner alone, which ends them.)

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
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
        /// The process.
        worker: usize,
        /// The line, at most `tail::LINE_BYTES` long.
        text: String,
    },
    /// One of its streams ended.
    Closed {
        /// The process.
        worker: usize,
    },
}

/// What every process runs.
pub struct Spec<'a> {
    /// The test binary.
    pub binary: &'a TestBinary,
    /// The test, as `--exact` takes it.
    pub test: &'a str,
    /// Process `i` writes its report pages to `reports/worker-i`.
    pub reports: &'a Path,
    /// If set, process `i` writes its traces to `traces/worker-i`.
    pub traces: Option<&'a Path>,
}

struct Worker {
    child: Child,
    open_streams: u8,
    /// How it ended and when, once reaped.
    exited: Option<(ExitStatus, Instant)>,
    /// Whether [`Workers::ended`] has told of it.
    told: bool,
}

impl Worker {
    /// Kills its process group, unless it was told of (then its group is gone).
    fn kill(&mut self) {
        if !self.told {
            if let Ok(pid) = i32::try_from(self.child.id()) {
                let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
            }
        }
    }
}

/// The running test processes and the threads that read them.
pub struct Workers {
    workers: Vec<Worker>,
    readers: Vec<JoinHandle<()>>,
    events: Option<Receiver<Event>>,
}

impl Workers {
    /// Starts one process per share. A process that cannot start ends those started before it.
    pub fn start(spec: &Spec, shares: &[Share]) -> Result<Workers, String> {
        let (sender, events) = sync_channel(QUEUED_LINES);
        let mut workers =
            Workers { workers: Vec::with_capacity(shares.len()), readers: Vec::new(), events: Some(events) };
        for (index, share) in shares.iter().enumerate() {
            let mut child = command(spec, index, share)?
                .spawn()
                .map_err(|e| format!("cannot start {}: {e}", spec.binary.exe.display()))?;
            let stdout = child.stdout.take();
            let stderr = child.stderr.take();
            workers.workers.push(Worker { child, open_streams: 2, exited: None, told: false });
            for stream in
                [stdout.map(|s| Box::new(s) as Box<dyn Read + Send>), stderr.map(|s| Box::new(s) as _)]
            {
                let stream = stream.ok_or("a test process's output is not piped")?;
                let sender = sender.clone();
                let reader = std::thread::Builder::new()
                    .name(format!("worker-{index}-output"))
                    .spawn(move || read_lines(index, stream, &sender))
                    .map_err(|e| format!("cannot start a thread to read a test process: {e}"))?;
                workers.readers.push(reader);
            }
        }
        Ok(workers)
    }

    /// The next line or end of stream, waiting at most `timeout`; `None` if none came.
    pub fn next(&mut self, timeout: Duration) -> Option<Event> {
        let event = match self.events.as_ref()?.recv_timeout(timeout) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => return None,
            Err(RecvTimeoutError::Disconnected) => {
                // Every stream has ended; the processes are about to be reaped.
                std::thread::sleep(timeout.min(Duration::from_millis(10)));
                return None;
            }
        };
        if let Event::Closed { worker } = event {
            if let Some(w) = self.workers.get_mut(worker) {
                w.open_streams = w.open_streams.saturating_sub(1);
            }
        }
        Some(event)
    }

    /// The processes that ended since last asked, with how: only once both their streams were
    /// read to the end, so that every line they printed came first.
    pub fn ended(&mut self) -> Vec<(usize, ExitStatus)> {
        let mut ended = Vec::new();
        for (index, worker) in self.workers.iter_mut().enumerate() {
            if worker.told {
                continue;
            }
            if worker.exited.is_none() {
                if let Ok(Some(status)) = worker.child.try_wait() {
                    worker.exited = Some((status, Instant::now()));
                }
            }
            match worker.exited {
                Some((status, _)) if worker.open_streams == 0 => {
                    worker.told = true;
                    ended.push((index, status));
                }
                Some((_, at)) if at.elapsed() > OUTPUT_AFTER_EXIT => worker.kill(),
                _ => {}
            }
        }
        ended
    }

    /// Whether every process has ended and been read to the end.
    pub fn all_ended(&self) -> bool {
        self.workers.iter().all(|w| w.told)
    }

    /// Kills every process but `keep`, each with its group.
    pub fn kill_all_but(&mut self, keep: Option<usize>) {
        for (index, worker) in self.workers.iter_mut().enumerate() {
            if Some(index) != keep {
                worker.kill();
            }
        }
    }

    /// Kills process `index` with its group.
    pub fn kill(&mut self, index: usize) {
        if let Some(worker) = self.workers.get_mut(index) {
            worker.kill();
        }
    }
}

impl Drop for Workers {
    /// Kills every process still running, with its group, and waits for them; stops the
    /// readers (a reader waiting to hand a line over finds no one to take it) and waits for
    /// them too, a while.
    fn drop(&mut self) {
        self.kill_all_but(None);
        for worker in &mut self.workers {
            if worker.exited.is_none() {
                let _ = worker.child.wait();
            }
        }
        drop(self.events.take());
        let deadline = Instant::now() + READERS_END;
        while self.readers.iter().any(|r| !r.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        for reader in self.readers.drain(..).filter(|r| r.is_finished()) {
            let _ = reader.join();
        }
    }
}

/// The directory process `index` writes into, under `root`.
pub fn worker_dir(root: &Path, index: usize) -> PathBuf {
    root.join(format!("worker-{index}"))
}

/// Process `index`'s command: the one test, its output shown, ignored or not, with its share.
fn command(spec: &Spec, index: usize, share: &Share) -> Result<Command, String> {
    let reports = worker_dir(spec.reports, index);
    clear_pages(&reports)?;
    let mut command = Command::new(&spec.binary.exe);
    command
        .args([spec.test, "--exact", "--nocapture", "--test-threads=1", "--include-ignored", "--color=never"])
        .current_dir(&spec.binary.dir)
        .env(EXPLORE_ENV, share.to_string())
        .env(REPORT_DIR_ENV, &reports)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    for name in NOT_INHERITED {
        command.env_remove(name);
    }
    if let Some(traces) = spec.traces {
        command.env(TRACE_DIR_ENV, worker_dir(traces, index));
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
