//! Building the tests: `cargo test --no-run` for one selection of packages and targets, with
//! cargo's progress and the compiler's messages shown as usual, and the test binaries it built
//! read from its JSON messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// One test binary cargo built: what `cargo test` would run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestBinary {
    /// The executable.
    pub exe: PathBuf,
    /// The directory cargo runs it in: its package's root.
    pub dir: PathBuf,
    /// The source file of its target (`tests/tests/pbservice.rs`, `labrpc/src/lib.rs`), relative
    /// to the directory the runner was started in when it lies under it.
    pub source: String,
    /// Its target's name: a test file's stem (`pbservice`), or the package's library (`labrpc`).
    pub target: String,
}

/// Builds the tests `selection` names (cargo's own arguments, such as `--workspace` or `-p
/// labrpc --test kill`) and returns their binaries in the order of their sources. Cargo's
/// progress and the compiler's errors and warnings go to stderr as usual (with JSON messages on
/// stdout, cargo leaves out the `Executable` lines that `--no-run` prints otherwise). Fails with
/// cargo's exit code when the build fails.
pub fn build(cargo: &str, selection: &[String], here: &Path) -> Result<Vec<TestBinary>, Failure> {
    let output = Command::new(cargo)
        .args(["test", "--no-run", "--message-format=json-render-diagnostics"])
        .args(selection)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Failure::new(1, format!("cannot run `{cargo} test --no-run`: {e}")))?;
    if !output.status.success() {
        return Err(Failure::new(output.status.code().unwrap_or(101), String::new()));
    }
    let messages = String::from_utf8_lossy(&output.stdout);
    let mut binaries: Vec<TestBinary> = messages.lines().filter_map(|line| test_binary(line, here)).collect();
    binaries.sort_by(|a, b| a.source.cmp(&b.source).then_with(|| a.exe.cmp(&b.exe)));
    binaries.dedup_by(|a, b| a.exe == b.exe);
    Ok(binaries)
}

/// Why the runner stops early: the exit code to stop with, and what to say (nothing when cargo
/// has said it already).
#[derive(Debug)]
pub struct Failure {
    /// The runner's exit code.
    pub code: i32,
    /// The message for stderr; empty when there is nothing to add.
    pub message: String,
}

impl Failure {
    /// A failure with exit code `code` saying `message`.
    pub fn new(code: i32, message: String) -> Failure {
        Failure { code, message }
    }
}

/// The test binary a line of cargo's JSON output announces, if it announces one: a
/// `compiler-artifact` built as a test harness (`profile.test`) with an executable.
fn test_binary(line: &str, here: &Path) -> Option<TestBinary> {
    let message: Value = serde_json::from_str(line).ok()?;
    if message["reason"] != "compiler-artifact" || message["profile"]["test"] != true {
        return None;
    }
    let exe = PathBuf::from(message["executable"].as_str()?);
    let dir = Path::new(message["manifest_path"].as_str()?).parent()?.to_path_buf();
    let source = Path::new(message["target"]["src_path"].as_str()?);
    let source = source.strip_prefix(here).unwrap_or(source).display().to_string();
    let target = message["target"]["name"].as_str()?.to_string();
    Some(TestBinary { exe, dir, source, target })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTIFACT: &str = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/labrpc#0.1.0","manifest_path":"/w/labrpc/Cargo.toml","target":{"kind":["test"],"crate_types":["bin"],"name":"kill","src_path":"/w/labrpc/tests/kill.rs","edition":"2021","doctest":false,"test":true},"profile":{"opt_level":"0","debuginfo":2,"debug_assertions":true,"overflow_checks":true,"test":true},"features":[],"filenames":["/w/target/debug/deps/kill-0f"],"executable":"/w/target/debug/deps/kill-0f","fresh":true}"#;

    #[test]
    fn a_test_artifact_becomes_a_binary_run_in_its_package() {
        let binary = test_binary(ARTIFACT, Path::new("/w")).expect("a test binary");
        assert_eq!(
            binary,
            TestBinary {
                exe: "/w/target/debug/deps/kill-0f".into(),
                dir: "/w/labrpc".into(),
                source: "labrpc/tests/kill.rs".into(),
                target: "kill".into(),
            }
        );
        let elsewhere = test_binary(ARTIFACT, Path::new("/other")).expect("a test binary");
        assert_eq!(elsewhere.source, "/w/labrpc/tests/kill.rs", "outside the start directory: absolute");
    }

    #[test]
    fn libraries_plain_binaries_and_other_messages_are_not_test_binaries() {
        let library =
            ARTIFACT.replace(r#""executable":"/w/target/debug/deps/kill-0f""#, r#""executable":null"#);
        assert_eq!(test_binary(&library, Path::new("/w")), None, "no executable");
        let example = ARTIFACT.replace(r#""test":true},"features""#, r#""test":false},"features""#);
        assert_eq!(test_binary(&example, Path::new("/w")), None, "not built as a test");
        assert_eq!(test_binary(r#"{"reason":"build-finished","success":true}"#, Path::new("/w")), None);
        assert_eq!(test_binary("Compiling labrpc", Path::new("/w")), None, "not JSON");
    }
}
