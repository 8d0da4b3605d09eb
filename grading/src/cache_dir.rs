//! Where a build cache lives by default.
//!
//! Beside the reference (`<reference>/target/<name>`), unless the grader is root and other
//! users may not pass through the reference's directories (a clone in a home directory of mode
//! 0700): there builds could not run as the unprivileged build uid (see [`crate::build_user`]),
//! so the cache goes to `/var/cache/lab-grade/<reference's name>-<hash of its path>/<name>`
//! instead, one per reference checkout.
//!
//! A cache holds the scratch workspace (the sources of the last submission graded) and its build
//! output, which no test process may read (a later submission's tests would read an earlier
//! one's code) or write (they would plant code in the next build). So, when the grader is root:
//!
//! - a cache is created with mode 0700, and [`crate::scratch::Scratch::open`] sets 0700 again
//!   each time a grader locks it; during a build only the build uid's group may pass (0710, see
//!   [`crate::build_user`]), and [`CloseWhenDone`] makes it 0700 again when the grading ends,
//!   since that uid may be a test's uid in the next grading;
//! - the shared caches' directories (`/var/cache/lab-grade` and one per reference below it)
//!   are created 0711 (the build uid must pass through, but nobody may list them), looser ones
//!   are tightened, and every cache in them that no grader holds is closed (0700): a cache a
//!   killed grader left open to its build uid is closed by the next grading ([`secure`]).
//!
//! A shared cache outlives its checkout (a clone made for one run and deleted, as CI does): each
//! reference's directory below [`SHARED_CACHES`] names its checkout in a file `reference`, and a
//! grading removes the directories whose checkout is gone and whose caches no grader holds
//! ([`prune_orphans`]). A directory without that file, made by an older grader, is left alone.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};
use nix::unistd::Uid;

use crate::escape::{escape_name, fnv1a, safe_file_name};

/// The parent of the caches of references that live in private directories.
pub const SHARED_CACHES: &str = "/var/cache/lab-grade";

/// The default cache `name` (a relative path) of the reference workspace at `reference`
/// (canonical).
pub fn default_cache(reference: &Path, name: &str) -> PathBuf {
    let beside = reference.join("target").join(name);
    if !Uid::effective().is_root() || reference.ancestors().all(others_may_enter) {
        return beside;
    }
    Path::new(SHARED_CACHES).join(shared_dir_name(reference)).join(name)
}

/// Whether `dir`, a directory below [`SHARED_CACHES`], is the one that holds the caches of
/// `reference`.
fn belongs_to(dir: &Path, reference: &Path) -> bool {
    dir.file_name().is_some_and(|name| *name == *shared_dir_name(reference))
}

/// The name of the directory below [`SHARED_CACHES`] that holds the caches of `reference`.
fn shared_dir_name(reference: &Path) -> String {
    let base = reference.file_name().map(safe_file_name).unwrap_or_default();
    let key = fnv1a(reference.as_os_str().as_encoded_bytes());
    format!("{base}-{key:016x}")
}

/// Whether users other than the owner may pass through `dir`.
pub fn others_may_enter(dir: &Path) -> bool {
    fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 != 0)
}

/// The mode of the directories on the way to a shared cache: others may pass, not list.
const PASSAGE: u32 = 0o711;

/// How deep caches lie below [`SHARED_CACHES`] (`<reference>-<hash>/tmp/grade-selftest`).
const SHARED_DEPTH: usize = 3;

/// The file, in each reference's directory below [`SHARED_CACHES`], that names its checkout.
const REFERENCE_FILE: &str = "reference";

