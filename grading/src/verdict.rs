//! The grader's side of the sealed verdict channel (the harness's side is `labtests::verdict`).
//!
//! For each run the grader draws a fresh 128-bit key from the operating system's random source,
//! sets `LAB_VERDICT=stdin`, writes the key to the test process's standard input and closes it.
//! The harness reads it before any code under test runs and prints `lab verdict: <key>` only
//! once the scenario has returned. A run passes only if its output holds that line with *this*
//! run's key and the process exited with status 0. Why the code under test cannot produce the
//! line: see `labtests::verdict` and the grader's README (threat model).

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use rand::RngExt;

/// The variable that tells the harness where the key waits (it must match `labtests::verdict`).
pub const VERDICT_VAR: &str = "LAB_VERDICT";

/// What the harness prints before the key (it must match `labtests::verdict`).
pub const VERDICT_PREFIX: &str = "lab verdict: ";

/// One run's key.
#[derive(Clone, PartialEq, Eq)]
pub struct VerdictKey(String);

impl std::fmt::Debug for VerdictKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys never reach logs or reports.
        f.write_str("VerdictKey(..)")
    }
}

impl VerdictKey {
    /// A fresh key: 128 bits from a generator seeded by the operating system, in hex.
    pub fn draw() -> VerdictKey {
        let bytes: [u8; 16] = rand::rng().random();
        let mut hex = String::with_capacity(32);
        for byte in bytes {
            let _ = write!(hex, "{byte:02x}");
        }
        VerdictKey(hex)
    }

    /// The line the harness prints when the scenario returned.
    fn line(&self) -> String {
        format!("{VERDICT_PREFIX}{}", self.0)
    }

    /// Hands the key to the test process and closes its standard input.
    pub fn send(&self, mut stdin: impl Write) -> io::Result<()> {
        stdin.write_all(format!("{}\n", self.0).as_bytes())?;
        stdin.flush()
        // Dropping `stdin` closes the pipe: the harness reads to its end.
    }

    /// Whether the output file at `path` holds this key's verdict line. Reads the whole file
    /// (its size is bounded by the test's file-size limit), a chunk at a time.
    pub fn found_in(&self, path: &Path) -> io::Result<bool> {
        self.found_in_file(&mut crate::fsutil::open_untrusted(path)?)
    }

    /// Whether `file`, read from its start, holds this key's verdict line (as [`Self::found_in`]).
    pub fn found_in_file(&self, file: &mut File) -> io::Result<bool> {
        use std::io::Seek;
        let needle = self.line().into_bytes();
        file.rewind()?;
        let mut window: Vec<u8> = Vec::with_capacity(1 << 20);
        let mut chunk = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut chunk)?;
            if n == 0 {
                return Ok(false);
            }
            window.extend_from_slice(&chunk[..n]);
            if window.windows(needle.len()).any(|w| w == needle.as_slice()) {
                return Ok(true);
            }
            // Keep just enough to find a line cut between two chunks.
            let keep = needle.len().saturating_sub(1).min(window.len());
            window.drain(..window.len() - keep);
        }
    }

    /// `lines` without the verdict line (it means nothing to a reader once the run is judged).
    pub fn strip(&self, lines: &mut Vec<String>) {
        let line = self.line();
        lines.retain(|l| !l.contains(&line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fresh_and_never_printed() {
        let (a, b) = (VerdictKey::draw(), VerdictKey::draw());
        assert_ne!(a, b);
        assert_eq!(a.0.len(), 32);
        assert!(!format!("{a:?}").contains(&a.0));
    }

    #[test]
    fn only_this_keys_line_counts_even_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let key = VerdictKey::draw();
        let other = VerdictKey::draw();
        let path = dir.path().join("out");
        // The line straddles the 1 MiB chunk boundary.
        let mut text = "x".repeat((1 << 20) - 10);
        text.push_str(&format!("\n{}\nok\n", key.line()));
        std::fs::write(&path, &text).unwrap();
        assert!(key.found_in(&path).unwrap());
        assert!(!other.found_in(&path).unwrap());
        std::fs::write(&path, format!("{VERDICT_PREFIX}\ntest x ... ok\n{}", &key.line()[..40])).unwrap();
        assert!(!key.found_in(&path).unwrap(), "a cut line is no verdict");
        let mut lines = vec!["a".to_string(), key.line(), "b".to_string()];
        key.strip(&mut lines);
        assert_eq!(lines, ["a", "b"]);
    }
}
