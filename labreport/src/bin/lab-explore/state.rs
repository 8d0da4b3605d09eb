//! What the runner knows of an exploration while it runs: each test process's progress through
//! its share, its output, and the first failure, read from the lines the processes print.

use std::path::PathBuf;
use std::process::ExitStatus;

use labreport::explore::{execution_case, Case, Line, Share};

use super::plan::ScheduleCounts;
use super::tail::Tail;

/// What the harness prints before the path of a report page (`labreport::scenario`).
const REPORT_PREFIX: &str = "report: ";
/// What the harness prints after it.
const REPORT_SUFFIX: &str = " (open it in a browser)";
/// What the harness prints before the path of a trace.
const TRACE_PREFIX: &str = "trace: ";

/// Why an exploration did not pass, as found first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The process said that this execution failed.
    Failed {
        /// The process.
        worker: usize,
        /// The execution.
        index: u64,
        /// What replays it.
        case: Case,
    },
    /// The process ended in failure without saying which execution failed (it crashed, or was
    /// killed by something else than the runner).
    Died {
        /// The process.
        worker: usize,
        /// How it ended.
        status: String,
        /// The execution it had not finished, if it had one.
        running: Option<u64>,
    },
    /// The process ended well having reported fewer executions than its share: the test does
    /// not take part in explorations.
    Absent {
        /// The process.
        worker: usize,
        /// How many it reported.
        done: u64,
        /// How many it had to run.
        share: u64,
    },
}

impl Failure {
    /// The process it concerns.
    pub fn worker(&self) -> usize {
        match self {
            Failure::Failed { worker, .. }
            | Failure::Died { worker, .. }
            | Failure::Absent { worker, .. } => *worker,
        }
    }
}

/// What a line changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// One more execution passed.
    Passed,
    /// The first failure was found: stop the other processes.
    Failed,
}

/// One test process as the runner follows it.
#[derive(Debug)]
pub struct Worker {
    share: Share,
    /// How many executions its share holds.
    size: u64,
    done: u64,
    /// Its output, stdout and stderr as they came.
    pub tail: Tail,
    /// The last report page it named.
    pub report: Option<String>,
    /// The last trace it named.
    pub trace: Option<String>,
    /// The directory it writes its report pages to, once started.
    pub dir: Option<PathBuf>,
}

impl Worker {
    fn new(share: Share) -> Worker {
        let size = share.indices().count() as u64;
        Worker { share, size, done: 0, tail: Tail::default(), report: None, trace: None, dir: None }
    }

    /// The execution it runs next (or was running when it stopped), if its share has one left.
    fn next(&self) -> Option<u64> {
        let index = self.share.worker + self.done * self.share.workers;
        (self.done < self.size).then_some(index)
    }
}

/// The state of one exploration.
#[derive(Debug)]
pub struct Exploration {
    workers: Vec<Worker>,
    passed: u64,
    schedules: ScheduleCounts,
    failure: Option<Failure>,
    stopping: bool,
}

impl Exploration {
    /// An exploration whose processes run `shares`, one each, in order.
    pub fn new(shares: &[Share]) -> Exploration {
        Exploration {
            workers: shares.iter().copied().map(Worker::new).collect(),
            passed: 0,
            schedules: ScheduleCounts::default(),
            failure: None,
            stopping: false,
        }
    }

    /// Reads a line process `worker` printed (on stdout or stderr).
    pub fn line(&mut self, worker: usize, text: String) -> Option<Change> {
        let state = self.workers.get_mut(worker)?;
        let change = match Line::parse(&text) {
            Some(Line::Done { index }) if state.next() == Some(index) => {
                state.done += 1;
                self.passed += 1;
                self.schedules.add(index);
                Some(Change::Passed)
            }
            Some(Line::Failed { index, case }) if self.failure.is_none() => {
                self.failure = Some(Failure::Failed { worker, index, case });
                self.stopping = true;
                Some(Change::Failed)
            }
            _ => None,
        };
        if let Some(path) = text.strip_prefix(REPORT_PREFIX) {
            state.report = Some(path.strip_suffix(REPORT_SUFFIX).unwrap_or(path).trim().to_string());
        }
        if let Some(path) = text.strip_prefix(TRACE_PREFIX) {
            state.trace = Some(path.trim().to_string());
        }
        state.tail.push(text);
        change
    }

    /// Process `worker` ended with `status`: a failure if it failed unasked, or passed without
    /// running its share (once the exploration stops, the runner ends the processes itself).
    pub fn ended(&mut self, worker: usize, status: ExitStatus) -> Option<Change> {
        let state = self.workers.get(worker)?;
        if self.stopping {
            return None;
        }
        let failure = if !status.success() {
            Failure::Died { worker, status: status.to_string(), running: state.next() }
        } else if state.done < state.size {
            Failure::Absent { worker, done: state.done, share: state.size }
        } else {
            return None;
        };
        self.failure = Some(failure);
        self.stopping = true;
        Some(Change::Failed)
    }

