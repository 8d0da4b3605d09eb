//! How a simulated scenario is explored and replayed: the words `make explore` (the binary
//! `lab-explore`) and the scenarios agree on.
//!
//! - An **execution** is one simulated run of a scenario, fixed by a [`Case`]: its seed (which
//!   drives the schedule, the network's fault draws and the scenario's own random choices), its
//!   [`Schedule`], and for a search test the plan it ran (which operations and faults it kept
//!   after shrinking), written as the search writes it.
//! - `lab-explore` starts one test process per core, each with [`EXPLORE_ENV`] set to its
//!   [`Share`] of the executions. The scenario runs its executions in turn, prints a
//!   [`Line::Done`] on stdout after each one that passed, and at the first that fails prints a
//!   [`Line::Failed`] with the case that replays it, then fails as the test would.
//! - [`CASE_ENV`] set to a case replays that one execution exactly (the command is
//!   [`replay_command`]).
//! - A test process with both set fails, saying so: it either replays or explores (`lab-explore`
//!   never passes on a [`CASE_ENV`] of its own environment to the processes it starts). A
//!   malformed value of either fails the test with what is wrong with it.
//!
//! Execution `i` of a search or an exploration with base seed `B` runs the case
//! `execution_case(B, i)`: the same on every machine, so a grade's search tests give the same
//! result for the same `--seed`.

use std::fmt;
use std::str::FromStr;

/// Set by `lab-explore` in each test process: `BASE:WORKER:WORKERS:RUNS` (see [`Share`]).
pub const EXPLORE_ENV: &str = "LAB_EXPLORE";

/// Set to a [`Case`], the test replays that one execution exactly.
pub const CASE_ENV: &str = "LAB_CASE";

/// What every line of the protocol on a test's stdout begins with.
pub const LINE_PREFIX: &str = "LAB-EXPLORE";

pub use labrpc::Schedule;

/// One execution, as a failure prints it and [`CASE_ENV`] takes it back:
/// `SEED/SCHEDULE` or `SEED/SCHEDULE/PLAN` (`1234/pct3`, `1234/random/o=0.2,f=1,t=900`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// Drives the schedule, the faults and the scenario's random choices.
    pub seed: u64,
    /// How tasks are picked.
    pub schedule: Schedule,
    /// A search test's plan, in its own words (no `/`); `None` for a scenario without one, or
    /// for a search execution that runs its plan unshrunk.
    pub plan: Option<String>,
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.seed, self.schedule)?;
        if let Some(plan) = &self.plan {
            write!(f, "/{plan}")?;
        }
        Ok(())
    }
}

impl FromStr for Case {
    type Err = String;

    fn from_str(text: &str) -> Result<Case, String> {
        let usage = "a case reads SEED/SCHEDULE or SEED/SCHEDULE/PLAN, as a failure prints it (1234/random)";
        let mut parts = text.trim().splitn(3, '/');
        let (Some(seed), Some(schedule)) = (parts.next(), parts.next()) else {
            return Err(format!("{text:?} is not a case: {usage}"));
        };
        let seed =
            seed.parse().map_err(|_| format!("{text:?} is not a case: {seed:?} is not a seed; {usage}"))?;
        let schedule = schedule.parse().map_err(|e| format!("{text:?} is not a case: {e}"))?;
        let plan = parts.next().map(str::to_string);
        if plan.as_deref() == Some("") {
            return Err(format!("{text:?} is not a case: its plan is empty; {usage}"));
        }
        Ok(Case { seed, schedule, plan })
    }
}

impl Case {
    /// [`CASE_ENV`], if set: `Ok(None)` when unset, an error that says what is wrong with it
    /// when it does not read as a case.
    pub fn from_env() -> Result<Option<Case>, String> {
        match std::env::var(CASE_ENV) {
            Err(_) => Ok(None),
            Ok(text) if text.trim().is_empty() => Ok(None),
            Ok(text) => text.parse().map(Some).map_err(|e| format!("{CASE_ENV}: {e}")),
        }
    }
}

/// Why a test process with both [`CASE_ENV`] and [`EXPLORE_ENV`] set refuses to run: it either
/// replays one case or explores a share, and says which variable to unset for each.
pub fn both_set(case: &Case, share: &Share) -> String {
    format!(
        "both {CASE_ENV}={case} and {EXPLORE_ENV}={share} are set: a test process either replays one case or \
         explores a share; unset {EXPLORE_ENV} to replay the case, or {CASE_ENV} to explore"
    )
}

/// The schedule of execution `index`: two in four random, then PCT aimed at depth 2 and 3.
pub fn schedule_for(index: u64) -> Schedule {
    match index % 4 {
        0 | 1 => Schedule::Random,
        2 => Schedule::Pct { depth: 2 },
        _ => Schedule::Pct { depth: 3 },
    }
}

