//! Staff lines: the parts of a `#`-commented file (the workspace's `Makefile`) that course staff
//! use and the handout leaves out.
//!
//! - every line from `# BEGIN STAFF` to `# END STAFF` (both included; a note may follow a colon:
//!   `# BEGIN STAFF: why`) is dropped;
//! - every `# HANDOUT:<line>` becomes `<line>`, the handout's own wording of something the staff
//!   block before it says for staff (one space after the colon is dropped, so `# HANDOUT: x`
//!   gives `x`, and `# HANDOUT:<tab>@echo x` gives a recipe line `<tab>@echo x`).
//!
//! In the reference, `make` reads both kinds as comments. Blocks do not nest and a HANDOUT line
//! may not stand inside one; a line that looks like a marker but is not one exactly (`#BEGIN
//! STAFF`, an indented `# HANDOUT:`) is an error too, so a typo cannot leak staff lines.

use std::fmt;
use std::fs;
use std::path::Path;

const BEGIN: &str = "# BEGIN STAFF";
const END: &str = "# END STAFF";
const HANDOUT: &str = "# HANDOUT:";

/// Why the staff lines of a text could not be removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffLinesError {
    /// The line at fault, counting from 1.
    pub line: usize,
    /// What is wrong there.
    pub problem: Problem,
}

/// What is wrong at a [`StaffLinesError`]'s line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A `# BEGIN STAFF` inside the block opened at the given line.
    Nested(usize),
    /// A `# END STAFF` with no block open.
    EndWithoutBegin,
    /// A `# BEGIN STAFF` whose block never ends.
    Unclosed,
    /// A `# HANDOUT:` line inside the block opened at the given line.
    HandoutInside(usize),
    /// A comment (given) that names a marker but is not written as one.
    NearMiss(String),
}

impl fmt::Display for StaffLinesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.line)?;
        match &self.problem {
            Problem::Nested(open) => write!(
                f,
                "`{BEGIN}` inside the staff block opened at line {open}: blocks do not nest; end that \
                 one first with `{END}`"
            ),
            Problem::EndWithoutBegin => {
                write!(f, "`{END}` with no staff block open: add its `{BEGIN}` above it")
            }
            Problem::Unclosed => {
                write!(f, "the staff block opened here never ends: add `{END}` after its last line")
            }
            Problem::HandoutInside(open) => write!(
                f,
                "a `{HANDOUT}` line inside the staff block opened at line {open} would be dropped with \
                 it: put it after the block's `{END}`"
            ),
            Problem::NearMiss(text) => write!(
                f,
                "`{}` looks like a staff marker but is not one: write `{BEGIN}`, `{END}` or \
                 `{HANDOUT}<line>` at the start of the line",
                text.trim()
            ),
        }
    }
}

impl std::error::Error for StaffLinesError {}

/// What one line is to the transformation.
enum Line<'a> {
    Begin,
    End,
    /// A `# HANDOUT:` line: the handout's line, without its line ending.
    Handout(&'a str),
    /// A comment naming a marker, not written as one.
    NearMiss,
    Plain,
}

/// Reads `line` (without its line ending).
fn classify(line: &str) -> Line<'_> {
    let trimmed = line.trim();
    let body = trimmed.trim_start_matches('#').trim_start();
    if !trimmed.starts_with('#') {
        return Line::Plain;
    }
    let exact = |marker: &str| {
        trimmed == marker || trimmed.strip_prefix(marker).is_some_and(|rest| rest.starts_with(':'))
    };
    if body.starts_with("BEGIN STAFF") {
        return if exact(BEGIN) { Line::Begin } else { Line::NearMiss };
    }
    if body.starts_with("END STAFF") {
        return if exact(END) { Line::End } else { Line::NearMiss };
    }
    if body.starts_with("HANDOUT") {
        return match line.strip_prefix(HANDOUT) {
            Some(rest) => Line::Handout(rest.strip_prefix(' ').unwrap_or(rest)),
            None => Line::NearMiss,
        };
    }
    Line::Plain
}