    /// The runner stops the exploration (an interrupt): what processes end with from now on is
    /// the runner's doing.
    pub fn stop(&mut self) {
        self.stopping = true;
    }

    /// Whether the exploration is stopping (a failure was found, or the runner stops it): no
    /// process is to start any more.
    pub fn stopping(&self) -> bool {
        self.stopping
    }

    /// Process `worker` started, writing its report pages into `dir`.
    pub fn started(&mut self, worker: usize, dir: PathBuf) {
        if let Some(state) = self.workers.get_mut(worker) {
            state.dir = Some(dir);
        }
    }

    /// How many executions passed so far.
    pub fn passed(&self) -> u64 {
        self.passed
    }

    /// How many passed on each schedule.
    pub fn schedules(&self) -> &ScheduleCounts {
        &self.schedules
    }

    /// The first failure, if one was found.
    pub fn failure(&self) -> Option<&Failure> {
        self.failure.as_ref()
    }

    /// Process `worker`, as followed so far.
    pub fn worker(&self, worker: usize) -> Option<&Worker> {
        self.workers.get(worker)
    }

    /// The case process `worker` was running when it stopped, if any.
    pub fn running_case(&self, worker: usize) -> Option<(u64, Case)> {
        let state = self.workers.get(worker)?;
        state.next().map(|index| (index, execution_case(state.share.base, index)))
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    use super::*;
    use crate::plan::Plan;

    fn exploration() -> Exploration {
        Exploration::new(&Plan::new(9, 5, 2).shares())
    }

    fn exited(code: i32) -> ExitStatus {
        ExitStatus::from_raw(code << 8)
    }

    #[test]
    fn done_lines_count_once_in_share_order() {
        let mut run = exploration();
        assert_eq!(run.line(0, "LAB-EXPLORE done 0".into()), Some(Change::Passed));
        assert_eq!(run.line(0, "LAB-EXPLORE done 0".into()), None, "twice");
        assert_eq!(run.line(0, "LAB-EXPLORE done 1".into()), None, "not worker 0's");
        assert_eq!(run.line(1, "LAB-EXPLORE done 1".into()), Some(Change::Passed));
        assert_eq!(run.line(0, "Test: a story".into()), None);
        assert_eq!(run.passed(), 2);
        assert_eq!(run.schedules().describe(), "2 random");
        assert_eq!(run.worker(0).unwrap().tail.lines().count(), 4, "every line is kept");
        assert_eq!(run.ended(1, exited(0)), Some(Change::Failed), "worker 1 had 2 of 2 to run");
        assert_eq!(run.failure(), Some(&Failure::Absent { worker: 1, done: 1, share: 2 }));
    }

    #[test]
    fn the_first_failure_stops_the_exploration_and_names_its_page() {
        let mut run = exploration();
        run.line(1, "report: /r/process-1/t.html (open it in a browser)".into());
        let case = execution_case(9, 3);
        assert_eq!(run.line(1, format!("LAB-EXPLORE failed 3 {case}")), Some(Change::Failed));
        assert_eq!(
            run.line(0, format!("LAB-EXPLORE failed 2 {}", execution_case(9, 2))),
            None,
            "not the first"
        );
        assert_eq!(run.ended(0, ExitStatus::from_raw(9)), None, "killed by the runner");
        assert_eq!(run.failure(), Some(&Failure::Failed { worker: 1, index: 3, case }));
        assert_eq!(run.worker(1).unwrap().report.as_deref(), Some("/r/process-1/t.html"));
    }

    #[test]
    fn a_process_that_dies_names_the_execution_it_was_running() {
        let mut run = exploration();
        run.line(0, "LAB-EXPLORE done 0".into());
        assert_eq!(run.ended(0, ExitStatus::from_raw(11)), Some(Change::Failed));
        let Some(Failure::Died { worker: 0, running: Some(2), status }) = run.failure() else {
            panic!("{:?}", run.failure());
        };
        assert!(status.contains("11"), "{status}");
        assert_eq!(run.running_case(0), Some((2, execution_case(9, 2))));
        let mut passed = exploration();
        for line in ["LAB-EXPLORE done 0", "LAB-EXPLORE done 2", "LAB-EXPLORE done 4"] {
            passed.line(0, line.into());
        }
        assert_eq!(passed.ended(0, exited(0)), None, "its whole share passed");
        assert_eq!(
            passed.ended(1, exited(101)).map(|_| passed.failure().cloned()),
            Some(Some(Failure::Died { worker: 1, status: "exit status: 101".into(), running: Some(1) }))
        );
    }
}
