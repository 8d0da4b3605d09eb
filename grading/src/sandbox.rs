//! How a test process is isolated.
//!
//! Three layers, each used when available and announced when not:
//!
//! 1. **An unprivileged uid per job slot** (when the grader runs as root, as it does in CI and on
//!    Gradescope). Root ignores `RLIMIT_NPROC`; an ordinary uid does not, so a thread or fork
//!    bomb stops at the rubric's limit. The uids (61000 + slot by default) must have no
//!    `/etc/passwd` entry: after every test the grader kills *every* process of the slot's uid
//!    (`kill(-1)` run as that uid), which also ends processes that left the process group with
//!    `setsid`. Files the test may write: only its own run directory (owned by that uid).
//! 2. **bubblewrap** (`bwrap`, Debian package `bubblewrap`), started as that uid: a user, PID,
//!    network, IPC and UTS namespace; a filesystem of its own holding only what a test needs
//!    (the system's libraries, the test binary and the helper, read-only; its run directory,
//!    read-write; a private `/dev/shm` of bounded size; see [`tree`]), so nothing of the
//!    reference, the cache or other submissions is even there to read; a new session (no access
//!    to the grader's terminal). Killing bwrap ends the PID namespace and everything in it.
//! 3. **rlimits**, set by `grade sandbox-exec` inside the sandbox just before it execs the test
//!    binary: address space, threads/processes, file size, open files, no core dumps.
//!
//! Why these: `setuid` is the only way to make `RLIMIT_NPROC` bind for a root grader without a
//! cgroup (cgroups are often read-only in containers); bubblewrap is the smallest well-kept
//! tool that gives a filesystem view of our choosing and a PID namespace without a daemon, works
//! unprivileged through user namespaces, and is one `apt-get install` away. Landlock would need
//! unsafe syscalls or another crate and gives no PID namespace. Where a layer is missing (no
//! bwrap, user namespaces disabled) a grader running as root, as the course's does, warns and goes
//! on with what it has, unless `--sandbox required` was given. A grader that is not root is a
//! student's on their own machine: what it goes without is said once, neutrally, in the
//! isolation line ([`Sandbox::describe`]), with no warning and no tool to install.

use std::fmt;
use std::fs::{self, File};
use std::io;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use nix::fcntl::{Flock, FlockArg};
use nix::unistd::{Gid, Uid, User};

use crate::cgroup::Budget;
use crate::rubric::Limits;

mod tree;

use tree::Tree;

/// The layers a grader that is not root may go without, as the isolation line names them.
const SANDBOX_UID: &str = "sandbox uid per test";
const BWRAP: &str = "bwrap namespaces";

/// The first uid the grader gives test processes when it runs as root.
pub const DEFAULT_UID_BASE: u32 = 61000;

/// How strictly to isolate test processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Use every layer available; warn about the missing ones.
    Auto,
    /// Refuse to grade unless the grader is root and bubblewrap works.
    Required,
    /// Every layer except bubblewrap, even where it works: what a machine without it gets.
    NoBwrap,
    /// Only rlimits (for debugging the grader itself).
    Off,
}

