//! The stage: where sandboxed processes find the programs they run and the directories they run
//! in, apart from the reference and the build cache.
//!
//! A test process runs as an unprivileged uid (when the grader is root), so every directory on
//! the path to its binary and to its run directory must be traversable by that uid. A reference
//! cloned into a private directory (a home directory, or anything of mode 0700) is not, and
//! should not be: nothing of the reference's tree is the sandbox's business. So each grading
//! gets a fresh directory in the system's temporary directory (unpredictable name, owned by the
//! grader, mode 0711: others may pass through it but not list it), holding
//!
//! ```text
//! bin/       copies of the `grade` helper and of the graded test binaries
//! runs/      one run directory per job slot (owned by that slot's uid, mode 0700), and the
//!            grader's own files for each run (its output, mode 0600)
//! reports/   the report pages of failed runs, until the grader copies them out (grader only)
//! ```
//!
//! The stage is removed when grading ends, with [`remove_tree`] (not `std::fs::remove_dir_all`,
//! whose recursion a test process could defeat with a tree 100,000 levels deep in its run
//! directory).

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::remove_tree::remove_tree;

/// A grading's stage directory; removed when dropped.
pub struct Stage {
    root: PathBuf,
    helper: PathBuf,
}

impl Stage {
    /// Creates a fresh stage in the system's temporary directory and puts a copy of the
    /// `grade` helper binary (`helper`) in it.
    pub fn create(helper: &Path) -> io::Result<Stage> {
        let dir = tempfile::Builder::new().prefix("grade-stage-").tempdir()?;
        let root = dir.path();
        fs::set_permissions(root, fs::Permissions::from_mode(0o711))?;
        for sub in ["bin", "runs"] {
            fs::create_dir(root.join(sub))?;
            fs::set_permissions(root.join(sub), fs::Permissions::from_mode(0o711))?;
        }
        fs::create_dir(root.join("reports"))?;
        fs::set_permissions(root.join("reports"), fs::Permissions::from_mode(0o700))?;
        // From here on the stage's own Drop removes it.
        let mut stage = Stage { root: dir.keep(), helper: PathBuf::new() };
        stage.helper = stage.install(helper).map_err(|e| {
            io::Error::new(e.kind(), format!("staging the grader's helper {}: {e}", helper.display()))
        })?;
        Ok(stage)
    }

    /// The staged `grade` helper (what the sandbox runs `sandbox-exec` and `sandbox-kill` from).
    pub fn helper(&self) -> &Path {
        &self.helper
    }

    /// Where run directories and the grader's per-run files go.
    pub fn runs(&self) -> PathBuf {
        self.root.join("runs")
    }

    /// Where the report pages of failed runs wait until the grader copies them out.
    pub fn reports(&self) -> PathBuf {
        self.root.join("reports")
    }

    /// Copies the program at `program` into the stage (readable and executable by all) and
    /// returns the copy's path. Programs are named after their file, so installing two programs
    /// with one name keeps the second.
    pub fn install(&self, program: &Path) -> io::Result<PathBuf> {
        let name = program
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a program path has a file name"))?;
        let staged = self.root.join("bin").join(name);
        let _ = fs::remove_file(&staged);
        fs::copy(program, &staged)?;
        fs::set_permissions(&staged, fs::Permissions::from_mode(0o755))?;
        Ok(staged)
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if let Err(e) = remove_tree(&self.root) {
            eprintln!("grade: could not remove the stage {}: {e}", self.root.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stage_is_traversable_not_listable_and_goes_away() {
        let dir = tempfile::tempdir().unwrap();
        let helper = dir.path().join("grade");
        fs::write(&helper, "#!/bin/sh\n").unwrap();
        let stage = Stage::create(&helper).unwrap();
        let root = stage.runs().parent().unwrap().to_path_buf();
        assert_eq!(fs::metadata(&root).unwrap().permissions().mode() & 0o777, 0o711);
        assert_eq!(fs::metadata(stage.reports()).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(fs::metadata(stage.helper()).unwrap().permissions().mode() & 0o777, 0o755);
        assert!(stage.helper().starts_with(&root));
        drop(stage);
        assert!(!root.exists(), "the stage outlived its grading");
    }

    #[test]
    fn a_deep_tree_in_a_run_directory_goes_with_the_stage() {
        let dir = tempfile::tempdir().unwrap();
        let helper = dir.path().join("grade");
        fs::write(&helper, "#!/bin/sh\n").unwrap();
        let stage = Stage::create(&helper).unwrap();
        let run = stage.runs().join("slot-0");
        fs::create_dir(&run).unwrap();
        crate::remove_tree::testing::deep_chain(&run, 5_000);
        let root = stage.runs().parent().unwrap().to_path_buf();
        // On a small stack, as a recursive removal would overflow it.
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || drop(stage))
            .unwrap()
            .join()
            .unwrap();
        assert!(!root.exists(), "the stage outlived its grading");
    }
}
