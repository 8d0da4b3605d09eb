//! Builds as an unprivileged user: when the grader is root, cargo and the compilers run as a
//! uid of no account (one of the sandbox's, see [`crate::sandbox::Sandbox::build_uid`]), so a
//! compile-time read that the checks before and after the compiler miss still cannot reach a
//! file only root may read.
//!
//! That uid must reach everything a build needs, none of which it may normally enter when the
//! toolchain and cargo's registry live in root's home (mode 0700):
//!
//! - the toolchain: its `bin/` and `lib/` are mirrored into `<cache>/toolchain` by hard links
//!   (a copy where links cannot be made), once per toolchain;
//! - cargo's registry: its index, downloaded crates and sources are mirrored the same way into
//!   `<cache>/cargo-home/registry`, a cargo home of the build uid's own, after the grader's own
//!   cargo fetched what the workspace needs; builds run offline;
//! - the cache itself: its directory is passable by the build uid's group alone (mode 0710,
//!   set again each time a grader locks it), the scratch workspace is readable, `target/`
//!   belongs to the build uid, and all the cache's ancestors must let others pass (a cache
//!   inside a private directory cannot be used: builds then run as the grader, with a warning).
//!
//! Mirrored files keep root as owner and their modes (read-only to others), so the build uid
//! can read them but never change root's originals.

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cache_dir::others_may_enter;
use crate::escape::fnv1a;
use crate::scratch::Scratch;

/// What a build as the build uid needs.
#[derive(Clone, Debug)]
pub struct BuildUser {
    /// The uid (and gid) cargo runs as.
    pub uid: u32,
    /// The mirrored toolchain's `bin/` (cargo, rustc, clippy).
    pub toolchain_bin: PathBuf,
    /// The build uid's cargo home.
    pub cargo_home: PathBuf,
}

/// Makes the cache usable by `uid` for builds (`offline`: the grader's own cargo may not fetch
/// missing dependencies either). `Err`: why builds must run as the grader.
pub fn prepare(uid: u32, scratch: &Scratch, offline: bool) -> Result<BuildUser, String> {
    let root = scratch.root();
    if let Some(private) = root.ancestors().skip(1).find(|dir| !others_may_enter(dir)) {
        return Err(format!(
            "other users may not enter {} (so not the cache {}): give --cache a directory they may \
             enter, or leave it out (the default cache moves out of private directories)",
            private.display(),
            root.display()
        ));
    }
    // Passable by the build uid (its group) and by no test's uid: the workspace holds sources
    // of the lab that tests need not see.
    std::os::unix::fs::lchown(root, None, Some(uid))
        .and_then(|()| fs::set_permissions(root, fs::Permissions::from_mode(0o710)))
        .map_err(|e| format!("{}: {e}", root.display()))?;
    let toolchain = root.join("toolchain");
    let sysroot = sysroot(scratch)?;
    // Mirrored again when the toolchain changes, even in place.
    let version = rustc(scratch, &["-vV"])?;
    refresh(&toolchain, &format!("{}\n{version}", sysroot.display()), |dir| {
        for part in ["bin", "lib"] {
            mirror(&sysroot.join(part), &dir.join(part))?;
        }
        Ok(())
    })
    .map_err(|e| {
        format!("mirroring the toolchain {} into {}: {e}", sysroot.display(), toolchain.display())
    })?;

    // The build uid's cargo may not reach the network, so the dependencies are fetched first by
    // the grader's own cargo (fetching runs no code of the submission, whose manifests are the
    // grader's).
    fetch(scratch, offline)?;
    let cargo_home = root.join("cargo-home");
    let registry = root_cargo_home().join("registry");
    let lock = fs::read(scratch.workspace().join("Cargo.lock")).unwrap_or_default();
    refresh(&cargo_home, &format!("{}\n{:x}", registry.display(), fnv1a(&lock)), |dir| {
        for part in ["index", "cache", "src"] {
            let from = registry.join(part);
            if from.is_dir() {
                mirror(&from, &dir.join("registry").join(part))?;
            }
        }
        Ok(())
    })
    .map_err(|e| {
        format!("mirroring cargo's registry {} into {}: {e}", registry.display(), cargo_home.display())
    })?;
    // The cargo home and the lock and cache files cargo keeps at its top are the build uid's
    // (the registry stays the grader's), given anew each time: the next grader's build uid may
    // be another.
    give_top_level(&cargo_home, uid, "registry")
        .map_err(|e| format!("giving {} to uid {uid}: {e}", cargo_home.display()))?;

    let target = scratch.target();
    if fs::symlink_metadata(&target).map(|m| m.uid() != uid).unwrap_or(true) {
        fs::create_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
        chown_tree(&target, uid).map_err(|e| format!("giving {} to uid {uid}: {e}", target.display()))?;
    }
    Ok(BuildUser { uid, toolchain_bin: toolchain.join("bin"), cargo_home })
}

