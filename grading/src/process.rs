//! Waiting for a child process with a deadline, and killing its process group: what the build
//! ([`crate::compile`]), the listing of a suite's tests ([`crate::listing`]), the sandbox's start
//! ([`crate::sandbox`]) and the test runs ([`crate::runner`]) share.
//!
//! A child is waited for without being reaped, so its pid (and so its process group id) stays
//! reserved until its group has been killed: a kill can never reach an unrelated process that
//! reused the id.

use std::io;
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::sys::wait::{waitid, Id, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

/// How many times [`spawn`] tries a program that is busy being written, and the first pause.
const BUSY_TRIES: u32 = 8;
const BUSY_FIRST_PAUSE: Duration = Duration::from_millis(5);

/// Starts `command`, trying again (up to [`BUSY_TRIES`] times, pausing 5 ms, then twice as long
/// each time) while the program is busy (`ETXTBSY`). The grader copies its helper and the test
/// binaries into a stage, then runs them: a child forked meanwhile by another thread of the same
/// process holds the copy's write descriptor until it execs, and an exec of the copy fails in
/// that window. Any other error is returned at once.
pub fn spawn(command: &mut Command) -> io::Result<Child> {
    let mut pause = BUSY_FIRST_PAUSE;
    for _ in 1..BUSY_TRIES {
        match command.spawn() {
            Err(e) if e.kind() == io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(pause);
                pause *= 2;
            }
            other => return other,
        }
    }
    command.spawn()
}

/// How waiting for a process ended.
#[derive(Debug)]
pub enum Waited {
    /// It exited (it is not reaped yet: its pid, and so its process group id, stay reserved).
    Exited(ExitStatus),
    /// It was still running at the deadline.
    TimedOut,
    /// A check made while it ran found a reason to stop it.
    Stopped(String),
    /// Waiting failed.
    Failed(io::Error),
}

/// Waits up to `timeout` for `child` to exit, without reaping it, so that its process group
/// can still be killed safely afterwards. Call `child.wait()` after [`kill_group`].
pub fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Waited {
    wait_watching(child, timeout, || None)
}

/// How often [`wait_watching`] runs its check.
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// [`wait_with_timeout`], also running `check` every `WATCH_EVERY`: when it gives a reason,
/// waiting stops with [`Waited::Stopped`] (the process still runs; kill its group).
pub fn wait_watching(
    child: &mut Child,
    timeout: Duration,
    mut check: impl FnMut() -> Option<String>,
) -> Waited {
    use std::os::unix::process::ExitStatusExt;
    let deadline = Instant::now() + timeout;
    let mut next_check = Instant::now() + WATCH_EVERY;
    let pid = Pid::from_raw(child.id() as i32);
    let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
    let mut pause = Duration::from_millis(1);
    loop {
        match waitid(Id::Pid(pid), flags) {
            Ok(WaitStatus::StillAlive) => {}
            Ok(WaitStatus::Exited(_, code)) => {
                return Waited::Exited(ExitStatus::from_raw((code & 0xff) << 8))
            }
            Ok(WaitStatus::Signaled(_, signal, _)) => {
                return Waited::Exited(ExitStatus::from_raw(signal as i32))
            }
            Ok(_) => {}
            Err(e) => return Waited::Failed(io::Error::from(e)),
        }
        if Instant::now() >= deadline {
            return Waited::TimedOut;
        }
        if Instant::now() >= next_check {
            if let Some(why) = check() {
                return Waited::Stopped(why);
            }
            next_check = Instant::now() + WATCH_EVERY;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Kills the process group led by `pid` (every process the child started that did not leave
/// the group). Harmless if the group is already gone.
pub fn kill_group(pid: u32) {
    let _ = killpg(Pid::from_raw(pid as i32), Signal::SIGKILL);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_program_still_open_for_writing_is_started_once_it_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let program = dir.path().join("busy.sh");
        let mut file = std::fs::File::create(&program).unwrap();
        file.write_all(b"#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        // While it is open for writing, the kernel refuses to run it.
        let busy = Command::new(&program).spawn().map(|mut child| child.wait());
        assert_eq!(busy.err().map(|e| e.kind()), Some(io::ErrorKind::ExecutableFileBusy));
        let closer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            drop(file);
        });
        let status = spawn(&mut Command::new(&program)).and_then(|mut child| child.wait());
        closer.join().unwrap();
        assert!(status.expect("started once the writer closed it").success());
    }
}
