//! How a simulated run picks the next task, in both builds: the simulation runs it (with the
//! `simulation` feature), and replay commands and explorations name it in either build.

use std::fmt;
use std::str::FromStr;

/// How a simulated run picks the next task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Schedule {
    /// A uniformly random runnable task at every step.
    Random,
    /// Probabilistic concurrency testing: random priorities with `depth - 1` priority changes,
    /// which finds bugs that need a few preemptions at precise points.
    Pct {
        /// The bug depth aimed at (2 or 3 are usual).
        depth: usize,
    },
}

impl fmt::Display for Schedule {
    /// `random`, or `pct` and the depth (`pct3`): how a replay command names the schedule.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Random => f.write_str("random"),
            Schedule::Pct { depth } => write!(f, "pct{depth}"),
        }
    }
}

impl FromStr for Schedule {
    type Err = String;

    /// What [`Display`](fmt::Display) writes: `random`, or `pct1` to `pct8`.
    fn from_str(text: &str) -> Result<Schedule, String> {
        if text == "random" {
            return Ok(Schedule::Random);
        }
        match text.strip_prefix("pct").map(str::parse::<usize>) {
            Some(Ok(depth)) if (1..=8).contains(&depth) => Ok(Schedule::Pct { depth }),
            _ => Err(format!("{text:?} is not a schedule: use random, or pct1 to pct8")),
        }
    }
}