/// As root, before a grading of the reference at `reference` uses the cache at `cache`: creates
/// it (mode 0700) if it does not exist, closes the shared caches, and removes those of
/// checkouts that are gone (see the module's documentation). Does nothing for a grader that is
/// not root. `Err`: what could not be done, and what to do.
pub fn secure(cache: &Path, reference: &Path) -> Result<(), String> {
    if !Uid::effective().is_root() {
        return Ok(());
    }
    let shared = Path::new(SHARED_CACHES);
    if !cache.exists() {
        let parent = cache.parent().unwrap_or(Path::new("/"));
        let mut builder = fs::DirBuilder::new();
        if parent.starts_with(shared) {
            builder.recursive(true).mode(PASSAGE).create(parent)
        } else {
            fs::create_dir_all(parent)
        }
        .map_err(|e| format!("cannot create {} for the cache: {e}", parent.display()))?;
        match fs::DirBuilder::new().mode(0o700).create(cache) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
                return Err(format!("cannot create the cache {}: {e}", cache.display()))
            }
            _ => {}
        }
    }
    if shared.is_dir() {
        close_shared(shared, SHARED_DEPTH)
            .map_err(|e| format!("closing the shared caches in {SHARED_CACHES} to other users: {e}"))?;
        // The directory there that this grading's cache is in, if it is shared. It names this
        // reference only if it is the reference's own (a cache given with --cache, or another
        // checkout's, must not be tied to this checkout's life).
        let own = cache.strip_prefix(shared).ok().and_then(|below| below.components().next());
        let own = own.map(|name| shared.join(name));
        if let Some(own) = own.as_ref().filter(|own| belongs_to(own, reference)) {
            fs::write(own.join(REFERENCE_FILE), reference.as_os_str().as_encoded_bytes())
                .map_err(|e| format!("cannot record the reference of {}: {e}", own.display()))?;
        }
        for removed in prune_orphans(shared, own.as_deref()) {
            eprintln!("grade: removed the cache {removed}");
        }
    }
    Ok(())
}

/// Removes each directory below `shared` (but `keep`, if given) whose `reference` file names a checkout
/// that no longer exists, unless a grader holds one of its caches. Returns what it removed, and
/// why, printable; a directory it cannot remove is left for the next grading.
pub fn prune_orphans(shared: &Path, keep: Option<&Path>) -> Vec<String> {
    let mut removed = Vec::new();
    for entry in fs::read_dir(shared).into_iter().flatten().filter_map(Result::ok) {
        let dir = entry.path();
        if keep == Some(dir.as_path()) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Some(checkout) = recorded_reference(&dir) else { continue };
        if checkout.symlink_metadata().is_ok() || any_cache_held(&dir, SHARED_DEPTH) {
            continue;
        }
        if crate::remove_tree::remove_tree(&dir).is_ok() {
            removed.push(format!(
                "{} (its checkout {} is gone)",
                escape_name(dir.as_os_str()),
                escape_name(checkout.as_os_str())
            ));
        }
    }
    removed
}

/// The checkout named by `dir`'s `reference` file (a path of at most 4 KiB), if it has one.
fn recorded_reference(dir: &Path) -> Option<PathBuf> {
    use std::io::Read;
    use std::os::unix::ffi::OsStrExt;
    let mut named = Vec::new();
    let file = crate::fsutil::open_untrusted(&dir.join(REFERENCE_FILE)).ok()?;
    file.take(4097).read_to_end(&mut named).ok()?;
    (!named.is_empty() && named.len() <= 4096).then(|| PathBuf::from(std::ffi::OsStr::from_bytes(&named)))
}

/// Whether a grader holds the lock of a cache at or below `dir`, down to `depth` levels.
fn any_cache_held(dir: &Path, depth: usize) -> bool {
    matches!(lock_if_idle(dir), Ok(None))
        || depth > 0
            && fs::read_dir(dir).into_iter().flatten().filter_map(Result::ok).any(|entry| {
                entry.file_type().is_ok_and(|t| t.is_dir()) && any_cache_held(&entry.path(), depth - 1)
            })
}

