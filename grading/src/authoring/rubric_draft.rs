//! Drafting rubric entries from the test sources, so extending the rubric after a suite grows
//! is a review, not a transcription: `grade rubric-draft` prints a `[[test]]` entry for every
//! test of a graded suite that the rubric lacks (or for all of them with `--all`).
//!
//! The draft takes the description from the test's doc comment (its first sentence), guesses
//! categories from the words in its body (`search` → SEARCH, `kill`/`restart`/`crash` → CRASH,
//! `unreliable`/`loss` → UNRELIABLE, `partition`/`cut` → PARTITION, otherwise RUN; every test of
//! a suite graded in simulation mode only is taken for a search test), and proposes points by
//! categories and a timeout of 60 s. Check each one; set the timeout to about 3× the test's
//! time on a busy machine.
//!
//! It reads the sources, not a build: a suite graded in simulation mode only (its file starts
//! with `#![cfg(feature = "simulation")]`) is drafted like any other.

use std::fmt::Write;
use std::fs;
use std::io;
use std::path::Path;

use crate::rubric::{Category, Rubric};
use crate::run_mode::RunMode;

/// One test function (`#[test]` or `#[graded]`) found in a suite's source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundTest {
    /// The function's name.
    pub name: String,
    /// The first sentence of its doc comment.
    pub description: String,
    /// Categories guessed from its body.
    pub categories: Vec<Category>,
}

/// The rubric entries to review, as TOML text.
pub fn draft(rubric: &Rubric, reference: &Path, all: bool) -> io::Result<String> {
    let mut out = String::new();
    for suite in &rubric.suites {
        let path = reference.join("tests").join("tests").join(format!("{}.rs", suite.name));
        let source = fs::read_to_string(&path)?;
        let known = rubric.known_names(&suite.name);
        for mut test in find_tests(&source) {
            if !all && known.contains(&test.name) {
                continue;
            }
            if suite.only_mode() == Some(RunMode::Simulated) && !test.categories.contains(&Category::Search) {
                test.categories.retain(|c| *c != Category::Run);
                test.categories.insert(0, Category::Search);
            }
            let categories: Vec<String> = test.categories.iter().map(|c| format!("\"{c}\"")).collect();
            let _ = writeln!(out, "[[test]]");
            let _ = writeln!(out, "id = \"{}::{}\"", suite.name, test.name);
            let _ = writeln!(out, "description = {:?}", test.description);
            let _ = writeln!(out, "points = {}", suggested_points(&suite.part, &test.categories));
            let _ = writeln!(out, "categories = [{}]", categories.join(", "));
            let _ = writeln!(out, "timeout_secs = 60\n");
        }
    }
    if out.is_empty() {
        out.push_str("# every test of the graded suites is in the rubric\n");
    }
    Ok(out)
}

/// Points in the rubric's spirit: view service tests are small, primary/backup tests worth more,
/// harder scenarios more still; a search test by the kinds of fault it injects: 8 for one, 10 for
/// two, 12 for three or more.
pub fn suggested_points(part: &str, categories: &[Category]) -> u32 {
    let hard = categories.iter().filter(|c| !matches!(c, Category::Run | Category::Search)).count() as u32;
    if categories.contains(&Category::Search) {
        6 + 2 * hard.clamp(1, 3)
    } else if part.to_lowercase().contains("view") {
        2 + hard
    } else {
        5 + 3 * hard
    }
}

/// The test functions of a source file (`#[test]`, or `#[graded]` for a graded scenario), in
/// order.
pub fn find_tests(source: &str) -> Vec<FoundTest> {
    let lines: Vec<&str> = source.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !matches!(line.trim(), "#[test]" | "#[graded]" | "#[graded(search)]") {
            continue;
        }
        // The fn line: the first line after the attributes.
        let Some(fn_index) = (i + 1..lines.len()).find(|&j| !lines[j].trim_start().starts_with("#[")) else {
            continue;
        };
        let Some(name) = fn_name(lines[fn_index]) else { continue };
        // The doc comment: the /// lines above the attributes.
        let mut doc = Vec::new();
        let mut j = i;
        while j > 0 && lines[j - 1].trim_start().starts_with("#[") {
            j -= 1;
        }
        while j > 0 && lines[j - 1].trim_start().starts_with("///") {
            j -= 1;
            doc.push(lines[j].trim_start().trim_start_matches('/').trim());
        }
        doc.reverse();
        let doc = doc.join(" ");
        let description = doc.split(". ").next().unwrap_or("").trim_end_matches('.').trim().to_string();
        // The body: up to the first closing brace in column 0 (rustfmt's end of a function).
        let end = (fn_index + 1..lines.len()).find(|&j| lines[j] == "}").map_or(lines.len(), |j| j + 1);
        let body = lines[fn_index..end].join("\n").to_lowercase();
        found.push(FoundTest {
            name,
            description: if description.is_empty() { "TODO: describe".into() } else { description },
            categories: guess_categories(&body),
        });
    }
    found
}

