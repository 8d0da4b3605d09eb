//! Checking a `results.json` as Gradescope reads it: the fields it documents, with the types and
//! values it accepts, and then what the score should be (`grade check-results`, which
//! `make gradescope-check` runs on what `run_autograder` wrote).
//!
//! Gradescope's format: at the top, `score` (a number; the grader always writes it), and
//! optionally `execution_time` (number), `output` (string), `output_format`,
//! `test_output_format`, `test_name_format` (one of [`FORMATS`]), `visibility` and
//! `stdout_visibility` (one of [`VISIBILITIES`]), `extra_data` (anything) and `tests` (an
//! array). Each test is an object with `name` (string), `score` and `max_score` (numbers), and
//! optionally `status` (`passed` or `failed`), `output` (string), `number` (string), `tags`
//! (strings), `visibility`, `name_format` and `output_format`.

use serde_json::{Map, Value};

/// The values Gradescope accepts for `visibility` and `stdout_visibility`.
pub const VISIBILITIES: &[&str] = &["visible", "hidden", "after_due_date", "after_published"];

/// The values Gradescope accepts for `output_format` and the other `*_format` fields.
pub const FORMATS: &[&str] = &["text", "html", "simple_format", "md", "ansi"];

/// Scores closer than this are equal (scores are sums of small numbers of points).
const EPSILON: f64 = 1e-9;

/// What the score of a `results.json` must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Every test passed with its full points, and `score` is their sum.
    Full,
    /// `score` is 0 and no test passed or scored.
    Zero,
}

/// One entry of `tests`, as far as the score is concerned.
#[derive(Clone, Debug, PartialEq)]
pub struct TestScore {
    /// Its `name`.
    pub name: String,
    /// Its `score`.
    pub score: f64,
    /// Its `max_score`.
    pub max_score: f64,
    /// Its `status`, if given (`passed` or `failed`).
    pub status: Option<String>,
    /// Its `output` (empty if absent).
    pub output: String,
}

impl TestScore {
    /// Whether the test counts as passed: its `status` says so, or (without a status) it scored
    /// its full points.
    pub fn passed(&self) -> bool {
        match &self.status {
            Some(status) => status == "passed",
            None => self.max_score > 0.0 && (self.score - self.max_score).abs() < EPSILON,
        }
    }
}

/// A `results.json` that has Gradescope's format: what it says about the score.
#[derive(Clone, Debug, PartialEq)]
pub struct Results {
    /// The top-level `score`.
    pub score: f64,
    /// `extra_data.max_score`, which the grader writes (Gradescope takes the maximum from the
    /// assignment's settings).
    pub declared_max: Option<f64>,
    /// The top-level `output` (empty if absent).
    pub output: String,
    /// Every entry of `tests`.
    pub tests: Vec<TestScore>,
}

