//! Proof on data nobody here wrote: every history of the external linearizability data
//! (Porcupine's key/value logs and Jepsen's etcd logs) gets the verdict its publishers give,
//! with and without per-key partitioning for the key/value files.

use std::time::Duration;

use lincheck::formats::external_data::{catalog, default_dir, DataFile};
use lincheck::formats::{load, LoadedHistory};
use lincheck::{check, CheckOptions, KvModel, RegisterModel, Verdict};

/// Far above what any file takes (the slowest takes well under a second): a hang is reported as
/// a wrong "unknown" verdict instead of a stuck test.
const LIMIT: Duration = Duration::from_secs(60);

fn data_files() -> Vec<DataFile> {
    catalog(&default_dir()).unwrap_or_else(|e| panic!("{e}"))
}

/// Checks one file; returns a sentence if its verdict disagrees.
fn disagreement(file: &DataFile, options: &CheckOptions) -> Option<String> {
    let history = load(&file.path).unwrap_or_else(|e| panic!("{e}")).history;
    let (verdict, elapsed) = match &history {
        LoadedHistory::Kv(h) => {
            let report = check(&KvModel, h, options);
            (report.verdict, report.elapsed)
        }
        LoadedHistory::Register(h) => {
            let report = check(&RegisterModel, h, options);
            (report.verdict, report.elapsed)
        }
    };
    println!("{:<16} {:>5} ops  {:<18} {:>10.2?}", file.name(), history.len(), verdict.to_string(), elapsed);
    (verdict != file.expected).then(|| format!("{}: expected {}, got {verdict}", file.name(), file.expected))
}

fn check_all(model: &str, options: &CheckOptions, expected_files: usize) {
    let files: Vec<DataFile> = data_files().into_iter().filter(|f| f.model == model).collect();
    assert_eq!(
        files.len(),
        expected_files,
        "the external data should hold {expected_files} {model} histories"
    );
    let wrong: Vec<String> = files.iter().filter_map(|file| disagreement(file, options)).collect();
    assert!(wrong.is_empty(), "{} of {} verdicts disagree:\n{}", wrong.len(), files.len(), wrong.join("\n"));
}

/// c01-ok, c01-bad, c10-ok and c10-bad, checked per key.
#[test]
fn kv_files_get_their_verdicts_with_partitioning() {
    println!("Porcupine's key/value histories, partitioned per key");
    check_all(KvModel::NAME, &CheckOptions::default().with_time_limit(LIMIT), 4);
}

/// The same four files as one search over all keys.
#[test]
fn kv_files_get_their_verdicts_without_partitioning() {
    println!("Porcupine's key/value histories, all keys in one search");
    check_all(KvModel::NAME, &CheckOptions::default().without_partitioning().with_time_limit(LIMIT), 4);
}

/// The 50 etcd files of verdicts.txt.
#[test]
fn etcd_files_get_their_verdicts() {
    println!("Jepsen's etcd histories, a register with compare-and-set");
    check_all(RegisterModel::NAME, &CheckOptions::default().with_time_limit(LIMIT), 50);
}

/// The catalog covers every file of the data directory, and both verdicts occur.
#[test]
fn every_data_file_has_a_verdict() {
    let files = data_files();
    assert_eq!(files.len(), 54, "expected 4 key/value and 50 etcd histories");
    for expected in [Verdict::Linearizable, Verdict::NotLinearizable] {
        assert!(files.iter().any(|f| f.expected == expected), "no file is expected to be {expected}");
    }
}