fn fn_name(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix("fn ").or_else(|| line.trim_start().strip_prefix("pub fn "))?;
    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

fn guess_categories(body: &str) -> Vec<Category> {
    let mut categories = Vec::new();
    if body.contains("search") {
        categories.push(Category::Search);
    }
    if ["unreliable", "message_loss", "lose", "drop"].iter().any(|w| body.contains(w)) {
        categories.push(Category::Unreliable);
    }
    if ["partition", ".cut(", "cut_off", "isolate"].iter().any(|w| body.contains(w)) {
        categories.push(Category::Partition);
    }
    if ["kill", "restart", "crash"].iter().any(|w| body.contains(w)) {
        categories.push(Category::Crash);
    }
    if categories.is_empty() {
        categories.push(Category::Run);
    }
    categories
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_are_found_with_their_doc_and_categories() {
        let source = r#"
/// The first server to ping becomes primary. More text.
#[test]
fn first_primary() {
    lab.ping();
}

/// Survives crashes.
#[test]
#[ignore]
fn crashes() {
    s.kill("s1");
    net.set_unreliable("s2", true);
}
"#;
        let found = find_tests(source);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].name, "first_primary");
        assert_eq!(found[0].description, "The first server to ping becomes primary");
        assert_eq!(found[0].categories, vec![Category::Run]);
        assert_eq!(found[1].categories, vec![Category::Unreliable, Category::Crash]);
    }

    #[test]
    fn search_tests_are_drafted_as_search_tests_worth_8_to_12() {
        let source = r#"#![cfg(feature = "simulation")]
/// Many seeded executions with crashes and partitions, each linearizable.
#[graded(search)]
fn linearizable_under_crashes_and_partitions() {
    labtests::search::run(|net| { net.kill("s1"); net.partition(&["s1"], &["s2"]); });
}

/// Many seeded executions on a lossy network, each making progress.
#[graded]
fn progress_on_a_lossy_network() {
    explore(|net| net.set_network_unreliable(true));
}
"#;
        let found = find_tests(source);
        assert_eq!(found[0].categories, [Category::Search, Category::Partition, Category::Crash]);
        assert_eq!(suggested_points("Primary/backup", &found[0].categories), 10);
        assert_eq!(found[1].categories, [Category::Unreliable], "no word says search in the body");
        assert_eq!(suggested_points("Primary/backup", &[Category::Search, Category::Unreliable]), 8);
        assert_eq!(suggested_points("Primary/backup", &[Category::Search]), 8);
        let every = [Category::Search, Category::Crash, Category::Partition, Category::Unreliable];
        assert_eq!(suggested_points("Primary/backup", &every), 12);
        assert_eq!(suggested_points("Primary/backup", &[Category::Crash, Category::Partition]), 11);

        // In a suite graded in simulation mode only, every test is drafted as a search test.
        let reference = tempfile::tempdir().unwrap();
        let tests = reference.path().join("tests").join("tests");
        std::fs::create_dir_all(&tests).unwrap();
        std::fs::write(tests.join("pbservice_search.rs"), source).unwrap();
        let rubric = Rubric::parse(
            r#"
[[suite]]
name = "pbservice_search"
title = "Search"
part = "Primary/backup"
modes = ["simulated"]

[[test]]
id = "pbservice_search::linearizable_under_crashes_and_partitions"
description = "d"
points = 12
categories = ["SEARCH", "CRASH", "PARTITION"]
timeout_secs = 100
"#,
            Path::new("rubric.toml"),
        )
        .unwrap();
        let text = draft(&rubric, reference.path(), false).unwrap();
        assert_eq!(
            text,
            "[[test]]\nid = \"pbservice_search::progress_on_a_lossy_network\"\ndescription = \"Many seeded \
             executions on a lossy network, each making progress\"\npoints = 8\ncategories = [\"SEARCH\", \
             \"UNRELIABLE\"]\ntimeout_secs = 60\n\n"
        );
    }
}
