//! How an exploration is shared out: its base seed, how many executions, how many test
//! processes at a time, how many in all, and which executions each one runs.

use labreport::explore::{schedule_for, Schedule, Share};

/// The most executions one test process runs. Whatever a run leaves behind in its process (a
/// simulated network whose servers hold it alive, say) stays bounded, and a process that ends
/// early leaves its core to the next one, so the cores stay busy to the end; a process starts in
/// some milliseconds.
pub const PER_PROCESS: u64 = 200;

/// The executions of one exploration and the processes that run them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Every execution's seed comes from it (`labreport::explore::execution_case`).
    pub base: u64,
    /// How many executions in all.
    pub runs: u64,
    /// How many test processes run at once: never more than the shares.
    pub jobs: u64,
    /// How many shares, each run by a test process of its own: at least `jobs`, enough that
    /// none holds more than [`PER_PROCESS`] executions, never more than the executions.
    pub workers: u64,
}

impl Plan {
    /// `runs` executions from `base`, on `jobs` processes at a time (at least one; no more than
    /// there are executions).
    pub fn new(base: u64, runs: u64, jobs: u64) -> Plan {
        let runs_ = runs.max(1);
        let jobs = jobs.clamp(1, runs_);
        let workers = jobs.max(runs_.div_ceil(PER_PROCESS)).min(runs_);
        Plan { base, runs, jobs, workers }
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
        assert_eq!((Plan::new(7, 3, 8).jobs, Plan::new(7, 3, 8).workers), (3, 3));
        assert_eq!((Plan::new(7, 100, 2).jobs, Plan::new(7, 100, 2).workers), (2, 2));
        assert_eq!((Plan::new(7, 100, 0).jobs, Plan::new(7, 100, 0).workers), (1, 1));
        let shares = Plan::new(7, 10, 3).shares();
        assert_eq!(shares.len(), 3);
        assert_eq!(shares[2], Share { base: 7, worker: 2, workers: 3, runs: 10 });
    }

    #[test]
    fn no_process_runs_more_than_its_bound() {
        let plan = Plan::new(7, 4001, 2);
        assert_eq!((plan.jobs, plan.workers), (2, 21));
        assert!(plan.shares().iter().all(|s| s.indices().count() as u64 <= PER_PROCESS));
        assert_eq!(plan.shares().iter().map(|s| s.indices().count()).sum::<usize>(), 4001);
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
