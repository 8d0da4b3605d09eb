//! One memory and task budget per test: a control group per job slot, where the machine
//! allows it.
//!
//! `RLIMIT_AS` bounds each process and `RLIMIT_NPROC` each uid, so a test that starts several
//! processes could hold several times the memory limit. A control group bounds them together:
//! the grader (root) makes `lab-grade-<pid>-uid-<slot's uid>` under its own group in the memory and pids
//! hierarchies (cgroup v1, or v2 where its own group may have children with those controllers),
//! sets `memory.limit_in_bytes`/`memory.max` to the rubric's memory limit and `pids.max` to its
//! thread limit, and moves each test's first process in before it starts anything (see
//! [`crate::sandbox::Sandbox::start`]); every process it starts is born inside.
//!
//! Groups left by a grader that was killed are removed when the next grader starts (their
//! processes killed first), so they never pile up or keep running.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::rubric::Limits;

/// The prefix of the grader's group names.
const PREFIX: &str = "lab-grade-";

/// One slot's control groups (one per hierarchy: memory, pids; one in all on cgroup v2).
#[derive(Debug)]
pub struct Budget {
    groups: Vec<PathBuf>,
    /// The file whose count grows each time the memory limit is hit.
    failcnt: Option<PathBuf>,
}

impl Budget {
    /// Creates the groups of the slot whose tests run as `uid` (unique on the machine while
    /// the grader holds it, so graders in one process never share a group), with `limits`.
    /// `Err`: why the machine does not allow it.
    pub fn create(uid: u32, limits: &Limits) -> Result<Budget, String> {
        if !nix::unistd::Uid::effective().is_root() {
            return Err("the grader is not root".into());
        }
        let name = format!("{PREFIX}{}-uid-{uid}", std::process::id());
        let (memory_parent, pids_parent) = own_groups()?;
        let mut budget = Budget { groups: Vec::new(), failcnt: None };
        let memory = memory_parent.join(&name);
        make_group(&memory)?;
        budget.groups.push(memory.clone());
        let bytes = limits.memory_mib.saturating_mul(1 << 20).to_string();
        if memory.join("memory.limit_in_bytes").exists() {
            write(&memory.join("memory.limit_in_bytes"), &bytes)?;
            // Swap counts too, where the kernel accounts for it.
            let memsw = memory.join("memory.memsw.limit_in_bytes");
            if memsw.exists() {
                write(&memsw, &bytes)?;
            }
            budget.failcnt = Some(memory.join("memory.failcnt"));
        } else if memory.join("memory.max").exists() {
            write(&memory.join("memory.max"), &bytes)?;
            if memory.join("memory.swap.max").exists() {
                write(&memory.join("memory.swap.max"), "0")?;
            }
            budget.failcnt = Some(memory.join("memory.events"));
        } else {
            return Err(format!("{} has no memory controller", memory_parent.display()));
        }
        let pids = pids_parent.join(&name);
        if pids != memory {
            make_group(&pids)?;
            budget.groups.push(pids.clone());
        }
        if !pids.join("pids.max").exists() {
            return Err(format!("{} has no pids controller", pids_parent.display()));
        }
        write(&pids.join("pids.max"), &limits.threads.to_string())?;
        Ok(budget)
    }

    /// Moves the process `pid` (and only it: call before it starts others) into the groups.
    pub fn enter(&self, pid: u32) -> io::Result<()> {
        for group in &self.groups {
            fs::write(group.join("cgroup.procs"), pid.to_string())
                .map_err(|e| io::Error::new(e.kind(), format!("{}/cgroup.procs: {e}", group.display())))?;
        }
        Ok(())
    }

    /// How many times the memory limit has been hit so far (cgroup v1's `failcnt`, v2's
    /// `max` and `oom_kill` events).
    pub fn memory_limit_hits(&self) -> u64 {
        let Some(path) = &self.failcnt else { return 0 };
        let text = fs::read_to_string(path).unwrap_or_default();
        if path.ends_with("memory.failcnt") {
            return text.trim().parse().unwrap_or(0);
        }
        text.lines()
            .filter_map(|l| l.split_once(' '))
            .filter(|(k, _)| *k == "max" || *k == "oom_kill")
            .filter_map(|(_, v)| v.trim().parse::<u64>().ok())
            .sum()
    }

