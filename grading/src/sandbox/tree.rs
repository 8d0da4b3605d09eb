//! What a test process sees of the filesystem inside bubblewrap: a tree made for it, not the
//! machine's `/`.
//!
//! bubblewrap starts from an empty root of its own and mounts into it only this:
//!
//! | path | how | why |
//! |---|---|---|
//! | the library directories (`/usr/lib`, `/lib`, `/usr/lib64`, `/lib64`, and the 32-bit ones), where present | read-only binds; a directory that is a symbolic link on the machine (merged `/usr`: `/lib -> usr/lib`) becomes the same link, and its target is bound | the dynamic loader and the shared libraries a Rust test binary links (libc, libgcc_s) |
//! | `/etc/ld.so.cache`, where present | read-only bind | the loader's index of libraries (without it the loader searches only its built-in directories, which misses libraries that `/etc/ld.so.conf` adds on some systems) |
//! | `/dev` | `--dev`: a fresh minimal one | `null`, `zero`, `urandom`, the standard streams |
//! | `/dev/shm` | a private tmpfs of 64 MiB | POSIX shared memory |
//! | `/proc` | `--proc`: of the test's own PID namespace | std reads `/proc/self` (stack bounds, `current_exe`, backtraces) |
//! | the test binary and the `grade` helper (in the stage's `bin/`) | read-only binds of those files alone | what runs: `grade sandbox-exec`, which execs the test binary |
//! | the run directory | read-write bind | the test's only writable place; `HOME`, `TMPDIR` and the report directory point into it |
//!
//! Then the root itself is remounted read-only (`--remount-ro /`): the directories bubblewrap
//! made as mount points (`/usr`, `/etc`, the stage's path under `/tmp`) hold nothing but those
//! mount points, and a test can create nothing there.
//!
//! Everything else stays out, and that is the point: the grader's source tree (the reference
//! solution), its build cache, the mutants, other submissions, the stage's other run
//! directories and reports, `/home`, `/root`, `/var`, `/run`, `/opt`, `/srv`, `/autograder`, and
//! all of `/etc` but the loader's cache (no `passwd`: the sandbox uids have no account anyway).
//! Not `/usr` as a whole either: a graded test runs no other program, so it needs no `/usr/bin`
//! (and a hostile one finds no shell or tool to start), and `/usr/local`, `/usr/share` and
//! `/usr/src` are where a machine keeps software and sources a test has no business reading.
//! Not `/sys`: std falls back from cgroup quotas to the affinity mask for its parallelism, and the
//! grader runs one test per process anyway.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

/// The directories where dynamic loaders and shared libraries live on Linux distributions.
const LIBRARY_DIRS: &[&str] =
    &["/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libx32", "/lib", "/lib32", "/lib64", "/libx32"];

/// The files of `/etc` a test binary's loader reads.
const SYSTEM_FILES: &[&str] = &["/etc/ld.so.cache"];

/// The size of the private `/dev/shm`, in bytes.
const SHM_BYTES: u64 = 64 << 20;

/// One mount of the system part of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Mount {
    /// This path of the machine, read-only at the same path.
    ReadOnly(PathBuf),
    /// A symbolic link at `at` holding `target` (as the machine's link holds it).
    Link { target: PathBuf, at: PathBuf },
}

/// The system part of a test's tree (libraries and the loader's cache), found once per grading.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    system: Vec<Mount>,
}

impl Tree {
    /// The tree for this machine.
    pub fn of_this_machine() -> Tree {
        Tree::under(Path::new("/"))
    }

    /// The tree for a machine whose root is `root` (this machine's is `/`; tests use a fake one).
    /// Mount paths are the machine's absolute paths, without `root`.
    fn under(root: &Path) -> Tree {
        let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let on_machine = |path: &Path| root.join(path.strip_prefix("/").unwrap_or(path));
        let mut system = Vec::new();
        let mut links = Vec::new();
        for dir in LIBRARY_DIRS.iter().map(PathBuf::from) {
            let Ok(meta) = fs::symlink_metadata(on_machine(&dir)) else { continue };
            if meta.is_dir() {
                system.push(Mount::ReadOnly(dir));
            } else if meta.file_type().is_symlink() {
                links.push(dir);
            }
        }
        for at in links {
            let Ok(target) = fs::read_link(on_machine(&at)) else { continue };
            // Where the link leads, as an absolute path of the machine.
            let leads_to = at.parent().unwrap_or(Path::new("/")).join(&target);
            let Ok(resolved) = fs::canonicalize(on_machine(&leads_to)) else { continue };
            if !resolved.is_dir() {
                continue;
            }
            let resolved = Path::new("/").join(resolved.strip_prefix(&root).unwrap_or(&resolved));
            let covered =
                system.iter().any(|m| matches!(m, Mount::ReadOnly(dir) if resolved.starts_with(dir)));
            if !covered {
                system.push(Mount::ReadOnly(resolved));
            }
            system.push(Mount::Link { target, at });
        }
        for file in SYSTEM_FILES.iter().map(PathBuf::from) {
            if fs::metadata(on_machine(&file)).is_ok_and(|m| m.is_file()) {
                system.push(Mount::ReadOnly(file));
            }
        }
        Tree { system }
    }

