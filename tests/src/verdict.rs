//! The sealed verdict channel: how a graded test tells the grader that it passed, in a way the
//! code under test cannot forge.
//!
//! The code under test runs in the test's own process, so nothing that process prints, writes
//! or returns can be believed on its own: a submission could print libtest's `ok`, write a
//! result file, or exit with status 0. Instead, for each run the grader draws a fresh random
//! key and writes it to the test process's standard input, then closes it. Every graded test is
//! marked `#[graded]`, which wraps its body in [`seal`]:
//!
//! 1. before any code under test runs, `seal` makes the process non-dumpable (so its memory and
//!    descriptors under `/proc/self` belong to root, out of reach of the test's own uid), reads
//!    the key and standard input to its end;
//! 2. it runs the scenario;
//! 3. only if the scenario returned (no panic, no assertion failed) does it print
//!    `lab verdict: <key>` on standard output.
//!
//! The grader counts a run as passed only if that line holds the key it drew for that run *and*
//! the process exited with status 0. The code under test cannot print the line early: it never
//! sees the key (standard input is drained before it runs, the key is in no argument, variable
//! or file, and the grader compiles the student crates with files, processes, the environment,
//! sockets, raw descriptors and `unsafe` denied), and a key is good for one run only.
//!
//! Outside grading (`make test`, `cargo test`), [`VERDICT_VAR`] is unset and `seal` simply runs
//! the scenario.

use std::io::{Read, Write};

/// The environment variable the grader sets to `stdin` when the key waits on standard input.
pub const VERDICT_VAR: &str = "LAB_VERDICT";

/// What the harness prints before the key once the scenario has returned.
pub const VERDICT_PREFIX: &str = "lab verdict: ";

/// The longest key the harness accepts, in hex digits.
const MAX_KEY_DIGITS: usize = 128;

/// Runs a graded scenario; when the grader runs it, reports through the sealed channel that it
/// returned. Used by `#[graded]`, not called by hand.
pub fn seal(scenario: impl FnOnce()) {
    let key = match std::env::var(VERDICT_VAR) {
        Err(_) => None,
        Ok(mode) if mode == "stdin" => Some(take_key()),
        Ok(other) => panic!(
            "{VERDICT_VAR}={other:?} is not a verdict mode this harness knows (the grader sets `stdin`); \
             unset it to run the test by hand"
        ),
    };
    scenario();
    if let Some(key) = key {
        let mut out = std::io::stdout().lock();
        let written = write!(out, "\n{VERDICT_PREFIX}{key}\n").and_then(|()| out.flush());
        if let Err(e) = written {
            panic!("the scenario passed, but its verdict could not be written to standard output: {e}");
        }
    }
}

/// Seals the process and reads the run's key from standard input, to its end.
fn take_key() -> String {
    // Non-dumpable: /proc/self/mem, /proc/self/fd and /proc/self/environ become root's, so the
    // code under test cannot read the key back from this process's memory or descriptors.
    if let Err(e) = nix::sys::prctl::set_dumpable(false) {
        panic!("cannot seal the test process (prctl PR_SET_DUMPABLE failed: {e}); the grader cannot trust its verdict");
    }
    let mut input = Vec::new();
    let read = std::io::stdin().lock().take(MAX_KEY_DIGITS as u64 + 2).read_to_end(&mut input);
    if let Err(e) = read {
        panic!("cannot read the grader's verdict key from standard input: {e}");
    }
    let key = String::from_utf8_lossy(&input).trim().to_string();
    let well_formed =
        (32..=MAX_KEY_DIGITS).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        panic!(
            "{VERDICT_VAR}=stdin, but standard input holds no verdict key (found {} bytes): graded tests run one \
             per process under `grade`; unset {VERDICT_VAR} to run them by hand",
            input.len()
        );
    }
    // Whatever follows the key is not the harness's business; drain it so nothing is left to read.
    let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
    key
}
