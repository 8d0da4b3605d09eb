//! What `lab-explore` says: what it is about to explore, and how the exploration ended (a pass
//! with its counts, or the first failure with its case, replay command, page and output).

use std::time::Duration;

use labreport::explore::{replay_command, Case};
use labreport::naming::page_name;

use super::plan::Plan;
use super::progress::{duration, rate};
use super::select::Chosen;
use super::state::{Exploration, Failure, Worker};

/// What is about to run.
pub fn header(chosen: &Chosen, plan: &Plan) -> String {
    format!(
        "explore: {} ({}), {} executions in {}, {} at a time, base seed {} (SEED={} repeats them)",
        chosen.name,
        chosen.binary.source,
        plan.runs,
        processes(plan.workers),
        plan.jobs,
        plan.base,
        plan.base
    )
}

/// `1 test process`, `2 test processes`.
fn processes(count: u64) -> String {
    format!("{count} test {}", if count == 1 { "process" } else { "processes" })
}

/// Every execution passed.
pub fn passed(chosen: &Chosen, plan: &Plan, exploration: &Exploration, elapsed: Duration) -> String {
    let runs = exploration.passed();
    format!(
        "explored {}: {runs} executions passed ({runs} seeds from base seed {}; {}), {:.1} executions/s on {} \
         at a time, {}",
        chosen.name,
        plan.base,
        exploration.schedules().describe(),
        rate(runs, elapsed),
        processes(plan.jobs),
        duration(elapsed),
    )
}

/// The exploration stopped on an interrupt.
pub fn interrupted(plan: &Plan, exploration: &Exploration) -> String {
    format!(
        "explore: interrupted; {} of {} executions had passed ({}), the test processes are stopped",
        exploration.passed(),
        plan.runs,
        exploration.schedules().describe()
    )
}

/// The first failure: the failing process's output, then what failed, how to replay it and
/// where its page is.
pub fn failed(test: &str, plan: &Plan, exploration: &Exploration, elapsed: Duration) -> String {
    let Some(failure) = exploration.failure() else {
        return "explore: no failure was found".to_string();
    };
    let index = failure.worker();
    let mut text = String::new();
    if let Some(worker) = exploration.worker(index) {
        text.push_str(&output(index, worker));
    }
    let which = format!("worker {index} of {}", plan.workers);
    let case = match failure {
        Failure::Failed { index: execution, case, .. } => {
            text.push_str(&format!("explore: execution {execution} of {} failed ({which})\n", plan.runs));
            Some(case.clone())
        }
        Failure::Died { status, running, .. } => {
            text.push_str(&format!(
                "explore: {which} ended ({status}) without saying which execution failed\n"
            ));
            let running = running.and_then(|_| exploration.running_case(index));
            if let Some((execution, _)) = &running {
                text.push_str(&format!("  it was running execution {execution} of {}\n", plan.runs));
            }
            running.map(|(_, case)| case)
        }
        Failure::Absent { done, share, .. } => {
            text.push_str(&format!(
                "explore: {which} passed having run {done} of its {share} executions: {test} does not take part \
                 in explorations. Only a simulated scenario (a graded test) or a search test runs the share \
                 that LAB_EXPLORE gives it\n"
            ));
            None
        }
    };
    if let Some(case) = &case {
        text.push_str(&case_lines(case, test));
    }
    if let Some(worker) = exploration.worker(index) {
        text.push_str(&pages(worker, test));
    }
    text.push_str(&format!(
        "  {} other executions passed, in {} (base seed {}: SEED={} repeats this exploration)",
        exploration.passed(),
        duration(elapsed),
        plan.base,
        plan.base
    ));
    text
}

/// The case, its seed and schedule, and the command that replays it.
fn case_lines(case: &Case, test: &str) -> String {
    format!(
        "  case:   {case} (seed {}, schedule {})\n  replay: {}\n",
        case.seed,
        case.schedule,
        replay_command(case, test)
    )
}

