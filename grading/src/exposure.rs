//! What a test process could read of what it must not: the reference's solution and the
//! planted-bug mutants, the other submissions of a batch, and the results of gradings.
//!
//! Inside bubblewrap a test sees only what it needs (see [`crate::sandbox`]). Without it (not
//! installed, user namespaces disabled, `--sandbox no-bwrap`), a test process runs as a sandbox
//! uid and may read whatever the files' modes give any user. The grader closes what it owns (its
//! caches, see [`crate::cache_dir::secure`]), but where the reference, a batch folder and the
//! results live is the user's choice. So a grader running as root works out, before anything is
//! built, whether a sandbox uid could read them, and says so loudly, naming the directory to
//! close (`chmod 700 DIR`). (`--sandbox required` never grades without bubblewrap.)
//!
//! The reckoning is the kernel's for a uid that owns nothing and belongs to no group but its own
//! (gid = uid, as the sandbox sets them) and has no capability: every directory on the way must
//! grant it search (x), a file read (r), a directory's listing read (r). Access control lists are
//! not read: one that opens a file to others is missed (the grader never sets them).

use std::fmt;
use std::fs::{self, Metadata};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::sandbox::{Sandbox, SandboxError};
use crate::submission::STUDENT_CRATES;

/// Where the reference keeps its planted-bug mutants (`authoring::mutants::MUTANTS_DIR`, which
/// grading may not import; `tests/secrets.rs` checks that the two agree).
pub const MUTANTS: &str = "grading/mutants";

/// Files looked at in one tree before the reckoning stops (a secret tree is small; a huge one
/// must not slow the start of grading down).
const MAX_LOOKED_AT: usize = 2000;

/// A uid test processes run as: its gid is the same number, and it has no other group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reader {
    /// The uid (and gid).
    pub uid: u32,
}

impl Reader {
    /// The permission bits (`rwx`, as 0-7) that `meta` gives this reader.
    fn bits(&self, meta: &Metadata) -> u32 {
        let mode = meta.mode();
        if meta.uid() == self.uid {
            (mode >> 6) & 0o7
        } else if meta.gid() == self.uid {
            (mode >> 3) & 0o7
        } else {
            mode & 0o7
        }
    }

    /// `path` with its symbolic links resolved, and its metadata, if it exists and the reader
    /// may search every directory above it.
    fn reaches(&self, path: &Path) -> Option<(PathBuf, Metadata)> {
        let path = fs::canonicalize(path).ok()?;
        let meta = fs::metadata(&path).ok()?;
        let passes =
            path.ancestors().skip(1).all(|dir| fs::metadata(dir).is_ok_and(|m| self.bits(&m) & 1 != 0));
        passes.then_some((path, meta))
    }

    /// Whether the reader may read the file at `path`, or list the directory at `path`.
    pub fn may_read(&self, path: &Path) -> bool {
        self.reaches(path).is_some_and(|(_, meta)| self.bits(&meta) & 4 != 0)
    }

    /// Whether the reader may enter the directory at `dir` (and so open, by name, what in it
    /// others may read).
    pub fn may_enter(&self, dir: &Path) -> bool {
        self.reaches(dir).is_some_and(|(_, meta)| meta.is_dir() && self.bits(&meta) & 1 != 0)
    }
}

/// A place besides the reference and the cache that test processes must not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Private {
    /// The folder of a batch: each submission's code must not read the others (or their names).
    Batch(PathBuf),
    /// A directory results are written to (`--json`, `--junit`, a batch's CSV and reports): the
    /// next grading's tests must not read this one's.
    Results(PathBuf),
}

impl Private {
    /// The directory results written to `file` go in (as an absolute path).
    pub fn results_of_file(file: &Path) -> Private {
        let dir = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        Private::Results(std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()))
    }
}

/// Something a test process could read, and the directory that closes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exposure {
    /// What it is ("the reference's solution").
    pub what: &'static str,
    /// One path a sandbox uid could read.
    pub readable: PathBuf,
    /// The uid that could.
    pub uid: u32,
    /// The directory to make private; `None` when it is a public directory (such as `/tmp`)
    /// that must stay open, so what lies in it has to go elsewhere.
    pub close: Option<PathBuf>,
}