/// The sysroot of the toolchain cargo would use in the scratch workspace.
fn sysroot(scratch: &Scratch) -> Result<PathBuf, String> {
    rustc(scratch, &["--print", "sysroot"]).map(PathBuf::from)
}

/// What `rustc ARGS` prints, run as the grader in the scratch workspace.
fn rustc(scratch: &Scratch, args: &[&str]) -> Result<String, String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .args(args)
        .current_dir(scratch.workspace())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", rustc.to_string_lossy()))?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if !output.status.success() || text.is_empty() {
        return Err(format!(
            "rustc {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(text)
}

/// `cargo fetch --locked` in the scratch workspace, as the grader.
fn fetch(scratch: &Scratch, offline: bool) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&cargo);
    command.args(["fetch", "--locked", "--quiet"]).current_dir(scratch.workspace());
    if offline {
        command.arg("--offline");
    }
    let output = command.output().map_err(|e| format!("cannot run {}: {e}", cargo.to_string_lossy()))?;
    if !output.status.success() {
        return Err(format!(
            "cargo fetch failed (fetch the dependencies once with network, or grade without --offline): {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(())
}

/// Root's cargo home, where the grader's own cargo keeps the registry.
fn root_cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from("/root/.cargo"))
}

/// Makes `dir` by `fill` unless its stamp (`<dir>.stamp`) already says `key`.
fn refresh(dir: &Path, key: &str, fill: impl FnOnce(&Path) -> io::Result<()>) -> io::Result<()> {
    let stamp = dir.with_extension("stamp");
    if fs::read_to_string(&stamp).is_ok_and(|s| s == key) && dir.is_dir() {
        return Ok(());
    }
    let _ = fs::remove_file(&stamp);
    crate::remove_tree::remove_tree(dir)?;
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))?;
    fill(dir)?;
    fs::write(&stamp, key)
}

/// Mirrors the tree `from` into `to`: directories made anew (mode 0755, the grader's), regular
/// files hard-linked (copied where a link cannot be made), symbolic links re-made. Iterative;
/// `from` is trusted (the toolchain, the registry).
fn mirror(from: &Path, to: &Path) -> io::Result<()> {
    let mut pending = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((src, dst)) = pending.pop() {
        fs::create_dir_all(&dst)?;
        fs::set_permissions(&dst, fs::Permissions::from_mode(0o755))?;
        for entry in fs::read_dir(&src)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let (s, d) = (entry.path(), dst.join(entry.file_name()));
            if kind.is_dir() {
                pending.push((s, d));
            } else if kind.is_symlink() {
                std::os::unix::fs::symlink(fs::read_link(&s)?, &d)?;
            } else if kind.is_file() && fs::hard_link(&s, &d).is_err() {
                fs::copy(&s, &d)?;
            }
        }
    }
    Ok(())
}

fn chown(path: &Path, uid: u32) -> io::Result<()> {
    std::os::unix::fs::lchown(path, Some(uid), Some(uid))
}

/// Gives `dir` and its entries, except `kept` and what lies below them, to `uid`.
fn give_top_level(dir: &Path, uid: u32, kept: &str) -> io::Result<()> {
    chown(dir, uid)?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() != kept {
            chown(&entry.path(), uid)?;
        }
    }
    Ok(())
}

/// Gives every file and directory under `dir` (links themselves, never their targets) to `uid`.
fn chown_tree(dir: &Path, uid: u32) -> io::Result<()> {
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        chown(&path, uid)?;
        if fs::symlink_metadata(&path)?.is_dir() {
            for entry in fs::read_dir(&path)? {
                pending.push(entry?.path());
            }
        }
    }
    Ok(())
}