/// Why isolation could not be set up.
#[derive(Debug)]
pub enum SandboxError {
    /// `--sandbox required` and a layer is missing.
    Unavailable(String),
    /// A run directory could not be prepared.
    Io(String),
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SandboxError::Unavailable(why) => {
                write!(f, "full isolation is unavailable ({why}), and --sandbox required was given")
            }
            SandboxError::Io(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for SandboxError {}

/// The isolation every test process of one grading gets.
#[derive(Clone, Debug)]
pub struct Sandbox {
    bwrap: Option<PathBuf>,
    /// What bubblewrap mounts for a test (used only with `bwrap`).
    tree: Tree,
    uids: Vec<u32>,
    /// Locks on the uids, so two graders on one machine never share (and sweep) a uid.
    _uid_locks: Vec<UidLock>,
    limits: Limits,
    self_exe: PathBuf,
    warnings: Vec<String>,
    /// The layers a grader that is not root goes without, named in [`Sandbox::describe`]
    /// instead of warned about.
    not_used: Vec<&'static str>,
    /// One memory and task budget per slot, where the machine allows (else empty).
    budgets: Vec<Arc<Budget>>,
    /// The uid builds run as, when the grader is root.
    build_uid: Option<u32>,
}

impl Sandbox {
    /// Works out what isolation this machine offers for `slots` parallel test processes.
    /// `helper` is the `grade` binary, whose hidden `sandbox-exec` and `sandbox-kill`
    /// subcommands run inside the sandbox (see [`helper_binary`]).
    pub fn prepare(
        mode: Mode,
        slots: usize,
        limits: Limits,
        uid_base: u32,
        helper: &Path,
    ) -> Result<Sandbox, SandboxError> {
        let self_exe = helper.to_path_buf();
        if !self_exe.is_file() {
            return Err(SandboxError::Io(format!(
                "the grader's helper binary {} does not exist: build the `grade` binary (cargo build -p grading)",
                self_exe.display()
            )));
        }
        let mut sandbox = Sandbox {
            bwrap: None,
            tree: Tree::default(),
            uids: Vec::new(),
            _uid_locks: Vec::new(),
            limits,
            self_exe,
            warnings: Vec::new(),
            not_used: Vec::new(),
            budgets: Vec::new(),
            build_uid: None,
        };
        let root = Uid::effective().is_root();
        if mode == Mode::Off {
            sandbox.warnings.push(
                "isolation is off (--sandbox off): tests run as the grader's user, without namespaces; \
                 only the memory, file-size and open-file limits apply"
                    .into(),
            );
            return Ok(sandbox);
        }
        if root {
            // One uid per slot, and one more for the builds (see crate::build_user).
            let (mut uids, locks) = pick_uids(uid_base, slots + 1)?;
            sandbox.build_uid = uids.pop();
            sandbox.uids = uids;
            sandbox._uid_locks = locks;
            // Leftovers of an earlier grader that was killed before its own sweep.
            for slot in 0..slots {
                sandbox.sweep(slot);
            }
            if let Some(uid) = sandbox.build_uid {
                sandbox.sweep_uid(uid);
            }
            crate::cgroup::remove_stale();
            match sandbox.uids.iter().map(|&uid| Budget::create(uid, &limits).map(Arc::new)).collect() {
                Ok(budgets) => sandbox.budgets = budgets,
                Err(why) => sandbox.warnings.push(format!(
                    "no control group per test ({why}): memory and task limits bind each process \
                     (and each uid), not a test's processes together"
                )),
            }
        } else {
            let why = "the grader is not root, so tests run as your own user and the thread limit cannot be \
                       enforced (it would count every process you own)";
            if mode == Mode::Required {
                return Err(SandboxError::Unavailable(why.into()));
            }
            sandbox.missing(root, SANDBOX_UID, why.into());
        }
        match find_bwrap().filter(|_| mode != Mode::NoBwrap) {
            None if mode == Mode::NoBwrap => sandbox.warnings.push(
                "bubblewrap is not used (--sandbox no-bwrap): no read-only filesystem or PID namespace"
                    .into(),
            ),
            None => {
                let why = "bubblewrap (bwrap) is not installed: tests can write to world-writable places such as /tmp \
                           and see the network; install it with `apt-get install bubblewrap`";
                if mode == Mode::Required {
                    return Err(SandboxError::Unavailable(why.into()));
                }
                sandbox.missing(root, BWRAP, why.into());
            }
            Some(bwrap) => match sandbox.probe_bwrap(&bwrap, Tree::of_this_machine()) {
                Ok(tree) => {
                    sandbox.bwrap = Some(bwrap);
                    sandbox.tree = tree;
                }
                Err(why) => {
                    let why = format!(
                        "bubblewrap cannot start a sandboxed program here ({why}); tests run without their own \
                         filesystem or PID namespace (user namespaces may be disabled, e.g. inside a container)"
                    );
                    if mode == Mode::Required {
                        return Err(SandboxError::Unavailable(why));
                    }
                    sandbox.missing(root, BWRAP, why);
                }
            },
        }
        Ok(sandbox)
    }

    /// Records a missing layer: a warning for a grader running as root (the course's, where the
    /// layer matters), else a layer named in [`Sandbox::describe`] (a student's machine, where
    /// nothing needs installing).
    fn missing(&mut self, root: bool, layer: &'static str, warning: String) {
        if root {
            self.warnings.push(warning);
        } else if !self.not_used.contains(&layer) {
            self.not_used.push(layer);
        }
    }

    /// One line saying what isolation tests get (and, for a grader that is not root, what it
    /// goes without).
    pub fn describe(&self) -> String {
        let mut layers = Vec::new();
        if let Some(uid) = self.uids.first() {
            layers.push(format!("uid {uid}+slot"));
        }
        if !self.budgets.is_empty() {
            layers.push(Budget::describe(&self.limits));
        }
        if self.bwrap.is_some() {
            layers.push("bubblewrap (minimal read-only filesystem, PID/network namespaces)".to_string());
        } else {
            layers.push("own session and process group".to_string());
        }
        let limits = &self.limits;
        let threads =
            if self.limits_threads() { format!(", {} threads", limits.threads) } else { String::new() };
        layers.push(format!(
            "rlimits ({} MiB memory{threads}, {} MiB files, {} open files)",
            limits.memory_mib, limits.output_mib, limits.open_files
        ));
        let mut line = layers.join(" + ");
        if !self.not_used.is_empty() {
            // "bwrap", not "bubblewrap": the line names bubblewrap only when tests ran inside it.
            line.push_str(&format!(
                "; not root, so no {} (used when the course grades; nothing to install here)",
                self.not_used.join(" or ")
            ));
        }
        line
    }

    /// Warnings about missing layers, one sentence each.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Whether a test killed by signal N shows as exit status 128 + N (bubblewrap does that).
    pub fn reports_signals_as_codes(&self) -> bool {
        self.bwrap.is_some()
    }

    /// Whether every layer is in place.
    pub fn is_complete(&self) -> bool {
        self.bwrap.is_some() && !self.uids.is_empty()
    }

    /// Whether the thread limit binds: only for a dedicated uid, or inside a user namespace
    /// (where `RLIMIT_NPROC` counts the namespace's own processes).
    fn limits_threads(&self) -> bool {
        !self.uids.is_empty() || self.bwrap.is_some()
    }

    /// The uid builds may run as (an unprivileged uid of no account, held by this grader), when
    /// the grader is root.
    pub fn build_uid(&self) -> Option<u32> {
        self.build_uid
    }

    /// The uid of `slot`'s test processes, when the grader switches uids.
    pub fn uid(&self, slot: usize) -> Option<u32> {
        self.uids.get(slot).copied()
    }

    /// Creates an empty run directory at `dir`, writable only by `slot`'s test user. What an
    /// earlier test left there is removed (see [`crate::remove_tree`]); if it cannot be, it is
    /// moved aside (`<dir>.abandoned-N`, left for the stage's own removal), so a tree the grader
    /// cannot remove costs that directory, never the grading.
    pub fn make_run_dir(&self, slot: usize, dir: &Path) -> Result<(), SandboxError> {
        let io = |e: io::Error| SandboxError::Io(format!("prepare the run directory {}: {e}", dir.display()));
        if let Err(error) = crate::remove_tree::remove_tree(dir) {
            let aside = (0..1000)
                .map(|n| dir.with_extension(format!("abandoned-{n}")))
                .find(|p| fs::symlink_metadata(p).is_err())
                .ok_or_else(|| io(io::Error::other("too many abandoned run directories")))?;
            eprintln!(
                "grade: could not remove what a test left in {} ({error}); moved it to {}",
                dir.display(),
                aside.display()
            );
            fs::rename(dir, &aside).map_err(io)?;
        }
        fs::create_dir_all(dir.join("tmp")).map_err(io)?;
        if let Some(uid) = self.uid(slot) {
            for path in [dir.to_path_buf(), dir.join("tmp")] {
                nix::unistd::chown(&path, Some(Uid::from_raw(uid)), Some(Gid::from_raw(uid)))
                    .map_err(|e| io(io::Error::from(e)))?;
            }
        }
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io)?;
        Ok(())
    }

    /// The command that runs `program args` isolated, in `run_dir`, for job slot `slot`, with
    /// exactly the environment `env` (plus `HOME`, `TMPDIR` and `PATH`). Its stdio is left to
    /// the caller. Spawn it and wait; afterwards call [`crate::process::kill_group`] with its pid
    /// and [`Sandbox::sweep`].
    pub fn command(
        &self,
        slot: usize,
        run_dir: &Path,
        program: &Path,
        args: &[String],
        env: &[(String, String)],
    ) -> Command {
        // The programs in the order they exec each other: [sandbox-wait], [bwrap], sandbox-exec.
        let mut argv: Vec<std::ffi::OsString> = Vec::new();
        if !self.budgets.is_empty() {
            // Waits until the grader has moved it into the slot's control groups.
            argv.extend([self.self_exe.clone().into_os_string(), "sandbox-wait".into(), "--".into()]);
        }
        if let Some(bwrap) = &self.bwrap {
            argv.push(bwrap.clone().into_os_string());
            argv.extend(self.tree.bwrap_args(&[&self.self_exe, program], run_dir));
            argv.push("--".into());
        }
        argv.push(self.self_exe.clone().into_os_string());
        argv.push("sandbox-exec".into());
        let mut flags = vec![
            ("--memory-mib", self.limits.memory_mib),
            ("--output-mib", self.limits.output_mib),
            ("--open-files", self.limits.open_files),
        ];
        if self.limits_threads() {
            flags.push(("--threads", self.limits.threads));
        }
        for (flag, value) in flags {
            argv.extend([flag.into(), value.to_string().into()]);
        }
        if self.bwrap.is_none() {
            // Without bwrap, the wrapper itself starts the new session (and process group).
            argv.push("--new-session".into());
        }
        argv.push("--".into());
        argv.push(program.as_os_str().to_os_string());
        argv.extend(args.iter().map(Into::into));
        let mut command = Command::new(&argv[0]);
        command.args(&argv[1..]);
        if self.bwrap.is_some() {
            // bwrap stays in a fresh process group of its own; its child calls setsid.
            command.process_group(0);
        }
        command
            .current_dir(run_dir)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", run_dir)
            .env("TMPDIR", run_dir.join("tmp"))
            .env("LANG", "C.UTF-8")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        if let Some(uid) = self.uid(slot) {
            // std drops the supplementary groups when root switches uid.
            command.uid(uid).gid(uid);
        }
        command
    }

    /// Starts a command made by [`Sandbox::command`] for `slot`. With a control group per test,
    /// its first process waits until the grader has moved it in (its standard input is then a
    /// pipe, and the grader writes one line to it before anything else): every process the test
    /// starts is born inside. The child's stdin is left to the caller (`None` if it was null).
    pub fn start(&self, slot: usize, command: &mut Command, stdin_wanted: bool) -> io::Result<Child> {
        let Some(budget) = self.budgets.get(slot) else {
            return crate::process::spawn(command);
        };
        command.stdin(Stdio::piped());
        let mut child = crate::process::spawn(command)?;
        let entered = budget.enter(child.id()).and_then(|()| {
            let stdin = child.stdin.as_mut().expect("stdin is piped");
            stdin.write_all(b"go\n").and_then(|()| stdin.flush())
        });
        if let Err(e) = entered {
            crate::process::kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(e.kind(), format!("moving the test into its control group: {e}")));
        }
        if !stdin_wanted {
            drop(child.stdin.take());
        }
        Ok(child)
    }

