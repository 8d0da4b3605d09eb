//! Building the graded test binaries in the scratch workspace with `cargo`.
//!
//! Two steps. First [`check_api`]: `cargo clippy` on the student crates' libraries with the
//! lints of their `clippy.toml` (the reference's copy: the scratch workspace never holds a
//! submission's) forbidden, so graded code that uses files, processes, the environment, sockets
//! or raw descriptors fails with the file, the line and the reason. Then [`build`]:
//! `cargo test --no-run --locked` with only the graded `--test` targets; artifact paths come
//! from cargo's JSON messages, compiler errors from its rendered diagnostics. The environment is
//! cleared first (only what cargo and rustc need is passed on), so `env!` in a submission can
//! reveal nothing about the grading machine.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::build_exec::BuildLimits;
use crate::build_user::BuildUser;
use crate::compiler_reads;
use crate::outcome::{BuildError, RunMode};
use crate::process::{kill_group, wait_with_timeout, Waited};
use crate::scratch::Scratch;

/// The package whose test targets are the graded suites.
pub const TEST_PACKAGE: &str = "labtests";

/// The graded test binaries, built.
#[derive(Clone, Debug)]
pub struct Build {
    /// Suite name → its test binary.
    pub executables: BTreeMap<String, PathBuf>,
}

/// Variables passed on to cargo; everything else is cleared.
const KEPT_VARS: &[&str] = &["PATH", "HOME", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "LANG", "TERM"];

/// The student crates' lints that keep graded code away from the verdict (see `clippy.toml` in
/// each student crate), plus `unsafe_code` and `long_running_const_eval`. Forbidden, so no
/// `#[allow]` in a submission lifts them.
pub const FORBIDDEN_LINTS: &[&str] = &[
    "clippy::disallowed_methods",
    "clippy::disallowed_types",
    "clippy::disallowed_macros",
    "unsafe_code",
    "long_running_const_eval",
];

/// Says what the API check forbids, for a submission it refused.
const API_HINT: &str =
    "graded code may not use files, processes, the environment, sockets or raw descriptors \
     (std::fs, std::process, std::env, std::net, std::os, standard input): the test harness owns them; \
     and it locks, waits, sleeps, reads the clock and draws random numbers only through labrpc \
     (labrpc::sync, labrpc::time, Endpoint::sleep, labrpc::random), with BTreeMap for HashMap: each \
     error above names what to use. The grader checks this with clippy before it builds (`make lint` \
     shows the same errors)";

/// How cargo is run on a submission.
#[derive(Clone, Debug)]
pub struct BuildSettings {
    /// The longest a cargo command may run (wall time).
    pub timeout: Duration,
    /// Pass `--offline` to cargo.
    pub offline: bool,
    /// The `grade` binary, whose `build-exec` subcommand runs cargo (see [`crate::build_exec`]).
    pub helper: PathBuf,
    /// The limits of cargo and the compilers.
    pub limits: BuildLimits,
    /// The unprivileged user builds run as (see [`crate::build_user`]); `None`: the grader's own.
    pub user: Option<BuildUser>,
}

