//! Which suites a grading builds, lists and runs in which mode.
//!
//! A grading runs the modes its options name (see [`crate::run_mode`]); the rubric grades each
//! suite in both modes or in one (`modes = ["simulated"]`: the search tests exist only in the
//! simulated build, whose plain build lists no test). So each mode's build holds the suites
//! graded in it, each suite is listed against the rubric from the first build that holds it,
//! and a test whose suite is in no build is not run: it scores 0, saying why.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::outcome::{RunMode, TestOutcome};
use crate::rubric::{Rubric, RubricTest, Suite};
use crate::run_mode::{modes_to_run, not_graded_reason};
use crate::schedule::Executables;

/// The suites of `suites` to build in each mode of `modes`: those graded in that mode, in the
/// order given. A mode no suite is graded in is left out (nothing to build).
pub fn builds(
    rubric: &Rubric,
    suites: &[String],
    modes: &BTreeSet<RunMode>,
) -> BTreeMap<RunMode, Vec<String>> {
    let mut builds = BTreeMap::new();
    for &mode in modes {
        let graded: Vec<String> =
            suites.iter().filter(|s| rubric.modes_of(s).contains(&mode)).cloned().collect();
        if !graded.is_empty() {
            builds.insert(mode, graded);
        }
    }
    builds
}

/// The builds that list every suite of `suites` once, each in the first mode it is graded in
/// (real for most; simulated for a suite graded in simulation mode only): what checking the
/// rubric against the suites needs, and no more.
pub fn listing_builds(rubric: &Rubric, suites: &[String]) -> BTreeMap<RunMode, Vec<String>> {
    let mut builds: BTreeMap<RunMode, Vec<String>> = BTreeMap::new();
    for suite in suites {
        if let Some(&mode) = rubric.modes_of(suite).first() {
            builds.entry(mode).or_default().push(suite.clone());
        }
    }
    builds
}

/// Each suite's binary to list against the rubric: from the first mode whose build holds it.
/// Both modes' binaries are built from the same sources, so one listing speaks for both.
pub fn binaries_to_list(executables: &Executables) -> BTreeMap<String, PathBuf> {
    let mut listed = BTreeMap::new();
    for binaries in executables.values() {
        for (suite, exe) in binaries {
            listed.entry(suite.clone()).or_insert_with(|| exe.clone());
        }
    }
    listed
}

/// One outcome per test of `selected`, before any run: `runs` runs in each mode it runs in, or,
/// for a test of a suite graded in no mode of `modes`, none and the reason it is not run.
pub fn planned(
    rubric: &Rubric,
    selected: &[RubricTest],
    modes: &BTreeSet<RunMode>,
    runs: usize,
) -> Vec<TestOutcome> {
    selected
        .iter()
        .map(|test| {
            let graded = rubric.modes_of(&test.id.suite);
            let wanted = runs.max(1) * modes_to_run(&graded, modes).len();
            TestOutcome::planned(test.clone(), wanted, not_graded_reason(&graded, modes))
        })
        .collect()
}

/// The outcomes of `planned` with the ones that ran replaced by their outcome in `ran` (same
/// ids); the tests not run keep their reason.
pub fn merge(planned: Vec<TestOutcome>, ran: Vec<TestOutcome>) -> Vec<TestOutcome> {
    let mut ran: BTreeMap<_, TestOutcome> = ran.into_iter().map(|o| (o.test.id.clone(), o)).collect();
    planned.into_iter().map(|outcome| ran.remove(&outcome.test.id).unwrap_or(outcome)).collect()
}