    /// How many times `slot`'s test processes together hit the memory budget since it was
    /// created (0 without control groups).
    pub fn memory_budget_hits(&self, slot: usize) -> u64 {
        self.budgets.get(slot).map_or(0, |b| b.memory_limit_hits())
    }

    /// Kills every process left running under `slot`'s uid (a daemon that escaped the process
    /// group with `setsid`, say). Does nothing when the grader does not switch uids; inside
    /// bubblewrap, the PID namespace already ended with its first process.
    pub fn sweep(&self, slot: usize) {
        if let Some(budget) = self.budgets.get(slot) {
            budget.kill_all();
        }
        if let Some(uid) = self.uid(slot) {
            self.sweep_uid(uid);
        }
    }

    /// Kills every process of `uid` (one of this grader's uids).
    pub fn sweep_uid(&self, uid: u32) {
        let mut command = Command::new(&self.self_exe);
        command
            .arg("sandbox-kill")
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .uid(uid)
            .gid(uid);
        if let Err(e) = crate::process::spawn(&mut command).and_then(|mut child| child.wait()) {
            eprintln!("grade: could not sweep the processes of uid {uid}: {e}");
        }
    }

    /// Runs the helper (`grade --help`) in `tree`, through bubblewrap, as slot 0's user: the
    /// namespaces work and the tree holds what a program of ours needs to start. Returns the tree.
    fn probe_bwrap(&self, bwrap: &Path, tree: Tree) -> Result<Tree, String> {
        // A directory of its own: graders in one process (the grader's tests) probe at once.
        let probe = tempfile::Builder::new().prefix("grade-probe-").tempdir().map_err(|e| e.to_string())?;
        let (bin, run) = (probe.path().join("bin"), probe.path().join("run"));
        // The helper where the probe's user can reach it, as the stage has it (the helper given
        // may lie in a directory that user may not enter).
        let helper = bin.join("grade");
        fs::create_dir(&bin).and_then(|()| fs::create_dir(&run)).map_err(|e| e.to_string())?;
        link_or_copy_for_all(&self.self_exe, &helper)
            .map_err(|e| format!("copying the helper {} for the probe: {e}", self.self_exe.display()))?;
        for dir in [probe.path(), &bin] {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o711)).map_err(|e| e.to_string())?;
        }
        if let Some(uid) = self.uid(0) {
            nix::unistd::chown(&run, Some(Uid::from_raw(uid)), Some(Gid::from_raw(uid)))
                .map_err(|e| e.to_string())?;
        }
        let mut command = Command::new(bwrap);
        command
            .args(tree.bwrap_args(&[&helper], &run))
            .arg("--")
            .arg(&helper)
            .arg("--help")
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if let Some(uid) = self.uid(0) {
            command.uid(uid).gid(uid);
        }
        command.stderr(Stdio::piped());
        let child = crate::process::spawn(&mut command).map_err(|e| e.to_string())?;
        let output = child.wait_with_output().map_err(|e| e.to_string())?;
        if output.status.success() {
            Ok(tree)
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
        }
    }
}