/// The seed of execution `index` of a search or exploration with base seed `base`: a mix of the
/// two (SplitMix64), so neighbouring executions share nothing.
pub fn execution_seed(base: u64, index: u64) -> u64 {
    let mut z = base.wrapping_add(index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Execution `index` of base seed `base`, its plan unshrunk.
pub fn execution_case(base: u64, index: u64) -> Case {
    Case { seed: execution_seed(base, index), schedule: schedule_for(index), plan: None }
}

/// The command that replays `case` of test `test` exactly.
pub fn replay_command(case: &Case, test: &str) -> String {
    format!("{CASE_ENV}={case} make test-sim T={test}")
}

/// One test process's part of an exploration: executions `worker`, `worker + workers`, ... below
/// `runs`, of base seed `base`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    /// The base seed of every execution's seed.
    pub base: u64,
    /// This process's number, below `workers`.
    pub worker: u64,
    /// How many processes share the executions.
    pub workers: u64,
    /// How many executions in all.
    pub runs: u64,
}

impl Share {
    /// The indices of this share's executions, in order.
    pub fn indices(&self) -> impl Iterator<Item = u64> {
        let step = usize::try_from(self.workers.max(1)).unwrap_or(usize::MAX);
        (self.worker..self.runs).step_by(step)
    }

    /// [`EXPLORE_ENV`], if set: `Ok(None)` when unset, an error when malformed.
    pub fn from_env() -> Result<Option<Share>, String> {
        match std::env::var(EXPLORE_ENV) {
            Err(_) => Ok(None),
            Ok(text) => text.parse().map(Some).map_err(|e| format!("{EXPLORE_ENV}: {e}")),
        }
    }
}

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}:{}", self.base, self.worker, self.workers, self.runs)
    }
}

impl FromStr for Share {
    type Err = String;

    fn from_str(text: &str) -> Result<Share, String> {
        let numbers: Vec<u64> = text
            .split(':')
            .map(|n| n.trim().parse())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("{text:?} is not BASE:WORKER:WORKERS:RUNS (four whole numbers)"))?;
        let [base, worker, workers, runs] = numbers[..] else {
            return Err(format!("{text:?} is not BASE:WORKER:WORKERS:RUNS (four whole numbers)"));
        };
        if workers == 0 || worker >= workers {
            return Err(format!("{text:?}: WORKER must be below WORKERS, and WORKERS at least 1"));
        }
        Ok(Share { base, worker, workers, runs })
    }
}

/// A line of the protocol on a test's stdout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// Execution `index` passed.
    Done {
        /// Its index.
        index: u64,
    },
    /// Execution `index` failed; `case` replays the run reported (after shrinking, for a search
    /// test: the smallest failing run found).
    Failed {
        /// Its index.
        index: u64,
        /// The case that replays it.
        case: Case,
    },
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Line::Done { index } => write!(f, "{LINE_PREFIX} done {index}"),
            Line::Failed { index, case } => write!(f, "{LINE_PREFIX} failed {index} {case}"),
        }
    }
}

impl Line {
    /// Prints this line on stdout, on a line of its own (a blank line first: the test harness
    /// may have left its `test NAME ... ` unfinished), and flushes it.
    pub fn say(&self) {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "\n{self}").and_then(|()| out.flush());
    }

    /// The protocol line `text` holds, if it is one.
    pub fn parse(text: &str) -> Option<Line> {
        let mut words = text.trim().strip_prefix(LINE_PREFIX)?.split_whitespace();
        let kind = words.next()?;
        let index = words.next()?.parse().ok()?;
        match (kind, words.next(), words.next()) {
            ("done", None, _) => Some(Line::Done { index }),
            ("failed", Some(case), None) => Some(Line::Failed { index, case: case.parse().ok()? }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_read_back_as_written() {
        for text in ["1234/random", "5/pct3", "18446744073709551615/pct2/o=0.2,f=1,t=900"] {
            assert_eq!(text.parse::<Case>().unwrap().to_string(), text);
        }
        for bad in ["", "12", "x/random", "12/pct0", "12/pct", "12/fifo", "12/random/"] {
            assert!(bad.parse::<Case>().is_err(), "{bad:?} was read as a case");
        }
    }

    #[test]
    fn shares_split_the_executions_without_overlap() {
        let shares: Vec<Share> = (0..3).map(|w| format!("7:{w}:3:10").parse().unwrap()).collect();
        let mut all: Vec<u64> = shares.iter().flat_map(Share::indices).collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert!("7:3:3:10".parse::<Share>().is_err());
        assert!("7:0:0:10".parse::<Share>().is_err());
        assert!("7:0:1".parse::<Share>().is_err());
    }

    #[test]
    fn lines_read_back_and_other_output_is_not_a_line() {
        let failed = Line::Failed { index: 9, case: "3/pct2/o=1".parse().unwrap() };
        assert_eq!(Line::parse(&failed.to_string()), Some(failed));
        assert_eq!(Line::parse("LAB-EXPLORE done 4\n"), Some(Line::Done { index: 4 }));
        assert_eq!(Line::parse("Test: x ... LAB-EXPLORE done 4"), None);
        assert_eq!(Line::parse("LAB-EXPLORE done four"), None);
    }

    #[test]
    fn executions_differ_and_mix_schedules() {
        let seeds: std::collections::BTreeSet<u64> = (0..1000).map(|i| execution_seed(1, i)).collect();
        assert_eq!(seeds.len(), 1000);
        assert_ne!(execution_seed(1, 0), execution_seed(2, 0));
        let pct = (0..8).filter(|i| schedule_for(*i) != Schedule::Random).count();
        assert_eq!(pct, 4);
    }
}
