//! Which tests a suite's binary holds, and whether the rubric lists the same ones.
//!
//! The grader lists every graded binary (`--list --format terse`) before running anything: a
//! rubric test the binary lacks, or a binary test the rubric does not know, stops grading with a
//! message that says exactly what to add or remove. The same comparison backs the grader's
//! consistency test and `grade check-rubric`.

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::process::{kill_group, wait_with_timeout, Waited};
use crate::rubric::Rubric;
use crate::sandbox::Sandbox;

/// How long listing a binary may take.
const LIST_TIMEOUT: Duration = Duration::from_secs(60);

/// The tests of the binary `exe`, listed in job slot `slot`'s sandbox.
pub fn list_tests(
    sandbox: &Sandbox,
    slot: usize,
    runs: &Path,
    exe: &Path,
) -> Result<BTreeSet<String>, String> {
    let run_dir = runs.join(format!("slot-{slot}"));
    sandbox.make_run_dir(slot, &run_dir).map_err(|e| e.to_string())?;
    let out_path = runs.join(format!("slot-{slot}.list"));
    let out = crate::fsutil::create_private(&out_path)
        .map_err(|e| format!("create {}: {e}", out_path.display()))?;
    let err_path = runs.join(format!("slot-{slot}.list-err"));
    let err = crate::fsutil::create_private(&err_path)
        .map_err(|e| format!("create {}: {e}", err_path.display()))?;
    // Read back through the grader's own handles, never by path, and only so much.
    let (mut out_read, mut err_read) = (out.try_clone(), err.try_clone());
    let args = ["--list".to_string(), "--format".into(), "terse".into()];
    let mut command = sandbox.command(slot, &run_dir, exe, &args, &[]);
    command.stdout(Stdio::from(out)).stderr(Stdio::from(err));
    let mut child =
        sandbox.start(slot, &mut command, false).map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let waited = wait_with_timeout(&mut child, LIST_TIMEOUT);
    kill_group(child.id());
    let _ = child.wait();
    sandbox.sweep(slot);
    let stderr = err_read.as_mut().map(read_back).unwrap_or_default();
    match waited {
        Waited::Exited(status) if status.success() => {}
        Waited::Exited(status) => {
            return Err(format!(
                "listing the tests of {} failed ({status}): {}\n(if this says permission denied, the sandbox user \
                 cannot read the build: put the cache (--cache) under a directory every user can traverse)",
                exe.display(),
                stderr.trim()
            ))
        }
        Waited::TimedOut => return Err(format!("listing the tests of {} timed out", exe.display())),
        Waited::Failed(e) => return Err(format!("listing the tests of {}: {e}", exe.display())),
        Waited::Stopped(why) => return Err(format!("listing the tests of {} was stopped: {why}", exe.display())),
    }
    let text = out_read.as_mut().map(read_back).map_err(|e| e.to_string())?;
    Ok(parse_terse_list(&text))
}

/// At most the first 4 MiB of a file the grader created and a test process wrote, from its start.
fn read_back(file: &mut fs::File) -> String {
    use std::io::{Read, Seek};
    let mut bytes = Vec::new();
    if file.rewind().is_ok() {
        let _ = file.take(4 << 20).read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The test names in libtest's `--list --format terse` output (`name: test` lines).
pub fn parse_terse_list(text: &str) -> BTreeSet<String> {
    text.lines().filter_map(|l| l.strip_suffix(": test")).map(str::to_string).collect()
}

/// How a suite's binary and the rubric disagree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mismatch {
    /// The suite.
    pub suite: String,
    /// Tests the binary has that the rubric lists neither as graded nor as ungraded.
    pub not_in_rubric: Vec<String>,
    /// Tests the rubric lists that the binary lacks.
    pub not_in_suite: Vec<String>,
}

impl Mismatch {
    /// Whether they agree.
    pub fn is_empty(&self) -> bool {
        self.not_in_rubric.is_empty() && self.not_in_suite.is_empty()
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the rubric and the suite {} list different tests:", self.suite)?;
        for name in &self.not_in_rubric {
            writeln!(f, "  + {}::{name} is in the suite but not in the rubric: add a [[test]] (or [[ungraded]]) entry", self.suite)?;
        }
        for name in &self.not_in_suite {
            writeln!(
                f,
                "  - {}::{name} is in the rubric but not in the suite: remove it or fix its name",
                self.suite
            )?;
        }
        write!(f, "(`grade rubric-draft` prints entries for the missing tests, to review and paste)")
    }
}

/// Compares what the binary of `suite` lists with the rubric.
pub fn compare(rubric: &Rubric, suite: &str, listed: &BTreeSet<String>) -> Mismatch {
    let known = rubric.known_names(suite);
    Mismatch {
        suite: suite.to_string(),
        not_in_rubric: listed.difference(&known).cloned().collect(),
        not_in_suite: known.difference(listed).cloned().collect(),
    }
}

/// Test files of the reference's `tests/tests/` that the rubric neither grades nor ignores: a
/// new suite nobody has decided about.
pub fn undecided_suites(rubric: &Rubric, reference: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(reference.join("tests").join("tests")) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".rs")).map(str::to_string))
        .filter(|n| rubric.suite(n).is_none() && !rubric.ignored_suites.iter().any(|i| &i.name == n))
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terse_lists_are_parsed() {
        let text = "first_primary: test\nempty_view: test\nbench_x: bench\n";
        let names = parse_terse_list(text);
        assert_eq!(names.into_iter().collect::<Vec<_>>(), vec!["empty_view", "first_primary"]);
    }
}
