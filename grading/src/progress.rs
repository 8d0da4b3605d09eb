//! The progress display while tests run, on stderr: one redrawn line on a terminal, one line
//! per finished run otherwise (CI logs), nothing with `--quiet`.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::outcome::{RunResult, RunVerdict};
use crate::rubric::TestId;

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A line redrawn in place (stderr is a terminal).
    Live,
    /// One line per finished run.
    Lines,
    /// Nothing.
    Quiet,
}

impl Style {
    /// `Live` on a terminal, `Lines` elsewhere; `Quiet` if asked.
    pub fn detect(quiet: bool) -> Style {
        if quiet {
            Style::Quiet
        } else if std::io::stderr().is_terminal() {
            Style::Live
        } else {
            Style::Lines
        }
    }
}

/// The progress of one grading.
pub struct Progress {
    style: Style,
    total: usize,
    done: usize,
    failed: usize,
    inconclusive: usize,
    running: BTreeMap<usize, (TestId, Instant)>,
    drawn: bool,
}

impl Progress {
    /// Progress over `total` runs.
    pub fn new(style: Style, total: usize) -> Progress {
        Progress { style, total, done: 0, failed: 0, inconclusive: 0, running: BTreeMap::new(), drawn: false }
    }

    /// Slot `slot` started a run of `id`.
    pub fn started(&mut self, slot: usize, id: &TestId) {
        self.running.insert(slot, (id.clone(), Instant::now()));
        self.redraw();
    }

    /// Slot `slot` finished a run of `id`.
    pub fn finished(&mut self, slot: usize, id: &TestId, run: usize, runs: usize, result: &RunResult) {
        self.running.remove(&slot);
        self.done += 1;
        let verdict = match &result.verdict {
            RunVerdict::Passed => "PASS",
            RunVerdict::Failed(_) => "FAIL",
            RunVerdict::Inconclusive { .. } => "INCONCLUSIVE",
        };
        match &result.verdict {
            RunVerdict::Passed => {}
            RunVerdict::Failed(_) => self.failed += 1,
            RunVerdict::Inconclusive { .. } => self.inconclusive += 1,
        }
        if self.style == Style::Lines {
            let which = if runs > 1 { format!(" run {}/{runs}", run + 1) } else { String::new() };
            let attempts = match result.attempts() {
                1 => String::new(),
                n => format!(", {n} attempts"),
            };
            eprintln!(
                "[{:>3}/{}] {verdict} {id}{which} ({:.1}s{attempts})",
                self.done,
                self.total,
                result.duration.as_secs_f64()
            );
        }
        self.redraw();
    }

    /// Runs that will not happen (a run of the test did not pass): they count as done.
    pub fn skipped(&mut self, count: usize) {
        self.done += count;
        self.redraw();
    }

    /// Redraws the live line (call now and then so elapsed times move).
    pub fn redraw(&mut self) {
        if self.style != Style::Live {
            return;
        }
        let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100usize);
        let now = Instant::now();
        let running: Vec<String> = self
            .running
            .values()
            .map(|(id, since)| format!("{} {}s", id.name, now.duration_since(*since).as_secs()))
            .collect();
        let inconclusive = match self.inconclusive {
            0 => String::new(),
            n => format!(", {n} INCONCLUSIVE"),
        };
        let mut line = format!(
            "[{:>3}/{}] {} failed{inconclusive} · running: {}",
            self.done,
            self.total,
            self.failed,
            if running.is_empty() { "-".to_string() } else { running.join(", ") }
        );
        if line.chars().count() >= width {
            line = line.chars().take(width.saturating_sub(2)).collect::<String>() + "…";
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        self.drawn = true;
    }

    /// Clears the live line.
    pub fn finish(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }

    /// How often [`Progress::redraw`] should be called.
    pub const TICK: Duration = Duration::from_millis(500);
}
