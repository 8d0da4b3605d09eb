//! The handout: generated from the reference, every region marked `// BEGIN SOLUTION: hint` ...
//! `// END SOLUTION` in the student crates is replaced by a stub naming its function
//! (`unimplemented!("Type::function: hint")`) and every block marked `// BEGIN PRIVATE: hint` ...
//! `// END PRIVATE` by the comment `// hint`, regions inside it included; no line of the solution
//! or of the private design is left. The handout builds (the grader builds its student crates
//! against the reference's tests), is formatted as rustfmt wants, and grading it scores 0 on every
//! test that needs the missing code, each failing with the "not implemented" of a stub that names
//! its function. One build in the shared cache (about a minute), then a few seconds of failing
//! tests, four at a time.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use grading::authoring::handout::{rust_files, HandoutReport};
use grading::outcome::GradeStatus;
use grading::submission::STUDENT_CRATES;

/// Graded tests that need none of the code the handout removes: they pass on the handout, and only
/// they may. None does: even the empty view 0 needs `ViewServer::get`, and an end-to-end test's
/// view service ticks, so a stubbed `ViewServer::tick` panics in its tick thread.
const PASS_WITHOUT_THE_SOLUTION: &[&str] = &[];

/// Lines of the reference's solution that must not be in the handout, one or two per file. Unlike
/// the per-region check, this does not rely on the markers: it fails if a region's markers are
/// deleted, or moved off the code. Each line must still be in the reference.
const SOLUTION_LINES: &[(&str, &str)] = &[
    ("viewservice/src/server.rs", "heard.restarted |= in_role && viewnum == 0 && heard.viewnum != 0;"),
    ("viewservice/src/server.rs", "None => return unchanged,"),
    ("pbservice/src/server.rs", "if !state.is_from_my_primary(self.name(), args.viewnum, &args.primary) {"),
    ("pbservice/src/server.rs", "state.store = Store::from_snapshot(args.snapshot);"),
    ("pbservice/src/store.rs", "self.snapshot.applied.insert(request.id.client, request.id.seq);"),
    ("pbservice/src/client.rs", "session.primary = self.ask_for_primary()?;"),
];

/// Names of the reference's private design (types, fields, helpers, constants), each declared
/// inside a PRIVATE block: none may be left anywhere in the handout's student crates. Like
/// [`SOLUTION_LINES`], a check that does not trust the markers it checks.
const PRIVATE_NAMES: &[(&str, &str)] = &[
    ("viewservice/src/server.rs", "Heard"),
    ("viewservice/src/server.rs", "is_usable"),
    ("viewservice/src/server.rs", "current_view_acked"),
    ("viewservice/src/server.rs", "successor_of_failed_primary"),
    ("viewservice/src/server.rs", "install"),
    ("pbservice/src/server.rs", "adopted"),
    ("pbservice/src/server.rs", "in_sync"),
    ("pbservice/src/common.rs", "Snapshot"),
    ("pbservice/src/common.rs", "BackupUnavailable"),
    ("pbservice/src/server.rs", "has_state"),
    ("pbservice/src/server.rs", "known_to_vs"),
    ("pbservice/src/server.rs", "unfinished"),
    ("pbservice/src/server.rs", "is_from_my_primary"),
    ("pbservice/src/server.rs", "transfer_to_new_backup"),
    ("pbservice/src/client.rs", "RETRY_INTERVAL"),
    ("pbservice/src/client.rs", "Session"),
    ("pbservice/src/client.rs", "stop_if_final"),
    ("pbservice/src/store.rs", "from_snapshot"),
    ("pbservice/src/store.rs", "is_duplicate"),
];

/// One `// BEGIN SOLUTION: hint` ... `// END SOLUTION` region of a reference file.
struct Region {
    line: usize,
    hint: String,
    /// The function it is the body of, as its stub names it.
    function: String,
    /// Inside a PRIVATE block: removed with it, no stub.
    private: bool,
    code: Vec<String>,
}

/// One `// BEGIN PRIVATE: hint` ... `// END PRIVATE` block of a reference file.
struct Private {
    line: usize,
    hint: String,
    code: Vec<String>,
}

