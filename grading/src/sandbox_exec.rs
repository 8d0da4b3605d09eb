//! The two tiny programs the grader runs inside the sandbox (as hidden subcommands of `grade`):
//! `sandbox-exec` sets the rlimits and execs the test binary, `sandbox-kill` kills every process
//! of its own uid. Doing this in a separate process, rather than between `fork` and `exec` of
//! the grader, keeps the grader free of `unsafe` code.

use std::ffi::OsString;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

use nix::sys::resource::{setrlimit, Resource};
use nix::sys::signal::{kill, Signal};
use nix::unistd::{Pid, Uid, User};

/// What `sandbox-exec` was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecRequest {
    /// `RLIMIT_AS`, in MiB.
    pub memory_mib: u64,
    /// `RLIMIT_FSIZE`, in MiB.
    pub output_mib: u64,
    /// `RLIMIT_NOFILE`.
    pub open_files: u64,
    /// `RLIMIT_NPROC`, when it can bind.
    pub threads: Option<u64>,
    /// Call `setsid` first (when no bubblewrap did it already).
    pub new_session: bool,
    /// The program to exec.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
}

/// Applies the limits and execs the program. Returns only on failure, with the error.
pub fn exec(request: &ExecRequest) -> io::Error {
    if request.new_session {
        if let Err(e) = nix::unistd::setsid() {
            return io::Error::other(format!("setsid: {e}"));
        }
    }
    const MIB: u64 = 1 << 20;
    let mut limits = vec![
        (Resource::RLIMIT_AS, request.memory_mib.saturating_mul(MIB)),
        (Resource::RLIMIT_FSIZE, request.output_mib.saturating_mul(MIB)),
        (Resource::RLIMIT_NOFILE, request.open_files),
        (Resource::RLIMIT_CORE, 0),
    ];
    if let Some(threads) = request.threads {
        limits.push((Resource::RLIMIT_NPROC, threads));
    }
    for (resource, value) in limits {
        if let Err(e) = setrlimit(resource, value, value) {
            return io::Error::other(format!("setrlimit({resource:?}, {value}): {e}"));
        }
    }
    Command::new(&request.program).args(&request.args).exec()
}

/// `sandbox-wait`: reads its standard input one byte at a time up to the first newline (the
/// grader's go-ahead, written once it has moved this process into the test's control groups),
/// then execs the program, which finds the rest of standard input untouched. Returns only on
/// failure; end of input before the newline means the grader went away.
pub fn wait_then_exec(program: &std::path::Path, args: &[OsString]) -> io::Error {
    let stdin = io::stdin().lock();
    let mut byte = [0u8; 1];
    loop {
        // One byte at a time: nothing past the newline may be taken from the pipe.
        match nix::unistd::read(&stdin, &mut byte) {
            Ok(1) if byte[0] == b'\n' => break,
            Ok(1) => continue,
            Ok(_) => return io::Error::other("the grader went away before starting the test"),
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return io::Error::from(e),
        }
    }
    Command::new(program).args(args).exec()
}

/// Sends SIGKILL to every process this process may signal: run as a sandbox uid, that is every
/// process of that uid. Returns whether any was found. Refuses to run as root or as any uid
/// that belongs to an account (it would kill that account's processes).
pub fn kill_all_of_my_uid() -> Result<bool, String> {
    let uid = Uid::current();
    if uid.is_root() || Uid::effective().is_root() {
        return Err("refusing to run as root: this kills every process of the calling uid".into());
    }
    if !matches!(User::from_uid(uid), Ok(None)) {
        return Err(format!(
            "refusing to run as uid {uid}, which belongs to an account or cannot be checked"
        ));
    }
    Ok(kill(Pid::from_raw(-1), Signal::SIGKILL).is_ok())
}