/// What a line naming a grading's `modes` adds for `suites` (those with tests graded): `; SUITE
/// simulated only` for a suite whose tests run in fewer of them (graded in one mode), `; SUITE
/// not run` for one whose tests do not run at all (graded in a mode the grading does not run).
pub fn suite_exceptions<'a>(
    suites: impl IntoIterator<Item = &'a Suite>,
    modes: &BTreeSet<RunMode>,
) -> String {
    let mut text = String::new();
    for suite in suites {
        match modes_to_run(&suite.modes, modes).as_slice() {
            [] => text.push_str(&format!("; {} not run", suite.name)),
            ran if ran.len() < modes.len() => {
                let labels: Vec<&str> = ran.iter().map(|m| m.label()).collect();
                text.push_str(&format!("; {} {} only", suite.name, labels.join(", ")));
            }
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Two suites: `viewservice` in both modes, `pbservice_search` in simulation mode only.
    fn rubric() -> Rubric {
        let text = r#"
[[suite]]
name = "viewservice"
title = "View service"
part = "View service"

[[suite]]
name = "pbservice_search"
title = "Search"
part = "Primary/backup"
modes = ["simulated"]

[[test]]
id = "viewservice::first_primary"
description = "d"
points = 2
categories = ["RUN"]
timeout_secs = 10

[[test]]
id = "pbservice_search::linearizable_under_crashes"
description = "d"
points = 12
categories = ["SEARCH", "CRASH"]
timeout_secs = 100
"#;
        Rubric::parse(text, Path::new("rubric.toml")).unwrap()
    }

    fn suites() -> Vec<String> {
        vec!["viewservice".to_string(), "pbservice_search".to_string()]
    }

    #[test]
    fn a_simulated_only_suite_is_built_in_the_simulated_build_alone() {
        let rubric = rubric();
        let both = BTreeSet::from(RunMode::BOTH);
        let built = builds(&rubric, &suites(), &both);
        assert_eq!(built[&RunMode::Real], ["viewservice"]);
        assert_eq!(built[&RunMode::Simulated], ["viewservice", "pbservice_search"]);
        let real = builds(&rubric, &suites(), &BTreeSet::from([RunMode::Real]));
        assert_eq!(real, BTreeMap::from([(RunMode::Real, vec!["viewservice".to_string()])]));
        let search_alone =
            builds(&rubric, &["pbservice_search".to_string()], &BTreeSet::from([RunMode::Real]));
        assert!(search_alone.is_empty(), "nothing to build: {search_alone:?}");
        let simulated = builds(&rubric, &suites(), &BTreeSet::from([RunMode::Simulated]));
        assert_eq!(simulated.keys().copied().collect::<Vec<_>>(), [RunMode::Simulated]);
    }

    #[test]
    fn the_rubric_check_lists_a_simulated_only_suite_from_the_simulated_build() {
        let listed = listing_builds(&rubric(), &suites());
        assert_eq!(listed[&RunMode::Real], ["viewservice"]);
        assert_eq!(listed[&RunMode::Simulated], ["pbservice_search"]);
        let executables = Executables::from([
            (RunMode::Real, BTreeMap::from([("viewservice".to_string(), PathBuf::from("real/vs"))])),
            (
                RunMode::Simulated,
                BTreeMap::from([
                    ("viewservice".to_string(), PathBuf::from("sim/vs")),
                    ("pbservice_search".to_string(), PathBuf::from("sim/search")),
                ]),
            ),
        ]);
        let binaries = binaries_to_list(&executables);
        assert_eq!(binaries["viewservice"], Path::new("real/vs"));
        assert_eq!(binaries["pbservice_search"], Path::new("sim/search"));
    }

    #[test]
    fn a_line_naming_the_modes_names_the_suites_graded_in_fewer() {
        let rubric = rubric();
        let both = BTreeSet::from(RunMode::BOTH);
        assert_eq!(suite_exceptions(&rubric.suites, &both), "; pbservice_search simulated only");
        let real = BTreeSet::from([RunMode::Real]);
        assert_eq!(suite_exceptions(&rubric.suites, &real), "; pbservice_search not run");
        assert_eq!(suite_exceptions(&rubric.suites, &BTreeSet::from([RunMode::Simulated])), "");
    }

    #[test]
    fn a_simulated_only_test_is_planned_in_simulated_mode_and_not_run_by_a_real_grade() {
        let rubric = rubric();
        let both = planned(&rubric, &rubric.tests, &BTreeSet::from(RunMode::BOTH), 3);
        assert_eq!((both[0].runs_wanted, both[0].not_run.as_deref()), (6, None));
        assert_eq!((both[1].runs_wanted, both[1].not_run.as_deref()), (3, None));

        let real = planned(&rubric, &rubric.tests, &BTreeSet::from([RunMode::Real]), 1);
        assert_eq!((real[0].runs_wanted, real[0].not_run.as_deref()), (1, None));
        let search = &real[1];
        assert_eq!(search.runs_wanted, 0);
        assert_eq!(
            search.not_run.as_deref(),
            Some("graded in simulation mode only; this grade ran real threads only (--mode real)")
        );
        assert!(!search.passed() && search.points() == 0, "a test not run scores 0");

        // Only the runnable test ran; the other keeps its reason.
        let mut ran = real[0].clone();
        ran.runs.push(crate::outcome::RunResult::new(None, std::time::Duration::ZERO, 1, Vec::new()));
        let merged = merge(real.clone(), vec![ran]);
        assert!(merged[0].passed(), "{:?}", merged[0]);
        assert_eq!(merged[1].not_run, search.not_run);
        assert_eq!(
            merged.iter().map(|t| t.test.id.to_string()).collect::<Vec<_>>(),
            ["viewservice::first_primary", "pbservice_search::linearizable_under_crashes"]
        );
    }
}
