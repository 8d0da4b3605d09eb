//! Drafting rubric entries from the test sources, so extending the rubric after a suite grows
//! is a review, not a transcription: `grade rubric-draft` prints a `[[test]]` entry for every
//! test of a graded suite that the rubric lacks (or for all of them with `--all`).
//!
//! The draft takes the description from the test's doc comment (its first sentence), guesses
//! categories from the words in its body (`kill`/`restart`/`crash` → CRASH, `unreliable`/`loss`
//! → UNRELIABLE, `partition`/`cut` → PARTITION, otherwise RUN), and proposes points by
//! categories and a timeout of 60 s. Check each one; set the timeout to about 3× the test's
//! time on a busy machine.

use std::fmt::Write;
use std::fs;
use std::io;
use std::path::Path;

use crate::rubric::{Category, Rubric};

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
        for test in find_tests(&source) {
            if !all && known.contains(&test.name) {
                continue;
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
/// harder scenarios more still.
pub fn suggested_points(part: &str, categories: &[Category]) -> u32 {
    let hard = categories.iter().filter(|c| **c != Category::Run).count() as u32;
    if part.to_lowercase().contains("view") {
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
}