/// Puts the program `from` at `to`, readable and executable by every user: a hard link when
/// `from` already is (no copy of a large binary), else a copy.
fn link_or_copy_for_all(from: &Path, to: &Path) -> io::Result<()> {
    let for_all = fs::metadata(from)?.permissions().mode() & 0o005 == 0o005;
    if for_all && fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    fs::copy(from, to)?;
    fs::set_permissions(to, fs::Permissions::from_mode(0o755))
}

/// The `grade` binary: this process if it is `grade`, else `grade` next to it or one directory
/// up (where cargo puts binaries relative to test executables).
pub fn helper_binary() -> Result<PathBuf, SandboxError> {
    let exe = std::env::current_exe()
        .map_err(|e| SandboxError::Io(format!("cannot find the grader's own executable: {e}")))?;
    if exe.file_name().is_some_and(|n| n == "grade") {
        return Ok(exe);
    }
    exe.ancestors().skip(1).take(2).map(|dir| dir.join("grade")).find(|p| p.is_file()).ok_or_else(|| {
        SandboxError::Io(format!(
            "no `grade` binary next to {}: build it (cargo build -p grading)",
            exe.display()
        ))
    })
}

/// `bwrap` on PATH (or in /usr/bin).
fn find_bwrap() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|d| d.join("bwrap"))
        .find(|p| p.is_file())
}