/// `text` as the handout has it: staff blocks dropped, `# HANDOUT:` lines turned into their
/// line. Line endings are kept.
pub fn handout(text: &str) -> Result<String, StaffLinesError> {
    let mut out = String::with_capacity(text.len());
    let mut open: Option<usize> = None;
    for (index, full) in text.split_inclusive('\n').enumerate() {
        let line = index + 1;
        let content = full.trim_end_matches(['\n', '\r']);
        let ending = &full[content.len()..];
        let error = |problem| Err(StaffLinesError { line, problem });
        match (classify(content), open) {
            (Line::NearMiss, _) => return error(Problem::NearMiss(content.to_string())),
            (Line::Begin, Some(open)) => return error(Problem::Nested(open)),
            (Line::Begin, None) => open = Some(line),
            (Line::End, None) => return error(Problem::EndWithoutBegin),
            (Line::End, Some(_)) => open = None,
            (Line::Handout(_), Some(open)) => return error(Problem::HandoutInside(open)),
            (Line::Handout(kept), None) => {
                out.push_str(kept);
                out.push_str(ending);
            }
            (Line::Plain, Some(_)) => {}
            (Line::Plain, None) => out.push_str(full),
        }
    }
    match open {
        Some(line) => Err(StaffLinesError { line, problem: Problem::Unclosed }),
        None => Ok(out),
    }
}

/// Rewrites the file at `path` as [`handout`] has it; errors name the file and the line.
pub fn strip_file(path: &Path) -> Result<(), String> {
    let shown =
        path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let text = fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    let stripped = handout(&text).map_err(|e| format!("{shown}: {e}"))?;
    fs::write(path, stripped).map_err(|e| format!("{shown}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_blocks_go_and_handout_lines_stay_as_their_line() {
        let text = "\
# The lab's commands.
# BEGIN STAFF: how the handout is made
# staff only
# END STAFF
help:
\t@echo \"make test\"
# BEGIN STAFF
\t@echo \"make grade    grade the reference\"
# END STAFF
# HANDOUT:\t@echo \"make grade    grade your code\"
# HANDOUT: SUB ?=
\t@echo \"env\"
";
        assert_eq!(
            handout(text).unwrap(),
            "# The lab's commands.\nhelp:\n\t@echo \"make test\"\n\t@echo \"make grade    grade your code\"\nSUB ?=\n\t@echo \"env\"\n"
        );
    }

    #[test]
    fn line_endings_and_a_missing_last_newline_are_kept() {
        assert_eq!(
            handout("a\r\n# BEGIN STAFF\r\nb\r\n# END STAFF\r\n# HANDOUT: c\r\nd").unwrap(),
            "a\r\nc\r\nd"
        );
        assert_eq!(handout("").unwrap(), "");
        let near_miss = Problem::NearMiss("# END STAFF is not".into());
        assert_eq!(handout("# END STAFF is not\n"), Err(StaffLinesError { line: 1, problem: near_miss }));
    }

    #[test]
    fn comments_that_merely_mention_a_marker_are_kept() {
        let text = "# Lines from `# BEGIN STAFF` on are dropped; see `# HANDOUT:` too.\n";
        assert_eq!(handout(text).unwrap(), text);
    }

    #[test]
    fn unbalanced_markers_name_their_line() {
        let cases = [
            ("a\n# BEGIN STAFF\nb\n", 2, Problem::Unclosed),
            ("a\n# END STAFF\n", 2, Problem::EndWithoutBegin),
            ("# BEGIN STAFF\n# BEGIN STAFF\n# END STAFF\n", 2, Problem::Nested(1)),
            ("# BEGIN STAFF\n# HANDOUT: x\n# END STAFF\n", 2, Problem::HandoutInside(1)),
        ];
        for (text, line, problem) in cases {
            let error = handout(text).unwrap_err();
            assert_eq!(error, StaffLinesError { line, problem }, "{text:?}");
            assert!(error.to_string().starts_with(&format!("line {line}: ")), "{error}");
        }
    }

    #[test]
    fn a_misspelt_marker_is_an_error_not_a_leak() {
        for (text, line) in [
            ("#BEGIN STAFF\nsecret\n# END STAFF\n", 1),
            ("# BEGIN STAFF\nsecret\n  #  END STAFF\n", 3),
            ("x\n  # HANDOUT: y\n", 2),
            ("# HANDOUT y\n", 1),
        ] {
            match handout(text) {
                Err(StaffLinesError { line: at, problem: Problem::NearMiss(_) }) => {
                    assert_eq!(at, line, "{text:?}")
                }
                other => panic!("{text:?}: wanted a near miss at line {line}, got {other:?}"),
            }
        }
    }

    #[test]
    fn the_file_is_rewritten_and_errors_name_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Makefile");
        fs::write(&path, "a\n# BEGIN STAFF\nb\n# END STAFF\n").unwrap();
        strip_file(&path).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "a\n");
        fs::write(&path, "# BEGIN STAFF\n").unwrap();
        let error = strip_file(&path).unwrap_err();
        assert!(error.starts_with("Makefile: line 1: "), "{error}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "# BEGIN STAFF\n", "a failed strip leaves the file");
    }
}