/// Where the failing process's report page (and trace, if asked for) are: the page it named,
/// else the one found in its report directory.
fn pages(worker: &Worker, test: &str) -> String {
    let found = worker.dir.as_ref().map(|dir| dir.join(page_name(test)));
    let page = match (&worker.report, &found) {
        (Some(path), _) => Some(path.clone()),
        (None, Some(found)) => found.is_file().then(|| found.display().to_string()),
        (None, None) => None,
    };
    let mut text = match (page, &worker.dir) {
        (Some(path), _) => format!("  report: {path} (open it in a browser)\n"),
        (None, Some(dir)) => format!(
            "  report: none was written (the test writes none, or LAB_REPORT=never); it would be in {}\n",
            dir.display()
        ),
        (None, None) => "  report: none was written\n".to_string(),
    };
    if let Some(trace) = &worker.trace {
        text.push_str(&format!("  trace:  {trace}\n"));
    }
    text
}

/// The process's output, bounded, between two rules. Processes are named as their share and
/// their report directory number them: `worker 0` is the first.
fn output(index: usize, worker: &Worker) -> String {
    let cut = worker.tail.cut();
    let kept = worker.tail.lines().count();
    let what = match cut {
        0 => format!("its {kept} lines"),
        _ => format!("its last {kept} lines; {cut} earlier lines cut"),
    };
    let mut text = format!("---- the output of worker {index} ({what}) ----\n");
    for line in worker.tail.lines() {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(&format!("---- end of the output of worker {index} ----\n"));
    text
}

#[cfg(test)]
mod tests {
    use labreport::explore::execution_case;

    use super::*;

    #[test]
    fn a_failure_says_its_case_its_replay_and_its_page_after_the_output() {
        let plan = Plan::new(9, 10, 2);
        let mut exploration = Exploration::new(&plan.shares());
        exploration.line(0, "LAB-EXPLORE done 0".into());
        exploration.line(1, "Test: the story".into());
        exploration.line(1, "report: /r/process-1/t.html (open it in a browser)".into());
        let case = execution_case(9, 1);
        exploration.line(1, format!("LAB-EXPLORE failed 1 {case}"));
        let text = failed("t", &plan, &exploration, Duration::from_secs(2));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "---- the output of worker 1 (its 3 lines) ----");
        assert_eq!(lines[1], "Test: the story");
        assert_eq!(lines[5], "explore: execution 1 of 10 failed (worker 1 of 2)");
        assert_eq!(lines[6], format!("  case:   {case} (seed {}, schedule random)", case.seed));
        assert_eq!(lines[7], format!("  replay: LAB_CASE={case} make test-sim T=t"));
        assert_eq!(lines[8], "  report: /r/process-1/t.html (open it in a browser)");
        assert!(lines[9].starts_with("  1 other executions passed, in 2.0 s (base seed 9"), "{text}");
    }

    #[test]
    fn a_pass_counts_executions_seeds_and_schedules() {
        let binary = labreport::runner::build::TestBinary {
            exe: "/t/suite".into(),
            dir: "/t".into(),
            source: "tests/tests/suite.rs".into(),
            target: "suite".into(),
        };
        let chosen = Chosen { binary, name: "first".into() };
        let plan = Plan::new(4, 3, 1);
        assert_eq!(
            header(&chosen, &plan),
            "explore: first (tests/tests/suite.rs), 3 executions in 1 test process, 1 at a time, base seed 4 (SEED=4 \
             repeats them)"
        );
        let mut exploration = Exploration::new(&plan.shares());
        for index in 0..3 {
            exploration.line(0, format!("LAB-EXPLORE done {index}"));
        }
        assert_eq!(
            passed(&chosen, &plan, &exploration, Duration::from_millis(1500)),
            "explored first: 3 executions passed (3 seeds from base seed 4; 2 random, 1 pct2), 2.0 executions/s \
             on 1 test process at a time, 1.5 s"
        );
    }

    #[test]
    fn a_test_that_runs_no_share_is_told_so() {
        let plan = Plan::new(9, 2, 1);
        let mut exploration = Exploration::new(&plan.shares());
        exploration.line(0, "test t ... ok".into());
        exploration.ended(0, std::os::unix::process::ExitStatusExt::from_raw(0));
        exploration.started(0, "/nowhere/process-0".into());
        let text = failed("t", &plan, &exploration, Duration::from_secs(1));
        assert!(text.contains("passed having run 0 of its 2 executions: t does not take part"), "{text}");
        assert!(text.contains("  report: none was written (the test writes none, or LAB_REPORT=never); it would be in /nowhere/process-0"), "{text}");
        assert!(!text.contains("replay:"), "{text}");
    }
}
