//! Making a failing execution smaller: stop the faults earlier, drop faults, drop client
//! operations, keeping each change only if the execution still fails with the same seed and
//! schedule. Greedy, and bounded by a number of trial runs: the result is the smallest failing
//! run found, not the smallest there is.

use std::time::Duration;

use viewservice::PING_INTERVAL;

use super::plan::{Mask, Plan};

/// How a shrink went: the mask it ended with and how many runs it tried.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// What the smallest failing run found keeps.
    pub mask: Mask,
    /// The trial runs made (each a whole simulated execution).
    pub trials: usize,
}

/// Shrinks `plan`'s failing run (everything kept), asking `fails` of each smaller mask; at most
/// `max_trials` runs.
pub fn shrink(plan: &Plan, max_trials: usize, fails: impl FnMut(&Mask) -> bool) -> Shrunk {
    let mut search = Trials { best: plan.full_mask(), trials: 0, max_trials, fails };
    loop {
        let before = search.best.clone();
        // Stop the faults earlier: just after the k-th kept fault, the earliest that still fails.
        let best = search.best.clone();
        let kept_times = plan
            .steps
            .iter()
            .enumerate()
            .filter(|(i, s)| best.faults & (1 << i) != 0 && s.at < best.stop)
            .map(|(_, s)| s.at);
        for at in std::iter::once(Duration::ZERO).chain(kept_times) {
            let stop = at + PING_INTERVAL * 2;
            if stop < best.stop && search.attempt(Mask { stop, ..best.clone() }) {
                break;
            }
        }
        // Drop faults one at a time, the last first.
        for i in (0..plan.steps.len()).rev() {
            if search.best.faults & (1 << i) != 0 {
                search.attempt(Mask { faults: search.best.faults & !(1 << i), ..search.best.clone() });
            }
        }
        // Drop client operations one at a time, the last of each client first.
        for c in 0..search.best.ops.len() {
            for i in (0..8).rev() {
                if search.best.ops[c] & (1 << i) != 0 {
                    let mut ops = search.best.ops.clone();
                    ops[c] &= !(1 << i);
                    search.attempt(Mask { ops, ..search.best.clone() });
                }
            }
        }
        if search.best == before || search.trials >= max_trials {
            return Shrunk { mask: search.best, trials: search.trials };
        }
    }
}

/// How much `shrunk` shrank `full` (both masks of `plan`), as the end of a sentence: "shrank
/// from 14 operations and 6 faults (...) to 3 operations and 1 fault (...) in 23 trial runs".
pub fn summary(plan: &Plan, full: &Mask, shrunk: &Shrunk) -> String {
    if shrunk.mask == *full {
        return format!("could not be made smaller in {} trial runs: {}", shrunk.trials, full.describe(plan));
    }
    format!(
        "shrank from {} to {} in {} trial runs",
        full.describe(plan),
        shrunk.mask.describe(plan),
        shrunk.trials
    )
}

/// The shrink's state: the smallest failing mask so far and the trials spent.
struct Trials<F> {
    best: Mask,
    trials: usize,
    max_trials: usize,
    fails: F,
}

impl<F: FnMut(&Mask) -> bool> Trials<F> {
    /// Tries `candidate`; keeps it if it still fails. Whether it did.
    fn attempt(&mut self, candidate: Mask) -> bool {
        if self.trials >= self.max_trials || candidate == self.best {
            return false;
        }
        self.trials += 1;
        let failed = (self.fails)(&candidate);
        if failed {
            self.best = candidate;
        }
        failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::plan::test_workload;

    #[test]
    fn a_failure_that_needs_one_fault_and_one_operation_shrinks_to_them() {
        let workload = test_workload();
        let plan = Plan::draw(&workload, 11);
        // "Fails" while fault 2 and client 1's operation 3 are kept.
        let shrunk = shrink(&plan, 100, |m| {
            m.faults & 0b100 != 0 && m.ops[1] & 0b1000 != 0 && m.stop > plan.steps[2].at
        });
        assert_eq!(shrunk.mask.faults, 0b100);
        assert_eq!(shrunk.mask.ops, vec![0, 0b1000]);
        // The earliest stop that keeps fault 2: just after some fault, at most two pings after it.
        assert!(
            shrunk.mask.stop > plan.steps[2].at && shrunk.mask.stop <= plan.steps[2].at + PING_INTERVAL * 2
        );
        assert!(shrunk.trials <= 100);
        let said = summary(&plan, &plan.full_mask(), &shrunk);
        assert!(
            said.starts_with("shrank from ") && said.contains(" to 1 operation and 1 fault (faults until "),
            "{said}"
        );
        let unchanged = Shrunk { mask: plan.full_mask(), trials: 7 };
        assert!(summary(&plan, &plan.full_mask(), &unchanged)
            .starts_with("could not be made smaller in 7 trial runs"));
        // A bound on trials is honoured.
        assert!(shrink(&plan, 3, |_| true).trials <= 3);
    }
}