/// Checks with clippy that the student crates use nothing graded code may not.
pub fn check_api(scratch: &Scratch, settings: &BuildSettings) -> Result<(), BuildError> {
    let mut args: Vec<String> = ["clippy", "--locked", "--lib", "--message-format=json-render-diagnostics"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for krate in crate::submission::STUDENT_CRATES {
        args.extend(["-p".to_string(), krate.to_string()]);
    }
    if settings.offline {
        args.push("--offline".into());
    }
    // Every other lint is the student's business: only the forbidden ones are reported.
    args.extend(["--".into(), "-A".into(), "warnings".into()]);
    for lint in FORBIDDEN_LINTS {
        args.extend(["-F".to_string(), lint.to_string()]);
    }
    let ran = run_cargo(scratch, &args, settings, "clippy")?;
    if ran.success {
        return reads_only_student_sources(&ran.stdout, scratch);
    }
    if ran.stderr.contains("no such command") && ran.stderr.contains("clippy") {
        return Err(BuildError::Tooling(
            "the grader needs clippy to check what graded code uses: install it (rustup component add clippy)".into(),
        ));
    }
    match compile_error(&ran.stderr, scratch) {
        BuildError::Compile { diagnostics, mut hints }
            if diagnostics.contains("disallowed") || diagnostics.contains("unsafe") =>
        {
            if diagnostics.contains("disallowed") {
                hints.insert(0, API_HINT.to_string());
            }
            Err(BuildError::Forbidden { diagnostics, hints })
        }
        other => Err(other),
    }
}

/// The tests crate's feature that builds the suites for labrpc's simulation mode.
pub const SIMULATION_FEATURE: &str = "labtests/simulation";

/// Builds the test binaries of `suites` in the scratch workspace, for `mode` (the simulated
/// binaries with [`SIMULATION_FEATURE`]; cargo keeps both builds apart in one target directory).
pub fn build(
    scratch: &Scratch,
    suites: &[String],
    mode: RunMode,
    settings: &BuildSettings,
) -> Result<Build, BuildError> {
    let mut args: Vec<String> =
        ["test", "--no-run", "--locked", "--message-format=json-render-diagnostics", "-p", TEST_PACKAGE]
            .iter()
            .map(|s| s.to_string())
            .collect();
    if settings.offline {
        args.push("--offline".into());
    }
    if mode == RunMode::Simulated {
        args.extend(["--features".to_string(), SIMULATION_FEATURE.to_string()]);
    }
    for suite in suites {
        args.extend(["--test".to_string(), suite.clone()]);
    }
    let log = match mode {
        RunMode::Real => "build",
        RunMode::Simulated => "build-simulated",
    };
    let ran = run_cargo(scratch, &args, settings, log)?;
    if !ran.success {
        return Err(compile_error(&ran.stderr, scratch));
    }
    reads_only_student_sources(&ran.stdout, scratch)?;
    let executables = executables(&ran.stdout, suites)?;
    Ok(Build { executables })
}

/// Refuses a build in which the compiler read, for a student crate, a file outside the
/// submission's `src/` directories (see [`compiler_reads`]).
fn reads_only_student_sources(cargo_json: &str, scratch: &Scratch) -> Result<(), BuildError> {
    let foreign = compiler_reads::foreign_dependencies(cargo_json, &scratch.workspace());
    if foreign.is_empty() {
        return Ok(());
    }
    let workspace = scratch.workspace();
    let listed: Vec<String> = foreign
        .iter()
        .map(|p| crate::fsutil::printable(&p.strip_prefix(&workspace).unwrap_or(p).display().to_string()))
        .collect();
    Err(BuildError::Forbidden {
        diagnostics: format!(
            "compiling viewservice and pbservice read files outside their src/ directories:\n  {}",
            listed.join("\n  ")
        ),
        hints: vec![READS_HINT.to_string()],
    })
}

/// Says why a build may read only the submission's own files.
const READS_HINT: &str = "a submission's code is its viewservice/src and pbservice/src: modules from \
     elsewhere (#[path], also inside #[cfg_attr]), include!/include_str!/include_bytes! and \
     #[debugger_visualizer] are not allowed";

/// Where cargo keeps the dependencies' sources, whose text compiler errors may quote.
fn registry_sources() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    home.map(|h| vec![h.join("registry").join("src"), h.join("git").join("checkouts")]).unwrap_or_default()
}

