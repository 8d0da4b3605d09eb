//! Where a build cache lives by default.
//!
//! Beside the reference (`<reference>/target/<name>`), unless the grader is root and other
//! users may not pass through the reference's directories (a clone in a home directory of mode
//! 0700): there builds could not run as the unprivileged build uid (see [`crate::build_user`]),
//! so the cache goes to `/var/cache/lab-grade/<reference's name>-<hash of its path>/<name>`
//! instead, one per reference checkout.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nix::unistd::Uid;

use crate::escape::{fnv1a, safe_file_name};

/// The parent of the caches of references that live in private directories.
pub const SHARED_CACHES: &str = "/var/cache/lab-grade";

/// The default cache `name` (a relative path) of the reference workspace at `reference`
/// (canonical).
pub fn default_cache(reference: &Path, name: &str) -> PathBuf {
    let beside = reference.join("target").join(name);
    if !Uid::effective().is_root() || reference.ancestors().all(others_may_enter) {
        return beside;
    }
    let base = reference.file_name().map(safe_file_name).unwrap_or_default();
    let key = fnv1a(reference.as_os_str().as_encoded_bytes());
    Path::new(SHARED_CACHES).join(format!("{base}-{key:016x}")).join(name)
}

/// Whether users other than the owner may pass through `dir`.
pub fn others_may_enter(dir: &Path) -> bool {
    fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 != 0)
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
}
