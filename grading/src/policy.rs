//! Checks on a submission's sources before anything is compiled.
//!
//! Compiling runs no submission code: manifests come from the reference (so no build script and
//! no procedural macro of the student's), and `unsafe_code = "forbid"` is added to the student
//! crates' manifests in the scratch workspace (so no `#[no_mangle]` symbol overrides and no
//! `#[link_section]` code before `main`). What compiling *can* do is read files:
//! `include_str!("/etc/...")` or `#[path = "/..."] mod x;` would copy any file the build can read
//! into the test binary, whose output the student sees. This module refuses those forms.
//!
//! The check is on tokens, with comments and literals removed: an identifier cannot be built
//! from pieces by stable `macro_rules!`, so `include_str` cannot hide. (A `#[path]` attribute
//! assembled by a macro from separate tokens is the one form it does not see; the build still
//! runs with a cleared environment, so `env!` reveals nothing either.)

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// Identifiers a submission may not use.
pub const FORBIDDEN_IDENTS: &[(&str, &str)] = &[
    ("include", "include! reads a file at compile time"),
    ("include_str", "include_str! reads a file at compile time"),
    ("include_bytes", "include_bytes! reads a file at compile time"),
];

/// One refused construct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The file, relative to the submission.
    pub file: PathBuf,
    /// Its 1-based line.
    pub line: usize,
    /// What was found and why it is refused.
    pub what: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.what)
    }
}

/// Checks every `.rs` file under `<submission>/<crate>/src` for each crate in `crates`.
pub fn check_sources(root: &Path, crates: &[&str]) -> std::io::Result<Vec<Violation>> {
    let mut violations = Vec::new();
    for krate in crates {
        check_dir(root, &root.join(krate).join("src"), &mut violations)?;
    }
    Ok(violations)
}

fn check_dir(root: &Path, dir: &Path, out: &mut Vec<Violation>) -> std::io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            check_dir(root, &path, out)?;
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
            let text = String::from_utf8_lossy(&fs::read(&path)?).into_owned();
            let file = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            out.extend(check_text(&text).into_iter().map(|(line, what)| Violation {
                file: file.clone(),
                line,
                what,
            }));
        }
    }
    Ok(())
}

/// The refused constructs in one file's text, as (line, what).
pub fn check_text(text: &str) -> Vec<(usize, String)> {
    let tokens = tokens(text);
    let mut found = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if let Token::Ident(name, line) = token {
            if let Some((_, why)) = FORBIDDEN_IDENTS.iter().find(|(ident, _)| ident == name) {
                found.push((*line, format!("`{name}` is not allowed: {why}")));
            }
            if name == "path" && is_attribute_start(&tokens[..i]) {
                found.push((
                    *line,
                    "`#[path = ...]` is not allowed: keep modules in the usual files".to_string(),
                ));
            }
        }
    }
    found
}

/// Whether the tokens just before an identifier are `#[` or `#![`.
fn is_attribute_start(before: &[Token]) -> bool {
    matches!(
        before,
        [.., Token::Punct('#', _), Token::Punct('[', _)]
            | [.., Token::Punct('#', _), Token::Punct('!', _), Token::Punct('[', _)]
    )
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String, usize),
    Punct(char, usize),
}

/// A small Rust lexer: identifiers and punctuation with their lines; comments (nested block
/// comments too), string, raw string, byte and char literals and lifetimes are skipped.
fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let count_lines = |from: usize, to: usize, line: &mut usize| {
        *line += chars[from..to.min(chars.len())].iter().filter(|&&c| c == '\n').count();
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let start = i;
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            count_lines(start, i, &mut line);
        } else if let Some(end) = raw_string_end(&chars, i) {
            count_lines(i, end, &mut line);
            i = end;
        } else if c == '"' || (c == 'b' && next == Some('"')) || (c == 'c' && next == Some('"')) {
            let start = i;
            i += if c == '"' { 1 } else { 2 };
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            count_lines(start, i, &mut line);
        } else if c == '\'' || (c == 'b' && next == Some('\'')) {
            // A char literal ('a', '\n', '\u{1F600}') or a lifetime ('a).
            let start = if c == 'b' { i + 1 } else { i };
            if chars.get(start + 1) == Some(&'\\') {
                // Skip the escaped character itself: '\'' must not end at its second quote.
                let mut j = start + 3;
                while j < chars.len() && chars[j] != '\'' && chars[j] != '\n' {
                    j += 1;
                }
                i = j + 1;
            } else if chars.get(start + 2) == Some(&'\'') {
                i = start + 3;
            } else {
                i = start + 1; // a lifetime: its name lexes as an identifier, harmlessly
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect(), line));
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                i += 1;
            }
        } else {
            out.push(Token::Punct(c, line));
            i += 1;
        }
    }
    // A raw identifier `r#include_str` lexes as `r`, `#`, `include_str`: the name is still seen.
    out
}

/// If a raw string literal (`r"..."`, `r#"..."#`, `br##"..."##`, `cr"..."`) starts at `i`,
/// the index just past its end.
fn raw_string_end(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if matches!(chars.get(j), Some('b') | Some('c')) {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while chars.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if chars.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < chars.len() {
        if chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(chars.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_time_file_reads_are_found() {
        let found = check_text("const S: &str = include_str!(\"/etc/passwd\");\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 1);
        let found = check_text("macro_rules! m { ($i:ident) => { $i!(\"/x\") } }\n\nm!(include_bytes);");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 3);
        assert_eq!(check_text("#[path = \"/etc/x.rs\"]\nmod x;").len(), 1);
        assert_eq!(check_text("#![path=\"a\"]").len(), 1);
    }

    #[test]
    fn comments_strings_and_lookalikes_are_not_violations() {
        let text = r##"
            //! Gets included: a Get forwarded to the backup.
            /* include_str!("x") /* nested */ include! */
            fn f<'a>(path: &'a str) -> char { let _q = '\''; let _s = "include_str!(\"/etc\")"; let _r = r#"include!"#; 'i' }
            let path = std::path::Path::new("/tmp");
            let included = 3;
        "##;
        assert_eq!(check_text(text), Vec::<(usize, String)>::new());
    }
}
