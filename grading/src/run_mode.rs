//! The two modes a test binary runs its scenario in, and which of them a test is graded in.
//!
//! A grading runs the modes its options ask for (both, unless `--mode` names one); the rubric
//! grades each suite in both modes, or in one (`modes = ["simulated"]` on a `[[suite]]`: the
//! search tests exist only in simulation mode). A test runs in the modes both allow, and passes
//! only if it passes in each of them; if they allow none, it is not run and scores 0, with
//! [`not_graded_reason`] as the reason.

use std::collections::BTreeSet;

/// How a run's test binary runs the scenario.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RunMode {
    /// Operating-system threads on the wall clock (`make test`).
    #[default]
    Real,
    /// labrpc's simulation mode (`make test-sim`): a seeded scheduler and virtual time, so the
    /// seed replays the whole run exactly.
    Simulated,
}

impl RunMode {
    /// Both modes, in the order a grading runs them.
    pub const BOTH: [RunMode; 2] = [RunMode::Real, RunMode::Simulated];

    /// The mode's value of the grader's `--mode` option, and its name in the rubric.
    pub fn option(self) -> &'static str {
        match self {
            RunMode::Real => "real",
            RunMode::Simulated => "simulated",
        }
    }

    /// The mode named `name` ([`RunMode::option`]), if it is one.
    pub fn parse(name: &str) -> Option<RunMode> {
        RunMode::BOTH.into_iter().find(|mode| mode.option() == name)
    }

    /// How reports name the mode.
    pub fn label(self) -> &'static str {
        match self {
            RunMode::Real => "real threads",
            RunMode::Simulated => "simulated",
        }
    }

    /// Where a test runs in this mode, after a verb: `on real threads`, `in simulation mode`.
    pub fn place(self) -> &'static str {
        match self {
            RunMode::Real => "on real threads",
            RunMode::Simulated => "in simulation mode",
        }
    }

    /// The command that reruns test `name` with `seed` in this mode, from the lab's directory.
    pub fn rerun_command(self, seed: u64, name: &str) -> String {
        match self {
            RunMode::Real => format!("LAB_SEED={seed} make test T={name}"),
            RunMode::Simulated => format!("LAB_SEED={seed} make test-sim T={name}"),
        }
    }
}

/// The modes a test of a suite graded in `graded` runs in when a grading runs `ran`: those in
/// both, real first.
pub fn modes_to_run(graded: &BTreeSet<RunMode>, ran: &BTreeSet<RunMode>) -> Vec<RunMode> {
    graded.intersection(ran).copied().collect()
}

/// Why a test of a suite graded in `graded` is not run at all by a grading that runs `ran`
/// (`graded in simulation mode only; this grade ran real threads only (--mode real)`), or
/// `None` if it runs in some mode.
pub fn not_graded_reason(graded: &BTreeSet<RunMode>, ran: &BTreeSet<RunMode>) -> Option<String> {
    if !modes_to_run(graded, ran).is_empty() {
        return None;
    }
    let places: Vec<&str> = graded.iter().map(|m| m.place()).collect();
    let labels: Vec<&str> = ran.iter().map(|m| m.label()).collect();
    let option = match ran.iter().collect::<Vec<_>>().as_slice() {
        [mode] => format!(" (--mode {})", mode.option()),
        _ => String::new(),
    };
    Some(format!(
        "graded {} only; this grade ran {} only{option}",
        places.join(" and "),
        if labels.is_empty() { "no mode".to_string() } else { labels.join(" and ") }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_by_their_option_names() {
        assert_eq!(RunMode::parse("real"), Some(RunMode::Real));
        assert_eq!(RunMode::parse("simulated"), Some(RunMode::Simulated));
        assert_eq!(RunMode::parse("Simulated"), None);
        assert_eq!(RunMode::parse("sim"), None);
    }

    #[test]
    fn a_test_runs_in_the_modes_its_suite_and_the_grade_share() {
        let both = BTreeSet::from(RunMode::BOTH);
        let real = BTreeSet::from([RunMode::Real]);
        let simulated = BTreeSet::from([RunMode::Simulated]);
        assert_eq!(modes_to_run(&both, &both), RunMode::BOTH);
        assert_eq!(modes_to_run(&simulated, &both), [RunMode::Simulated]);
        assert_eq!(modes_to_run(&both, &real), [RunMode::Real]);
        assert_eq!(modes_to_run(&simulated, &real), []);
        assert_eq!(not_graded_reason(&simulated, &both), None);
        assert_eq!(
            not_graded_reason(&simulated, &real).as_deref(),
            Some("graded in simulation mode only; this grade ran real threads only (--mode real)")
        );
        assert_eq!(
            not_graded_reason(&real, &simulated).as_deref(),
            Some("graded on real threads only; this grade ran simulated only (--mode simulated)")
        );
    }
}
