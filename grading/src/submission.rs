//! What a submission directory holds. Only `viewservice/src` and `pbservice/src` are taken;
//! everything else (manifests, build scripts, copies of the tests) comes from the reference, and
//! the grader says what it ignored so a student is never surprised.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use crate::fsutil;

/// The crates a student writes; each is taken from `<submission>/<crate>/src`.
pub const STUDENT_CRATES: [&str; 2] = ["viewservice", "pbservice"];

/// At most this many files in one crate's `src/`.
pub const MAX_FILES: u64 = 500;
/// At most this many bytes in one crate's `src/`.
pub const MAX_BYTES: u64 = 8 << 20;

/// A submission, inspected and ready to be copied into a scratch workspace.
#[derive(Clone, Debug)]
pub struct Submission {
    /// The directory as given, made absolute.
    pub root: PathBuf,
    /// A short name for tables and CSV rows: the directory's name.
    pub name: String,
    /// What was ignored and why, one sentence each.
    pub notes: Vec<String>,
}

/// Why a directory cannot be graded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmissionError {
    /// The path does not exist or is not a directory.
    NotADirectory(PathBuf),
    /// A student crate's `src/` is missing.
    MissingSrc {
        /// The submission.
        root: PathBuf,
        /// `viewservice` or `pbservice`.
        krate: &'static str,
    },
    /// A `src/` is larger than the grader accepts.
    TooLarge {
        /// The directory.
        dir: PathBuf,
        /// Its files.
        files: u64,
        /// Its bytes.
        bytes: u64,
    },
    /// The directory could not be read.
    Unreadable {
        /// The directory.
        dir: PathBuf,
        /// The error.
        message: String,
    },
}

impl fmt::Display for SubmissionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmissionError::NotADirectory(path) => write!(
                f,
                "{} is not a directory: give the folder that holds viewservice/ and pbservice/",
                path.display()
            ),
            SubmissionError::MissingSrc { root, krate } => write!(
                f,
                "{} has no {krate}/src directory: a submission holds viewservice/src and pbservice/src \
                 (the handout's layout)",
                root.display()
            ),
            SubmissionError::TooLarge { dir, files, bytes } => write!(
                f,
                "{} holds {files} files and {bytes} bytes; the grader accepts at most {MAX_FILES} files and \
                 {MAX_BYTES} bytes per crate: remove generated or copied files",
                dir.display()
            ),
            SubmissionError::Unreadable { dir, message } => {
                write!(f, "cannot read {}: {message}", dir.display())
            }
        }
    }
}

impl std::error::Error for SubmissionError {}

/// Checks that `root` is a submission and notes what will be ignored. `reference` is the
/// reference workspace, for comparing manifests; grading the reference itself adds no notes.
pub fn inspect(root: &Path, reference: &Path) -> Result<Submission, SubmissionError> {
    let root = fs::canonicalize(root).map_err(|_| SubmissionError::NotADirectory(root.to_path_buf()))?;
    if !root.is_dir() {
        return Err(SubmissionError::NotADirectory(root));
    }
    let is_reference = fs::canonicalize(reference).map(|r| r == root).unwrap_or(false);
    let name =
        root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "submission".into());
    let mut notes = Vec::new();
    for krate in STUDENT_CRATES {
        let src = root.join(krate).join("src");
        let meta =
            src.symlink_metadata().map_err(|_| SubmissionError::MissingSrc { root: root.clone(), krate })?;
        if !meta.is_dir() {
            return Err(SubmissionError::MissingSrc { root: root.clone(), krate });
        }
        let (files, bytes) = fsutil::tree_size(&src)
            .map_err(|e| SubmissionError::Unreadable { dir: src.clone(), message: e.to_string() })?;
        if files > MAX_FILES || bytes > MAX_BYTES {
            return Err(SubmissionError::TooLarge { dir: src, files, bytes });
        }
        note_links(&src, &root, &mut notes);
        if !is_reference {
            note_crate_extras(&root, reference, krate, &mut notes);
        }
    }
    if !is_reference {
        note_top_level(&root, &mut notes);
    }
    Ok(Submission { root, name, notes })
}