/// Tightens `dir` (a directory on the way to shared caches) and what lies below it, down to
/// `depth` levels, closing each idle cache found.
fn close_shared(dir: &Path, depth: usize) -> io::Result<()> {
    let meta = fs::symlink_metadata(dir)?;
    if !meta.is_dir() {
        return Ok(());
    }
    if meta.uid() != 0 {
        return Err(io::Error::other(format!(
            "{} belongs to uid {}, not root, so it may change what the grader builds: remove it (the \
             grader makes it again)",
            dir.display(),
            meta.uid()
        )));
    }
    if dir.join("lock").is_file() {
        return close_if_idle(dir);
    }
    if meta.mode() & 0o066 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(meta.mode() & 0o7777 & !0o066))?;
    }
    if depth > 0 {
        for entry in fs::read_dir(dir)? {
            match close_shared(&entry?.path(), depth - 1) {
                // Removed meanwhile (by another grader): nothing left to close.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                other => other?,
            }
        }
    }
    Ok(())
}

/// Makes the cache at `root` 0700 unless another grader holds its lock (and so may have opened
/// it to its build uid).
fn close_if_idle(root: &Path) -> io::Result<()> {
    match lock_if_idle(root)? {
        Some(_held) => close(root),
        None => Ok(()),
    }
}

/// Locks the cache at `root` if no grader holds it (`None` if one does); `Err` if it has no
/// lock file to take.
fn lock_if_idle(root: &Path) -> io::Result<Option<Flock<File>>> {
    let file = File::open(root.join("lock"))?;
    Ok(Flock::lock(file, FlockArg::LockExclusiveNonblock).ok())
}

