//! A suite graded in simulation mode only (`modes = ["simulated"]` on its `[[suite]]`, as the
//! search tests are): its file starts with `#![cfg(feature = "simulation")]`, so its plain build
//! lists no test. The rubric check lists it from the simulated build, and a grade on real
//! threads only (`--mode real`) does not run its tests: they score 0, saying why.
//!
//! The suite here is `sim_replay` (the reference's one simulated-only test file, which the real
//! rubric ignores), made a graded suite in a copy of the rubric. Every simulated-only suite the
//! real rubric grades (`pbservice_search`, once it exists) is checked along with it.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use grading::grade::{check_rubric, grade_submission, GradeOptions};
use grading::outcome::RunMode;
use grading::rubric::Rubric;

/// The reference's rubric with `sim_replay` graded, its `[[suite]]` saying `modes`.
fn rubric_grading_sim_replay(modes: &str) -> Rubric {
    let text = std::fs::read_to_string(common::reference().join(grading::rubric::RUBRIC_PATH)).unwrap();
    let ignored = text.find("[[ignored_suite]]\nname = \"sim_replay\"").expect("sim_replay is ignored");
    let end = ignored + text[ignored..].find("\n\n").expect("its entry ends");
    let graded = format!(
        r#"[[suite]]
name = "sim_replay"
title = "One seed replays a simulated run"
part = "Primary/backup"
{modes}

[[test]]
id = "sim_replay::one_seed_replays_the_whole_trace_in_fresh_processes_and_another_changes_it"
description = "One seed replays the whole trace in fresh processes, another changes it"
points = 10
categories = ["SEARCH", "UNRELIABLE", "CRASH"]
timeout_secs = 120

[[ungraded]]
id = "sim_replay::replay_subject"
reason = "the scenario the replay test runs in processes of its own""#
    );
    let text = format!("{}{graded}{}", &text[..ignored], &text[end..]);
    Rubric::parse(&text, Path::new("rubric.toml")).expect("the changed rubric is valid")
}

fn options_with(rubric: Rubric) -> GradeOptions {
    let mut options = common::options(&[]);
    options.rubric = rubric;
    options
}

#[test]
fn a_simulated_only_suite_is_listed_from_the_simulated_build_and_not_run_on_real_threads() {
    // Listed from the simulated build, it agrees with the rubric.
    let rubric = rubric_grading_sim_replay("modes = [\"simulated\"]");
    let simulated_only: Vec<String> = rubric
        .suites
        .iter()
        .filter(|s| s.only_mode() == Some(RunMode::Simulated))
        .map(|s| s.name.clone())
        .collect();
    let check = check_rubric(&options_with(rubric.clone())).expect("the reference builds and lists");
    assert!(check.is_consistent(), "\n{check}");
    for suite in &simulated_only {
        let listed = check.counted.iter().find(|(name, _)| name == suite).map(|(_, n)| *n);
        assert!(listed.is_some_and(|n| n > 0), "{suite} lists its tests from the simulated build:\n{check}");
    }
    assert!(check.counted.contains(&("sim_replay".to_string(), 2)), "\n{check}");

    // Listed from the plain build (no `modes`: both), it lists none.
    let check =
        check_rubric(&options_with(rubric_grading_sim_replay(""))).expect("the reference builds and lists");
    assert!(!check.is_consistent(), "the plain build of sim_replay lists no test:\n{check}");
    assert!(check.counted.contains(&("sim_replay".to_string(), 0)), "\n{check}");
    assert!(
        check.to_string().contains("sim_replay::replay_subject is in the rubric but not in the suite"),
        "{check}"
    );

    // A grade on real threads only does not run the simulated-only suites' tests.
    let mut options = options_with(rubric);
    options.only = simulated_only.clone();
    options.only.push("viewservice::first_primary".into());
    options.modes = BTreeSet::from([RunMode::Real]);
    let grade = grade_submission(&common::reference(), &options).expect("graded");
    let table = grading::report::table::render(&grade);
    let reason = "graded in simulation mode only; this grade ran real threads only (--mode real)";
    let first_primary = grade.tests.iter().find(|t| t.test.id.to_string() == "viewservice::first_primary");
    assert!(first_primary.is_some_and(|t| t.passed()), "{table}");
    let not_run: Vec<_> = grade.tests.iter().filter(|t| simulated_only.contains(&t.test.id.suite)).collect();
    assert!(!not_run.is_empty(), "{table}");
    for test in not_run {
        assert_eq!(test.not_run.as_deref(), Some(reason), "{table}");
        assert!(test.runs.is_empty() && test.points() == 0, "{table}");
    }
    assert!(table.contains("... NOT RUN (graded in simulation mode only)"), "{table}");
    assert!(table.contains(&format!("): {reason}\n")), "{table}");
    assert!(table.contains("warning: the tests ran on real threads only (--mode real)"), "{table}");
    for suite in &simulated_only {
        assert!(table.contains(&format!("; {suite} not run")), "{table}");
    }
}