/// What the markers of one reference file say.
#[derive(Default)]
struct Marked {
    regions: Vec<Region>,
    private: Vec<Private>,
    /// The (trimmed) lines outside every region.
    outside_regions: BTreeSet<String>,
    /// The (trimmed) lines outside every PRIVATE block.
    outside_private: BTreeSet<String>,
}

/// The markers of `text`, read independently of the generator: a region's function is the
/// nearest `fn NAME` above it, and its type the `impl` at the start of a line above it whose
/// block has not closed (a `}` at the start of a line) by then.
fn marked(text: &str) -> Marked {
    let mut marked = Marked::default();
    let mut region: Option<Region> = None;
    let mut private: Option<Private> = None;
    let (mut function, mut owner) = (String::new(), None::<String>);
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if line.starts_with("impl") {
            let header = line.trim_end_matches('{').trim();
            let ty = header.rsplit(" for ").next().unwrap().trim_start_matches("impl").trim();
            owner = Some(ty.split('<').next().unwrap().to_string());
        } else if line.starts_with('}') {
            owner = None;
        }
        if let Some(at) = trimmed.find("fn ").filter(|_| !trimmed.starts_with("//")) {
            let name: String =
                trimmed[at + 3..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            function = match &owner {
                Some(owner) => format!("{owner}::{name}"),
                None => name,
            };
        }
        if let Some(hint) = trimmed.strip_prefix("// BEGIN PRIVATE") {
            assert!(private.is_none(), "line {}: PRIVATE blocks do not nest", index + 1);
            let hint = hint.trim_start_matches(':').trim().to_string();
            private = Some(Private { line: index + 1, hint, code: Vec::new() });
        } else if trimmed.starts_with("// END PRIVATE") {
            marked.private.push(private.take().expect("END PRIVATE without BEGIN"));
        } else if let Some(hint) = trimmed.strip_prefix("// BEGIN SOLUTION") {
            let hint = hint.trim_start_matches(':').trim().to_string();
            let (function, private) = (function.clone(), private.is_some());
            region = Some(Region { line: index + 1, hint, function, private, code: Vec::new() });
        } else if trimmed.starts_with("// END SOLUTION") {
            marked.regions.push(region.take().expect("END SOLUTION without BEGIN"));
        } else {
            match region.as_mut() {
                Some(region) => region.code.push(trimmed.to_string()),
                None => drop(marked.outside_regions.insert(trimmed.to_string())),
            }
            match private.as_mut() {
                Some(block) => block.code.push(trimmed.to_string()),
                None => drop(marked.outside_private.insert(trimmed.to_string())),
            }
        }
    }
    assert!(region.is_none() && private.is_none(), "a BEGIN marker never ends");
    marked
}

