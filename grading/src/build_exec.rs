//! `grade build-exec`: how the grader runs cargo on a submission. A hidden subcommand of the
//! `grade` binary, run as cargo's parent:
//!
//! - it sets limits that cargo and every compiler it starts inherit: CPU seconds per process
//!   (a compiler kept busy by hostile code stops), address space, file size and open files;
//! - it keeps cargo in its own process group (the one the grader gave it) and watches its
//!   standard input, a pipe whose other end only the grader holds: when the grader goes away,
//!   killed or not, the pipe reads end-of-file and the whole group (cargo, every rustc, every
//!   linker) is killed, so no build outlives its grader or holds cargo's lock.
//!
//! A separate process rather than code between `fork` and `exec` of the grader keeps the
//! grader free of `unsafe`.

use std::ffi::OsString;
use std::io::{self, Read};
use std::path::Path;
use std::process::Command;

use nix::sys::resource::{setrlimit, Resource};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::getpgrp;

/// The limits of one build's processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuildLimits {
    /// CPU seconds per process (`RLIMIT_CPU`): the reference's longest compile takes about 17.
    pub cpu_seconds: u64,
    /// Address space per process, in MiB (`RLIMIT_AS`): the largest compile peaks near 350 MiB
    /// resident.
    pub memory_mib: u64,
    /// Largest file written, in MiB (`RLIMIT_FSIZE`): test binaries are near 100 MiB.
    pub file_mib: u64,
    /// Open files per process (`RLIMIT_NOFILE`).
    pub open_files: u64,
}

impl Default for BuildLimits {
    fn default() -> BuildLimits {
        BuildLimits { cpu_seconds: 120, memory_mib: 4096, file_mib: 1024, open_files: 4096 }
    }
}

impl BuildLimits {
    /// The `grade build-exec` arguments that set these limits (before `--`).
    pub fn args(&self) -> Vec<String> {
        vec![
            "build-exec".into(),
            "--cpu-seconds".into(),
            self.cpu_seconds.to_string(),
            "--memory-mib".into(),
            self.memory_mib.to_string(),
            "--file-mib".into(),
            self.file_mib.to_string(),
            "--open-files".into(),
            self.open_files.to_string(),
        ]
    }
}

/// Sets `limits`, runs `program args` and waits for it, killing the process group when
/// standard input reaches its end first. Returns the exit status to exit with (128 + N for a
/// program killed by signal N).
pub fn supervise(limits: &BuildLimits, program: &Path, args: &[OsString]) -> Result<u8, io::Error> {
    const MIB: u64 = 1 << 20;
    for (resource, soft, hard) in [
        // SIGXCPU at the soft limit; SIGKILL a little later if it was caught.
        (Resource::RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds.saturating_add(5)),
        (Resource::RLIMIT_AS, limits.memory_mib.saturating_mul(MIB), limits.memory_mib.saturating_mul(MIB)),
        (Resource::RLIMIT_FSIZE, limits.file_mib.saturating_mul(MIB), limits.file_mib.saturating_mul(MIB)),
        (Resource::RLIMIT_NOFILE, limits.open_files, limits.open_files),
        (Resource::RLIMIT_CORE, 0, 0),
    ] {
        setrlimit(resource, soft, hard)
            .map_err(|e| io::Error::other(format!("setrlimit({resource:?}, {soft}): {e}")))?;
    }
    let mut child = Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .spawn()
        .map_err(|e| io::Error::other(format!("cannot run {}: {e}", program.display())))?;
    std::thread::spawn(|| {
        let mut sink = [0u8; 64];
        let mut stdin = io::stdin().lock();
        // Nothing is ever written: this returns when the grader closes its end or goes away.
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        let _ = killpg(getpgrp(), Signal::SIGKILL);
    });
    let status = child.wait()?;
    use std::os::unix::process::ExitStatusExt;
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code).unwrap_or(1),
        (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(255),
        (None, None) => 1,
    })
}
