//! What the compiler read while building the student crates, checked against the submission's
//! own `src/` directories.
//!
//! The source check ([`crate::policy`]) refuses the forms that read files at compile time, but
//! a token check cannot see everything a macro may assemble. Two checks after the compiler ran
//! close the gap:
//!
//! - [`foreign_dependencies`]: rustc writes a dep-info file (`<crate>-<hash>.d`) listing every
//!   file it read for a crate: modules, `include_str!` targets, debugger visualizers. Every file
//!   listed for a student crate must lie inside one of the student crates' `src/`.
//! - [`foreign_locations`]: a failed build's errors quote the lines they point at. An error
//!   located in a file outside the workspace (a module taken from `/root/...`, say) would show
//!   that file's text, so such diagnostics are withheld.

use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::submission::STUDENT_CRATES;

/// The largest dep-info file read (a student crate's lists a few dozen files).
const MAX_DEP_INFO_BYTES: u64 = 1 << 20;

/// Files that cargo's JSON messages (`stdout` of a `--message-format=json...` build) say rustc
/// read for a student crate's library, outside the student crates' `src/` in `workspace`.
/// A dep-info file that cannot be read counts as foreign (it is named instead).
pub fn foreign_dependencies(cargo_json: &str, workspace: &Path) -> Vec<PathBuf> {
    let mut foreign = Vec::new();
    for dep_info in student_dep_infos(cargo_json) {
        match read_bounded(&dep_info) {
            Some(text) => foreign.extend(
                dependencies(&text)
                    .into_iter()
                    .map(|dep| normalize(&workspace.join(dep)))
                    .filter(|dep| !is_student_source(dep, workspace) && !is_grader_config(dep, workspace)),
            ),
            None => foreign.push(dep_info),
        }
    }
    foreign.sort();
    foreign.dedup();
    foreign
}

/// The dep-info files of the student crates' libraries named in cargo's JSON messages: for an
/// artifact `.../deps/libNAME-HASH.rlib` (or `.rmeta`), `.../deps/NAME-HASH.d`.
fn student_dep_infos(cargo_json: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for line in cargo_json.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let Some(name) = message["target"]["name"].as_str() else { continue };
        if !STUDENT_CRATES.contains(&name) {
            continue;
        }
        for file in message["filenames"].as_array().into_iter().flatten().filter_map(|f| f.as_str()) {
            let file = Path::new(file);
            let Some(stem) = file.file_stem().and_then(|s| s.to_str()) else { continue };
            if let Some(unprefixed) = stem.strip_prefix("lib") {
                found.push(file.with_file_name(format!("{unprefixed}.d")));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The files a dep-info file lists: each has a rule of its own, `PATH:` with nothing after.
fn dependencies(text: &str) -> Vec<PathBuf> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.strip_suffix(':'))
        .filter(|path| !path.is_empty())
        .map(|path| PathBuf::from(path.replace("\\ ", " ")))
        .collect()
}

/// Whether `path` (absolute, normalized) lies inside a student crate's `src/` in `workspace`.
fn is_student_source(path: &Path, workspace: &Path) -> bool {
    STUDENT_CRATES.iter().any(|krate| path.starts_with(workspace.join(krate).join("src")))
}

/// The configuration files that the grader itself puts in the scratch workspace (from the
/// reference) and that clippy lists among what it read: the manifests and `clippy.toml`.
fn is_grader_config(path: &Path, workspace: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(workspace) else { return false };
    let names: Vec<_> = relative.components().map(|c| c.as_os_str()).collect();
    let config =
        |name: &std::ffi::OsStr| name == "Cargo.toml" || name == "clippy.toml" || name == ".clippy.toml";
    match names.as_slice() {
        [name] => config(name),
        [krate, name] => STUDENT_CRATES.iter().any(|k| krate == k) && config(name),
        _ => false,
    }
}

/// `path` with `.` and `..` resolved by name (the scratch workspace holds no symbolic links).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The text of a regular file of at most [`MAX_DEP_INFO_BYTES`], opened without following
/// links or blocking; `None` otherwise.
fn read_bounded(path: &Path) -> Option<String> {
    use nix::fcntl::OFlag;
    use std::os::unix::fs::OpenOptionsExt;
    let file = fs::File::options()
        .read(true)
        .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK).bits())
        .open(path)
        .ok()
        .filter(|f| f.metadata().is_ok_and(|m| m.is_file() && m.len() <= MAX_DEP_INFO_BYTES))?;
    let mut text = String::new();
    file.take(MAX_DEP_INFO_BYTES).read_to_string(&mut text).ok()?;
    Some(text)
}

