//! Stub mutants: the reference with one function stubbed, exactly as the handout stubs it (the
//! same [`markers`] code). There is one for every SOLUTION region outside a PRIVATE block, so
//! `grade mutants` proves that a handout with any one region left as its stub fails at least one
//! test, and that the failure names the function ("not implemented: `Type::function`: ...").
//! Regions inside PRIVATE blocks have no stub in the handout, so no mutant.

use std::fs;
use std::path::Path;

use super::handout::{max_width, rust_files};
use super::markers;
use super::materialize;
use crate::submission::STUDENT_CRATES;

/// One region the handout stubs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StubSite {
    /// The file, relative to the workspace (`viewservice/src/server.rs`).
    pub file: String,
    /// The crate it belongs to.
    pub krate: String,
    /// The 1-based line of the region's BEGIN marker.
    pub line: usize,
    /// The function the stub names (`ViewServer::tick`).
    pub function: String,
    /// The stub's message (`ViewServer::tick: hint`).
    pub message: String,
}

impl StubSite {
    /// What a test's failure must show to name this stub: the panic's text up to the function's
    /// name and the colon after it (so `tick` is not taken for `tick_all`).
    pub fn panic_text(&self) -> String {
        format!("not implemented: {}:", self.function)
    }
}

/// Every region of the reference's student crates that the handout stubs, by crate, file and
/// line.
pub fn sites(reference: &Path) -> Result<Vec<StubSite>, String> {
    let mut sites = Vec::new();
    for krate in STUDENT_CRATES {
        for file in rust_files(&reference.join(krate).join("src")) {
            let relative = file.strip_prefix(reference).unwrap_or(&file).display().to_string();
            let text = fs::read_to_string(&file).map_err(|e| format!("cannot read {relative}: {e}"))?;
            let marked = markers::parse(&text).map_err(|e| format!("{relative}: {e}"))?;
            sites.extend(marked.stubbed().map(|region| StubSite {
                file: relative.clone(),
                krate: krate.to_string(),
                line: region.line,
                function: region.function.clone(),
                message: region.message(),
            }));
        }
    }
    Ok(sites)
}

/// The mutant names of `sites`, in order: `stub:CRATE::Type::function`, with `@LINE` after
/// the names that would otherwise be the same.
pub fn names(sites: &[StubSite]) -> Vec<String> {
    let base = |site: &StubSite| format!("stub:{}::{}", site.krate, site.function);
    sites
        .iter()
        .map(|site| {
            let name = base(site);
            match sites.iter().filter(|other| base(other) == name).count() {
                1 => name,
                _ => format!("{name}@{}", site.line),
            }
        })
        .collect()
}

/// Writes the submission of the stub mutant `site` into `dest`: the reference's student crates
/// with only that region stubbed.
pub fn materialize(reference: &Path, site: &StubSite, dest: &Path) -> Result<(), String> {
    materialize::copy_reference(reference, dest).map_err(|e| format!("copying the reference: {e}"))?;
    let path = dest.join(&site.file);
    let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", site.file))?;
    let stubbed = markers::stub_one(&text, site.line, max_width(reference))
        .map_err(|e| format!("{}: {e}", site.file))?;
    fs::write(&path, stubbed).map_err(|e| format!("cannot write {}: {e}", site.file))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn reference() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// The regions of `text` outside PRIVATE blocks, read line by line without the markers
    /// module: (line, hint).
    fn public_regions(text: &str) -> Vec<(usize, String)> {
        let mut private = false;
        let mut found = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.starts_with("// BEGIN PRIVATE") {
                private = true;
            } else if line.starts_with("// END PRIVATE") {
                private = false;
            } else if let Some(hint) = line.strip_prefix("// BEGIN SOLUTION").filter(|_| !private) {
                found.push((index + 1, hint.trim_start_matches(':').trim().to_string()));
            }
        }
        found
    }

    #[test]
    fn there_is_one_stub_mutant_per_region_outside_the_private_blocks() {
        let reference = reference();
        let sites = sites(&reference).unwrap();
        let mut wanted = Vec::new();
        for krate in STUDENT_CRATES {
            for file in rust_files(&reference.join(krate).join("src")) {
                let relative = file.strip_prefix(&reference).unwrap().display().to_string();
                let text = fs::read_to_string(&file).unwrap();
                wanted.extend(
                    public_regions(&text).into_iter().map(|(line, hint)| (relative.clone(), line, hint)),
                );
            }
        }
        let got: Vec<(String, usize, String)> = sites
            .iter()
            .map(|s| (s.file.clone(), s.line, s.message.split_once(": ").unwrap().1.to_string()))
            .collect();
        assert_eq!(got, wanted);
        assert!(sites.len() >= 12, "only {} stub mutants", sites.len());
        // The names are unique and say which function is stubbed.
        let names = names(&sites);
        let unique: std::collections::BTreeSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert!(names.contains(&"stub:viewservice::ViewServer::tick".to_string()), "{names:?}");
        assert!(names.contains(&"stub:pbservice::PbServer::tick".to_string()), "{names:?}");
        assert!(names.contains(&"stub:pbservice::Clerk::new".to_string()), "{names:?}");
    }

    #[test]
    fn names_that_would_clash_carry_their_line() {
        let site = |line, function: &str| StubSite {
            file: "a/src/x.rs".into(),
            krate: "a".into(),
            line,
            function: function.into(),
            message: format!("{function}: h"),
        };
        let sites = [site(3, "X::f"), site(9, "X::f"), site(12, "X::g")];
        assert_eq!(names(&sites), ["stub:a::X::f@3", "stub:a::X::f@9", "stub:a::X::g"]);
        assert_eq!(sites[2].panic_text(), "not implemented: X::g:");
    }

    #[test]
    fn a_stub_mutant_differs_from_the_reference_only_by_its_stub() {
        let reference = reference();
        let sites = sites(&reference).unwrap();
        let site =
            sites.iter().find(|s| s.function == "ViewServer::tick").expect("ViewServer::tick is stubbed");
        let dest = tempfile::tempdir().unwrap();
        materialize(&reference, site, dest.path()).unwrap();
        let original = fs::read_to_string(reference.join(&site.file)).unwrap();
        let mutant = fs::read_to_string(dest.path().join(&site.file)).unwrap();
        let (before, after): (Vec<&str>, Vec<&str>) = (original.lines().collect(), mutant.lines().collect());
        let end = before[site.line..].iter().position(|l| l.trim() == "// END SOLUTION").unwrap() + site.line;
        let expected: Vec<String> = before[..site.line - 1]
            .iter()
            .map(|l| l.to_string())
            .chain(markers::stub_lines("        ", &site.message, max_width(&reference)))
            .chain(before[end + 1..].iter().map(|l| l.to_string()))
            .collect();
        assert_eq!(after, expected);
        // The other files are the reference's.
        for other in sites.iter().filter(|s| s.file != site.file) {
            let original = fs::read(reference.join(&other.file)).unwrap();
            assert_eq!(fs::read(dest.path().join(&other.file)).unwrap(), original, "{}", other.file);
        }
    }
}
