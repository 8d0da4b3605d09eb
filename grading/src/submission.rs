//! What a submission directory holds. Only `viewservice/src` and `pbservice/src` are taken;
//! everything else (manifests, build scripts, copies of the tests) comes from the reference, and
//! the grader says what it ignored so a student is never surprised.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use crate::escape::{escape_name, escape_text};

/// The crates a student writes; each is taken from `<submission>/<crate>/src`.
pub const STUDENT_CRATES: [&str; 2] = ["viewservice", "pbservice"];

/// At most this many files in one crate's `src/`.
pub const MAX_FILES: u64 = 500;
/// At most this many bytes in one crate's `src/`.
pub const MAX_BYTES: u64 = 8 << 20;
/// At most this many levels of directories in one crate's `src/` (`src/a` is one level).
///
/// [`inspect`] walks `src/` iteratively and stops at this depth or at [`MAX_ENTRIES`], so a tree
/// 100,000 levels deep is refused before anything recurses into it. The grader's later walks over
/// the submission (`policy::check_dir`, `scratch::hash_dir`, `fsutil::mirror_dir`) recurse, and
/// are safe only because they run after `inspect` accepted the tree.
pub const MAX_DEPTH: usize = 16;
/// At most this many entries (files, directories, links, anything) in one crate's `src/`.
pub const MAX_ENTRIES: u64 = 1000;

