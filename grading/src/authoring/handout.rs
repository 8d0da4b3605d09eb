//! The handout generator: the reference workspace with the solution replaced by stubs that
//! compile and fail with "not implemented", and a README for students.
//!
//! What is stripped is data, not code: the student crates mark the solution in their source
//! (see [`markers`]: `// BEGIN SOLUTION` regions become stubs naming their function, `// BEGIN
//! PRIVATE` blocks of private design become one comment line), and `grading/handout.toml` gives
//! the handout's own module docs (the reference's explain its design), names files of the
//! reference's design that the handout does not ship, and can name more functions to stub. The
//! grader's own tests, fixtures and mutants, and the handout's own sources, are left out of the
//! handout.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::rust_source::{body_start, enclosing_function, matching_brace};
use super::{markers, module_docs};
use crate::fsutil;
use crate::submission::STUDENT_CRATES;

/// The stub list, relative to the reference workspace.
pub const SPEC_PATH: &str = "grading/handout.toml";
/// The students' README, relative to the reference workspace.
pub const README_PATH: &str = "grading/HANDOUT_README.md";

/// Paths of the reference never copied into a handout.
/// The tools' own tests (the checker's and the report's, which need a browser; the grader's,
/// which need bubblewrap) stay out too: a student's `make test` runs the lab, not the tools.
const LEFT_OUT: &[&str] = &[
    "target",
    ".git",
    ".ci",
    "grading/mutants",
    "grading/fixtures",
    "grading/tests",
    "lincheck/tests",
    "labreport/tests",
    "handout",
    SPEC_PATH,
    "scripts/starve-test.sh",
    "scripts/labrpc-ab",
];

/// The lints a fresh handout would trip over (stubbed functions leave parameters and helpers
/// unused); allowed at the top of each student crate until the student writes the code.
const HANDOUT_ALLOW: &str = "// Handout: stubs leave parameters and helpers unused until you write the code; delete this line then.\n#![allow(unused_variables, unused_imports, unused_mut, dead_code, unreachable_code)]\n";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    #[serde(default)]
    stub: Vec<StubSpec>,
    #[serde(default)]
    doc: Vec<DocSpec>,
    /// Files of the student crates that are the reference's own design (a module a student may
    /// or may not want), left out of the handout.
    #[serde(default)]
    leave_out: Vec<String>,
}

/// The handout's module doc of one student file, replacing the reference's.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocSpec {
    file: String,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StubSpec {
    file: String,
    functions: Vec<String>,
    hint: String,
}

/// What a generation did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HandoutReport {
    /// `file: function` for every function `handout.toml` names.
    pub stubbed: Vec<String>,
    /// `file:line: Type::function` of every SOLUTION region replaced by its stub.
    pub regions: Vec<String>,
    /// `file:line` of every PRIVATE block replaced by its hint (with the regions it held, which
    /// have no stub).
    pub private: Vec<String>,
    /// Every file whose module doc is the handout's own.
    pub docs: Vec<String>,
    /// Every file of the student crates left out.
    pub left_out: Vec<String>,
}

impl fmt::Display for HandoutReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "stubbed {} function(s) and {} marked region(s); hid {} private block(s):",
            self.stubbed.len(),
            self.regions.len(),
            self.private.len()
        )?;
        for item in self.stubbed.iter().chain(&self.regions) {
            writeln!(f, "  stub     {item}")?;
        }
        for item in &self.private {
            writeln!(f, "  private  {item}")?;
        }
        for item in &self.docs {
            writeln!(f, "  doc      {item}")?;
        }
        for item in &self.left_out {
            writeln!(f, "  left out {item}")?;
        }
        Ok(())
    }
}

