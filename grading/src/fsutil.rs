//! File helpers: mirror a directory without touching what is already identical (so `cargo`'s
//! mtime-based freshness checks stay both fast and right), and read the tail of a file.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Names never copied from the reference: build output and version control.
pub const NEVER_COPIED: &[&str] = &["target", ".git"];

/// Makes `dst` hold exactly the regular files and directories of `src`, recursively.
///
/// A file whose content already matches is left alone (its mtime too); a changed or new file is
/// written afresh, so its mtime is now; files and directories of `dst` that `src` lacks are
/// removed. Symbolic links and special files in `src` are skipped, as are the names in `skip`.
/// Files are written 0644 and directories 0755, as cargo expects of a workspace.
pub fn mirror_dir(src: &Path, dst: &Path, skip: &[&str]) -> io::Result<()> {
    fs::create_dir_all(dst)?;
    fs::set_permissions(dst, fs::Permissions::from_mode(0o755))?;
    let mut kept = BTreeSet::new();
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let kind = entry.file_type()?;
        let target = dst.join(&name);
        if kind.is_dir() {
            if target.symlink_metadata().map(|m| !m.is_dir()).unwrap_or(false) {
                fs::remove_file(&target)?;
            }
            mirror_dir(&entry.path(), &target, skip)?;
        } else if kind.is_file() {
            if target.symlink_metadata().map(|m| m.is_dir()).unwrap_or(false) {
                remove_tree(&target)?;
            }
            write_if_changed(&target, &fs::read(entry.path())?)?;
        } else {
            continue;
        }
        kept.insert(name);
    }
    for entry in fs::read_dir(dst)? {
        let entry = entry?;
        if kept.contains(&entry.file_name()) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            remove_tree(&entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` unless it already holds exactly them. Returns whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    if let Ok(existing) = fs::read(path) {
        if existing == bytes {
            return Ok(false);
        }
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    // Remove first: the old file may be read-only, or a hard link shared with something else.
    let _ = fs::remove_file(path);
    fs::write(path, bytes)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o644))?;
    Ok(true)
}

/// Creates (or truncates) the file at `path`, readable and writable by its owner only (and opened
/// for both); a link in its place is replaced, never followed.
pub fn create_private(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let _ = fs::remove_file(path);
    fs::File::options().read(true).write(true).create_new(true).mode(0o600).open(path)
}

/// The last `max_lines` lines of the file at `path`, reading at most its last `max_bytes`.
/// Invalid UTF-8 is replaced; each line is [`printable`].
pub fn tail_lines(path: &Path, max_lines: usize, max_bytes: u64) -> io::Result<Vec<String>> {
    tail_of(&mut open_untrusted(path)?, max_lines, max_bytes)
}

/// The last `max_lines` lines of `file`, reading at most its last `max_bytes` (as [`tail_lines`]).
pub fn tail_of(file: &mut fs::File, max_lines: usize, max_bytes: u64) -> io::Result<Vec<String>> {
    let len = file.metadata()?.len();
    let start = len.saturating_sub(max_bytes);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(max_bytes).read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<String> = text.lines().map(printable).collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0); // most likely cut in the middle
    }
    let skip = lines.len().saturating_sub(max_lines);
    Ok(lines.split_off(skip))
}

/// Opens for reading a file that an untrusted process may have replaced: never through a
/// symbolic link, never blocking (a FIFO), and only if it is a regular file.
pub fn open_untrusted(path: &Path) -> io::Result<fs::File> {
    use nix::fcntl::OFlag;
    use std::os::unix::fs::OpenOptionsExt;
    let file = fs::File::options()
        .read(true)
        .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK).bits())
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other(format!("{} is not a regular file", path.display())));
    }
    Ok(file)
}

pub use crate::escape::printable;
pub use crate::remove_tree::remove_tree;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirroring_keeps_identical_files_and_removes_extras() {
        let src = tempfile::tempdir().unwrap();
        let dst = tempfile::tempdir().unwrap();
        fs::create_dir(src.path().join("sub")).unwrap();
        fs::write(src.path().join("sub/a.rs"), "a").unwrap();
        fs::write(src.path().join("b.rs"), "b").unwrap();
        fs::create_dir(src.path().join("target")).unwrap();
        fs::write(dst.path().join("stale.rs"), "old").unwrap();
        mirror_dir(src.path(), dst.path(), NEVER_COPIED).unwrap();
        assert_eq!(fs::read_to_string(dst.path().join("sub/a.rs")).unwrap(), "a");
        assert!(!dst.path().join("stale.rs").exists());
        assert!(!dst.path().join("target").exists());
        let before = fs::metadata(dst.path().join("b.rs")).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        mirror_dir(src.path(), dst.path(), NEVER_COPIED).unwrap();
        let after = fs::metadata(dst.path().join("b.rs")).unwrap().modified().unwrap();
        assert_eq!(before, after, "an identical file must keep its mtime");
        fs::write(src.path().join("b.rs"), "changed").unwrap();
        mirror_dir(src.path(), dst.path(), NEVER_COPIED).unwrap();
        assert!(fs::metadata(dst.path().join("b.rs")).unwrap().modified().unwrap() > before);
    }

    #[test]
    fn the_tail_is_the_last_lines_and_printable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        fs::write(&path, "one\ntwo\x1b[2J\nthree\n").unwrap();
        assert_eq!(tail_lines(&path, 2, 1000).unwrap(), vec!["two?[2J".to_string(), "three".to_string()]);
    }
}