impl Results {
    /// Reads `text` as a `results.json`. `Err`: every way it departs from Gradescope's format,
    /// one sentence each.
    pub fn parse(text: &str) -> Result<Results, Vec<String>> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            vec![format!("it is not valid JSON ({e}); Gradescope would show no score at all")]
        })?;
        let Value::Object(top) = value else {
            return Err(vec![format!("it is {}, not a JSON object", kind(&value))]);
        };
        let mut problems = Vec::new();
        let score = required(&top, "score", "", &mut problems, "a number", optional_number);
        optional_number(&top, "execution_time", "", &mut problems);
        let output = optional_string(&top, "output", "", &mut problems);
        for field in ["output_format", "test_output_format", "test_name_format"] {
            optional_choice(&top, field, FORMATS, "", &mut problems);
        }
        for field in ["visibility", "stdout_visibility"] {
            optional_choice(&top, field, VISIBILITIES, "", &mut problems);
        }
        let declared_max =
            top.get("extra_data").and_then(|extra| extra.get("max_score")).and_then(Value::as_f64);
        let tests = match top.get("tests") {
            None => Vec::new(),
            Some(Value::Array(tests)) => {
                tests.iter().enumerate().filter_map(|(i, test)| parse_test(i, test, &mut problems)).collect()
            }
            Some(other) => {
                problems.push(format!("`tests` is {}, not an array", kind(other)));
                Vec::new()
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Results {
            score: score.unwrap_or_default(),
            declared_max,
            output: output.unwrap_or_default(),
            tests,
        })
    }

    /// The sum of the tests' `max_score`.
    pub fn max_score(&self) -> f64 {
        self.tests.iter().map(|t| t.max_score).sum()
    }

    /// How many tests passed.
    pub fn passed(&self) -> usize {
        self.tests.iter().filter(|t| t.passed()).count()
    }

    /// Why the score is not what `expect` says; empty if it is.
    pub fn check(&self, expect: Expect) -> Vec<String> {
        let mut problems = Vec::new();
        match expect {
            Expect::Full => {
                if self.tests.is_empty() {
                    problems.push("there are no tests, so the score cannot be full".to_string());
                }
                let max = self.max_score();
                if (self.score - max).abs() >= EPSILON || max <= 0.0 {
                    problems.push(format!(
                        "`score` is {}, not the full {} (the sum of the tests' max_score)",
                        self.score, max
                    ));
                }
                if let Some(declared) = self.declared_max.filter(|d| (self.score - d).abs() >= EPSILON) {
                    problems.push(format!("`score` is {}, not extra_data.max_score {declared}", self.score));
                }
                let short: Vec<_> = self
                    .tests
                    .iter()
                    .filter(|t| !t.passed() || (t.score - t.max_score).abs() >= EPSILON)
                    .collect();
                if !short.is_empty() {
                    problems.push(format!(
                        "{} test(s) did not pass with full points: {}",
                        short.len(),
                        listed(&short)
                    ));
                }
            }
            Expect::Zero => {
                if self.score.abs() >= EPSILON {
                    problems.push(format!("`score` is {}, not 0", self.score));
                }
                let scored: Vec<_> =
                    self.tests.iter().filter(|t| t.passed() || t.score.abs() >= EPSILON).collect();
                if !scored.is_empty() {
                    problems.push(format!(
                        "{} test(s) passed or scored, but none should: {}",
                        scored.len(),
                        listed(&scored)
                    ));
                }
            }
        }
        problems
    }

    /// Every output with where it is: the top level's (`output`), then each test's
    /// (`tests[i].output`, named).
    fn outputs(&self) -> impl Iterator<Item = (String, &str)> {
        let top = std::iter::once(("`output`".to_string(), self.output.as_str()));
        top.chain(
            self.tests
                .iter()
                .enumerate()
                .map(|(i, test)| (format!("`tests[{i}].output` ({:?})", test.name), test.output.as_str())),
        )
    }

    /// The texts of `wanted` that no output (the top level's or a test's) contains, one sentence
    /// each.
    pub fn missing_from_output(&self, wanted: &[String]) -> Vec<String> {
        wanted
            .iter()
            .filter(|text| !self.outputs().any(|(_, output)| output.contains(text.as_str())))
            .map(|text| format!("no output contains {text:?}"))
            .collect()
    }

    /// The texts of `unwanted` that some output (the top level's or a test's) contains, one
    /// sentence each, naming the first output that does.
    pub fn present_in_output(&self, unwanted: &[String]) -> Vec<String> {
        unwanted
            .iter()
            .filter_map(|text| {
                let (place, _) = self.outputs().find(|(_, output)| output.contains(text.as_str()))?;
                Some(format!("{place} contains {text:?}, which it must not"))
            })
            .collect()
    }

    /// One line: the score and the tests passed.
    pub fn summary(&self) -> String {
        format!(
            "score {}/{}, {}/{} tests passed",
            self.score,
            self.max_score(),
            self.passed(),
            self.tests.len()
        )
    }
}

/// Tests named in one problem: the first few, each with its score and status.
const LISTED: usize = 5;

