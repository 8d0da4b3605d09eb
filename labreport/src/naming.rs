//! Where report pages go and what they are called: the contract between the harness that writes
//! them and the grader that collects them (`grading` takes these names from here).

use std::path::{Path, PathBuf};

/// When a scenario writes its page: `failure` (the default), `always` or `never`.
pub const REPORT_ENV: &str = "LAB_REPORT";
/// The directory pages go to; [`default_report_dir`] when unset or empty.
pub const REPORT_DIR_ENV: &str = "LAB_REPORT_DIR";

/// A directory: when set, every scenario writes its network's whole event trace there as text
/// (`module__test.trace`), passed or failed, so that two runs can be compared line by line.
pub const TRACE_DIR_ENV: &str = "LAB_TRACE_DIR";

/// A test name as a file name: every character outside `[A-Za-z0-9_-]` becomes `_`
/// (`module::test` becomes `module__test`).
pub fn file_name(test: &str) -> String {
    test.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect()
}

/// The name of the page of the test `test` (libtest's name, `module::test`): `module__test.html`.
pub fn page_name(test: &str) -> String {
    format!("{}.html", file_name(test))
}

/// The name of the trace file of the test `test`: `module__test.trace`.
pub fn trace_name(test: &str) -> String {
    format!("{}.trace", file_name(test))
}

/// This workspace's `target/lab-reports`, where pages go when [`REPORT_DIR_ENV`] is unset.
pub fn default_report_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
    workspace.join("target").join("lab-reports")
}

/// Where pages go: [`REPORT_DIR_ENV`] if set and not empty, else [`default_report_dir`]. Every
/// suite writes through this, so the grader's choice of directory reaches every page.
pub fn report_dir() -> PathBuf {
    match std::env::var_os(REPORT_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => default_report_dir(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_names_become_file_names() {
        assert_eq!(file_name("pbservice::first_backup"), "pbservice__first_backup");
        assert_eq!(page_name("a b/../c"), "a_b____c.html");
        assert_eq!(file_name("ok-name_1"), "ok-name_1");
    }
}