/// The files that rendered compiler diagnostics point at (`--> PATH:L:C` or `::: PATH:L:C`)
/// outside `workspace` and the `public` directories (the dependencies' sources in cargo's
/// registry), other than the standard library's (`/rustc/...`, not a real path).
pub fn foreign_locations(diagnostics: &str, workspace: &Path, public: &[PathBuf]) -> Vec<String> {
    let mut foreign = Vec::new();
    for line in diagnostics.lines() {
        let trimmed = line.trim_start();
        let Some(location) = trimmed.strip_prefix("--> ").or_else(|| trimmed.strip_prefix("::: ")) else {
            continue;
        };
        // PATH:LINE:COLUMN; the path itself may hold colons.
        let path = location.rsplitn(3, ':').nth(2).unwrap_or(location);
        let resolved = normalize(&workspace.join(path));
        let allowed = resolved.starts_with(workspace)
            || path.starts_with("/rustc/")
            || public.iter().any(|dir| resolved.starts_with(dir));
        if !allowed {
            foreign.push(crate::fsutil::printable(path));
        }
    }
    foreign.sort();
    foreign.dedup();
    foreign
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_info_names_every_file_read() {
        let text = "/t/deps/viewservice-ab.d: viewservice/src/lib.rs /etc/host\\ name\n\n\
                    viewservice/src/lib.rs:\n/etc/host\\ name:\n# env-dep:X=1\n";
        assert_eq!(
            dependencies(text),
            vec![PathBuf::from("viewservice/src/lib.rs"), PathBuf::from("/etc/host name")]
        );
    }

    #[test]
    fn only_student_sources_pass() {
        let ws = Path::new("/cache/workspace");
        assert!(is_student_source(&normalize(&ws.join("pbservice/src/server.rs")), ws));
        assert!(is_student_source(&normalize(&ws.join("pbservice/src/../src/a.rs")), ws));
        assert!(!is_student_source(&normalize(&ws.join("pbservice/src/../../tests/src/lib.rs")), ws));
        assert!(!is_student_source(&normalize(Path::new("/work/reference/pbservice/src/server.rs")), ws));
        assert!(!is_student_source(&normalize(&ws.join("pbservice/srcx/a.rs")), ws));
    }

    #[test]
    fn the_graders_own_configuration_is_not_foreign() {
        let ws = Path::new("/cache/workspace");
        for file in ["Cargo.toml", "clippy.toml", "pbservice/clippy.toml", "viewservice/Cargo.toml"] {
            assert!(is_grader_config(&ws.join(file), ws), "{file}");
        }
        for file in ["labrpc/Cargo.toml", "pbservice/src2/clippy.toml", "tests/clippy.toml", "secret.toml"] {
            assert!(!is_grader_config(&ws.join(file), ws), "{file}");
        }
        assert!(!is_grader_config(Path::new("/etc/Cargo.toml"), ws));
    }

    #[test]
    fn a_dep_info_file_is_found_from_the_artifact() {
        let json = r#"{"reason":"compiler-artifact","target":{"name":"pbservice","kind":["lib"]},"filenames":["/t/debug/deps/libpbservice-0a1b.rlib","/t/debug/deps/libpbservice-0a1b.rmeta"]}
{"reason":"compiler-artifact","target":{"name":"serde","kind":["lib"]},"filenames":["/t/debug/deps/libserde-99.rlib"]}"#;
        assert_eq!(student_dep_infos(json), vec![PathBuf::from("/t/debug/deps/pbservice-0a1b.d")]);
    }

    #[test]
    fn diagnostics_in_foreign_files_are_found() {
        let ws = Path::new("/cache/workspace");
        let text = "error: expected item, found `root`\n --> /etc/shadow:1:1\n  |\n1 | root:$y$...\n\
                    error[E0308]: mismatched types\n   --> pbservice/src/server.rs:3:5\n\
                    note: defined here\n   ::: /rustc/abc/library/core/src/option.rs:10:1\n\
                    ::: /root/.cargo/registry/src/index.crates.io-1/serde-1.0.0/src/de.rs:5:1\n\
                    --> viewservice/src/../../../../etc/passwd:2:3\n";
        let registry = [PathBuf::from("/root/.cargo/registry/src")];
        assert_eq!(
            foreign_locations(text, ws, &registry),
            vec!["/etc/shadow", "viewservice/src/../../../../etc/passwd"]
        );
    }
}