/// What one cargo command did.
struct CargoRun {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs `cargo ARGS` in the scratch workspace with a cleared environment, under `grade
/// build-exec` (limits, and no process outlives the grader), in a process group of its own
/// (killed whole at the end), for at most the settings' timeout. Its stderr goes to
/// `<cache>/build/<log>.txt` and is read back from there.
fn run_cargo(
    scratch: &Scratch,
    args: &[String],
    settings: &BuildSettings,
    log: &str,
) -> Result<CargoRun, BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let log_dir = scratch.root().join("build");
    fs::create_dir_all(&log_dir)
        .map_err(|e| BuildError::Tooling(format!("create {}: {e}", log_dir.display())))?;
    let stderr_path = log_dir.join(format!("{log}.txt"));
    let stderr = crate::fsutil::create_private(&stderr_path)
        .map_err(|e| BuildError::Tooling(format!("create {}: {e}", stderr_path.display())))?;
    let mut command = Command::new(&settings.helper);
    command.args(settings.limits.args()).arg("--");
    match &settings.user {
        None => {
            command
                .arg(&cargo)
                .args(args)
                .env_clear()
                .envs(KEPT_VARS.iter().filter_map(|k| std::env::var_os(k).map(|v| (k, v))));
        }
        Some(user) => {
            // The mirrored toolchain and registry; nothing of root's home.
            let path = std::env::join_paths(
                [user.toolchain_bin.clone()]
                    .into_iter()
                    .chain(["/usr/local/bin", "/usr/bin", "/bin"].map(PathBuf::from)),
            )
            .map_err(|e| BuildError::Tooling(e.to_string()))?;
            command
                .arg(user.toolchain_bin.join("cargo"))
                .args(args)
                .env_clear()
                .env("CARGO_NET_OFFLINE", "true")
                .env("PATH", path)
                .env("HOME", &user.cargo_home)
                .env("CARGO_HOME", &user.cargo_home)
                .env("RUSTC", user.toolchain_bin.join("rustc"))
                .env("LANG", "C.UTF-8")
                .uid(user.uid)
                .gid(user.uid);
        }
    }
    command
        .current_dir(scratch.workspace())
        .env("CARGO_TARGET_DIR", scratch.target())
        .env("CARGO_TERM_COLOR", "never")
        // No incremental state carried from one submission's build to the next: the student crates
        // and the suites are rebuilt for each submission anyway, and a stale incremental cache
        // once left `labtests` with symbols its test binaries could not link.
        .env("CARGO_INCREMENTAL", "0")
        // File and line in every panic and backtrace, without the full debug information, which
        // took a fifth of each submission's build (measured: 9.4 s against 7.2 s on two cores).
        .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
        // Never written to: its end tells `build-exec` that the grader is gone.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .process_group(0);
    let mut child = command.spawn().map_err(|e| {
        BuildError::Tooling(format!("cannot run {}: {e} (build the grade binary)", settings.helper.display()))
    })?;
    let watched = child.stdin.take();
    // Read cargo's stdout on a thread so a full pipe cannot stall the build.
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let waited = wait_with_timeout(&mut child, settings.timeout);
    kill_group(child.id());
    let _ = child.wait();
    drop(watched);
    let stdout = reader.join().unwrap_or_default();
    let status = match waited {
        Waited::Exited(status) => status,
        Waited::TimedOut => return Err(BuildError::TimedOut(settings.timeout)),
        Waited::Failed(e) => return Err(BuildError::Tooling(format!("waiting for cargo: {e}"))),
        Waited::Stopped(why) => return Err(BuildError::Tooling(format!("cargo was stopped: {why}"))),
    };
    let stderr = read_log(&stderr_path);
    if status.code() == Some(126) && stderr.contains("grade build-exec:") {
        return Err(BuildError::Tooling(stderr.trim().to_string()));
    }
    Ok(CargoRun { success: status.success(), stdout, stderr })
}

/// The build log at `path`, at most its first 4 MiB (the grader wrote it; cargo's messages).
fn read_log(path: &std::path::Path) -> String {
    let mut text = Vec::new();
    if let Ok(file) = fs::File::open(path) {
        let _ = file.take(4 << 20).read_to_end(&mut text);
    }
    String::from_utf8_lossy(&text).into_owned()
}