impl fmt::Display for Exposure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "test processes run without bubblewrap, and as uid {} they could read {} ({}): ",
            self.uid,
            self.what,
            self.readable.display()
        )?;
        match &self.close {
            Some(dir) => write!(
                f,
                "make {} private to root (`chmod 700 {}`), or grade where bubblewrap works",
                dir.display(),
                dir.display()
            ),
            None => write!(
                f,
                "that directory is open to everyone: move it into a private one (`mkdir -m 700 DIR`), or \
                 grade where bubblewrap works"
            ),
        }
    }
}

/// The reference's solution (the student crates' sources) or its mutants, if a reader could
/// read them.
pub fn reference(reference: &Path, readers: &[Reader]) -> Option<Exposure> {
    let solution = STUDENT_CRATES.iter().map(|krate| reference.join(krate).join("src"));
    let exposed =
        first_readable(solution, readers).map(|found| ("the reference's solution", found)).or_else(|| {
            let mutants = reference.join(MUTANTS);
            first_readable([mutants], readers).map(|found| ("the planted-bug mutants", found))
        });
    exposed.map(|(what, (readable, uid))| Exposure {
        what,
        readable,
        uid,
        close: Some(reference.to_path_buf()),
    })
}

/// The other submissions of the batch folder `dir` (its listing, or anything in it a reader
/// could reach by a guessed name), if a reader could read them.
pub fn batch(dir: &Path, readers: &[Reader]) -> Option<Exposure> {
    let (readable, uid) = first_readable([dir.to_path_buf()], readers)?;
    Some(Exposure {
        what: "the other submissions of the batch",
        readable,
        uid,
        close: Some(dir.to_path_buf()),
    })
}

/// The results directory `dir` (or, if it does not exist yet, the directory it will be made in),
/// if a reader could enter it.
pub fn results(dir: &Path, readers: &[Reader]) -> Option<Exposure> {
    let existing = dir.ancestors().find(|d| d.exists())?;
    let uid = readers.iter().find(|r| r.may_enter(existing))?.uid;
    let public = fs::metadata(existing).is_ok_and(|m| m.mode() & 0o002 != 0);
    Some(Exposure {
        what: "the results written there",
        readable: dir.to_path_buf(),
        uid,
        close: (!public).then(|| existing.to_path_buf()),
    })
}

/// Every file and directory of the trees `roots` (depth first, at most [`MAX_LOOKED_AT`]), and
/// the first one a reader could read.
fn first_readable(roots: impl IntoIterator<Item = PathBuf>, readers: &[Reader]) -> Option<(PathBuf, u32)> {
    let mut pending: Vec<PathBuf> = roots.into_iter().collect();
    pending.reverse();
    let mut looked_at = 0;
    while let Some(path) = pending.pop() {
        looked_at += 1;
        if looked_at > MAX_LOOKED_AT {
            break;
        }
        if let Some(reader) = readers.iter().find(|r| r.may_read(&path)) {
            return Some((path, reader.uid));
        }
        // Not following links: a link's target is looked at where it lies.
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            let mut children: Vec<PathBuf> =
                fs::read_dir(&path).into_iter().flatten().filter_map(Result::ok).map(|e| e.path()).collect();
            children.sort();
            pending.extend(children.into_iter().rev());
        }
    }
    None
}

/// Everything of `reference` and `private` that `readers` could read, one [`Exposure`] per
/// directory to close; one whose directory lies inside another's is left out (closing the outer
/// one closes it too).
pub fn find(reference: &Path, private: &[Private], readers: &[Reader]) -> Vec<Exposure> {
    let mut found: Vec<Exposure> = Vec::new();
    let candidates =
        std::iter::once(self::reference(reference, readers)).chain(private.iter().map(|p| match p {
            Private::Batch(dir) => batch(dir, readers),
            Private::Results(dir) => results(dir, readers),
        }));
    for exposure in candidates.flatten() {
        let inside = |other: &Exposure| match (&exposure.close, &other.close) {
            (Some(dir), Some(outer)) => dir.starts_with(outer),
            _ => exposure.readable.starts_with(&other.readable),
        };
        if !found.iter().any(inside) {
            found.push(exposure);
        }
    }
    found
}

