//! Waiting for a child process with a deadline, and killing its process group: what the build
//! ([`crate::compile`]), the listing of a suite's tests ([`crate::listing`]), the sandbox's start
//! ([`crate::sandbox`]) and the test runs ([`crate::runner`]) share.
//!
//! A child is waited for without being reaped, so its pid (and so its process group id) stays
//! reserved until its group has been killed: a kill can never reach an unrelated process that
//! reused the id.

use std::io;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::sys::wait::{waitid, Id, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

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
