//! Checks on a submission's sources before anything is compiled.
//!
//! Compiling runs no submission code: manifests come from the reference (so no build script and
//! no procedural macro of the student's), and `unsafe_code = "forbid"` is added to the student
//! crates' manifests in the scratch workspace (so no `#[no_mangle]` symbol overrides and no
//! `#[link_section]` code before `main`). What compiling *can* do is read files and spin:
//! `include_str!("/etc/...")`, `#[path = "/..."] mod x;` (also inside `#[cfg_attr(...)]`) or
//! `#![debugger_visualizer(gdb_script_file = "...")]` copy a file the build can read into the
//! binary or into the compiler's errors, and `#[allow(long_running_const_eval)]` lets a constant
//! loop forever. This module refuses those forms.
//!
//! The check is on tokens, with comments and literals removed: an identifier cannot be built
//! from pieces by stable `macro_rules!`, so `include_str` cannot hide, and every attribute is
//! read whole, so `path` cannot hide inside `cfg_attr`. An attribute assembled by a macro from
//! its arguments (`#[$meta]`) is refused, since what it becomes is not in the text. Two checks
//! after this one catch what a token check cannot: the build's dependency list must name only
//! the submission's own files (see `crate::compile`), and the manifests forbid
//! `long_running_const_eval`.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// Identifiers a submission may not use anywhere.
pub const FORBIDDEN_IDENTS: &[(&str, &str)] = &[
    ("include", "include! reads a file at compile time"),
    ("include_str", "include_str! reads a file at compile time"),
    ("include_bytes", "include_bytes! reads a file at compile time"),
];

/// Identifiers a submission may not use inside an attribute (`#[...]` or `#![...]`, however
/// nested, `cfg_attr` included).
pub const FORBIDDEN_IN_ATTRIBUTES: &[(&str, &str)] = &[
    (
        "path",
        "`#[path = ...]` reads a module from any file the build can read: keep modules in the usual files",
    ),
    ("debugger_visualizer", "`debugger_visualizer` copies a file into the binary at compile time"),
    (
        "long_running_const_eval",
        "the grader stops constant evaluation that runs long: a constant must not loop",
    ),
    ("link", "`#[link]` links a library of the grading machine into the binary"),
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
    for token in &tokens {
        if let Token::Ident(name, line) = token {
            if let Some((_, why)) = FORBIDDEN_IDENTS.iter().find(|(ident, _)| ident == name) {
                found.push((*line, format!("`{name}` is not allowed: {why}")));
            }
        }
    }
    for attribute in attributes(&tokens) {
        for token in attribute {
            match token {
                Token::Ident(name, line) => {
                    if let Some((_, why)) = FORBIDDEN_IN_ATTRIBUTES.iter().find(|(ident, _)| ident == name) {
                        found.push((*line, format!("`{name}` in an attribute is not allowed: {why}")));
                    }
                }
                Token::Punct('$', line) => found.push((
                    *line,
                    "an attribute built from macro arguments (`#[$...]`) is not allowed: the grader cannot \
                     see what it becomes; write the attribute out"
                        .to_string(),
                )),
                Token::Punct(..) => {}
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The tokens inside each attribute (`#[...]` and `#![...]`), nested ones included, without
/// the brackets. An attribute left open at the end of the file runs to the end.
fn attributes(tokens: &[Token]) -> Vec<&[Token]> {
    let mut found = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if !matches!(token, Token::Punct('#', _)) {
            continue;
        }
        let open = match (tokens.get(i + 1), tokens.get(i + 2)) {
            (Some(Token::Punct('[', _)), _) => i + 1,
            (Some(Token::Punct('!', _)), Some(Token::Punct('[', _))) => i + 2,
            _ => continue,
        };
        let mut depth = 0usize;
        let mut end = tokens.len();
        for (j, token) in tokens.iter().enumerate().skip(open) {
            match token {
                Token::Punct('[' | '(' | '{', _) => depth += 1,
                Token::Punct(']' | ')' | '}', _) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = j;
                        break;
                    }
                }
                _ => {}
            }
        }
        found.push(&tokens[open + 1..end]);
    }
    found
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
    fn attributes_are_read_whole() {
        let hidden = check_text("#[cfg_attr(all(), path = \"/root/server.rs\")]\npub mod server;");
        assert_eq!(hidden.len(), 1, "{hidden:?}");
        assert!(hidden[0].1.contains("`path`"), "{hidden:?}");
        let nested = check_text("#[cfg_attr(all(), cfg_attr(any(), path = \"x\"))] mod m;");
        assert_eq!(nested.len(), 1, "{nested:?}");
        let visualizer = check_text("#![debugger_visualizer(gdb_script_file = \"/etc/shadow\")]");
        assert!(visualizer[0].1.contains("debugger_visualizer"), "{visualizer:?}");
        let spin = check_text("\n#[allow(long_running_const_eval)]\nconst X: u8 = 0;");
        assert_eq!(spin[0].0, 2);
        assert!(check_text("#[link(name = \"c\")] extern \"C\" {}")[0].1.contains("link"));
        let built = check_text("macro_rules! m { ($a:meta) => { #[$a] mod x; } }\nm!(path = \"y\");");
        assert!(built.iter().any(|(_, why)| why.contains("macro arguments")), "{built:?}");
    }

    #[test]
    fn ordinary_attributes_and_paths_are_fine() {
        let text = r#"
            #[derive(Clone, Debug, PartialEq)]
            #[cfg_attr(test, derive(Default))]
            #[allow(clippy::new_without_default, dead_code)]
            #[doc = "the path of a request"]
            pub struct Request { path: String }
            fn f(path: &str) -> Vec<u8> { let link = path.len(); vec![link as u8] }
            #[cfg(test)] mod tests { #[test] fn t() { let v = vec![1]; let _ = v[0]; } }
        "#;
        assert_eq!(check_text(text), Vec::<(usize, String)>::new());
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
