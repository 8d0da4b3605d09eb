//! How much a test has put in its run directory, measured while it runs.
//!
//! `RLIMIT_FSIZE` bounds each file a test writes, not how many it writes; without disk quotas
//! (which need root and a filesystem that has them) the grader bounds a run directory by
//! looking: [`over_limits`] walks it breadth first and stops as soon as it has seen more bytes,
//! entries or levels than allowed, so one look costs at most the limits however much the test
//! wrote. The runner looks every quarter second and once more after the test ended, and stops
//! a test over a limit (see [`crate::runner`]).

use std::collections::VecDeque;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::rubric::Limits;

/// Directory levels the grader measures; a deeper tree is over the limit by itself.
pub const MAX_DEPTH: usize = 32;

/// Why the run directory `dir` is over `limits` (its `disk_mib` and `disk_entries`, and
/// [`MAX_DEPTH`]), or `None`. Sizes are the blocks files take on disk. Links are not followed.
pub fn over_limits(dir: &Path, limits: &Limits) -> Option<String> {
    let max_bytes = limits.disk_mib.saturating_mul(1 << 20);
    let mut bytes: u64 = 0;
    let mut entries: u64 = 0;
    let mut queue: VecDeque<(PathBuf, usize)> = VecDeque::from([(dir.to_path_buf(), 0)]);
    while let Some((path, depth)) = queue.pop_front() {
        let listing = match fs::read_dir(&path) {
            Ok(listing) => listing,
            // A directory it made unreadable or a name too long to reach: nothing to count here;
            // the depth limit stops trees too deep to measure.
            Err(_) => continue,
        };
        for entry in listing.filter_map(Result::ok) {
            entries += 1;
            if entries > limits.disk_entries {
                return Some(format!(
                    "it made more than {} files and directories in its directory (the limit)",
                    limits.disk_entries
                ));
            }
            let Ok(meta) = entry.metadata() else { continue };
            bytes = bytes.saturating_add(meta.blocks().saturating_mul(512));
            if bytes > max_bytes {
                return Some(format!(
                    "it wrote more than {} MiB into its directory (the limit)",
                    limits.disk_mib
                ));
            }
            if meta.is_dir() {
                if depth + 1 >= MAX_DEPTH {
                    return Some(format!("it made directories more than {MAX_DEPTH} levels deep"));
                }
                queue.push_back((entry.path(), depth + 1));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(disk_mib: u64, disk_entries: u64) -> Limits {
        Limits { disk_mib, disk_entries, ..Limits::default() }
    }

    #[test]
    fn a_small_directory_is_within_limits() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("reports")).unwrap();
        fs::write(dir.path().join("reports/t.html"), vec![b'x'; 100_000]).unwrap();
        assert_eq!(over_limits(dir.path(), &limits(1, 10)), None);
    }

    #[test]
    fn bytes_entries_and_depth_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..3 {
            fs::write(dir.path().join(format!("f{i}")), vec![b'x'; 600_000]).unwrap();
        }
        assert!(over_limits(dir.path(), &limits(1, 100)).unwrap().contains("MiB"));
        assert!(over_limits(dir.path(), &limits(100, 2)).unwrap().contains("files and directories"));
        let mut deep = dir.path().to_path_buf();
        for _ in 0..MAX_DEPTH + 1 {
            deep.push("d");
        }
        fs::create_dir_all(&deep).unwrap();
        assert!(over_limits(dir.path(), &limits(100, 1000)).unwrap().contains("levels deep"));
    }
}
