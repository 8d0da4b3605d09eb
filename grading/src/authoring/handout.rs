//! The handout generator: the reference workspace with the solution replaced by stubs that
//! compile and fail with "not implemented", and a README for students.
//!
//! What is stripped is data, not code: `grading/handout.toml` lists functions whose bodies
//! become stubs, and regions marked `// BEGIN SOLUTION: hint` ... `// END SOLUTION` in the
//! student crates are replaced as well. The grader's own tests, fixtures and mutants are left out
//! of the handout.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

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
];

/// The lints a fresh handout would trip over (stubbed functions leave parameters and helpers
/// unused); allowed at the top of each student crate until the student writes the code.
const HANDOUT_ALLOW: &str = "// Handout: stubs leave parameters and helpers unused until you write the code; delete this line then.\n#![allow(unused_variables, unused_imports, unused_mut, dead_code, unreachable_code)]\n";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    #[serde(default)]
    stub: Vec<StubSpec>,
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
    /// `file: function` for every stubbed function.
    pub stubbed: Vec<String>,
    /// `file:line` of every marked region replaced.
    pub regions: Vec<String>,
}

impl fmt::Display for HandoutReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "stubbed {} function(s) and {} marked region(s):",
            self.stubbed.len(),
            self.regions.len()
        )?;
        for item in self.stubbed.iter().chain(&self.regions) {
            writeln!(f, "  {item}")?;
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
    copy_tree(&reference, &reference, out).map_err(|e| format!("copying the reference: {e}"))?;

    let mut report = HandoutReport::default();
    for stub in &spec.stub {
        let path = out.join(&stub.file);
        let mut text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", stub.file))?;
        for function in &stub.functions {
            // `unimplemented!` says "not implemented: " itself.
            let message = format!("{} ({})", function, stub.hint);
            text = stub_function(&text, function, &message).map_err(|e| format!("{}: {e}", stub.file))?;
            report.stubbed.push(format!("{}: {function}", stub.file));
        }
        fs::write(&path, text).map_err(|e| format!("{}: {e}", stub.file))?;
    }
    for krate in STUDENT_CRATES {
        for file in rust_files(&out.join(krate).join("src")) {
            let text = fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let shown = file.strip_prefix(out).unwrap_or(&file).display().to_string();
            let (stripped, lines) = strip_regions(&text).map_err(|e| format!("{shown}: {e}"))?;
            report.regions.extend(lines.iter().map(|l| format!("{shown}:{l}")));
            fs::write(&file, stripped).map_err(|e| format!("{shown}: {e}"))?;
        }
        let lib = out.join(krate).join("src").join("lib.rs");
        let text = fs::read_to_string(&lib).map_err(|e| format!("{}: {e}", lib.display()))?;
        fs::write(&lib, insert_allow(&text)).map_err(|e| format!("{}: {e}", lib.display()))?;
    }
    let readme = fs::read(reference.join(README_PATH)).map_err(|e| format!("{README_PATH}: {e}"))?;
    fs::write(out.join("README.md"), readme).map_err(|e| format!("README.md: {e}"))?;
    let _ = fs::remove_file(out.join(README_PATH));
    Ok(report)
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

/// Replaces the body of the one `fn name` in `text` with a stub panicking with `message`.
pub fn stub_function(text: &str, name: &str, message: &str) -> Result<String, String> {
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
    let indent: String =
        text[..start].rsplit('\n').next().unwrap_or("").chars().take_while(|c| c.is_whitespace()).collect();
    let stub = format!("{{\n{indent}    unimplemented!({message:?})\n{indent}}}");
    Ok(format!("{}{}{}", &text[..open], stub, &text[close + 1..]))
}

/// The index of the `{` that opens the body of the fn starting at `start`: the first `{` at
/// bracket depth 0 (parameters and generics closed).
fn body_start(text: &str, start: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in text[start..].char_indices() {
        match c {
            '(' | '[' | '<' => depth += 1,
            ')' | ']' | '>' => depth -= 1,
            '{' if depth <= 0 => return Some(start + i),
            ';' if depth <= 0 => return None,
            _ => {}
        }
    }
    None
}

/// The index of the `}` matching the `{` at `open`, skipping strings, chars and comments.
fn matching_brace(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 2,
            b'\'' if bytes.get(i + 1) == Some(&b'\\') => {
                i += 2;
                while i < bytes.len() && bytes[i] != b'\'' {
                    i += 1;
                }
            }
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Replaces every `// BEGIN SOLUTION: hint` ... `// END SOLUTION` region with a stub; returns
/// the text and the 1-based lines where regions began.
pub fn strip_regions(text: &str) -> Result<(String, Vec<usize>), String> {
    let mut out = Vec::new();
    let mut lines_found = Vec::new();
    let mut open: Option<(usize, String, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("// BEGIN SOLUTION") {
            if open.is_some() {
                return Err(format!("line {}: BEGIN SOLUTION inside another region", index + 1));
            }
            let hint = rest.trim_start_matches(':').trim().to_string();
            let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
            open = Some((index + 1, hint, indent));
        } else if trimmed.starts_with("// END SOLUTION") {
            let (begin, hint, indent) =
                open.take().ok_or_else(|| format!("line {}: END SOLUTION without BEGIN", index + 1))?;
            let hint = if hint.is_empty() { "this region".to_string() } else { hint };
            // `unimplemented!` says "not implemented: " itself.
            out.push(format!("{indent}unimplemented!({hint:?})"));
            lines_found.push(begin);
        } else if open.is_none() {
            out.push(line.to_string());
        }
    }
    if let Some((begin, _, _)) = open {
        return Err(format!("line {begin}: BEGIN SOLUTION never ends"));
    }
    let mut text_out = out.join("\n");
    text_out.push('\n');
    Ok((text_out, lines_found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_body_becomes_a_stub() {
        let text = "impl X {\n    pub fn tick(&mut self, now: Instant) -> Option<View> {\n        let s = \"}\"; // }\n        if a { b } else { c }\n    }\n\n    fn ticker() {}\n}\n";
        let out = stub_function(text, "tick", "tick").unwrap();
        assert_eq!(
            out,
            "impl X {\n    pub fn tick(&mut self, now: Instant) -> Option<View> {\n        unimplemented!(\"tick\")\n    }\n\n    fn ticker() {}\n}\n"
        );
        assert!(stub_function(text, "missing", "x").is_err());
    }

    #[test]
    fn marked_regions_become_stubs() {
        let text =
            "fn f() -> u32 {\n    // BEGIN SOLUTION: count the pings\n    42\n    // END SOLUTION\n}\n";
        let (out, lines) = strip_regions(text).unwrap();
        assert_eq!(out, "fn f() -> u32 {\n    unimplemented!(\"count the pings\")\n}\n");
        assert_eq!(lines, vec![2]);
        assert!(strip_regions("// BEGIN SOLUTION\n").is_err());
    }

    #[test]
    fn the_allow_goes_after_the_crate_docs() {
        let out = insert_allow("//! Docs.\n//! More.\n\npub mod x;\n");
        assert!(out.starts_with("//! Docs.\n//! More.\n// Handout"), "{out}");
        assert!(out.contains("#![allow(") && out.ends_with("pub mod x;\n"));
    }
}