/// The test binaries of `suites` named in cargo's JSON messages.
fn executables(json: &str, suites: &[String]) -> Result<BTreeMap<String, PathBuf>, BuildError> {
    let mut found = BTreeMap::new();
    for line in json.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let is_test = message["target"]["kind"].as_array().is_some_and(|k| k.iter().any(|v| v == "test"));
        let (Some(name), Some(exe)) = (message["target"]["name"].as_str(), message["executable"].as_str())
        else {
            continue;
        };
        if is_test && suites.iter().any(|s| s == name) {
            found.insert(name.to_string(), PathBuf::from(exe));
        }
    }
    if let Some(missing) = suites.iter().find(|s| !found.contains_key(*s)) {
        return Err(BuildError::Tooling(format!(
            "cargo built no test binary for the graded suite {missing:?}: is tests/tests/{missing}.rs in the reference?"
        )));
    }
    Ok(found)
}

/// Turns cargo's stderr into the part a student needs: the errors, without progress lines.
fn compile_error(stderr: &str, scratch: &Scratch) -> BuildError {
    let foreign = compiler_reads::foreign_locations(stderr, &scratch.workspace(), &registry_sources());
    if !foreign.is_empty() {
        // Those errors quote the files they point at: none of it is shown.
        return BuildError::Forbidden {
            diagnostics: format!(
                "the compiler's errors point into files outside the submission's src/ directories; they are \
                 not shown, since they would quote those files:\n  {}",
                foreign.join("\n  ")
            ),
            hints: vec![READS_HINT.to_string()],
        };
    }
    let workspace = format!("{}/", scratch.workspace().display());
    let mut kept = Vec::new();
    for line in stderr.lines() {
        let trimmed = line.trim_start();
        let progress =
            ["Compiling ", "Checking ", "Downloading ", "Downloaded ", "Updating ", "Locking ", "Blocking "]
                .iter()
                .any(|p| trimmed.starts_with(p));
        if !progress {
            kept.push(crate::fsutil::printable(&line.replace(&workspace, "")));
        }
    }
    const MAX_LINES: usize = 150;
    if kept.len() > MAX_LINES {
        let more = kept.len() - MAX_LINES;
        kept.truncate(MAX_LINES);
        kept.push(format!("... ({more} more lines)"));
    }
    let text = kept.join("\n");
    let mut hints = Vec::new();
    if text.contains("unsafe_code") || text.contains("unsafe-code") || text.contains("usage of an `unsafe`") {
        hints.push(
            "unsafe code is not allowed in this lab: the grader compiles viewservice and pbservice with \
             unsafe_code = \"forbid\" (which also refuses #[no_mangle], #[export_name] and #[link_section])"
                .to_string(),
        );
    }
    if text.contains("SIGXCPU") || text.contains("signal: 24") || text.contains("SIGKILL") {
        hints.push(
            "the compiler was stopped by the grader's limits (CPU time or memory per compiler process): \
             something in the submission makes compiling run far longer than the reference's"
                .to_string(),
        );
    }
    if text.contains("long_running_const_eval") || text.contains("long-running-const-eval") {
        hints.push(
            "a constant's evaluation ran too long (a loop in a const?): the grader forbids \
             long_running_const_eval, so #[allow] cannot lift it"
                .to_string(),
        );
    }
    if text.contains("E0432") || text.contains("E0433") || text.contains("can't find crate") {
        hints.push(
            "only the dependencies of the reference's manifests are available (labrpc, viewservice, serde, \
             log, parking_lot, rand...): a dependency added to your Cargo.toml is ignored"
                .to_string(),
        );
    }
    if text.contains("E0425") || text.contains("E0599") || text.contains("E0061") {
        hints.push(
            "the tests call the public API of the handout (names and signatures): keep it as the handout \
             declares it"
                .to_string(),
        );
    }
    if text.contains("failed to get") || text.contains("offline") || text.contains("network") {
        hints.push(
            "cargo needed the network: fetch the dependencies once (cargo fetch) before grading offline"
                .into(),
        );
    }
    BuildError::Compile { diagnostics: text, hints }
}

/// The cargo and rustc versions, for the report header.
pub fn toolchain_version() -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "cargo (version unknown)".into())
}