    /// Kills every process still in the groups (a run is over: none of them should be).
    pub fn kill_all(&self) {
        for group in &self.groups {
            kill_members(group);
        }
    }

    /// A one-line description for the isolation line.
    pub fn describe(limits: &Limits) -> String {
        format!("cgroup per test ({} MiB memory, {} tasks, together)", limits.memory_mib, limits.threads)
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        self.kill_all();
        for group in &self.groups {
            remove_group(group);
        }
    }
}

/// Removes groups that graders no longer running left behind (killing what runs in them).
pub fn remove_stale() {
    let Ok((memory, pids)) = own_groups() else { return };
    for parent in [memory, pids] {
        let Ok(entries) = fs::read_dir(&parent) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(pid) = name.strip_prefix(PREFIX).and_then(|rest| rest.split('-').next()) else {
                continue;
            };
            let alive = pid.parse::<u32>().is_ok_and(|pid| Path::new("/proc").join(pid.to_string()).exists());
            if !alive {
                remove_group(&entry.path());
            }
        }
    }
}

/// The grader's own groups in the memory and the pids hierarchies (the same directory on v2).
fn own_groups() -> Result<(PathBuf, PathBuf), String> {
    let membership =
        fs::read_to_string("/proc/self/cgroup").map_err(|e| format!("/proc/self/cgroup: {e}"))?;
    let mounts = fs::read_to_string("/proc/self/mounts").map_err(|e| format!("/proc/self/mounts: {e}"))?;
    let find = |controller: &str| -> Option<PathBuf> {
        // v1: "N:memory:/path" and a "cgroup" mount whose options name the controller.
        let path = membership.lines().find_map(|l| {
            let mut fields = l.splitn(3, ':');
            let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
            controllers.split(',').any(|c| c == controller).then(|| path.to_string())
        })?;
        let mount = mounts.lines().find_map(|l| {
            let fields: Vec<&str> = l.split(' ').collect();
            (fields.len() >= 4 && fields[2] == "cgroup" && fields[3].split(',').any(|o| o == controller))
                .then(|| fields[1].to_string())
        })?;
        Some(Path::new(&mount).join(path.trim_start_matches('/')))
    };
    if let (Some(memory), Some(pids)) = (find("memory"), find("pids")) {
        return Ok((memory, pids));
    }
    // v2: "0::/path" and the "cgroup2" mount.
    let path = membership
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .ok_or("no cgroup hierarchy with a memory controller")?;
    let mount = mounts
        .lines()
        .find_map(|l| {
            let fields: Vec<&str> = l.split(' ').collect();
            (fields.len() >= 3 && fields[2] == "cgroup2").then(|| fields[1].to_string())
        })
        .ok_or("no cgroup hierarchy with a memory controller")?;
    let own = Path::new(&mount).join(path.trim_start_matches('/'));
    let enabled = fs::read_to_string(own.join("cgroup.subtree_control")).unwrap_or_default();
    if !(enabled.contains("memory") && enabled.contains("pids")) {
        return Err(format!(
            "cgroup v2: {} does not give its children the memory and pids controllers",
            own.display()
        ));
    }
    Ok((own.clone(), own))
}

fn make_group(path: &Path) -> Result<(), String> {
    if path.exists() {
        remove_group(path);
    }
    fs::create_dir(path).map_err(|e| format!("create the control group {}: {e}", path.display()))
}

fn write(path: &Path, value: &str) -> Result<(), String> {
    fs::write(path, value).map_err(|e| format!("write {value} to {}: {e}", path.display()))
}

/// Kills every process in the group at `path`.
fn kill_members(path: &Path) {
    use nix::sys::signal::{kill, Signal};
    let members = fs::read_to_string(path.join("cgroup.procs")).unwrap_or_default();
    for pid in members.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
        let _ = kill(nix::unistd::Pid::from_raw(pid), Signal::SIGKILL);
    }
}

/// Kills what runs in the group at `path` and removes it (a group goes once its processes are
/// gone, which takes the kernel a moment after a kill).
fn remove_group(path: &Path) {
    for _ in 0..100 {
        kill_members(path);
        if fs::remove_dir(path).is_ok() || !path.exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    eprintln!("grade: could not remove the control group {}", path.display());
}
