//! `lab-test`: runs the tests whose name contains a filter, as `make test T=name` does, and
//! says how they fared.
//!
//! ```text
//! lab-test FILTER [CARGO-SELECTION...]
//! ```
//!
//! It builds the tests (`cargo test --no-run`, cargo's progress and errors shown), lists every
//! test binary's tests, and runs only the binaries that hold a matching test, each once with
//! `FILTER --nocapture --test-threads=1`: each test's own output and failure are shown as
//! libtest prints them, and nothing is printed for the suites (or doc tests) that match
//! nothing. It ends with one line, `2 tests matched "first_backup": 2 passed`, and fails if a
//! test failed or did not finish. When no test matches, it runs nothing, says `no test matches
//! "FILTER"`, names the five closest test names, and fails.
//!
//! CARGO-SELECTION is what to build, in cargo's words, `--workspace` if none: `-p labtests
//! --test viewservice -p labrpc --test kill` builds each `-p` group with a cargo run of its own
//! (`make test S=... T=...` passes the suites it resolved). `CARGO` names the cargo to run.

mod suite;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use labreport::runner::build::{build, Failure, TestBinary};
use labreport::runner::{closest, listing};
use suite::Tally;

/// How many close names a filter that matched nothing is answered with.
const SUGGESTIONS: usize = 5;
/// The widest column of names a suggestion's file is aligned after.
const NAME_COLUMN: usize = 48;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((filter, selection)) = args.split_first() else {
        eprintln!("usage: lab-test FILTER [CARGO-SELECTION...]  (`make test T=name` runs it)");
        return ExitCode::from(2);
    };
    match run(filter, selection) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("{}", failure.message);
            }
            ExitCode::from(u8::try_from(failure.code).unwrap_or(1))
        }
    }
}

/// Builds `selection`, runs the tests matching `filter` and prints the closing line.
fn run(filter: &str, selection: &[String]) -> Result<(), Failure> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let here = std::env::current_dir().map_err(|e| Failure::new(1, format!("no current directory: {e}")))?;
    let mut binaries: Vec<TestBinary> = Vec::new();
    for group in groups(selection) {
        for binary in build(&cargo, &group, &here)? {
            if !binaries.iter().any(|b| b.exe == binary.exe) {
                binaries.push(binary);
            }
        }
    }
    let mut listed: Vec<(TestBinary, Vec<String>)> = Vec::new();
    for binary in binaries {
        let names = listing::list(&binary).map_err(|e| Failure::new(1, e))?;
        listed.push((binary, names));
    }

    let matching = |names: &[String]| names.iter().filter(|n| n.contains(filter)).count();
    let matched: usize = listed.iter().map(|(_, names)| matching(names)).sum();
    if matched == 0 {
        return Err(Failure::new(1, no_match(filter, &listed)));
    }

    let color = std::io::stdout().is_terminal();
    let mut tally = Tally::default();
    for (binary, names) in &listed {
        let selected = matching(names);
        if selected == 0 {
            continue;
        }
        eprintln!("     Running {} ({})", binary.source, shown(&binary.exe, &here));
        tally = tally.add(suite::run(binary, filter, selected, color).map_err(|e| Failure::new(1, e))?);
    }
    let tests = if matched == 1 { "test" } else { "tests" };
    println!("{matched} {tests} matched {filter:?}: {}", tally.describe());
    if tally.succeeded() {
        Ok(())
    } else {
        Err(Failure::new(1, String::new()))
    }
}

/// The cargo selection split into one build per `-p` group (`--workspace` when empty).
fn groups(selection: &[String]) -> Vec<Vec<String>> {
    if selection.is_empty() {
        return vec![vec!["--workspace".to_string()]];
    }
    let mut groups: Vec<Vec<String>> = Vec::new();
    for arg in selection {
        if groups.is_empty() || arg == "-p" || arg == "--package" {
            groups.push(Vec::new());
        }
        groups.last_mut().expect("a group").push(arg.clone());
    }
    groups
}

/// What to say when `filter` matched none of the tests `listed`: the closest names, with the
/// file each is in.
fn no_match(filter: &str, listed: &[(TestBinary, Vec<String>)]) -> String {
    let all: Vec<(&str, &str)> = listed
        .iter()
        .flat_map(|(binary, names)| names.iter().map(move |n| (n.as_str(), binary.source.as_str())))
        .collect();
    let names: Vec<&str> = all.iter().map(|(name, _)| *name).collect();
    let close = closest::closest(filter, &names, SUGGESTIONS);
    let mut text = format!("no test matches {filter:?}");
    if close.is_empty() {
        text.push_str(" (no tests were built)");
        return text;
    }
    text.push_str(&format!("; the closest of the {} tests:", all.len()));
    // Aligned, unless a long name would push every file far right.
    let width = close.iter().map(|n| n.chars().count()).max().unwrap_or(0).min(NAME_COLUMN);
    for name in close {
        let source = all.iter().find(|(n, _)| *n == name).map_or("", |(_, source)| source);
        text.push_str(&format!("\n  {name:width$}  ({source})"));
    }
    text.push_str("\n`make test T=part_of_a_name` runs every test whose name contains it.");
    text
}

/// `path` relative to `here` when under it.
fn shown(path: &Path, here: &Path) -> String {
    path.strip_prefix(here).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn each_package_is_built_on_its_own() {
        assert_eq!(groups(&[]), [strings(&["--workspace"])]);
        let selection =
            strings(&["-p", "labtests", "--test", "a", "--test", "b", "-p", "labrpc", "--test", "kill"]);
        assert_eq!(
            groups(&selection),
            [
                strings(&["-p", "labtests", "--test", "a", "--test", "b"]),
                strings(&["-p", "labrpc", "--test", "kill"])
            ]
        );
    }

    #[test]
    fn no_match_names_the_closest_tests_and_their_files() {
        let binary = |source: &str| TestBinary {
            exe: "/x".into(),
            dir: "/".into(),
            source: source.into(),
            target: "x".into(),
        };
        let listed = vec![
            (binary("tests/tests/pbservice.rs"), strings(&["first_backup", "backup_dies", "basic_put"])),
            (binary("labrpc/src/lib.rs"), strings(&["tests::first_call"])),
        ];
        let text = no_match("frist_backup", &listed);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "no test matches \"frist_backup\"; the closest of the 4 tests:");
        assert_eq!(lines[1], "  first_backup       (tests/tests/pbservice.rs)");
        assert_eq!(lines.len(), 6, "four names and a hint: {text}");
        assert_eq!(no_match("x", &[]), "no test matches \"x\" (no tests were built)");
    }
}
