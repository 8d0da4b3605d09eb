//! The `lincheck` command as course staff use it: one line per file, exit status by verdict,
//! errors that name the file and line, timelines on request.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lincheck::formats::external_data::{catalog, default_dir, DataFile};
use lincheck::json::to_json_lines;
use lincheck::{History, KvInput, KvOutput, Operation, Outcome, Stamp, Verdict};

fn data(name: &str) -> PathBuf {
    let files: Vec<DataFile> = catalog(&default_dir()).unwrap_or_else(|e| panic!("{e}"));
    files
        .into_iter()
        .find(|f| f.name() == name)
        .unwrap_or_else(|| panic!("{name} is in the external data"))
        .path
}

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("lincheck-cli-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

fn lincheck(args: &[&str]) -> (i32, String) {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_lincheck"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run lincheck: {e}"));
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

fn path(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

#[test]
fn linearizable_files_exit_zero_with_a_line_each() {
    let (ok1, ok10) = (data("c01-ok.txt"), data("c10-ok.txt"));
    let (code, out) = lincheck(&["--model", "kv", path(&ok1), path(&ok10)]);
    assert_eq!(code, 0, "{out}");
    let verdict_lines: Vec<&str> = out.lines().filter(|l| l.starts_with("linearizable ")).collect();
    assert_eq!(verdict_lines.len(), 2, "{out}");
    assert!(verdict_lines[0].contains("c01-ok.txt") && verdict_lines[0].contains("58 ops"), "{out}");
    assert!(out.contains("2 files: 2 linearizable, 0 not linearizable"), "{out}");
}

#[test]
fn a_violation_exits_one_and_says_where() {
    let (bad, ok) = (data("c01-bad.txt"), data("c01-ok.txt"));
    let (code, out) = lincheck(&["--explain", path(&ok), path(&bad)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.lines().any(|l| l.starts_with("NOT linearizable") && l.contains("c01-bad.txt")), "{out}");
    assert!(out.contains("key \"7\": no linearization"), "{out}");
    assert!(out.contains("Longest linearizable prefix"), "--explain shows the prefix:\n{out}");
    let (code, out) = lincheck(&["--no-partition", path(&bad)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("1 partition"), "{out}");
}

#[test]
fn register_files_are_read_as_register_histories() {
    let files = catalog(&default_dir()).unwrap_or_else(|e| panic!("{e}"));
    let etcd: Vec<&DataFile> = files.iter().filter(|f| f.model == "register").take(10).collect();
    let args: Vec<&str> =
        ["--model", "register"].into_iter().chain(etcd.iter().map(|f| path(&f.path))).collect();
    let (code, out) = lincheck(&args);
    let bad = etcd.iter().filter(|f| f.expected == Verdict::NotLinearizable).count();
    assert_eq!(code, if bad > 0 { 1 } else { 0 }, "{out}");
    for file in &etcd {
        let line = out
            .lines()
            .find(|l| l.contains(&file.name()))
            .unwrap_or_else(|| panic!("no line for {}", file.name()));
        assert!(
            line.starts_with(&format!("{} ", file.expected)),
            "{} should be {}: {line}",
            file.name(),
            file.expected
        );
    }
}

#[test]
fn malformed_files_are_errors_naming_the_line() {
    let dir = scratch("malformed");
    let broken = dir.join("broken.txt");
    let good = r#"{:process 1, :type :invoke, :f :get, :key "a", :value nil}"#;
    std::fs::write(&broken, format!("{good}\n{{:process 1, :type :ok, :f :get, :key \"a\", :value\n"))
        .expect("write");
    let (code, out) = lincheck(&[path(&broken), path(&data("c01-ok.txt"))]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains(&format!("{}:2: ", broken.display())), "the error names file and line:\n{out}");
    assert!(out.contains("1 unreadable"), "{out}");
    assert!(!out.contains("panicked"), "{out}");

    let (code, out) = lincheck(&[path(&dir.join("missing.txt"))]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cannot read the file"), "{out}");

    let (code, out) = lincheck(&["--model", "register", path(&data("c01-ok.txt"))]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("holds a kv history, but --model register was given"), "{out}");

    let (code, out) = lincheck(&["--model", "graph", path(&data("c01-ok.txt"))]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("kv") && out.contains("register"), "clap lists the models:\n{out}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn timelines_are_written_on_request() {
    let dir = scratch("html");
    let one = dir.join("one.html");
    let (code, out) = lincheck(&["--html", path(&one), path(&data("c01-bad.txt"))]);
    assert_eq!(code, 1, "{out}");
    let page = std::fs::read_to_string(&one).unwrap_or_else(|e| panic!("{}: {e}\n{out}", one.display()));
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("c01-bad.txt"), "{out}");
    assert!(out.contains(&format!("timeline: {}", one.display())), "{out}");

    let many = dir.join("many");
    let (code, out) =
        lincheck(&["--html", path(&many), path(&data("c01-ok.txt")), path(&data("etcd_000.log"))]);
    assert_eq!(code, 1, "{out}");
    for name in ["c01-ok.txt.html", "etcd_000.log.html"] {
        assert!(many.join(name).is_file(), "{name} is missing:\n{out}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn recorder_files_and_the_time_limit() {
    let dir = scratch("recorder");
    // Fourteen overlapping appends and a read nobody wrote: a search of 14! orders.
    let mut ops: Vec<Operation<KvInput, KvOutput>> = (0..14)
        .map(|i| Operation {
            client: i,
            input: KvInput::Append { key: "k".into(), value: format!("<{i}>") },
            call: Stamp(i),
            outcome: Outcome::Returned { output: KvOutput::Ok, at: Stamp(1000 + i) },
        })
        .collect();
    ops.push(Operation {
        client: 14,
        input: KvInput::Get { key: "k".into() },
        call: Stamp(2000),
        outcome: Outcome::Returned { output: KvOutput::Value("nobody wrote this".into()), at: Stamp(2001) },
    });
    let hopeless = dir.join("hopeless.json");
    let history = History::new(ops).expect("well-formed");
    std::fs::write(&hopeless, to_json_lines(&history, "kv")).expect("write");
    // Searched, it is undecided, and the line under it says which limit stopped the search.
    let (code, out) = lincheck(&["--no-inference", "--time-limit", "0.1", path(&hopeless)]);
    assert_eq!(code, 3, "{out}");
    assert!(out.starts_with("unknown (a limit stopped the search)"), "{out}");
    assert!(out.contains("the search ran out of time on key \"k\""), "{out}");
    let (code, out) = lincheck(&["--no-inference", "--max-memory", "8", path(&hopeless)]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("the search used as much memory as allowed on key \"k\""), "{out}");
    // The appends carry distinct values: the read is seen to be impossible at once.
    let (code, out) = lincheck(&["--time-limit", "0.1", path(&hopeless)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("NOT linearizable"), "{out}");

    let first_two = History::new(history.operations()[..2].to_vec()).expect("well-formed");
    let easy = dir.join("easy.json");
    std::fs::write(&easy, to_json_lines(&first_two, "kv")).expect("write");
    let (code, out) = lincheck(&["--model", "kv", path(&easy)]);
    assert_eq!(code, 0, "{out}");

    let (code, out) = lincheck(&["--time-limit", "0", path(&easy)]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--time-limit must be a positive number"), "{out}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Two keys fail: the first is named, unless every violation is asked for.
#[test]
fn every_violation_on_request() {
    let dir = scratch("every");
    let ops: Vec<Operation<KvInput, KvOutput>> = ["a", "b"]
        .iter()
        .enumerate()
        .flat_map(|(i, key)| {
            let client = 2 * i as u64;
            [
                Operation {
                    client,
                    input: KvInput::Append { key: key.to_string(), value: "1".into() },
                    call: Stamp(0),
                    outcome: Outcome::Returned { output: KvOutput::Ok, at: Stamp(1) },
                },
                Operation {
                    client: client + 1,
                    input: KvInput::Get { key: key.to_string() },
                    call: Stamp(2),
                    outcome: Outcome::Returned { output: KvOutput::Value(String::new()), at: Stamp(3) },
                },
            ]
        })
        .collect();
    let file = dir.join("two.json");
    std::fs::write(&file, to_json_lines(&History::new(ops).expect("well-formed"), "kv")).expect("write");
    let (code, out) = lincheck(&[path(&file)]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.matches(": no linearization").count(), 1, "{out}");
    let (code, out) = lincheck(&["--every-violation", "--explain", path(&file)]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("key \"a\": no linearization") && out.contains("key \"b\": no linearization"),
        "{out}"
    );
    assert_eq!(out.matches("Why: ").count(), 2, "each failing key is explained:\n{out}");
    let _ = std::fs::remove_dir_all(dir);
}

/// `lincheck ... | head`: a reader that stops reading ends the output, not the check, and
/// the exit status still gives the verdict.
#[test]
fn a_closed_output_pipe_is_not_a_panic() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lincheck"))
        .args(["--explain", path(&data("c10-bad.txt")), path(&data("c01-bad.txt"))])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run lincheck: {e}"));
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("lincheck ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