/// Writes the handout of the reference at `reference` into `out` (which must not exist, or be
/// empty).
pub fn generate(reference: &Path, out: &Path) -> Result<HandoutReport, String> {
    let reference = fs::canonicalize(reference).map_err(|e| format!("{}: {e}", reference.display()))?;
    if out.exists() && fs::read_dir(out).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(format!("{} exists and is not empty: choose a new directory (OUT=...)", out.display()));
    }
    let spec_text = fs::read_to_string(reference.join(SPEC_PATH)).map_err(|e| format!("{SPEC_PATH}: {e}"))?;
    let spec: Spec = toml::from_str(&spec_text).map_err(|e| format!("{SPEC_PATH}: {e}"))?;
    for file in spec.doc.iter().map(|d| &d.file).chain(&spec.leave_out) {
        student_file(&reference, file).map_err(|e| format!("{SPEC_PATH}: {e}"))?;
    }
    copy_tree(&reference, &reference, out).map_err(|e| format!("copying the reference: {e}"))?;

    let width = max_width(&reference);
    let mut report = HandoutReport::default();
    for stub in &spec.stub {
        let path = out.join(&stub.file);
        let mut text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", stub.file))?;
        for function in &stub.functions {
            text = stub_function(&text, function, &stub.hint, width)
                .map_err(|e| format!("{}: {e}", stub.file))?;
            report.stubbed.push(format!("{}: {function}", stub.file));
        }
        fs::write(&path, text).map_err(|e| format!("{}: {e}", stub.file))?;
    }
    for file in &spec.leave_out {
        fs::remove_file(out.join(file)).map_err(|e| format!("{file}: {e}"))?;
        report.left_out.push(file.clone());
    }
    for doc in &spec.doc {
        let path = out.join(&doc.file);
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", doc.file))?;
        let replaced = module_docs::replace(&text, &doc.text).map_err(|e| format!("{}: {e}", doc.file))?;
        fs::write(&path, replaced).map_err(|e| format!("{}: {e}", doc.file))?;
        report.docs.push(doc.file.clone());
    }
    for krate in STUDENT_CRATES {
        for file in rust_files(&out.join(krate).join("src")) {
            let text = fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let shown = file.strip_prefix(out).unwrap_or(&file).display().to_string();
            let (stripped, marked) = markers::handout(&text, width).map_err(|e| format!("{shown}: {e}"))?;
            report.regions.extend(marked.stubbed().map(|r| format!("{shown}:{}: {}", r.line, r.function)));
            for block in &marked.private {
                let inside = marked.regions.iter().filter(|r| r.private == Some(block.line)).count();
                report.private.push(format!("{shown}:{} ({inside} region(s) inside)", block.line));
            }
            fs::write(&file, stripped).map_err(|e| format!("{shown}: {e}"))?;
        }
        let lib = out.join(krate).join("src").join("lib.rs");
        let text = fs::read_to_string(&lib).map_err(|e| format!("{}: {e}", lib.display()))?;
        fs::write(&lib, insert_allow(&text)).map_err(|e| format!("{}: {e}", lib.display()))?;
    }
    let readme = fs::read(reference.join(README_PATH)).map_err(|e| format!("{README_PATH}: {e}"))?;
    fs::write(out.join("README.md"), readme).map_err(|e| format!("README.md: {e}"))?;
    let _ = fs::remove_file(out.join(README_PATH));
    super::staff_lines::strip_file(&out.join("Makefile"))?;
    Ok(report)
}

/// Checks that `file`, named by `handout.toml`, is a Rust file of a student crate's `src` in the
/// reference at `root`.
fn student_file(root: &Path, file: &str) -> Result<(), String> {
    let path = Path::new(file);
    let in_src = STUDENT_CRATES.iter().any(|krate| path.starts_with(Path::new(krate).join("src")));
    let plain = path.components().all(|c| matches!(c, std::path::Component::Normal(_)));
    if !in_src || !plain || path.extension().is_none_or(|e| e != "rs") {
        return Err(format!(
            "{file:?} is not a Rust file of a student crate's src ({})",
            STUDENT_CRATES.map(|k| format!("{k}/src")).join(", ")
        ));
    }
    if !root.join(path).is_file() {
        return Err(format!("{file} does not exist in the reference"));
    }
    Ok(())
}

/// Copies `dir` (inside `root`) to `out`, leaving out [`LEFT_OUT`].
fn copy_tree(root: &Path, dir: &Path, out: &Path) -> std::io::Result<()> {
    fs::create_dir_all(out)?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().into_owned();
        if LEFT_OUT.contains(&relative.as_str()) {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(root, &path, &out.join(entry.file_name()))?;
        } else if kind.is_file() {
            fsutil::write_if_changed(&out.join(entry.file_name()), &fs::read(&path)?)?;
        }
    }
    Ok(())
}

