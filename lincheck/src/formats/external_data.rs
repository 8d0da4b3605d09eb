//! The catalog of the external linearizability data (`lincheck/data/linearizability/`, carried in
//! this crate): every history file with its model and its known verdict, for the data tests and
//! the benchmark.
//!
//! The data is not ours: it is the test data of the Porcupine checker (MIT License, Copyright (c)
//! Anish Athalye); the etcd histories were recorded by Jepsen against etcd (collected by the
//! linearizability-checker project of A. Horn).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::checker::Verdict;
use crate::models::kv::KvModel;
use crate::models::register::RegisterModel;

/// One history file with the verdict its publishers give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataFile {
    /// The file.
    pub path: PathBuf,
    /// Its model's name: [`KvModel::NAME`] or [`RegisterModel::NAME`].
    pub model: &'static str,
    /// [`Verdict::Linearizable`] or [`Verdict::NotLinearizable`].
    pub expected: Verdict,
}

impl DataFile {
    /// The file's name, such as `c10-ok.txt`.
    pub fn name(&self) -> String {
        self.path.file_name().map_or_else(String::new, |name| name.to_string_lossy().into_owned())
    }
}

/// The data directory this crate carries: `lincheck/data/linearizability`.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/linearizability")
}

/// Why the catalog could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogError(pub String);

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CatalogError {}

/// Every history file under `dir` with its expected verdict: `kv/*.txt` (verdict from the name,
/// `-ok` or `-bad`, as in the data's README) and `etcd/*.log` (from `etcd/verdicts.txt`).
/// Fails if the directory is missing, or if a file has no verdict or a verdict no file.
pub fn catalog(dir: &Path) -> Result<Vec<DataFile>, CatalogError> {
    if !dir.is_dir() {
        return Err(CatalogError(format!(
            "the linearizability data is missing: no directory {}. It is part of the repository \
             (lincheck/data/linearizability): restore it from version control.",
            dir.display()
        )));
    }
    let mut files = Vec::new();
    for path in list(&dir.join("kv"), "txt")? {
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let expected = if name.ends_with("-ok.txt") {
            Verdict::Linearizable
        } else if name.ends_with("-bad.txt") {
            Verdict::NotLinearizable
        } else {
            return Err(CatalogError(format!(
                "{}: the name ends in neither -ok.txt nor -bad.txt",
                path.display()
            )));
        };
        files.push(DataFile { path, model: KvModel::NAME, expected });
    }
    let etcd = dir.join("etcd");
    let verdicts_path = etcd.join("verdicts.txt");
    let verdicts = std::fs::read_to_string(&verdicts_path)
        .map_err(|e| CatalogError(format!("{}: cannot read the verdicts: {e}", verdicts_path.display())))?;
    let mut logs = list(&etcd, "log")?;
    for (index, line) in verdicts.lines().enumerate() {
        let mut words = line.split_whitespace();
        let (Some(name), Some(verdict), None) = (words.next(), words.next(), words.next()) else {
            if line.trim().is_empty() {
                continue;
            }
            return Err(CatalogError(format!(
                "{}:{}: expected `FILE linearizable` or `FILE not-linearizable`, found {line:?}",
                verdicts_path.display(),
                index + 1
            )));
        };
        let expected = match verdict {
            "linearizable" => Verdict::Linearizable,
            "not-linearizable" => Verdict::NotLinearizable,
            other => {
                return Err(CatalogError(format!(
                    "{}:{}: unknown verdict {other:?}; expected linearizable or not-linearizable",
                    verdicts_path.display(),
                    index + 1
                )))
            }
        };
        let Some(position) = logs.iter().position(|p| p.file_name().is_some_and(|n| n == name)) else {
            return Err(CatalogError(format!(
                "{}:{}: {name} has a verdict but no file (or two verdicts)",
                verdicts_path.display(),
                index + 1
            )));
        };
        files.push(DataFile { path: logs.remove(position), model: RegisterModel::NAME, expected });
    }
    if let Some(orphan) = logs.first() {
        return Err(CatalogError(format!(
            "{} has no verdict in {}",
            orphan.display(),
            verdicts_path.display()
        )));
    }
    Ok(files)
}

/// The files in `dir` ending in `.extension`, sorted by name.
fn list(dir: &Path, extension: &str) -> Result<Vec<PathBuf>, CatalogError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| CatalogError(format!("{}: cannot list the directory: {e}", dir.display())))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| CatalogError(format!("{}: cannot list the directory: {e}", dir.display())))?
            .path();
        if path.extension().is_some_and(|e| e == extension) {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}
