//! Every planted bug (`grading/mutants/*.patch`) and every fixture (`grading/fixtures/*/`) is a
//! patch against the reference: a change to the reference's text near a patched line (a hint, a
//! comment) breaks it silently until someone runs `make mutants` or the fixture's slow test. This
//! builds each one on a fresh copy of the reference, without compiling: a second or two in all.

mod common;

use std::fs;
use std::path::PathBuf;

use grading::authoring::materialize::{apply_patch, copy_reference, fixture};

/// The entries of `dir` (sorted), keeping those `keep` accepts.
fn entries(dir: PathBuf, keep: impl Fn(&PathBuf) -> bool) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> =
        fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| keep(p)).collect();
    found.sort();
    found
}

#[test]
fn every_mutant_and_fixture_applies_to_the_reference() {
    let reference = common::reference();
    let mut broken = Vec::new();
    let mutants = entries(reference.join("grading/mutants"), |p| p.extension().is_some_and(|e| e == "patch"));
    assert!(mutants.len() >= 20, "only {} mutants found", mutants.len());
    for patch in &mutants {
        let dest = tempfile::tempdir().unwrap();
        copy_reference(&reference, dest.path()).unwrap();
        if let Err(error) = apply_patch(patch, dest.path()) {
            broken.push(error);
        }
    }
    let fixtures = entries(reference.join("grading/fixtures"), |p| p.is_dir());
    assert!(fixtures.len() >= 10, "only {} fixtures found", fixtures.len());
    for dir in &fixtures {
        let dest = tempfile::tempdir().unwrap();
        if let Err(error) = fixture(&reference, dir, dest.path()) {
            broken.push(format!("{}: {error}", dir.display()));
        }
    }
    assert!(broken.is_empty(), "{} patch(es) no longer apply:\n{}", broken.len(), broken.join("\n"));
}
