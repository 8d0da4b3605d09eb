//! How an exploration is shared out: its base seed, how many executions, how many test
//! processes, and which executions each one runs.

use labreport::explore::{schedule_for, Schedule, Share};

/// The executions of one exploration and the processes that run them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Every execution's seed comes from it (`labreport::explore::execution_case`).
    pub base: u64,
    /// How many executions in all.
    pub runs: u64,
    /// How many test processes: never more than the executions.
    pub workers: u64,
}

impl Plan {
    /// `runs` executions from `base`, on `jobs` processes at most (at least one; no more than
    /// there are executions).
    pub fn new(base: u64, runs: u64, jobs: u64) -> Plan {
        Plan { base, runs, workers: jobs.clamp(1, runs.max(1)) }
    }

    /// Each process's share, in worker order.
    pub fn shares(&self) -> Vec<Share> {
        (0..self.workers)
            .map(|worker| Share { base: self.base, worker, workers: self.workers, runs: self.runs })
            .collect()
    }
}

/// How many executions ran on each schedule: random first, then PCT by depth.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScheduleCounts {
    counts: Vec<(Schedule, u64)>,
}

impl ScheduleCounts {
    /// Counts execution `index` under its schedule.
    pub fn add(&mut self, index: u64) {
        let schedule = schedule_for(index);
        match self.counts.iter_mut().find(|(s, _)| *s == schedule) {
            Some((_, count)) => *count += 1,
            None => {
                self.counts.push((schedule, 1));
                self.counts.sort_by_key(|(s, _)| match s {
                    Schedule::Random => 0,
                    Schedule::Pct { depth } => *depth,
                });
            }
        }
    }

    /// `50 random, 25 pct2, 25 pct3` (`none` when nothing ran).
    pub fn describe(&self) -> String {
        if self.counts.is_empty() {
            return "none".to_string();
        }
        self.counts.iter().map(|(s, n)| format!("{n} {s}")).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_more_processes_than_executions_and_at_least_one() {
        assert_eq!(Plan::new(7, 3, 8).workers, 3);
        assert_eq!(Plan::new(7, 100, 2).workers, 2);
        assert_eq!(Plan::new(7, 100, 0).workers, 1);
        let shares = Plan::new(7, 10, 3).shares();
        assert_eq!(shares.len(), 3);
        assert_eq!(shares[2], Share { base: 7, worker: 2, workers: 3, runs: 10 });
    }

    #[test]
    fn schedules_are_counted_in_order() {
        let mut counts = ScheduleCounts::default();
        assert_eq!(counts.describe(), "none");
        for index in [3, 2, 0, 1, 4, 7] {
            counts.add(index);
        }
        assert_eq!(counts.describe(), "3 random, 1 pct2, 2 pct3");
    }
}
