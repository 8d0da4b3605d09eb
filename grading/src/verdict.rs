//! The grader's side of the sealed verdict channel (the harness's side is `labtests::verdict`).
//!
//! For each run the grader draws a fresh 128-bit key from the operating system's random source,
//! sets `LAB_VERDICT=stdin`, writes the key to the test process's standard input and closes it.
//! The harness reads it before any code under test runs and prints `lab verdict: <key>` only
//! once the scenario has returned. A run passes only if its output holds that line with *this*
//! run's key and the process exited with status 0. Why the code under test cannot produce the
//! line: see `labtests::verdict` and the grader's README (threat model).
//!
//! The same key marks the harness's other message: when a scenario failed while the machine
//! starved it past what its timing assumes (its own pings further apart than the view service's
//! dead-server timeout, say), the harness prints `lab inconclusive: <key>: <reason>` and fails
//! the test. Such a run judged nothing, neither the submission's failure nor its success (see
//! [`crate::attempts`]). Only a line with this run's key counts, so the code under test can no
//! more claim that its failure was the machine's fault than it can claim a pass.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use rand::RngExt;

/// The variable that tells the harness where the key waits (it must match `labtests::verdict`).
pub const VERDICT_VAR: &str = "LAB_VERDICT";

/// What the harness prints before the key (it must match `labtests::verdict`).
pub const VERDICT_PREFIX: &str = "lab verdict: ";

/// What the harness prints before the key, then `: ` and the reason, when the machine starved a
/// failed scenario (it must match `labtests::verdict`).
pub const INCONCLUSIVE_PREFIX: &str = "lab inconclusive: ";

/// The most of an inconclusive line's reason kept, in bytes; a longer one is cut and ends in `…`.
/// The reason is the harness's, but it travels through output the code under test shares.
pub const MAX_REASON_BYTES: usize = 300;

/// How much of the output is read at a time.
const CHUNK: usize = 1 << 20;

/// What a run's output said through the sealed channel, with this run's key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Heard {
    /// Its verdict line: the scenario returned. (The rest of the output is then not read: a run
    /// that passed has passed, whatever else it printed.)
    pub verdict: bool,
    /// Its inconclusive line's reason (one printable line, at most [`MAX_REASON_BYTES`] and `…`):
    /// the harness found that the machine starved the scenario.
    pub inconclusive: Option<String>,
}

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

    /// The start of the inconclusive line, up to its reason.
    fn inconclusive_start(&self) -> String {
        format!("{INCONCLUSIVE_PREFIX}{}: ", self.0)
    }

    /// Whether the output file at `path` holds this key's verdict line. Reads the whole file
    /// (its size is bounded by the test's file-size limit), a chunk at a time.
    pub fn found_in(&self, path: &Path) -> io::Result<bool> {
        Ok(self.heard_in(path)?.verdict)
    }

    /// What the output file at `path` said with this key (as [`Self::heard_in_file`]).
    pub fn heard_in(&self, path: &Path) -> io::Result<Heard> {
        self.heard_in_file(&mut crate::fsutil::open_untrusted(path)?)
    }

    /// What `file`, read from its start a chunk at a time, said with this key: its verdict line,
    /// or the reason of its inconclusive line. Lines with another key mean nothing. Memory stays
    /// bounded however long the output or its lines: only a chunk and the end of the one before
    /// (enough to find a line cut between the two) are held.
    pub fn heard_in_file(&self, file: &mut File) -> io::Result<Heard> {
        use std::io::Seek;
        let verdict = self.line().into_bytes();
        let inconclusive = self.inconclusive_start().into_bytes();
        // An inconclusive line whose reason is still incomplete starts within this many bytes
        // of the window's end (see `reason_in`).
        let keep = (verdict.len() - 1).max(inconclusive.len() + MAX_REASON_BYTES);
        file.rewind()?;
        let mut heard = Heard::default();
        let mut window: Vec<u8> = Vec::with_capacity(CHUNK + keep);
        let mut chunk = vec![0u8; CHUNK];
        loop {
            let n = file.read(&mut chunk)?;
            let at_end = n == 0;
            window.extend_from_slice(&chunk[..n]);
            if window.windows(verdict.len()).any(|w| w == verdict.as_slice()) {
                heard.verdict = true;
                return Ok(heard);
            }
            if heard.inconclusive.is_none() {
                heard.inconclusive = reason_in(&window, &inconclusive, at_end);
            }
            if at_end {
                return Ok(heard);
            }
            window.drain(..window.len() - keep.min(window.len()));
        }
    }

    /// `lines` without the verdict and inconclusive lines (they mean nothing to a reader once
    /// the run is judged, the reason is shown on its own, and keys never reach reports).
    pub fn strip(&self, lines: &mut Vec<String>) {
        let (verdict, inconclusive) = (self.line(), self.inconclusive_start());
        lines.retain(|l| !l.contains(&verdict) && !l.contains(&inconclusive));
    }
}

