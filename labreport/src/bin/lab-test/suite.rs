//! One test binary's run of the tests a filter selects, with the binary's output passed through
//! untouched and its closing `test result:` line read on the way.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use labreport::runner::build::TestBinary;

/// What became of the tests one run selected.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Tests that passed.
    pub passed: usize,
    /// Tests that failed.
    pub failed: usize,
    /// Tests marked `#[ignore]`, not run.
    pub ignored: usize,
    /// Tests whose binary ended before reporting them (it crashed or was killed).
    pub unfinished: usize,
}

impl Tally {
    /// This tally and `other`, added up.
    pub fn add(self, other: Tally) -> Tally {
        Tally {
            passed: self.passed + other.passed,
            failed: self.failed + other.failed,
            ignored: self.ignored + other.ignored,
            unfinished: self.unfinished + other.unfinished,
        }
    }

    /// Whether every test that ran passed and every selected test was accounted for.
    pub fn succeeded(&self) -> bool {
        self.failed == 0 && self.unfinished == 0
    }

    /// `2 passed, 1 failed`: the counts that are not zero (`0 passed` if all are).
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            (self.passed, "passed"),
            (self.failed, "failed"),
            (self.ignored, "ignored"),
            (self.unfinished, "unfinished"),
        ]
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, word)| format!("{count} {word}"))
        .collect();
        if parts.is_empty() {
            "0 passed".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// Runs the tests of `binary` whose name contains `filter`, one at a time with their output
/// shown (`--nocapture --test-threads=1`), in its package's directory. Its stdout is copied to
/// ours as it comes (its stderr, where logs go, is ours already); `color`: ask for colours.
/// `selected` is how many tests the filter selects: those the binary did not report are
/// counted unfinished.
pub fn run(binary: &TestBinary, filter: &str, selected: usize, color: bool) -> Result<Tally, String> {
    let mut command = Command::new(&binary.exe);
    command.args([filter, "--nocapture", "--test-threads=1"]).current_dir(&binary.dir);
    if color {
        command.arg("--color=always");
    }
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", binary.exe.display()))?;
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = LineWatch::default();
    let mut out = std::io::stdout();
    let mut buffer = [0u8; 8192];
    loop {
        match stdout.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                let _ = out.write_all(&buffer[..n]);
                let _ = out.flush();
                lines.feed(&buffer[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    if !lines.line.is_empty() {
        // A line left open (a binary that died mid-test): what follows starts on a line of its own.
        let _ = writeln!(out);
    }
    let status = child.wait().map_err(|e| format!("cannot wait for {}: {e}", binary.exe.display()))?;
    let mut tally = lines.result.unwrap_or_default();
    let reported = tally.passed + tally.failed + tally.ignored;
    tally.unfinished = selected.saturating_sub(reported);
    if lines.result.is_none() {
        eprintln!("{} ended ({status}) before reporting its tests", binary.source);
    }
    Ok(tally)
}

/// Watches output for libtest's closing `test result:` line, a line at a time.
#[derive(Default)]
struct LineWatch {
    line: Vec<u8>,
    result: Option<Tally>,
}

impl LineWatch {
    /// The longest start of a line kept: a result line is much shorter.
    const KEPT: usize = 512;

    fn feed(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            if byte == b'\n' {
                let line = strip_ansi(&String::from_utf8_lossy(&self.line));
                if let Some(tally) = result_line(&line) {
                    self.result = Some(tally);
                }
                self.line.clear();
            } else if self.line.len() < Self::KEPT {
                self.line.push(byte);
            }
        }
    }
}

/// The counts of a libtest result line: `test result: ok. 2 passed; 0 failed; 1 ignored; ...`.
fn result_line(line: &str) -> Option<Tally> {
    let counts = line.strip_prefix("test result: ")?;
    let mut tally = Tally::default();
    for part in counts.split(['.', ';']) {
        let mut words = part.split_whitespace();
        if let (Some(count), Some(word)) = (words.next(), words.next()) {
            let Ok(count) = count.parse::<usize>() else { continue };
            match word {
                "passed" => tally.passed = count,
                "failed" => tally.failed = count,
                "ignored" => tally.ignored = count,
                _ => {}
            }
        }
    }
    Some(tally)
}

/// `text` without its ANSI escape sequences (`ESC [ ... letter`), the colours libtest writes
/// to a terminal.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_are_read_whatever_their_outcome_and_colour() {
        let mut watch = LineWatch::default();
        watch.feed(b"running 3 tests\ntest a ... ok\ntest result: \x1b[31mFAILED\x1b[0m. 1 passed; 1 fa");
        assert_eq!(watch.result, None, "not before the line ends");
        watch.feed(b"iled; 1 ignored; 0 measured; 40 filtered out; finished in 0.20s\n\n");
        assert_eq!(watch.result, Some(Tally { passed: 1, failed: 1, ignored: 1, unfinished: 0 }));
        assert_eq!(result_line("test a ... ok"), None);
        assert_eq!(
            result_line("test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 27 filtered out; finished in 6.80s"),
            Some(Tally { passed: 2, ..Tally::default() })
        );
    }

    #[test]
    fn colours_are_stripped() {
        assert_eq!(
            strip_ansi("test result: \u{1b}[31mFAILED\u{1b}[0m. 1 passed"),
            "test result: FAILED. 1 passed"
        );
        assert_eq!(strip_ansi("\u{1b}[1m\u{1b}[32mok\u{1b}[0m"), "ok");
    }

    #[test]
    fn a_tally_says_what_is_not_zero() {
        assert_eq!(Tally { passed: 2, ..Tally::default() }.describe(), "2 passed");
        let mixed = Tally { passed: 1, failed: 1, ..Tally::default() };
        assert_eq!(mixed.describe(), "1 passed, 1 failed");
        assert!(!mixed.succeeded());
        let crashed =
            Tally { unfinished: 3, ..Tally::default() }.add(Tally { ignored: 1, ..Tally::default() });
        assert_eq!(crashed.describe(), "1 ignored, 3 unfinished");
        assert!(!crashed.succeeded());
        assert_eq!(Tally::default().describe(), "0 passed");
    }
}
