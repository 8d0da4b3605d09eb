//! The rubric against the suites: builds the reference's graded test binaries (in the cache the
//! grader's tests share), lists their tests (`--list`), and compares with grading/rubric.toml.
//! Reports every missing or extra id, and suites nobody decided about.

mod common;

use grading::rubric::Rubric;

#[test]
fn the_rubric_lists_exactly_the_tests_of_the_graded_suites() {
    let check = grading::grade::check_rubric(&common::options(&[])).expect("the reference builds and lists");
    assert!(check.is_consistent(), "\n{check}");
}

#[test]
fn the_view_service_is_worth_about_a_fifth() {
    let rubric = Rubric::load_from_reference(&common::reference()).expect("the rubric is valid");
    let parts = rubric.points_by_part();
    let view: u32 = parts.iter().filter(|(p, _)| p == "View service").map(|(_, n)| n).sum();
    let share = f64::from(view) / f64::from(rubric.max_points());
    assert!(
        (0.15..=0.25).contains(&share),
        "the view service is worth {:.0}% of the points: {parts:?}",
        share * 100.0
    );
}

#[test]
fn harder_scenarios_are_worth_more_than_plain_runs_in_each_suite() {
    use grading::rubric::Category;
    let rubric = Rubric::load_from_reference(&common::reference()).expect("the rubric is valid");
    for suite in &rubric.suites {
        let tests: Vec<_> = rubric.tests.iter().filter(|t| t.id.suite == suite.name).collect();
        let plain = tests.iter().filter(|t| t.categories == [Category::Run]).map(|t| t.points).max();
        let hard =
            tests.iter().filter(|t| t.categories.iter().any(|c| *c != Category::Run)).map(|t| t.points).min();
        if let (Some(plain), Some(hard)) = (plain, hard) {
            assert!(
                hard >= plain,
                "in {}, a hard scenario is worth {hard} and a plain run {plain}",
                suite.name
            );
        }
    }
}