/// A held lock on one sandbox uid.
type UidLock = Arc<Flock<File>>;

/// Where the per-uid lock files live: a directory only root may write (test processes, which
/// may write to `/tmp` without bubblewrap, must not be able to plant links or FIFOs there).
const UID_LOCK_DIR: &str = "/run/lab-grade";

/// The lock directory, created if needed, after checking that it is a real directory owned by
/// root that no one else may write.
fn uid_lock_dir() -> Result<&'static Path, SandboxError> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let dir = Path::new(UID_LOCK_DIR);
    match fs::DirBuilder::new().mode(0o755).create(dir) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
            return Err(SandboxError::Io(format!("create {UID_LOCK_DIR} for the sandbox uids' locks: {e}")))
        }
        _ => {}
    }
    let meta = fs::symlink_metadata(dir).map_err(|e| SandboxError::Io(format!("{UID_LOCK_DIR}: {e}")))?;
    if !meta.is_dir() || meta.uid() != 0 || meta.mode() & 0o022 != 0 {
        return Err(SandboxError::Io(format!(
            "{UID_LOCK_DIR} is not a directory owned by root that only root may write; remove it and grade again"
        )));
    }
    Ok(dir)
}

/// `slots` uids from `base` on, skipping any that belongs to an account or that another grader
/// on this machine holds (a lock file per uid in [`UID_LOCK_DIR`]).
fn pick_uids(base: u32, slots: usize) -> Result<(Vec<u32>, Vec<UidLock>), SandboxError> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = uid_lock_dir()?;
    let mut uids = Vec::with_capacity(slots);
    let mut locks = Vec::with_capacity(slots);
    let mut uid = base;
    while uids.len() < slots {
        if uid > base.saturating_add(1000) {
            return Err(SandboxError::Io(format!(
                "no free sandbox uid between {base} and {uid}: other graders hold them, or they belong to accounts"
            )));
        }
        if matches!(User::from_uid(Uid::from_raw(uid)), Ok(None)) {
            let path = dir.join(format!("uid-{uid}.lock"));
            let file = File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .mode(0o600)
                .custom_flags((nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_NONBLOCK).bits())
                .open(&path)
                .map_err(|e| SandboxError::Io(format!("open {}: {e}", path.display())))?;
            if let Ok(lock) = Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                uids.push(uid);
                locks.push(Arc::new(lock));
            }
        }
        uid += 1;
    }
    Ok((uids, locks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_of_accounts_and_of_other_graders_are_skipped() {
        // uid 0 is root's account: never picked.
        let (first, _held) = pick_uids(0, 2).unwrap();
        assert!(!first.contains(&0));
        assert_eq!(first.len(), 2);
        // While `_held` lives, another grader gets other uids.
        let (second, _) = pick_uids(0, 2).unwrap();
        assert!(second.iter().all(|uid| !first.contains(uid)), "{first:?} {second:?}");
    }

    /// A sandbox with no layer but rlimits, as `prepare` starts one.
    fn bare() -> Sandbox {
        Sandbox {
            bwrap: None,
            tree: Tree::default(),
            uids: Vec::new(),
            _uid_locks: Vec::new(),
            limits: Limits::default(),
            self_exe: PathBuf::from("/grade"),
            warnings: Vec::new(),
            not_used: Vec::new(),
            budgets: Vec::new(),
            build_uid: None,
        }
    }

    #[test]
    fn a_student_reads_one_neutral_line_and_no_warning() {
        let mut sandbox = bare();
        sandbox.missing(false, SANDBOX_UID, "the grader is not root".into());
        sandbox.missing(false, BWRAP, "bubblewrap (bwrap) is not installed: install it".into());
        sandbox.missing(false, BWRAP, "bubblewrap cannot create namespaces here".into());
        assert_eq!(sandbox.warnings(), &[] as &[String]);
        let line = sandbox.describe();
        let limits = Limits::default();
        assert_eq!(
            line,
            format!(
                "own session and process group + rlimits ({} MiB memory, {} MiB files, {} open files); \
                 not root, so no sandbox uid per test or bwrap namespaces (used when the course grades; \
                 nothing to install here)",
                limits.memory_mib, limits.output_mib, limits.open_files
            )
        );
        // Tests that need bubblewrap look for its name in the line: it must not be there.
        assert!(!line.contains("bubblewrap") && !line.contains("install it"), "{line}");
    }

    #[test]
    fn course_staff_are_warned_about_each_missing_layer() {
        let mut sandbox = bare();
        sandbox.missing(true, BWRAP, "bubblewrap (bwrap) is not installed: install it".into());
        assert_eq!(sandbox.warnings(), ["bubblewrap (bwrap) is not installed: install it".to_string()]);
        assert!(!sandbox.describe().contains("not root"), "{}", sandbox.describe());
    }
}