/// Notes top-level entries other than the student crates.
fn note_top_level(root: &Path, notes: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(root) else { return };
    let mut ignored: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !STUDENT_CRATES.contains(&n.as_str()) && !n.starts_with('.'))
        .collect();
    ignored.sort();
    let mut important = Vec::new();
    for name in &ignored {
        let why = match name.as_str() {
            "tests" => "the grader always uses the reference's tests",
            "labrpc" => "the grader always uses the reference's labrpc",
            "grading" => "the grader always uses the reference's rubric",
            "Cargo.toml" | "Cargo.lock" => "manifests and the lock file come from the reference",
            _ => continue,
        };
        important.push(format!("ignored {name}: {why}"));
    }
    notes.extend(important);
}

/// Notes what a student crate holds besides `src/`.
fn note_crate_extras(root: &Path, reference: &Path, krate: &str, notes: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(root.join(krate)) else { return };
    let mut names: Vec<String> =
        entries.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    for name in names {
        let path = root.join(krate).join(&name);
        let note = match name.as_str() {
            "src" => continue,
            "Cargo.toml" => {
                let same = fs::read(&path).ok() == fs::read(reference.join(krate).join("Cargo.toml")).ok();
                if same {
                    continue;
                }
                format!(
                    "ignored {krate}/Cargo.toml, which differs from the reference's: manifests come from the \
                     reference, so a dependency you added is not available"
                )
            }
            "build.rs" => format!("ignored {krate}/build.rs: build scripts are never run"),
            "benches" | "target" => continue,
            _ => format!("ignored {krate}/{name}: only {krate}/src is graded"),
        };
        notes.push(note);
    }
}

/// Notes symbolic links inside `src`: they are not copied.
fn note_links(dir: &Path, root: &Path, notes: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.filter_map(Result::ok) {
        let Ok(kind) = entry.file_type() else { continue };
        let path = entry.path();
        let shown = path.strip_prefix(root).unwrap_or(&path).display().to_string();
        if kind.is_symlink() {
            notes.push(format!("ignored {shown}: symbolic links are not copied"));
        } else if kind.is_dir() {
            note_links(&path, root, notes);
        } else if !kind.is_file() {
            notes.push(format!("ignored {shown}: not a regular file"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skeleton(dir: &Path) {
        for krate in STUDENT_CRATES {
            fs::create_dir_all(dir.join(krate).join("src")).unwrap();
            fs::write(dir.join(krate).join("src/lib.rs"), "").unwrap();
        }
    }

    #[test]
    fn a_missing_crate_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("viewservice/src")).unwrap();
        let err = inspect(dir.path(), Path::new("/nonexistent")).unwrap_err();
        assert!(matches!(err, SubmissionError::MissingSrc { krate: "pbservice", .. }));
        assert!(err.to_string().contains("pbservice/src"));
    }

    #[test]
    fn extras_are_noted_as_ignored() {
        let dir = tempfile::tempdir().unwrap();
        skeleton(dir.path());
        fs::write(dir.path().join("viewservice/build.rs"), "fn main() {}").unwrap();
        fs::write(dir.path().join("viewservice/Cargo.toml"), "[package]").unwrap();
        fs::create_dir_all(dir.path().join("tests/tests")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("pbservice/src/secret.rs")).unwrap();
        let sub = inspect(dir.path(), Path::new("/nonexistent")).unwrap();
        let notes = sub.notes.join("\n");
        assert!(notes.contains("viewservice/build.rs"), "{notes}");
        assert!(notes.contains("viewservice/Cargo.toml"), "{notes}");
        assert!(notes.contains("ignored tests"), "{notes}");
        assert!(notes.contains("symbolic links"), "{notes}");
    }
}