/// The reason after the first `start` in `window` whose line is complete: up to its newline, or
/// its first [`MAX_REASON_BYTES`] (cut), or up to the end of the output (`at_end`). `None` when
/// there is none, or when its reason may go on in the next chunk: it then starts within the last
/// `start.len() + MAX_REASON_BYTES` bytes of `window`, which the caller keeps.
fn reason_in(window: &[u8], start: &[u8], at_end: bool) -> Option<String> {
    let at = window.windows(start.len()).position(|w| w == start)?;
    let rest = &window[at + start.len()..];
    let looked = &rest[..rest.len().min(MAX_REASON_BYTES + 1)];
    let (reason, cut) = match looked.iter().position(|&b| b == b'\n') {
        Some(end) => (&rest[..end], false),
        None if rest.len() > MAX_REASON_BYTES => (&rest[..MAX_REASON_BYTES], true),
        None if at_end => (rest, false),
        None => return None,
    };
    let mut reason = crate::escape::printable(String::from_utf8_lossy(reason).trim());
    if cut {
        reason.push('…');
    }
    if reason.is_empty() {
        reason.push_str("(the harness gave no reason)");
    }
    Some(reason)
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

    /// What `text`, as a run's output, said with `key`.
    fn heard(key: &VerdictKey, text: &[u8]) -> Heard {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        std::fs::write(&path, text).unwrap();
        key.heard_in(&path).unwrap()
    }

    #[test]
    fn the_inconclusive_line_counts_only_with_this_key() {
        let key = VerdictKey::draw();
        let line = format!("running 1 test\n{}why: pings 541 ms apart\r\nfailed\n", key.inconclusive_start());
        let got = heard(&key, line.as_bytes());
        assert_eq!(got, Heard { verdict: false, inconclusive: Some("why: pings 541 ms apart".into()) });
        assert_eq!(
            heard(&VerdictKey::draw(), line.as_bytes()),
            Heard::default(),
            "another key's line is nothing"
        );
        let no_key =
            format!("{INCONCLUSIVE_PREFIX}: the machine, honest\n{INCONCLUSIVE_PREFIX}{}\n", &key.0[..31]);
        assert_eq!(
            heard(&key, no_key.as_bytes()),
            Heard::default(),
            "a line without the whole key is nothing"
        );
        assert_eq!(heard(&key, b"test x ... FAILED\n"), Heard::default(), "no line");
        let at_end = format!("{}starved", key.inconclusive_start());
        assert_eq!(
            heard(&key, at_end.as_bytes()).inconclusive.as_deref(),
            Some("starved"),
            "the output's end ends it"
        );
        let empty = format!("{}\n", key.inconclusive_start());
        assert!(heard(&key, empty.as_bytes()).inconclusive.unwrap().contains("no reason"));
    }

    #[test]
    fn a_verdict_wins_over_an_inconclusive_line() {
        let key = VerdictKey::draw();
        let text = format!("{}starved\n{}\n", key.inconclusive_start(), key.line());
        assert!(heard(&key, text.as_bytes()).verdict);
    }

    #[test]
    fn a_reason_is_bounded_printable_and_found_across_chunks() {
        let key = VerdictKey::draw();
        // Huge, with terminal escapes, and cut by the chunk boundary just after the key.
        let mut text = "x".repeat(CHUNK - key.inconclusive_start().len() - 3).into_bytes();
        text.extend_from_slice(format!("\n{}\x1b[2J", key.inconclusive_start()).as_bytes());
        text.extend(std::iter::repeat_n(b'y', 10 * CHUNK));
        text.extend_from_slice(b"\nPoints: 290/290\n");
        let reason = heard(&key, &text).inconclusive.expect("the line is found across the chunk boundary");
        assert!(reason.starts_with("?[2Jyyy"), "{}", &reason[..10]);
        assert!(reason.ends_with('…'));
        assert_eq!(reason.len(), MAX_REASON_BYTES + '…'.len_utf8());
        // A reason whose newline lands in the next chunk is whole.
        let mut text = "x".repeat(CHUNK - key.inconclusive_start().len() - 10).into_bytes();
        text.extend_from_slice(format!("{}short reason\nmore output\n", key.inconclusive_start()).as_bytes());
        assert_eq!(heard(&key, &text).inconclusive.as_deref(), Some("short reason"));
        // And so is a line whose key the boundary cuts.
        let mut text = "x".repeat(CHUNK - 20).into_bytes();
        text.extend_from_slice(format!("{}cut key\n", key.inconclusive_start()).as_bytes());
        assert_eq!(heard(&key, &text).inconclusive.as_deref(), Some("cut key"));
        let mut lines =
            vec!["a".to_string(), format!("{}short reason", key.inconclusive_start()), "b".to_string()];
        key.strip(&mut lines);
        assert_eq!(lines, ["a", "b"], "the key never reaches a report");
    }
}