    /// bubblewrap's arguments for a test that runs `programs` (read-only) and may write only to
    /// `run_dir`, which is also its working directory.
    pub fn bwrap_args(&self, programs: &[&Path], run_dir: &Path) -> Vec<OsString> {
        let mut args: Vec<OsString> =
            ["--die-with-parent", "--unshare-all", "--new-session"].iter().map(Into::into).collect();
        let read_only = |args: &mut Vec<OsString>, path: &Path| {
            args.extend(["--ro-bind".into(), path.into(), path.into()]);
        };
        for mount in &self.system {
            match mount {
                Mount::ReadOnly(path) => read_only(&mut args, path),
                Mount::Link { target, at } => args.extend(["--symlink".into(), target.into(), at.into()]),
            }
        }
        args.extend(["--dev", "/dev", "--proc", "/proc", "--size"].iter().map(Into::into));
        args.extend([SHM_BYTES.to_string().into(), "--tmpfs".into(), "/dev/shm".into()]);
        let mut bound: Vec<&Path> = Vec::new();
        for program in programs {
            if !bound.contains(program) {
                bound.push(program);
                read_only(&mut args, program);
            }
        }
        args.extend(["--bind".into(), run_dir.into(), run_dir.into()]);
        // Last: every mount point is made; now nothing outside the mounts can be written.
        args.extend(["--remount-ro", "/", "--chdir"].iter().map(Into::into));
        args.push(run_dir.into());
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn joined(args: &[OsString]) -> String {
        args.iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn a_merged_usr_gets_its_library_dirs_bound_and_its_links_remade() {
        let root = tempfile::tempdir().unwrap();
        for dir in ["usr/lib", "usr/lib64", "usr/bin", "etc", "home/someone"] {
            fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        symlink("usr/lib", root.path().join("lib")).unwrap();
        symlink("usr/lib64", root.path().join("lib64")).unwrap();
        symlink("usr/bin", root.path().join("bin")).unwrap();
        fs::write(root.path().join("etc/ld.so.cache"), "").unwrap();
        fs::write(root.path().join("etc/passwd"), "").unwrap();
        let tree = Tree::under(root.path());
        assert_eq!(
            tree.system,
            [
                Mount::ReadOnly("/usr/lib".into()),
                Mount::ReadOnly("/usr/lib64".into()),
                Mount::Link { target: "usr/lib".into(), at: "/lib".into() },
                Mount::Link { target: "usr/lib64".into(), at: "/lib64".into() },
                Mount::ReadOnly("/etc/ld.so.cache".into()),
            ]
        );
    }

    #[test]
    fn a_link_to_a_directory_outside_the_usual_ones_binds_that_directory() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("usr/lib")).unwrap();
        fs::create_dir_all(root.path().join("opt/libs")).unwrap();
        symlink("/opt/libs", root.path().join("lib64")).unwrap();
        symlink("nowhere", root.path().join("lib32")).unwrap();
        let tree = Tree::under(root.path());
        assert_eq!(
            tree.system,
            [
                Mount::ReadOnly("/usr/lib".into()),
                Mount::ReadOnly("/opt/libs".into()),
                Mount::Link { target: "/opt/libs".into(), at: "/lib64".into() },
            ],
            "a dangling link is left out"
        );
    }

    #[test]
    fn only_the_run_directory_is_writable_and_only_the_programs_are_added() {
        let tree = Tree { system: vec![Mount::ReadOnly("/usr/lib".into())] };
        let (helper, exe) = (Path::new("/stage/bin/grade"), Path::new("/stage/bin/suite"));
        let args = joined(&tree.bwrap_args(&[helper, exe, helper], Path::new("/stage/runs/slot-0")));
        assert!(!args.contains("--ro-bind / /") && !args.contains("--bind / "), "{args}");
        assert!(args.contains("--ro-bind /usr/lib /usr/lib"), "{args}");
        assert_eq!(args.matches("--ro-bind /stage/bin/grade /stage/bin/grade").count(), 1, "{args}");
        assert!(args.contains("--ro-bind /stage/bin/suite /stage/bin/suite"), "{args}");
        assert_eq!(args.matches("--bind ").count(), 1, "one writable bind: {args}");
        assert!(
            args.ends_with(
                "--bind /stage/runs/slot-0 /stage/runs/slot-0 --remount-ro / --chdir /stage/runs/slot-0"
            ),
            "{args}"
        );
        assert!(args.contains("--dev /dev --proc /proc --size 67108864 --tmpfs /dev/shm"), "{args}");
    }
}