/// Run before anything is built, as root: closes the grader's caches to test processes (see
/// [`crate::cache_dir::secure`]); then, if tests run as sandbox uids without bubblewrap, finds
/// what of the reference, the `reports` directory and `private` they could read. Returns one
/// warning per finding (also printed on stderr); `Err` if the caches could not be closed.
pub fn guard(
    sandbox: &Sandbox,
    reference: &Path,
    cache: &Path,
    reports: Option<&Path>,
    private: &[Private],
) -> Result<Vec<String>, SandboxError> {
    if !nix::unistd::Uid::effective().is_root() {
        // Tests run as the grader's own user: they may read all it may, and nothing is secret.
        return Ok(Vec::new());
    }
    crate::cache_dir::secure(cache, reference).map_err(SandboxError::Io)?;
    let readers: Vec<Reader> = (0..).map_while(|slot| sandbox.uid(slot)).map(|uid| Reader { uid }).collect();
    if readers.is_empty() || sandbox.is_complete() {
        // No sandbox uid (`--sandbox off`, already warned about), or bubblewrap shows none of it.
        return Ok(Vec::new());
    }
    let mut places = private.to_vec();
    places.extend(reports.map(|dir| Private::Results(dir.to_path_buf())));
    let warnings: Vec<String> = find(reference, &places, &readers).iter().map(ToString::to_string).collect();
    for warning in &warnings {
        eprintln!("grade: warning: {warning}");
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A uid that owns nothing here.
    const SANDBOX: Reader = Reader { uid: 61_999 };

    fn chmod(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    /// A reference with a solution and mutants in a directory of `mode`, under a parent others
    /// may pass through.
    fn reference_in(mode: u32) -> (tempfile::TempDir, PathBuf) {
        let parent = tempfile::tempdir().unwrap();
        chmod(parent.path(), 0o755);
        let root = parent.path().join("lab");
        for krate in STUDENT_CRATES {
            fs::create_dir_all(root.join(krate).join("src")).unwrap();
            fs::write(root.join(krate).join("src/server.rs"), "// the solution\n").unwrap();
        }
        let mutants = root.join(MUTANTS);
        fs::create_dir_all(&mutants).unwrap();
        fs::write(mutants.join("bug.patch"), "--- a\n").unwrap();
        for dir in [root.clone(), root.join("grading"), mutants] {
            chmod(&dir, 0o755);
        }
        chmod(&root, mode);
        (parent, root)
    }

    #[test]
    fn a_world_readable_reference_is_named_with_the_directory_to_close() {
        let (_parent, root) = reference_in(0o755);
        let found = reference(&root, &[SANDBOX]).expect("the solution is readable");
        assert_eq!(found.what, "the reference's solution");
        assert!(found.readable.starts_with(fs::canonicalize(&root).unwrap()), "{}", found.readable.display());
        let text = found.to_string();
        assert!(text.contains(&format!("chmod 700 {}", root.display())), "{text}");
        assert!(text.contains("uid 61999"), "{text}");
    }

    #[test]
    fn a_reference_closed_at_its_top_or_above_is_not_exposed() {
        let (parent, root) = reference_in(0o700);
        assert_eq!(reference(&root, &[SANDBOX]), None, "mode 0700");
        chmod(&root, 0o755);
        chmod(parent.path(), 0o700);
        assert_eq!(reference(&root, &[SANDBOX]), None, "a private parent");
        // Search alone on the way is enough to reach a readable file.
        chmod(parent.path(), 0o711);
        assert!(reference(&root, &[SANDBOX]).is_some(), "a parent others may pass through");
    }

    #[test]
    fn a_solution_closed_file_by_file_still_leaves_the_mutants() {
        let (_parent, root) = reference_in(0o755);
        for krate in STUDENT_CRATES {
            chmod(&root.join(krate).join("src/server.rs"), 0o600);
        }
        let found = reference(&root, &[SANDBOX]).expect("the mutants are readable");
        // The src/ directories themselves can be listed: the names of the solution's files.
        assert_eq!(found.what, "the reference's solution");
        for krate in STUDENT_CRATES {
            chmod(&root.join(krate).join("src"), 0o711);
        }
        let found = reference(&root, &[SANDBOX]).expect("the mutants are readable");
        assert_eq!(found.what, "the planted-bug mutants", "{found}");
    }

    #[test]
    fn the_sandbox_uid_reads_what_its_own_uid_or_gid_is_given() {
        let dir = tempfile::tempdir().unwrap();
        chmod(dir.path(), 0o755);
        let file = dir.path().join("f");
        fs::write(&file, "x").unwrap();
        chmod(&file, 0o640);
        assert!(!SANDBOX.may_read(&file), "others may not read a 0640 file");
        let me = Reader { uid: fs::metadata(&file).unwrap().uid() };
        assert!(me.may_read(&file), "the owner may");
        let group = Reader { uid: fs::metadata(&file).unwrap().gid() };
        assert!(group.may_read(&file), "a reader whose gid is the file's group may");
        assert!(!SANDBOX.may_read(&dir.path().join("missing")), "a missing file is not readable");
    }

    #[test]
    fn a_batch_folder_exposes_its_listing_then_each_submission() {
        let parent = tempfile::tempdir().unwrap();
        chmod(parent.path(), 0o755);
        let batch_dir = parent.path().join("subs");
        let src = batch_dir.join("alice/pbservice/src");
        fs::create_dir_all(&src).unwrap();
        fs::write(src.join("server.rs"), "// alice's\n").unwrap();
        for dir in [&batch_dir, &batch_dir.join("alice"), &batch_dir.join("alice/pbservice"), &src] {
            chmod(dir, 0o755);
        }
        let found = batch(&batch_dir, &[SANDBOX]).expect("the listing");
        assert_eq!(found.readable, fs::canonicalize(&batch_dir).unwrap());
        chmod(&batch_dir, 0o711);
        let found = batch(&batch_dir, &[SANDBOX]).expect("alice's folder, by a guessed name");
        assert_eq!(found.readable, batch_dir.join("alice"));
        chmod(&batch_dir.join("alice"), 0o711);
        chmod(&batch_dir.join("alice/pbservice"), 0o711);
        chmod(&src, 0o711);
        let found = batch(&batch_dir, &[SANDBOX]).expect("alice's code, by guessed names");
        assert_eq!(found.readable, src.join("server.rs"));
        assert!(found.to_string().contains(&format!("chmod 700 {}", batch_dir.display())), "{found}");
        chmod(&batch_dir, 0o700);
        assert_eq!(batch(&batch_dir, &[SANDBOX]), None);
    }

    #[test]
    fn a_results_directory_others_may_enter_is_exposed_even_before_it_exists() {
        let parent = tempfile::tempdir().unwrap();
        chmod(parent.path(), 0o755);
        let reports = parent.path().join("out/reports");
        let found = results(&reports, &[SANDBOX]).expect("made inside an open directory");
        assert_eq!(found.close.as_deref(), Some(parent.path()));
        chmod(parent.path(), 0o700);
        assert_eq!(results(&reports, &[SANDBOX]), None);
    }

    #[test]
    fn results_in_a_public_directory_must_move_rather_than_close_it() {
        let public = tempfile::tempdir().unwrap();
        chmod(public.path(), 0o1777);
        let found = results(public.path(), &[SANDBOX]).expect("a public directory is open");
        assert_eq!(found.close, None);
        assert!(found.to_string().contains("mkdir -m 700"), "{found}");
        assert!(!found.to_string().contains("chmod"), "{found}");
    }

    #[test]
    fn one_directory_to_close_is_named_once() {
        let (_parent, root) = reference_in(0o755);
        let reports = root.join("target/grade-reports");
        let found = find(&root, &[Private::Results(reports), Private::Batch(root.clone())], &[SANDBOX]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].close.as_deref(), Some(root.as_path()));
    }

    #[test]
    fn results_of_a_bare_file_name_are_the_current_directory() {
        let Private::Results(dir) = Private::results_of_file(Path::new("r.json")) else { unreachable!() };
        assert_eq!(dir, std::env::current_dir().unwrap());
    }
}
