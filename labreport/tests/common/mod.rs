//! What the runners' tests share: a cargo played by a shell script, which "builds" test binaries
//! that are shell scripts too, so that a failure, a crash or a hang comes on cue.

use std::path::{Path, PathBuf};

/// A directory holding a cargo that "builds" the test binaries given (name, script) and
/// records its arguments in `cargo-args`; each binary is a shell script run with the runner's
/// arguments, in the directory `pkg` (its package). Removed when dropped.
pub struct FakeCargo {
    /// The directory.
    pub dir: PathBuf,
}

impl FakeCargo {
    /// A fake cargo for the test `test` of the runner `runner`, building `binaries`.
    pub fn new(runner: &str, test: &str, binaries: &[(&str, &str)]) -> FakeCargo {
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{runner}-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        let mut cargo = format!(
            "#!/bin/sh\necho \"$*\" > '{}'\necho '   Compiling pkg v0.1.0' >&2\n",
            dir.join("cargo-args").display()
        );
        for (name, script) in binaries {
            let exe = dir.join(name);
            write_script(&exe, &format!("#!/bin/sh\n{script}"));
            cargo.push_str(&format!(
                "echo '{{\"reason\":\"compiler-artifact\",\"manifest_path\":\"{pkg}/Cargo.toml\",\
                 \"target\":{{\"kind\":[\"test\"],\"name\":\"{name}\",\"src_path\":\"{pkg}/tests/{name}.rs\"}},\
                 \"profile\":{{\"test\":true}},\"executable\":\"{exe}\"}}'\n",
                pkg = dir.join("pkg").display(),
                exe = exe.display(),
            ));
        }
        cargo.push_str("echo '{\"reason\":\"build-finished\",\"success\":true}'\n");
        write_script(&dir.join("cargo"), &cargo);
        FakeCargo { dir }
    }

    /// The fake cargo itself.
    pub fn cargo(&self) -> PathBuf {
        self.dir.join("cargo")
    }

    /// The arguments it was last run with.
    #[allow(dead_code)] // lab_test.rs does not ask
    pub fn cargo_args(&self) -> String {
        std::fs::read_to_string(self.dir.join("cargo-args")).unwrap_or_default().trim().to_string()
    }
}

impl Drop for FakeCargo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn write_script(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}
