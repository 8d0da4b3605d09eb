//! The names of the tests a test binary holds, as libtest lists them.

use std::process::{Command, Stdio};

use super::build::TestBinary;

/// The names of the tests in `binary` (`--list --format terse`), run in its package's directory.
/// Ignored tests are listed too: libtest lists them like the others.
pub fn list(binary: &TestBinary) -> Result<Vec<String>, String> {
    let output = Command::new(&binary.exe)
        .args(["--list", "--format", "terse"])
        .current_dir(&binary.dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.exe.display()))?;
    if !output.status.success() {
        return Err(format!(
            "listing the tests of {} ({}) failed ({}): {}",
            binary.source,
            binary.exe.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(names(&String::from_utf8_lossy(&output.stdout)))
}

/// The test names in a terse listing (`name: test` lines; benchmarks are left out).
fn names(listing: &str) -> Vec<String> {
    listing.lines().filter_map(|line| line.strip_suffix(": test")).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terse_listing_gives_the_test_names() {
        let listing = "a::first: test\nsecond: test\nbench_x: benchmark\n\n2 tests, 1 benchmark\n";
        assert_eq!(names(listing), ["a::first", "second"]);
    }
}