/// Whether `text` holds `word` as a whole identifier.
fn holds_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().last();
        let after = text[at + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

/// The handout of the reference, in a temporary directory.
fn handout() -> (tempfile::TempDir, PathBuf, HandoutReport) {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("handout");
    let report =
        grading::authoring::handout::generate(&common::reference(), &dir).expect("the handout is generated");
    (out, dir, report)
}

/// The stub messages of the reference's regions outside PRIVATE blocks (`Type::function: hint`).
fn stub_messages(reference: &Path) -> Vec<String> {
    let mut messages = Vec::new();
    for krate in STUDENT_CRATES {
        for file in rust_files(&reference.join(krate).join("src")) {
            let marked = marked(&fs::read_to_string(&file).unwrap());
            messages.extend(
                marked.regions.iter().filter(|r| !r.private).map(|r| format!("{}: {}", r.function, r.hint)),
            );
        }
    }
    messages
}

#[test]
fn every_region_becomes_a_stub_naming_its_function_and_no_solution_or_private_line_is_left() {
    let reference = common::reference();
    let (_out, dir, report) = handout();
    // The tools' self-tests (they need a browser or bubblewrap) stay out with the grader's secrets.
    for left_out in [
        "grading/mutants",
        "grading/fixtures",
        "grading/tests",
        "lincheck/tests",
        "labreport/tests",
        "target",
    ] {
        assert!(!dir.join(left_out).exists(), "{left_out} is in the handout");
    }
    // What the lab's own suites need is in: the graded suites, their harness and its tools.
    for kept in
        ["tests/tests/pbservice.rs", "tests/src/pb_harness.rs", "lincheck/src/lib.rs", "labreport/src/lib.rs"]
    {
        assert!(dir.join(kept).is_file(), "{kept} is missing from the handout");
    }
    let readme = fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.contains("make grade") && readme.contains("not implemented"), "the student README");

    let (mut stubbed, mut hidden, mut blocks) = (0, 0, 0);
    for krate in STUDENT_CRATES {
        for file in rust_files(&reference.join(krate).join("src")) {
            let relative = file.strip_prefix(&reference).unwrap().display().to_string();
            if report.left_out.contains(&relative) {
                assert!(!dir.join(&relative).exists(), "{relative} is left out, yet in the handout");
                continue;
            }
            let marked = marked(&fs::read_to_string(&file).unwrap());
            let handout = fs::read_to_string(dir.join(&relative)).unwrap();
            let lines: Vec<&str> = handout.lines().map(str::trim).collect();
            let handout_lines: BTreeSet<&str> = lines.iter().copied().collect();
            for marker in ["SOLUTION", "BEGIN PRIVATE", "END PRIVATE"] {
                assert!(!handout.contains(marker), "{relative}: a {marker} marker is left in the handout");
            }
            for region in &marked.regions {
                let at = format!("{relative}:{}", region.line);
                assert!(!region.hint.is_empty(), "{at}: the region has no hint for the student");
                if region.private {
                    hidden += 1;
                } else {
                    // One line `unimplemented!("...")`, or rustfmt's three when that is too wide.
                    let literal = format!("{:?}", format!("{}: {}", region.function, region.hint));
                    let one = format!("unimplemented!({literal})");
                    let found = lines.iter().enumerate().any(|(i, l)| {
                        *l == one || (*l == literal && i > 0 && lines[i - 1] == "unimplemented!(")
                    });
                    assert!(found, "{at}: no stub `{one}` in the handout:\n{handout}");
                    stubbed += 1;
                }
                // The region's own lines: those that occur nowhere else in the file.
                let own: Vec<&String> = region
                    .code
                    .iter()
                    .filter(|l| !l.is_empty() && !marked.outside_regions.contains(*l))
                    .collect();
                assert!(!own.is_empty(), "{at}: the region holds no line of its own to check");
                for line in own {
                    assert!(!handout_lines.contains(line.as_str()), "{at}: the handout still holds `{line}`");
                }
            }
            for block in &marked.private {
                let at = format!("{relative}:{}", block.line);
                assert!(!block.hint.is_empty(), "{at}: the PRIVATE block has no hint for the student");
                let comment = format!("// {}", block.hint);
                assert!(handout_lines.contains(comment.as_str()), "{at}: no `{comment}` in the handout");
                let own: Vec<&String> = block
                    .code
                    .iter()
                    .filter(|l| !l.is_empty() && !marked.outside_private.contains(*l))
                    .collect();
                assert!(!own.is_empty(), "{at}: the PRIVATE block holds no line of its own to check");
                for line in own {
                    assert!(!handout_lines.contains(line.as_str()), "{at}: the handout still holds `{line}`");
                }
                blocks += 1;
            }
        }
    }
    assert_eq!(report.regions.len(), stubbed, "{report}");
    assert_eq!(report.private.len(), blocks, "{report}");
    assert!(!report.left_out.is_empty() && !report.docs.is_empty(), "{report}");
    assert!(stubbed >= 12, "only {stubbed} stubbed regions: the solution is not marked:\n{report}");
    assert!(hidden >= 10 && blocks >= 8, "only {hidden} regions in {blocks} private blocks:\n{report}");

    for (file, line) in SOLUTION_LINES {
        let original = fs::read_to_string(reference.join(file)).unwrap();
        assert!(
            original.lines().any(|l| l.trim() == *line),
            "{file} no longer holds `{line}`: update SOLUTION_LINES with a line of the new solution"
        );
        // A file the handout leaves out holds no line at all.
        let handout = fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(
            !handout.lines().any(|l| l.trim() == *line),
            "{file}: the solution line `{line}` is in the handout"
        );
    }
    let student_sources: Vec<(String, String)> = STUDENT_CRATES
        .iter()
        .flat_map(|krate| rust_files(&dir.join(krate).join("src")))
        .map(|file| (file.display().to_string(), fs::read_to_string(&file).unwrap()))
        .collect();
    for (file, name) in PRIVATE_NAMES {
        let original = marked(&fs::read_to_string(reference.join(file)).unwrap());
        assert!(
            original.private.iter().any(|b| b.code.iter().any(|l| holds_word(l, name))),
            "{file} declares no `{name}` in a PRIVATE block: update PRIVATE_NAMES with a name of its private design"
        );
        for (path, text) in &student_sources {
            assert!(!holds_word(text, name), "{path}: the private name `{name}` is in the handout:\n{text}");
        }
    }
}