/// A submission, inspected and ready to be copied into a scratch workspace.
#[derive(Clone, Debug)]
pub struct Submission {
    /// The directory as given, made absolute.
    pub root: PathBuf,
    /// A short name for tables and CSV rows: the directory's name, escaped (see [`escape_name`]).
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
    /// A `src/` nests directories deeper than [`MAX_DEPTH`].
    TooDeep {
        /// The directory.
        dir: PathBuf,
        /// A directory below the limit, relative to `dir`.
        deepest: PathBuf,
    },
    /// A `src/` holds more than [`MAX_ENTRIES`] entries.
    TooManyEntries {
        /// The directory.
        dir: PathBuf,
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
        // Paths name the submission's own files: shown escaped, on one line.
        let show = |path: &Path| escape_name(path.as_os_str());
        match self {
            SubmissionError::NotADirectory(path) => write!(
                f,
                "{} is not a directory: give the folder that holds viewservice/ and pbservice/",
                show(path)
            ),
            SubmissionError::MissingSrc { root, krate } => write!(
                f,
                "{} has no {krate}/src directory: a submission holds viewservice/src and pbservice/src \
                 (the handout's layout)",
                show(root)
            ),
            SubmissionError::TooLarge { dir, files, bytes } => write!(
                f,
                "{} holds {files} files and {bytes} bytes; the grader accepts at most {MAX_FILES} files and \
                 {MAX_BYTES} bytes per crate: remove generated or copied files",
                show(dir)
            ),
            SubmissionError::TooDeep { dir, deepest } => write!(
                f,
                "{} nests directories more than {MAX_DEPTH} levels deep (e.g. {}); the grader accepts at most \
                 {MAX_DEPTH}: remove the deep directories",
                show(dir),
                show(deepest)
            ),
            SubmissionError::TooManyEntries { dir } => write!(
                f,
                "{} holds more than {MAX_ENTRIES} files and directories; the grader accepts at most \
                 {MAX_ENTRIES} per crate: remove generated or copied files",
                show(dir)
            ),
            SubmissionError::Unreadable { dir, message } => {
                write!(f, "cannot read {}: {}", show(dir), escape_text(message))
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
    let name = root.file_name().map(escape_name).unwrap_or_else(|| "submission".into());
    let mut notes = Vec::new();
    for krate in STUDENT_CRATES {
        let src = root.join(krate).join("src");
        let meta =
            src.symlink_metadata().map_err(|_| SubmissionError::MissingSrc { root: root.clone(), krate })?;
        if !meta.is_dir() {
            return Err(SubmissionError::MissingSrc { root: root.clone(), krate });
        }
        let walked = walk_src(&src, &root)?;
        if walked.files > MAX_FILES || walked.bytes > MAX_BYTES {
            return Err(SubmissionError::TooLarge { dir: src, files: walked.files, bytes: walked.bytes });
        }
        notes.extend(walked.notes);
        if !is_reference {
            note_crate_extras(&root, reference, krate, &mut notes);
        }
    }
    if !is_reference {
        note_top_level(&root, &mut notes);
    }
    Ok(Submission { root, name, notes })
}

/// What [`walk_src`] found in a crate's `src/`.
struct Walked {
    /// Regular files.
    files: u64,
    /// Their bytes.
    bytes: u64,
    /// Links and special files, which are not copied, one note each.
    notes: Vec<String>,
}

/// Walks `src` iteratively (one directory open at a time), refusing it as soon as it is deeper
/// than [`MAX_DEPTH`] or holds more than [`MAX_ENTRIES`] entries. Links are not followed.
fn walk_src(src: &Path, root: &Path) -> Result<Walked, SubmissionError> {
    let unreadable = |dir: &Path, e: std::io::Error| SubmissionError::Unreadable {
        dir: dir.to_path_buf(),
        message: e.to_string(),
    };
    let mut walked = Walked { files: 0, bytes: 0, notes: Vec::new() };
    let mut entries = 0;
    let mut dirs = vec![(src.to_path_buf(), 0)];
    while let Some((dir, depth)) = dirs.pop() {
        for entry in fs::read_dir(&dir).map_err(|e| unreadable(&dir, e))? {
            let entry = entry.map_err(|e| unreadable(&dir, e))?;
            entries += 1;
            if entries > MAX_ENTRIES {
                return Err(SubmissionError::TooManyEntries { dir: src.to_path_buf() });
            }
            let kind = entry.file_type().map_err(|e| unreadable(&dir, e))?;
            let path = entry.path();
            let shown = || escape_name(path.strip_prefix(root).unwrap_or(&path).as_os_str());
            if kind.is_dir() {
                if depth + 1 > MAX_DEPTH {
                    let deepest = path.strip_prefix(src).unwrap_or(&path).to_path_buf();
                    return Err(SubmissionError::TooDeep { dir: src.to_path_buf(), deepest });
                }
                dirs.push((path, depth + 1));
            } else if kind.is_file() {
                walked.files += 1;
                walked.bytes += entry.metadata().map_err(|e| unreadable(&dir, e))?.len();
            } else if kind.is_symlink() {
                walked.notes.push(format!("ignored {}: symbolic links are not copied", shown()));
            } else {
                walked.notes.push(format!("ignored {}: not a regular file", shown()));
            }
        }
    }
    walked.notes.sort();
    Ok(walked)
}

/// Notes top-level entries other than the student crates.
fn note_top_level(root: &Path, notes: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(root) else { return };
    // Only names worth a note are kept: a folder may hold very many others.
    let mut important: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name();
            let why = match name.to_str()? {
                "tests" => "the grader always uses the reference's tests",
                "labrpc" => "the grader always uses the reference's labrpc",
                "grading" => "the grader always uses the reference's rubric",
                "Cargo.toml" | "Cargo.lock" => "manifests and the lock file come from the reference",
                _ => return None,
            };
            Some(format!("ignored {}: {why}", escape_name(&name)))
        })
        .collect();
    important.sort();
    notes.extend(important);
}

/// At most this many notes about the entries of one student crate besides `src/`.
const MAX_EXTRA_NOTES: usize = 20;

/// Notes what a student crate holds besides `src/`.
fn note_crate_extras(root: &Path, reference: &Path, krate: &str, notes: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(root.join(krate)) else { return };
    // Bounded: a folder may hold millions of entries; the notes only need to show some.
    let mut names: Vec<std::ffi::OsString> =
        entries.filter_map(Result::ok).map(|e| e.file_name()).take(10_000).collect();
    names.sort();
    let mut noted = 0;
    for raw in &names {
        let path = root.join(krate).join(raw);
        let name = escape_name(raw);
        if noted == MAX_EXTRA_NOTES {
            notes.push(format!("ignored more entries of {krate}/: only {krate}/src is graded"));
            break;
        }
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
        noted += 1;
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

    #[test]
    fn a_src_nested_too_deep_is_refused_before_any_recursion() {
        let dir = tempfile::tempdir().unwrap();
        skeleton(dir.path());
        let src = dir.path().join("pbservice/src");
        let allowed: PathBuf = std::iter::repeat_n("a", MAX_DEPTH).collect();
        fs::create_dir_all(src.join(&allowed)).unwrap();
        inspect(dir.path(), Path::new("/nonexistent")).expect("MAX_DEPTH levels are fine");

        crate::remove_tree::testing::deep_chain(&src, 5_000);
        let root = dir.path().to_path_buf();
        // On a small stack: a recursive walk would overflow it (or run out of descriptors).
        let err = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || inspect(&root, Path::new("/nonexistent")))
            .unwrap()
            .join()
            .unwrap()
            .unwrap_err();
        assert!(matches!(err, SubmissionError::TooDeep { .. }), "{err}");
        let message = err.to_string();
        assert!(message.contains("pbservice/src nests directories more than 16 levels deep"), "{message}");
        assert!(message.contains("remove the deep directories"), "{message}");
        crate::remove_tree::remove_tree(&src).unwrap();
    }

    #[test]
    fn a_src_with_too_many_entries_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        skeleton(dir.path());
        let src = dir.path().join("viewservice/src");
        for i in 0..MAX_ENTRIES {
            fs::create_dir(src.join(format!("d{i}"))).unwrap();
        }
        let err = inspect(dir.path(), Path::new("/nonexistent")).unwrap_err();
        assert!(matches!(err, SubmissionError::TooManyEntries { .. }), "{err}");
        assert!(err.to_string().contains("remove generated or copied files"), "{err}");
    }

    #[test]
    fn hostile_names_are_noted_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sub\nPoints: 1\u{1b}[2J");
        skeleton(&root);
        fs::write(root.join("viewservice/x\n\nPoints: 290\u{2215}290\u{1b}[2J"), "").unwrap();
        let sub = inspect(&root, Path::new("/nonexistent")).unwrap();
        assert_eq!(sub.name, "sub\\nPoints: 1\\u{1b}[2J");
        assert!(
            sub.notes.iter().any(|n| n
                == "ignored viewservice/x\\n\\nPoints: 290\u{2215}290\\u{1b}[2J: \
                                             only viewservice/src is graded"),
            "{:?}",
            sub.notes
        );
    }
}