/// Every `.rs` file under `dir`, sorted (none if `dir` cannot be read).
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Puts [`HANDOUT_ALLOW`] after the leading inner doc comments of a crate root.
fn insert_allow(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let split = lines.iter().position(|l| !l.trim_start().starts_with("//!")).unwrap_or(lines.len());
    let mut out = lines[..split].join("\n");
    if split > 0 {
        out.push('\n');
    }
    out.push_str(HANDOUT_ALLOW);
    out.push_str(&lines[split..].join("\n"));
    out.push('\n');
    out
}

/// Replaces the body of the one `fn name` in `text` with a stub panicking with `Type::name:
/// hint` (see [`markers::stub_lines`]), laid out for rustfmt at `max_width`.
pub fn stub_function(text: &str, name: &str, hint: &str, max_width: usize) -> Result<String, String> {
    let needle = format!("fn {name}");
    let starts: Vec<usize> = text
        .match_indices(&needle)
        .map(|(i, _)| i)
        .filter(|&i| {
            let after = text[i + needle.len()..].chars().next();
            let before = text[..i].chars().last();
            matches!(after, Some('(') | Some('<')) && !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
        .collect();
    let [start] = starts[..] else {
        return Err(format!("wanted exactly one `fn {name}`, found {}", starts.len()));
    };
    let open = body_start(text, start).ok_or_else(|| format!("`fn {name}` has no body"))?;
    let close = matching_brace(text, open).ok_or_else(|| format!("`fn {name}`'s body never closes"))?;
    let function = enclosing_function(text, open + 1).unwrap_or_else(|| name.to_string());
    let indent: String =
        text[..start].rsplit('\n').next().unwrap_or("").chars().take_while(|c| c.is_whitespace()).collect();
    let body = markers::stub_lines(&format!("{indent}    "), &format!("{function}: {hint}"), max_width);
    let stub = format!("{{\n{}\n{indent}}}", body.join("\n"));
    Ok(format!("{}{}{}", &text[..open], stub, &text[close + 1..]))
}

/// rustfmt's `max_width` for the workspace at `root` (its `rustfmt.toml` or `.rustfmt.toml`;
/// rustfmt's default, 100, if neither sets it).
pub fn max_width(root: &Path) -> usize {
    ["rustfmt.toml", ".rustfmt.toml"]
        .iter()
        .filter_map(|name| fs::read_to_string(root.join(name)).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|l| l.split_once('='))
                .filter(|(key, _)| key.trim() == "max_width")
                .filter_map(|(_, value)| value.trim().parse().ok())
                .collect::<Vec<usize>>()
        })
        .next()
        .unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_body_becomes_a_stub_naming_it() {
        let text = "impl X {\n    pub fn tick(&mut self, now: Instant) -> Option<View> {\n        let s = \"}\"; // }\n        if a { b } else { c }\n    }\n\n    fn ticker() {}\n}\n";
        let out = stub_function(text, "tick", "decide", 100).unwrap();
        assert_eq!(
            out,
            "impl X {\n    pub fn tick(&mut self, now: Instant) -> Option<View> {\n        unimplemented!(\"X::tick: decide\")\n    }\n\n    fn ticker() {}\n}\n"
        );
        assert!(stub_function(text, "missing", "x", 100).is_err());
    }

    #[test]
    fn the_width_is_rustfmt_s() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(max_width(dir.path()), 100);
        fs::write(dir.path().join("rustfmt.toml"), "edition = \"2021\"\nmax_width = 110\n").unwrap();
        assert_eq!(max_width(dir.path()), 110);
    }

    #[test]
    fn the_allow_goes_after_the_crate_docs() {
        let out = insert_allow("//! Docs.\n//! More.\n\npub mod x;\n");
        assert!(out.starts_with("//! Docs.\n//! More.\n// Handout"), "{out}");
        assert!(out.contains("#![allow(") && out.ends_with("pub mod x;\n"));
    }
}
