//! The scratch workspace: the reference workspace with the submission's `src/` directories in
//! place of the reference's, and a build cache that survives from one submission to the next.
//!
//! Layout of a cache directory (default `<reference>/target/grade`):
//!
//! ```text
//! lock          held while one grader uses the cache (a second one waits)
//! workspace/    the scratch workspace: labrpc, tests, manifests, clippy.toml, Cargo.lock from
//!               the reference; viewservice/src and pbservice/src from the submission
//! target/       its build directory: dependencies stay built between submissions
//! ```
//!
//! The workspace is always at the same path and is mirrored, not recreated: files identical to
//! the last submission's keep their mtime, so `cargo` rebuilds only what changed (the student
//! crates and the tests that depend on them), and every changed file is newer than any earlier
//! build. When the submission's sources differ from the last build's, the student crates'
//! fingerprints are removed as well, so a stale artifact can never be reused.

use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::fs::{self, File};
use std::hash::{Hash, Hasher};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};

use crate::fsutil::{self, NEVER_COPIED};
use crate::submission::{Submission, STUDENT_CRATES};

/// The crate of the grader itself: the scratch workspace holds its manifest and sources (the
/// lock file lists it) but never builds it.
const GRADER_CRATE: &str = "grading";

/// The clippy configuration in each student crate that lists what graded code may not use.
pub const API_RULES: &str = "clippy.toml";

/// Crates whose build artifacts depend on the submission.
const REBUILT_CRATES: &[&str] = &["viewservice", "pbservice", "labtests"];

/// A locked cache directory.
pub struct Scratch {
    root: PathBuf,
    _lock: Flock<File>,
}

/// Why the scratch workspace could not be prepared.
#[derive(Debug)]
pub enum ScratchError {
    /// A file operation failed.
    Io {
        /// What the grader was doing.
        doing: String,
        /// The error.
        source: io::Error,
    },
    /// The reference workspace's manifest is not what the grader expects.
    Manifest(String),
}

impl fmt::Display for ScratchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScratchError::Io { doing, source } => write!(f, "{doing}: {source}"),
            ScratchError::Manifest(message) => write!(f, "the reference's manifest: {message}"),
        }
    }
}

impl std::error::Error for ScratchError {}

fn io_err(doing: impl Into<String>) -> impl FnOnce(io::Error) -> ScratchError {
    let doing = doing.into();
    move |source| ScratchError::Io { doing, source }
}

