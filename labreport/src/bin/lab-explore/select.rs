//! Which test an exploration runs: the one test a name designates among every test built.
//!
//! A name designates a test if it is the test's name (`first_backup`), the last part of it
//! (`tests::x` for `x`), or its name qualified by its file (`pbservice::first_backup`); when no
//! test is designated that way, the one test whose qualified name contains it. None or several:
//! an error that names the closest tests, or all candidates.

use labreport::runner::build::TestBinary;
use labreport::runner::closest::closest;

/// How many close names a name that matched nothing is answered with.
const SUGGESTIONS: usize = 5;

/// The most candidates an ambiguous name is answered with.
const CANDIDATES: usize = 30;

/// The test chosen: the binary that holds it and its name there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    /// The test binary.
    pub binary: TestBinary,
    /// The test's name, as libtest knows it (what `--exact` takes).
    pub name: String,
}

/// One test, as a user may name it.
struct Candidate<'a> {
    binary: &'a TestBinary,
    name: &'a str,
    /// `target::name`: the file stem (or library) and the name.
    qualified: String,
}

/// The one test among `listed` (each binary with its tests) that `wanted` designates, or a
/// message that says why there is none.
pub fn select(wanted: &str, listed: &[(TestBinary, Vec<String>)]) -> Result<Chosen, String> {
    let wanted = named(wanted)?;
    let candidates: Vec<Candidate> = listed
        .iter()
        .flat_map(|(binary, names)| {
            names.iter().map(move |name| Candidate {
                binary,
                name,
                qualified: format!("{}::{name}", binary.target),
            })
        })
        .collect();
    let exact: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.name == wanted || c.qualified == wanted || c.name.rsplit("::").next() == Some(wanted))
        .collect();
    let found = match exact.len() {
        0 => candidates.iter().filter(|c| c.qualified.contains(wanted)).collect(),
        _ => exact,
    };
    match found[..] {
        [one] => Ok(Chosen { binary: one.binary.clone(), name: one.name.to_string() }),
        [] => Err(no_match(wanted, &candidates)),
        _ => Err(several(wanted, &found)),
    }
}

/// `wanted` without the spaces around it, or an error if that leaves nothing.
pub fn named(wanted: &str) -> Result<&str, String> {
    match wanted.trim() {
        "" => Err("no test named: give one as T=name (make explore T=first_backup)".to_string()),
        name => Ok(name),
    }
}

/// What to say when `wanted` designates no test: the closest ones.
fn no_match(wanted: &str, candidates: &[Candidate]) -> String {
    if candidates.is_empty() {
        return format!("no test matches {wanted:?}: the build holds no tests");
    }
    let names: Vec<&str> = candidates.iter().map(|c| c.qualified.as_str()).collect();
    let mut text = format!("no test matches {wanted:?}; the closest of the {} tests:", candidates.len());
    for name in closest(wanted, &names, SUGGESTIONS) {
        text.push_str(&format!("\n  {name}"));
        if let Some(candidate) = candidates.iter().find(|c| c.qualified == name) {
            text.push_str(&format!("  ({})", candidate.binary.source));
        }
    }
    text
}

/// What to say when `wanted` designates several tests: all of them, up to [`CANDIDATES`].
fn several(wanted: &str, found: &[&Candidate]) -> String {
    let mut text = format!("{wanted:?} matches {} tests; an exploration runs one:", found.len());
    for candidate in found.iter().take(CANDIDATES) {
        text.push_str(&format!("\n  {}  ({})", candidate.qualified, candidate.binary.source));
    }
    if found.len() > CANDIDATES {
        text.push_str(&format!("\n  ... and {} more", found.len() - CANDIDATES));
    }
    text.push_str("\nName one: its whole name, or SUITE::NAME (T=pbservice::first_backup).");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary(target: &str) -> TestBinary {
        TestBinary {
            exe: format!("/t/{target}").into(),
            dir: "/t".into(),
            source: format!("tests/tests/{target}.rs"),
            target: target.to_string(),
        }
    }

    fn listed() -> Vec<(TestBinary, Vec<String>)> {
        let names = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        vec![
            (binary("viewservice"), names(&["first_primary", "views_never_skip", "first_backup"])),
            (binary("viewservice_logic"), names(&["views_never_skip", "logic_first_primary_x"])),
            (binary("labtests"), names(&["verdict::tests::keyed_line"])),
        ]
    }

    fn chosen(wanted: &str) -> (String, String) {
        let chosen = select(wanted, &listed()).unwrap_or_else(|e| panic!("{wanted}: {e}"));
        (chosen.binary.target, chosen.name)
    }

    #[test]
    fn an_exact_name_wins_over_names_that_contain_it() {
        assert_eq!(chosen("first_primary"), ("viewservice".into(), "first_primary".into()));
        assert_eq!(chosen("keyed_line"), ("labtests".into(), "verdict::tests::keyed_line".into()));
        assert_eq!(
            chosen(" viewservice_logic::views_never_skip "),
            ("viewservice_logic".into(), "views_never_skip".into())
        );
    }

    #[test]
    fn a_part_of_one_name_only_chooses_it() {
        assert_eq!(chosen("backup"), ("viewservice".into(), "first_backup".into()));
        assert_eq!(chosen("logic_first"), ("viewservice_logic".into(), "logic_first_primary_x".into()));
    }

    #[test]
    fn several_tests_are_all_named_with_how_to_choose() {
        let text = select("views_never_skip", &listed()).unwrap_err();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                "\"views_never_skip\" matches 2 tests; an exploration runs one:",
                "  viewservice::views_never_skip  (tests/tests/viewservice.rs)",
                "  viewservice_logic::views_never_skip  (tests/tests/viewservice_logic.rs)",
                "Name one: its whole name, or SUITE::NAME (T=pbservice::first_backup).",
            ]
        );
        assert!(select("first", &listed()).unwrap_err().contains("matches 3 tests"));
    }

    #[test]
    fn no_match_names_the_closest() {
        let text = select("frist_backup", &listed()).unwrap_err();
        assert!(text.starts_with("no test matches \"frist_backup\"; the closest of the 6 tests:"), "{text}");
        assert_eq!(
            text.lines().nth(1),
            Some("  viewservice::first_backup  (tests/tests/viewservice.rs)"),
            "{text}"
        );
        assert!(select("x", &[]).unwrap_err().contains("the build holds no tests"));
        assert!(select("  ", &listed()).unwrap_err().contains("no test named"));
    }
}
