//! Making a submission out of the reference: copy its student crates, then apply a patch, an
//! overlay and appended text. Mutants (`grading/mutants/*.patch`) and the grader's fixtures
//! (`grading/fixtures/<name>/`) are both built this way.
//!
//! A fixture directory may hold:
//! - `patch.diff`: a unified diff against the reference (paths `a/viewservice/src/...`);
//! - `overlay/`: files copied over the copy (new files, or whole replacements; may also hold
//!   things a student might add, such as `viewservice/build.rs` or `tests/`);
//! - `append/`: text appended to the file of the same path (robust to upstream edits).

use std::fs;
use std::io;
use std::path::Path;
use std::process::Command;

use crate::fsutil;
use crate::submission::STUDENT_CRATES;

/// Copies the reference's student crates (`Cargo.toml` and `src/` of each) into `dest`.
pub fn copy_reference(reference: &Path, dest: &Path) -> io::Result<()> {
    for krate in STUDENT_CRATES {
        let from = reference.join(krate);
        let to = dest.join(krate);
        fsutil::mirror_dir(&from.join("src"), &to.join("src"), &[])?;
        fs::copy(from.join("Cargo.toml"), to.join("Cargo.toml"))?;
    }
    Ok(())
}

/// Applies the unified diff at `patch` to the tree at `dest` (`git apply`, or `patch -p1` when
/// git is missing). Text before the first diff header is a description and is ignored.
pub fn apply_patch(patch: &Path, dest: &Path) -> Result<(), String> {
    let patch = fs::canonicalize(patch).map_err(|e| format!("{}: {e}", patch.display()))?;
    let git = Command::new("git")
        .args(["apply", "--whitespace=nowarn", "-p1"])
        .arg(&patch)
        .current_dir(dest)
        .env("GIT_CEILING_DIRECTORIES", dest)
        .output();
    let output = match git {
        Ok(output) => output,
        Err(_) => Command::new("patch")
            .args(["-p1", "--forward", "--batch", "-i"])
            .arg(&patch)
            .current_dir(dest)
            .output()
            .map_err(|e| format!("neither git nor patch could be run: {e}"))?,
    };
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} does not apply to the reference (has the reference changed? regenerate the patch): {}",
            patch.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// Builds the fixture at `fixture` on a copy of the reference, in `dest`.
pub fn fixture(reference: &Path, fixture: &Path, dest: &Path) -> Result<(), String> {
    copy_reference(reference, dest).map_err(|e| format!("copying the reference: {e}"))?;
    let patch = fixture.join("patch.diff");
    if patch.is_file() {
        apply_patch(&patch, dest)?;
    }
    let overlay = fixture.join("overlay");
    if overlay.is_dir() {
        copy_over(&overlay, dest).map_err(|e| format!("copying {}: {e}", overlay.display()))?;
    }
    let append = fixture.join("append");
    if append.is_dir() {
        append_tree(&append, dest).map_err(|e| format!("appending {}: {e}", append.display()))?;
    }
    Ok(())
}

/// Copies every file under `from` to the same relative path under `to`, keeping other files.
fn copy_over(from: &Path, to: &Path) -> io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            fs::create_dir_all(&target)?;
            copy_over(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Appends every file under `from` to the file of the same relative path under `to`.
fn append_tree(from: &Path, to: &Path) -> io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            append_tree(&entry.path(), &target)?;
        } else {
            let mut text = fs::read_to_string(&target)?;
            text.push('\n');
            text.push_str(&fs::read_to_string(entry.path())?);
            fs::write(&target, text)?;
        }
    }
    Ok(())
}