/// The first [`LISTED`] of `tests` as `"name" (score/max, status)`, and how many more.
fn listed(tests: &[&TestScore]) -> String {
    let mut text = tests
        .iter()
        .take(LISTED)
        .map(|t| {
            format!(
                "{:?} ({}/{}, {})",
                t.name,
                t.score,
                t.max_score,
                t.status.as_deref().unwrap_or("no status")
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    if tests.len() > LISTED {
        text.push_str(&format!(" and {} more", tests.len() - LISTED));
    }
    text
}

/// The score of entry `index` of `tests`, or `None` (with the problems noted) if it is malformed.
fn parse_test(index: usize, test: &Value, problems: &mut Vec<String>) -> Option<TestScore> {
    let Value::Object(test) = test else {
        problems.push(format!("tests[{index}] is {}, not an object", kind(test)));
        return None;
    };
    let before = problems.len();
    let at = format!("tests[{index}].");
    let name = required(test, "name", &at, problems, "a string", optional_string);
    let score = required(test, "score", &at, problems, "a number", optional_number);
    let max_score = required(test, "max_score", &at, problems, "a number", optional_number);
    let status = optional_choice(test, "status", &["passed", "failed"], &at, problems);
    let output = optional_string(test, "output", &at, problems).unwrap_or_default();
    optional_string(test, "number", &at, problems);
    optional_choice(test, "visibility", VISIBILITIES, &at, problems);
    for field in ["name_format", "output_format"] {
        optional_choice(test, field, FORMATS, &at, problems);
    }
    match test.get("tags") {
        None => {}
        Some(Value::Array(tags)) if tags.iter().all(Value::is_string) => {}
        Some(other) => problems.push(format!("`{at}tags` is {}, not an array of strings", kind(other))),
    }
    if problems.len() > before {
        return None;
    }
    Some(TestScore { name: name?, score: score?, max_score: max_score?, status, output })
}

/// Reads an optional field of some type, noting a problem if it has another.
type ReadField<T> = fn(&Map<String, Value>, &str, &str, &mut Vec<String>) -> Option<T>;

/// `field` read by `read`, or a problem saying it is missing (`what`: "a number", "a string").
fn required<T>(
    object: &Map<String, Value>,
    field: &str,
    at: &str,
    problems: &mut Vec<String>,
    what: &str,
    read: ReadField<T>,
) -> Option<T> {
    if !object.contains_key(field) {
        problems.push(format!("`{at}{field}` is missing ({what} is required)"));
        return None;
    }
    read(object, field, at, problems)
}

fn optional_number(
    object: &Map<String, Value>,
    field: &str,
    at: &str,
    problems: &mut Vec<String>,
) -> Option<f64> {
    let value = object.get(field)?;
    let number = value.as_f64();
    if number.is_none() {
        problems.push(format!("`{at}{field}` is {}, not a number", kind(value)));
    }
    number
}

fn optional_string(
    object: &Map<String, Value>,
    field: &str,
    at: &str,
    problems: &mut Vec<String>,
) -> Option<String> {
    let value = object.get(field)?;
    let string = value.as_str().map(str::to_string);
    if string.is_none() {
        problems.push(format!("`{at}{field}` is {}, not a string", kind(value)));
    }
    string
}

/// The string value of `field` if present and one of `allowed`.
fn optional_choice(
    object: &Map<String, Value>,
    field: &str,
    allowed: &[&str],
    at: &str,
    problems: &mut Vec<String>,
) -> Option<String> {
    let value = optional_string(object, field, at, problems)?;
    if allowed.contains(&value.as_str()) {
        Some(value)
    } else {
        problems.push(format!("`{at}{field}` is {value:?}, not one of {}", allowed.join(", ")));
        None
    }
}

/// What kind of JSON value `value` is, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn results(score: u32, tests: Value) -> Value {
        json!({
            "score": score,
            "execution_time": 12,
            "output": "Tests passed: ...\nBUILD FAILED: error[E0308]: mismatched types\n",
            "output_format": "text",
            "test_output_format": "text",
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": tests,
            "extra_data": { "max_score": 5 },
        })
    }

    fn test(name: &str, score: u32, max_score: u32, status: &str) -> Value {
        json!({
            "name": name, "number": "1.1", "score": score, "max_score": max_score, "status": status,
            "output": "", "tags": ["RUN"], "visibility": "visible",
        })
    }

    fn parse(value: &Value) -> Result<Results, Vec<String>> {
        Results::parse(&value.to_string())
    }

    #[test]
    fn a_full_score_is_full_and_not_zero() {
        let full = parse(&results(5, json!([test("a", 2, 2, "passed"), test("b", 3, 3, "passed")]))).unwrap();
        assert_eq!(full.check(Expect::Full), Vec::<String>::new());
        assert_eq!(full.summary(), "score 5/5, 2/2 tests passed");
        let zero = full.check(Expect::Zero);
        assert!(zero.iter().any(|p| p.contains("`score` is 5, not 0")), "{zero:?}");
    }

    #[test]
    fn one_failed_test_is_not_full() {
        let partial =
            parse(&results(2, json!([test("a", 2, 2, "passed"), test("b", 0, 3, "failed")]))).unwrap();
        let problems = partial.check(Expect::Full);
        assert!(problems.iter().any(|p| p.contains("`score` is 2, not the full 5")), "{problems:?}");
        assert!(
            problems.contains(&"1 test(s) did not pass with full points: \"b\" (0/3, failed)".to_string())
        );
    }

    #[test]
    fn a_full_score_needs_tests_and_the_declared_maximum() {
        let empty = parse(&json!({ "score": 0, "tests": [] })).unwrap();
        assert!(empty.check(Expect::Full).iter().any(|p| p.contains("no tests")));
        let short = parse(&results(2, json!([test("a", 2, 2, "passed")]))).unwrap();
        let problems = short.check(Expect::Full);
        assert_eq!(problems, vec!["`score` is 2, not extra_data.max_score 5".to_string()]);
    }

    #[test]
    fn a_tests_output_is_searched_as_well_as_the_top_level() {
        let mut failed = test("b", 0, 3, "failed");
        failed["output"] = json!("SECRET-READ done: 3 attempts");
        let results = parse(&results(2, json!([test("a", 2, 2, "passed"), failed]))).unwrap();
        assert!(results.missing_from_output(&["SECRET-READ done".into()]).is_empty());
        assert_eq!(
            results.present_in_output(&["SECRET-READ done".into(), "read 12 bytes".into()]),
            vec!["`tests[1].output` (\"b\") contains \"SECRET-READ done\", which it must not".to_string()]
        );
    }

    #[test]
    fn a_build_failure_is_zero_with_its_output() {
        let zero = parse(&results(0, json!([test("a", 0, 2, "failed"), test("b", 0, 3, "failed")]))).unwrap();
        assert!(zero.check(Expect::Zero).is_empty());
        assert!(zero.missing_from_output(&["error[E0308]".into()]).is_empty());
        assert_eq!(
            zero.missing_from_output(&["error[E0599]".into()]),
            vec!["no output contains \"error[E0599]\"".to_string()]
        );
        assert!(zero.present_in_output(&["error[E0599]".into()]).is_empty());
        // What run_autograder writes when grading itself failed: no tests at all.
        let bare = parse(&json!({ "score": 0, "output": "grading failed" })).unwrap();
        assert!(bare.check(Expect::Zero).is_empty());
    }

    #[test]
    fn a_passed_test_is_not_zero() {
        let some = parse(&results(0, json!([test("a", 0, 2, "passed")]))).unwrap();
        let problems = some.check(Expect::Zero);
        assert_eq!(
            problems,
            vec!["1 test(s) passed or scored, but none should: \"a\" (0/2, passed)".to_string()]
        );
    }

    #[test]
    fn long_lists_of_tests_are_cut() {
        let tests: Vec<_> = (0..8).map(|i| test(&format!("t{i}"), 0, 1, "failed")).collect();
        let problems = parse(&results(0, Value::Array(tests))).unwrap().check(Expect::Full);
        let last = problems.last().unwrap();
        assert!(
            last.starts_with("8 test(s) did not pass with full points: \"t0\" (0/1, failed), "),
            "{last}"
        );
        assert!(last.ends_with("\"t4\" (0/1, failed) and 3 more"), "{last}");
    }

    #[test]
    fn a_missing_score_is_refused() {
        let mut value = results(5, json!([test("a", 5, 5, "passed")]));
        value.as_object_mut().unwrap().remove("score");
        assert_eq!(parse(&value).unwrap_err(), vec!["`score` is missing (a number is required)".to_string()]);
    }

    #[test]
    fn every_malformed_field_is_named() {
        let value = json!({
            "score": "5",
            "output": 3,
            "output_format": "pdf",
            "visibility": "secret",
            "tests": [
                { "score": 1, "max_score": null, "status": "ok", "tags": "RUN" },
                7,
            ],
        });
        let problems = parse(&value).unwrap_err();
        for expected in [
            "`score` is a string, not a number",
            "`output` is a number, not a string",
            "`output_format` is \"pdf\", not one of text, html, simple_format, md, ansi",
            "`visibility` is \"secret\", not one of visible, hidden, after_due_date, after_published",
            "`tests[0].name` is missing (a string is required)",
            "`tests[0].max_score` is null, not a number",
            "`tests[0].status` is \"ok\", not one of passed, failed",
            "`tests[0].tags` is a string, not an array of strings",
            "tests[1] is a number, not an object",
        ] {
            assert!(problems.iter().any(|p| p == expected), "{expected:?} not in {problems:#?}");
        }
    }

    #[test]
    fn text_that_is_not_a_json_object_is_refused() {
        assert!(Results::parse("{\"score\": ").unwrap_err()[0].starts_with("it is not valid JSON"));
        assert_eq!(Results::parse("[1]").unwrap_err(), vec!["it is an array, not a JSON object".to_string()]);
        let tests = parse(&json!({ "score": 0, "tests": {} })).unwrap_err();
        assert_eq!(tests, vec!["`tests` is an object, not an array".to_string()]);
    }
}