impl Scratch {
    /// Opens (creating it if needed) the cache directory at `root` and locks it; if another
    /// grader holds it, says so on stderr and waits.
    pub fn open(root: &Path) -> Result<Scratch, ScratchError> {
        fs::create_dir_all(root).map_err(io_err(format!("create the cache directory {}", root.display())))?;
        let root = fs::canonicalize(root).map_err(io_err(format!("resolve {}", root.display())))?;
        let lock_path = root.join("lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err(format!("open {}", lock_path.display())))?;
        let lock = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => lock,
            Err((file, _)) => {
                eprintln!("grade: another grader is using {}; waiting for it to finish", root.display());
                Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, errno)| ScratchError::Io {
                    doing: format!("lock {}", lock_path.display()),
                    source: io::Error::from(errno),
                })?
            }
        };
        // Only once locked: the grader holding the lock may have opened the directory to its
        // build uid (see crate::build_user).
        // The grader's alone: test processes run from the stage (see crate::stage), never from here.
        fs::create_dir_all(root.join("target"))
            .map_err(io_err(format!("create {}/target", root.display())))?;
        fs::set_permissions(&root, fs::Permissions::from_mode(0o700))
            .map_err(io_err(format!("make {} private", root.display())))?;
        Ok(Scratch { root, _lock: lock })
    }

    /// The cache directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The scratch workspace.
    pub fn workspace(&self) -> PathBuf {
        self.root.join("workspace")
    }

    /// The build directory (`CARGO_TARGET_DIR`).
    pub fn target(&self) -> PathBuf {
        self.root.join("target")
    }

    /// Makes the scratch workspace hold the reference workspace at `reference` with the
    /// submission's `src/` directories.
    pub fn populate(&self, reference: &Path, submission: &Submission) -> Result<(), ScratchError> {
        let ws = self.workspace();
        fs::create_dir_all(&ws).map_err(io_err(format!("create {}", ws.display())))?;
        let manifest_text = fs::read_to_string(reference.join("Cargo.toml"))
            .map_err(io_err(format!("read {}/Cargo.toml", reference.display())))?;
        let mut manifest: toml::Table =
            manifest_text.parse().map_err(|e| ScratchError::Manifest(format!("not valid TOML: {e}")))?;
        let members = workspace_members(&manifest)?;
        for krate in STUDENT_CRATES {
            if !members.iter().any(|m| m == krate) {
                return Err(ScratchError::Manifest(format!("the workspace has no member {krate:?}")));
            }
        }

        let mut forbid_in_workspace = false;
        for member in &members {
            let from = reference.join(member);
            let to = ws.join(member);
            if STUDENT_CRATES.contains(&member.as_str()) {
                let (text, workspace_lints) = forbid_unsafe(&from.join("Cargo.toml"))?;
                forbid_in_workspace |= workspace_lints;
                fsutil::write_if_changed(&to.join("Cargo.toml"), text.as_bytes())
                    .map_err(io_err(format!("write {}/Cargo.toml", to.display())))?;
                // What graded code may not use (see compile::check_api): always the reference's list.
                let rules = fs::read(from.join(API_RULES)).map_err(io_err(format!(
                    "read {}/{API_RULES} (the student crates' API rules; the grader cannot check \
                     submissions without them)",
                    from.display()
                )))?;
                fsutil::write_if_changed(&to.join(API_RULES), &rules)
                    .map_err(io_err(format!("write {}/{API_RULES}", to.display())))?;
                if from.join("benches").is_dir() {
                    fsutil::mirror_dir(&from.join("benches"), &to.join("benches"), NEVER_COPIED)
                        .map_err(io_err(format!("copy {}/benches", from.display())))?;
                }
                let src = submission.root.join(member).join("src");
                fsutil::mirror_dir(&src, &to.join("src"), &[])
                    .map_err(io_err(format!("copy the submission's {}", src.display())))?;
            } else if member == GRADER_CRATE {
                let manifest = fs::read(from.join("Cargo.toml"))
                    .map_err(io_err(format!("read {}/Cargo.toml", from.display())))?;
                fsutil::write_if_changed(&to.join("Cargo.toml"), &manifest)
                    .map_err(io_err(format!("write {}/Cargo.toml", to.display())))?;
                fsutil::mirror_dir(&from.join("src"), &to.join("src"), NEVER_COPIED)
                    .map_err(io_err(format!("copy {}/src", from.display())))?;
            } else {
                fsutil::mirror_dir(&from, &to, NEVER_COPIED)
                    .map_err(io_err(format!("copy {}", from.display())))?;
            }
        }
        if forbid_in_workspace {
            let lints = manifest
                .entry("workspace")
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .ok_or_else(|| ScratchError::Manifest("[workspace] is not a table".into()))?;
            set_forbid(lints.entry("lints").or_insert_with(|| toml::Value::Table(toml::Table::new())))?;
        }
        let manifest_out = if forbid_in_workspace {
            toml::to_string(&manifest).unwrap_or(manifest_text)
        } else {
            manifest_text
        };
        fsutil::write_if_changed(&ws.join("Cargo.toml"), manifest_out.as_bytes())
            .map_err(io_err("write the scratch workspace's Cargo.toml"))?;
        let lock = fs::read(reference.join("Cargo.lock")).map_err(io_err(format!(
            "read {}/Cargo.lock (run cargo once in the reference)",
            reference.display()
        )))?;
        fsutil::write_if_changed(&ws.join("Cargo.lock"), &lock).map_err(io_err("write Cargo.lock"))?;
        self.forget_stale_builds(submission, reference)
    }

    /// Removes the fingerprints of the crates built from the submission when its sources, or the
    /// API rules they were checked against, differ from the last build's.
    fn forget_stale_builds(&self, submission: &Submission, reference: &Path) -> Result<(), ScratchError> {
        let stamp = self.root.join("submission.hash");
        let hash =
            source_hash(&submission.root, reference).map_err(io_err("hash the submission's sources"))?;
        let previous = fs::read_to_string(&stamp).unwrap_or_default();
        if previous.trim() == hash {
            return Ok(());
        }
        for profile in ["debug", "release"] {
            let fingerprints = self.target().join(profile).join(".fingerprint");
            let Ok(entries) = fs::read_dir(&fingerprints) else { continue };
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name().to_string_lossy().into_owned();
                let krate = name.rsplit_once('-').map(|(k, _)| k).unwrap_or(&name);
                if REBUILT_CRATES.contains(&krate) {
                    fs::remove_dir_all(entry.path())
                        .map_err(io_err(format!("remove {}", entry.path().display())))?;
                }
            }
        }
        fs::write(&stamp, hash).map_err(io_err(format!("write {}", stamp.display())))
    }
}