/// The names a line of the reference declares: an item (`fn`, `struct`, `enum`, `const`, `type`,
/// `mod`, `static`, `trait`), a field or parameter (`name: Type,`), or an enum variant (`Name,`).
fn declared(line: &str) -> Option<String> {
    let ident =
        |text: &str| -> String { text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
    let line = line.trim();
    let line = line.strip_prefix("pub(crate) ").or_else(|| line.strip_prefix("pub ")).unwrap_or(line);
    for keyword in ["fn ", "struct ", "enum ", "const ", "type ", "mod ", "static ", "trait "] {
        if let Some(rest) = line.strip_prefix(keyword) {
            return Some(ident(rest)).filter(|name| !name.is_empty());
        }
    }
    let name = ident(line);
    let rest = &line[name.len()..];
    let field = rest.starts_with(": ") && rest.ends_with(',') && name.starts_with(|c: char| c.is_lowercase());
    let variant = rest == "," && name.starts_with(|c: char| c.is_uppercase());
    (field || variant).then_some(name)
}

/// Every name the reference declares inside a PRIVATE block that its public skeleton (the lines
/// outside every PRIVATE block and SOLUTION region, which the handout keeps) never mentions: the
/// handout must not mention it either, in code, hints or docs. This list is read from the source,
/// so a new private field or helper is checked without anyone remembering to add it, and
/// [`PRIVATE_NAMES`] guards the few that matter most even if their markers are lost.
#[test]
fn no_name_of_the_reference_s_private_design_is_in_the_handout() {
    let reference = common::reference();
    let (_out, dir, report) = handout();
    let mut private = BTreeSet::new();
    let mut skeleton = String::new();
    for krate in STUDENT_CRATES {
        for file in rust_files(&reference.join(krate).join("src")) {
            let marked = marked(&fs::read_to_string(&file).unwrap());
            for block in &marked.private {
                private.extend(block.code.iter().filter_map(|l| declared(l)));
            }
            for line in marked.outside_private.intersection(&marked.outside_regions) {
                skeleton.push_str(line);
                skeleton.push('\n');
            }
        }
    }
    let names: Vec<&String> = private.iter().filter(|name| !holds_word(&skeleton, name)).collect();
    assert!(
        names.len() >= 25,
        "only {} private names found: is the design still marked? {names:?}",
        names.len()
    );
    for krate in STUDENT_CRATES {
        for file in rust_files(&dir.join(krate).join("src")) {
            let text = fs::read_to_string(&file).unwrap();
            for name in &names {
                assert!(
                    !holds_word(&text, name),
                    "{}: `{name}`, a name of the reference's private design, is in the handout (a hint or doc \
                     that gives the design away?):\n{text}",
                    file.display()
                );
            }
        }
    }
    // The module docs the handout replaces: no line of the reference's (which explain its design) is
    // left. Short lines (a blank `//!`, a heading) may recur by chance.
    for file in &report.docs {
        let original = fs::read_to_string(reference.join(file)).unwrap();
        let handout = fs::read_to_string(dir.join(file)).unwrap();
        let doc: Vec<&str> = original.lines().take_while(|l| l.starts_with("//!")).collect();
        assert!(doc.len() >= 5, "{file}: the reference's module doc is too short to be replaced");
        for line in doc.iter().filter(|l| l.len() >= 40) {
            assert!(
                !handout.lines().any(|l| l == *line),
                "{file}: the reference's module doc line `{line}` is in the handout"
            );
        }
        assert!(handout.starts_with("//! "), "{file}: the handout has no module doc");
    }
}

/// The README is the assignment: both parts, the rules with their exact boundaries, how to run one
/// suite, and no staff words.
#[test]
fn the_readme_is_the_assignment() {
    let (_out, dir, _report) = handout();
    let readme = fs::read_to_string(dir.join("README.md")).unwrap();
    for wanted in [
        "## Part A: the view service",
        "## Part B: the primary/backup service",
        "`now - t >= DEAD_AFTER`",
        "previous ping",
        "pinged first (by its first ping ever heard)",
        "make test S=viewservice",
        "LAB_SEED",
        "## Hints",
        "## The contract",
    ] {
        assert!(readme.contains(wanted), "the handout's README lacks `{wanted}`");
    }
    for staff in ["reference", "mutant", "make handout", "gradescope"] {
        assert!(!readme.to_lowercase().contains(staff), "the handout's README speaks of `{staff}`");
    }
    for krate in STUDENT_CRATES {
        let manifest = fs::read_to_string(dir.join(krate).join("Cargo.toml")).unwrap();
        assert!(!manifest.contains("reference"), "{krate}/Cargo.toml speaks of the reference");
        for file in rust_files(&dir.join(krate).join("src")) {
            let text = fs::read_to_string(&file).unwrap();
            assert!(!text.contains("reference"), "{} speaks of the reference", file.display());
        }
    }
    assert!(!dir.join(grading::authoring::handout::SPEC_PATH).exists(), "the handout ships its own recipe");
}

#[test]
fn the_handout_is_formatted_as_rustfmt_wants() {
    let (_out, dir, _report) = handout();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(["fmt", "--check"]).current_dir(&dir);
    for krate in STUDENT_CRATES {
        command.args(["-p", krate]);
    }
    let output = command.output().expect("cargo fmt runs (rustup component add rustfmt)");
    assert!(
        output.status.success(),
        "the handout's student crates fail `cargo fmt --check` (a stub's layout?):\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_handout_builds_and_scores_zero_on_every_test_that_needs_the_solution() {
    let (_out, dir, _report) = handout();
    let stubs: Vec<(String, String)> = stub_messages(&common::reference())
        .into_iter()
        .map(|m| (m.split(": ").next().unwrap().to_string(), m))
        .collect();
    // Every graded test; the stubs make them fail within seconds, most of which they spend
    // waiting for a view that never comes: four at a time, though the machine may have two cores.
    let mut options = common::options(&[]);
    options.jobs = 4;
    // On real threads, and the search tests (graded in simulation mode only) simulated.
    let grades = common::grade_each_test_once(&dir, &options);
    let table: String = grades.iter().map(grading::report::table::render).collect();
    for grade in &grades {
        assert!(matches!(grade.status, GradeStatus::Graded), "the handout does not build:\n{table}");
    }
    let tests = common::tests_run(&grades);
    assert_eq!(tests.len(), options.rubric.tests.len(), "not every graded test ran:\n{table}");
    let mut passed = Vec::new();
    for test in &tests {
        let id = test.test.id.to_string();
        if PASS_WITHOUT_THE_SOLUTION.contains(&id.as_str()) {
            assert!(test.passed(), "{id} needs none of the solution, yet failed on the handout:\n{table}");
            passed.push(id);
            continue;
        }
        let run = test.failed_run().unwrap_or_else(|| panic!("{id} passed on the handout:\n{table}"));
        let text = format!("{:?}\n{}", run.message, run.output.join("\n"));
        assert!(
            stubs.iter().any(|(function, _)| text.contains(&format!("not implemented: {function}:"))),
            "{id} failed without naming a stubbed function:\n{text}"
        );
    }
    assert_eq!(
        passed.len(),
        PASS_WITHOUT_THE_SOLUTION.len(),
        "PASS_WITHOUT_THE_SOLUTION names unknown tests"
    );
    let free: u32 = tests.iter().filter(|t| t.passed()).map(|t| t.test.points).sum();
    let points: u32 = tests.iter().map(|t| t.points()).sum();
    assert_eq!(points, free, "{table}");
}