/// Makes the cache at `root` the grader's alone (mode 0700).
pub fn close(root: &Path) -> io::Result<()> {
    let mode = fs::symlink_metadata(root)?.mode() & 0o7777;
    if mode != 0o700 {
        fs::set_permissions(root, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Closes a cache (see [`close`]) when dropped: hold one from the moment the cache is locked to
/// the end of the grading, however it ends.
pub struct CloseWhenDone(PathBuf);

impl CloseWhenDone {
    /// Closes the cache at `root` when dropped.
    pub fn new(root: &Path) -> CloseWhenDone {
        CloseWhenDone(root.to_path_buf())
    }
}

impl Drop for CloseWhenDone {
    fn drop(&mut self) {
        if let Err(e) = close(&self.0) {
            eprintln!("grade: could not close the cache {} to other users: {e}", self.0.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_stays_beside_a_reference_others_may_reach() {
        let dir = tempfile::tempdir().unwrap();
        let reference = dir.path().join("lab");
        fs::create_dir(&reference).unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(default_cache(&reference, "grade"), reference.join("target/grade"));
    }

    #[test]
    fn as_root_a_private_reference_gets_a_cache_the_build_uid_can_reach() {
        let dir = tempfile::tempdir().unwrap();
        let reference = dir.path().join("lab");
        fs::create_dir(&reference).unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let cache = default_cache(&reference, "grade");
        if !Uid::effective().is_root() {
            assert_eq!(cache, reference.join("target/grade"));
            return;
        }
        assert!(cache.starts_with(SHARED_CACHES) && cache.ends_with("grade"), "{}", cache.display());
        assert!(cache.to_string_lossy().contains("/lab-"), "named after the reference: {}", cache.display());
        let other = dir.path().join("other").join("lab");
        assert_ne!(default_cache(&other, "grade"), cache, "one cache per checkout");
    }

    /// A grading records its reference only in that reference's own shared directory: the
    /// grader's tests grade a private copy with another checkout's cache, and that cache must
    /// not be tied to the copy's life.
    #[test]
    fn a_shared_directory_belongs_to_its_own_reference_only() {
        let own = Path::new(SHARED_CACHES).join(shared_dir_name(Path::new("/home/ta/lab")));
        assert!(belongs_to(&own, Path::new("/home/ta/lab")));
        assert!(!belongs_to(&own, Path::new("/tmp/copy/lab")), "another checkout of the same name");
        assert!(!belongs_to(&own, Path::new("/home/ta/lab2")));
    }

    #[test]
    fn a_cache_is_closed_when_its_grading_ends() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("grade");
        fs::create_dir(&cache).unwrap();
        fs::set_permissions(&cache, fs::Permissions::from_mode(0o710)).unwrap();
        drop(CloseWhenDone::new(&cache));
        assert_eq!(fs::metadata(&cache).unwrap().mode() & 0o7777, 0o700);
    }

    #[test]
    fn shared_caches_are_tightened_and_idle_ones_closed() {
        if !Uid::effective().is_root() {
            return; // only root's directories are taken for shared caches
        }
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("lab-grade");
        let idle = shared.join("lab-1234/grade");
        let held = shared.join("lab-1234/tmp/grade-selftest");
        for cache in [&idle, &held] {
            fs::create_dir_all(cache).unwrap();
            fs::write(cache.join("lock"), "").unwrap();
            fs::set_permissions(cache, fs::Permissions::from_mode(0o710)).unwrap();
        }
        let _holder = Flock::lock(File::open(held.join("lock")).unwrap(), FlockArg::LockExclusiveNonblock)
            .map_err(|(_, e)| e)
            .unwrap();
        close_shared(&shared, SHARED_DEPTH).unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().mode() & 0o7777;
        assert_eq!(mode(&shared), 0o711, "others may pass, not list");
        assert_eq!(mode(&shared.join("lab-1234")), 0o711);
        assert_eq!(mode(&shared.join("lab-1234/tmp")), 0o711);
        assert_eq!(mode(&idle), 0o700, "an idle cache is closed");
        assert_eq!(mode(&held), 0o710, "a cache another grader holds is left to it");
    }

    #[test]
    fn a_shared_cache_directory_root_does_not_own_is_refused() {
        if !Uid::effective().is_root() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("lab-grade");
        fs::create_dir(&shared).unwrap();
        std::os::unix::fs::lchown(&shared, Some(61_999), None).unwrap();
        let error = close_shared(&shared, SHARED_DEPTH).unwrap_err().to_string();
        assert!(error.contains("not root") && error.contains("remove it"), "{error}");
    }

    #[test]
    fn caches_of_checkouts_that_are_gone_are_removed_unless_held() {
        if !Uid::effective().is_root() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("lab-grade");
        let checkout = dir.path().join("clone");
        fs::create_dir(&checkout).unwrap();
        let gone = dir.path().join("deleted-clone");
        let make = |name: &str, reference: Option<&Path>| {
            let cache = shared.join(name).join("grade");
            fs::create_dir_all(&cache).unwrap();
            fs::write(cache.join("lock"), "").unwrap();
            if let Some(reference) = reference {
                fs::write(shared.join(name).join(REFERENCE_FILE), reference.as_os_str().as_encoded_bytes())
                    .unwrap();
            }
            cache
        };
        let orphan = make("lab-1", Some(&gone));
        let alive = make("lab-2", Some(&checkout));
        let unrecorded = make("lab-3", None);
        let held = make("lab-4", Some(&gone));
        let own = make("lab-5", Some(&gone));
        let _holder = Flock::lock(File::open(held.join("lock")).unwrap(), FlockArg::LockExclusiveNonblock)
            .map_err(|(_, e)| e)
            .unwrap();
        let removed = prune_orphans(&shared, Some(&shared.join("lab-5")));
        assert_eq!(removed.len(), 1, "{removed:?}");
        assert!(removed[0].contains("lab-1") && removed[0].contains("deleted-clone"), "{removed:?}");
        assert!(!orphan.parent().unwrap().exists(), "the orphan is removed");
        for kept in [&alive, &unrecorded, &held, &own] {
            assert!(kept.is_dir(), "{} was removed", kept.display());
        }
    }

    #[test]
    fn as_root_a_missing_cache_is_created_private() {
        if !Uid::effective().is_root() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("a/b/grade");
        secure(&cache, dir.path()).unwrap();
        assert_eq!(fs::metadata(&cache).unwrap().mode() & 0o7777, 0o700);
    }
}