/// The `workspace.members` of a manifest.
fn workspace_members(manifest: &toml::Table) -> Result<Vec<String>, ScratchError> {
    manifest
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array())
        .ok_or_else(|| ScratchError::Manifest("no [workspace] members list".into()))?
        .iter()
        .map(|m| {
            m.as_str()
                .filter(|s| !s.contains("..") && !s.contains('*') && !s.starts_with('/'))
                .map(str::to_string)
                .ok_or_else(|| ScratchError::Manifest(format!("member {m} is not a plain directory name")))
        })
        .collect()
}

/// The student crate manifest at `path` with [`FORBIDDEN_RUST_LINTS`] forbidden; and whether the
/// crate takes its lints from the workspace (so the workspace must forbid it instead).
fn forbid_unsafe(path: &Path) -> Result<(String, bool), ScratchError> {
    let text = fs::read_to_string(path).map_err(io_err(format!("read {}", path.display())))?;
    let mut manifest: toml::Table = text
        .parse()
        .map_err(|e| ScratchError::Manifest(format!("{} is not valid TOML: {e}", path.display())))?;
    let lints = manifest.entry("lints").or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if lints.get("workspace").and_then(|w| w.as_bool()) == Some(true) {
        return Ok((text, true));
    }
    set_forbid(lints)?;
    let out = toml::to_string(&manifest).map_err(|e| ScratchError::Manifest(e.to_string()))?;
    Ok((out, false))
}

/// The rustc lints the grader forbids in the student crates, whatever their manifests say:
/// unsafe code, and constant evaluation that runs long (a `const` that loops would keep the
/// compiler busy until the build's time limit).
pub const FORBIDDEN_RUST_LINTS: &[&str] = &["unsafe_code", "long_running_const_eval"];

/// Sets each of [`FORBIDDEN_RUST_LINTS`] to `"forbid"` in a `[lints]` table.
fn set_forbid(lints: &mut toml::Value) -> Result<(), ScratchError> {
    let rust = lints
        .as_table_mut()
        .ok_or_else(|| ScratchError::Manifest("[lints] is not a table".into()))?
        .entry("rust")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let rust =
        rust.as_table_mut().ok_or_else(|| ScratchError::Manifest("[lints.rust] is not a table".into()))?;
    for lint in FORBIDDEN_RUST_LINTS {
        rust.insert(lint.to_string(), toml::Value::String("forbid".into()));
    }
    Ok(())
}

/// A hash of the student crates' sources (paths and contents) and of the reference's API rules.
fn source_hash(root: &Path, reference: &Path) -> io::Result<String> {
    let mut hasher = DefaultHasher::new();
    for krate in STUDENT_CRATES {
        hash_dir(&root.join(krate).join("src"), Path::new(krate), &mut hasher)?;
        fs::read(reference.join(krate).join(API_RULES))?.hash(&mut hasher);
    }
    Ok(format!("{:016x}", hasher.finish()))
}

fn hash_dir(dir: &Path, shown: &Path, hasher: &mut DefaultHasher) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let kind = entry.file_type()?;
        let name = shown.join(entry.file_name());
        if kind.is_dir() {
            hash_dir(&entry.path(), &name, hasher)?;
        } else if kind.is_file() {
            name.hash(hasher);
            fs::read(entry.path())?.hash(hasher);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_is_forbidden_in_a_student_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Cargo.toml");
        fs::write(&path, "[package]\nname = \"viewservice\"\n\n[dependencies]\nserde.workspace = true\n")
            .unwrap();
        let (text, workspace) = forbid_unsafe(&path).unwrap();
        assert!(!workspace);
        let parsed: toml::Table = text.parse().unwrap();
        assert_eq!(parsed["lints"]["rust"]["unsafe_code"].as_str(), Some("forbid"));
        assert_eq!(parsed["lints"]["rust"]["long_running_const_eval"].as_str(), Some("forbid"));
        assert_eq!(parsed["dependencies"]["serde"]["workspace"].as_bool(), Some(true));
    }

    #[test]
    fn a_crate_with_workspace_lints_asks_the_workspace_to_forbid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Cargo.toml");
        fs::write(&path, "[package]\nname = \"x\"\n[lints]\nworkspace = true\n").unwrap();
        assert!(forbid_unsafe(&path).unwrap().1);
    }
}
