//! Showing text that came from a submission: its file and directory names, its output, its panic
//! messages. Such text can hold newlines and terminal escapes, which would let a submission start
//! a line of its own in the grader's table (`Points: 290/290`), clear the screen or reorder what
//! is shown. Names become one line with visible escapes ([`escape_name`]); lines of output have
//! their control characters replaced ([`printable`]); names used to build file paths become plain
//! file names ([`safe_file_name`]). Such text can also be of any length: [`caps`] bounds how much
//! of it the grader passes on, and marks where it cut.

pub mod caps;

use std::ffi::OsStr;
use std::fmt::Write;
use std::os::unix::ffi::OsStrExt;

/// Whether `c` must not reach a terminal or a report as is: control characters (C0, DEL, C1),
/// the Unicode line and paragraph separators, and the bidirectional overrides and isolates
/// (which reorder the text around them).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `name` as one line of printable text: printable Unicode is kept; `\` becomes `\\`; newline,
/// carriage return and tab become `\n`, `\r`, `\t`; other unsafe characters (see [`is_unsafe`])
/// become `\u{1b}`-style escapes; bytes that are not UTF-8 become `\xff`-style escapes. So the
/// name can neither start a new line nor move the cursor, and different names stay different.
pub fn escape_name(name: &OsStr) -> String {
    let mut out = String::with_capacity(name.len());
    for chunk in name.as_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if is_unsafe(c) => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

/// [`escape_name`] for text: a one-line rendering of a string that may hold several lines.
pub fn escape_text(text: &str) -> String {
    escape_name(OsStr::new(text))
}

/// `line` with unsafe characters (see [`is_unsafe`]) other than tab replaced by `?`, so output a
/// test printed cannot move the terminal's cursor or break XML. For one line of text: split
/// multi-line text first (see [`printable_lines`]).
pub fn printable(line: &str) -> String {
    line.chars().map(|c| if is_unsafe(c) && c != '\t' { '?' } else { c }).collect()
}

/// Each line of `text` made [`printable`] and prefixed with `indent`, each ending in a newline:
/// a line of `text` can never start at the beginning of a line of the report.
pub fn printable_lines(text: &str, indent: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let _ = writeln!(out, "{indent}{}", printable(line));
    }
    out
}

/// Multi-line `text` as one line: each line made [`printable`], joined with ` / `. For messages
/// that may already hold escaped names (escaping again would double their backslashes).
pub fn one_line(text: &str) -> String {
    text.lines().map(printable).collect::<Vec<_>>().join(" / ")
}

/// The longest file name [`safe_file_name`] makes (before its suffix), in characters.
const MAX_SAFE_NAME: usize = 100;

/// `name` as a plain file name for files the grader writes (a batch's `NAME.txt`, `NAME/`):
/// letters, digits, `.`, `_` and `-` only, never starting with `.` (so never `.` or `..`), at most
/// about a hundred characters. A name that had to change gets a hash of the original appended,
/// so two different names rarely end up the same (callers writing many must still check).
pub fn safe_file_name(name: &OsStr) -> String {
    let lossy = name.to_string_lossy();
    let mut safe: String = lossy
        .chars()
        .take(MAX_SAFE_NAME)
        .map(|c| if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .collect();
    if safe.starts_with('.') {
        safe.replace_range(..1, "_");
    }
    if safe.is_empty() || safe != *lossy {
        let _ = write!(safe, "-{:016x}", fnv1a(name.as_bytes()));
    }
    safe
}

/// The 64-bit FNV-1a hash: stable across runs and releases, unlike `DefaultHasher`.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_printable_line() {
        let forged = OsStr::new("x\n\nPoints: 290/290 (100.0%)\x1b[2J");
        assert_eq!(escape_name(forged), "x\\n\\nPoints: 290/290 (100.0%)\\u{1b}[2J");
        assert_eq!(escape_name(OsStr::from_bytes(b"bad\xff\t\r")), "bad\\xff\\t\\r");
        assert_eq!(escape_name(OsStr::new("a\\n")), "a\\\\n", "an escape is never ambiguous");
        assert_eq!(escape_name(OsStr::new("\u{202e}cod.exe\u{85}")), "\\u{202e}cod.exe\\u{85}");
        assert_eq!(escape_name(OsStr::new("José's lib.rs")), "José's lib.rs");
    }

    #[test]
    fn lines_are_printable_and_indented() {
        assert_eq!(printable("two\x1b[2J\tthree\u{2028}"), "two?[2J\tthree?");
        assert_eq!(printable_lines("a\nPoints: 1/1\x1b[H\n", "  | "), "  | a\n  | Points: 1/1?[H\n");
        assert_eq!(one_line("no\nPoints: 1/1\r\n"), "no / Points: 1/1");
    }

    #[test]
    fn file_names_stay_plain_and_distinct() {
        assert_eq!(safe_file_name(OsStr::new("alice_1-b.c")), "alice_1-b.c");
        for hostile in ["..", ".", "", ".hidden", "a/b", "x\nPoints", "a b"] {
            let safe = safe_file_name(OsStr::new(hostile));
            assert!(!safe.starts_with('.') && !safe.is_empty(), "{hostile:?} -> {safe:?}");
            assert!(
                safe.chars().all(|c| c.is_alphanumeric() || "._-".contains(c)),
                "{hostile:?} -> {safe:?}"
            );
        }
        assert_ne!(safe_file_name(OsStr::new("a b")), safe_file_name(OsStr::new("a_b")));
        assert_ne!(safe_file_name(OsStr::from_bytes(b"a\xff")), safe_file_name(OsStr::from_bytes(b"a\xfe")));
        assert!(safe_file_name(OsStr::new(&"a".repeat(255))).len() < 130);
    }
}
