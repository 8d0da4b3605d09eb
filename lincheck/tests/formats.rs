//! The readers of history files: the key/value EDN logs and Jepsen etcd logs of the external data,
//! and the recorder's JSON Lines. Well-formed files read as the histories they describe; a
//! malformed file is an error that names its line, and no input makes a reader panic.

use lincheck::formats::external_data::{catalog, default_dir};
use lincheck::formats::{detect, parse, parse_etcd_log, parse_kv_log, Format, LoadedHistory};
use lincheck::json::{from_json_lines, to_json_lines};
use lincheck::{
    History, KvInput, KvOutput, Operation, Outcome, ParseError, RegisterInput, RegisterOutput, Stamp,
    StampUnit,
};

fn kv_error(text: &str) -> ParseError {
    match parse_kv_log(text) {
        Ok(history) => panic!("expected an error, read {history:?}"),
        Err(e) => e,
    }
}

fn etcd_error(text: &str) -> ParseError {
    match parse_etcd_log(text) {
        Ok(history) => panic!("expected an error, read {history:?}"),
        Err(e) => e,
    }
}

/// Asserts the error is on `line` and says `words`.
fn assert_error(error: ParseError, line: usize, words: &str) {
    assert_eq!(error.line, line, "wrong line in: {error}");
    assert!(error.message.contains(words), "expected {words:?} in: {error}");
    assert!(error.to_string().starts_with(&format!("line {line}: ")), "{error}");
}

#[test]
fn kv_logs_read_as_histories() {
    let text = r#"{:process 3, :type :invoke, :f :append, :key "1", :value "x 3 0 y"}
{:process 1, :type :invoke, :f :get, :key "9", :value nil}

{:process 3, :type :ok, :f :append, :key "1", :value "x 3 0 y"}
{:process 1, :type :ok, :f :get, :key "9", :value "a \"quoted\" \\ value"}
{:process 2, :type :invoke, :f :put, :key "1", :value "p"}
{:process 4, :type :invoke, :f :get, :key "1", :value nil}
{:process 4, :type :ok, :f :get, :key "1", :value nil}
"#;
    let history = parse_kv_log(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(history.stamp_unit(), StampUnit::Line);
    let ops = history.operations();
    assert_eq!(ops.len(), 4);
    assert_eq!(
        ops[0],
        Operation {
            client: 3,
            input: KvInput::Append { key: "1".into(), value: "x 3 0 y".into() },
            call: Stamp(1),
            outcome: Outcome::Returned { output: KvOutput::Ok, at: Stamp(4) },
        }
    );
    assert_eq!(ops[1].output(), Some(&KvOutput::Value("a \"quoted\" \\ value".into())));
    assert!(ops[2].is_pending(), "a call with no return never returned");
    assert_eq!(ops[3].output(), Some(&KvOutput::Value(String::new())), "a nil read is the empty string");
}

#[test]
fn malformed_kv_logs_name_the_line() {
    let invoke = r#"{:process 1, :type :invoke, :f :get, :key "a", :value nil}"#;
    assert_error(kv_error(&format!("{invoke}\n{{:process 1, :type :ok")), 2, "column");
    assert_error(kv_error(&format!("{invoke}\nnot edn")), 2, "expected '{'");
    assert_error(
        kv_error(r#"{:process 1, :type :ok, :f :get, :key "a", :value "x"}"#),
        1,
        "no call outstanding",
    );
    assert_error(kv_error(&format!("{invoke}\n{invoke}")), 2, "its call on line 1 is outstanding");
    assert_error(
        kv_error(&format!("{invoke}\n{}", r#"{:process 1, :type :ok, :f :put, :key "a", :value "x"}"#)),
        2,
        "the call it completes (line 1) is :get",
    );
    assert_error(kv_error(r#"{:process 1, :type :boom, :f :get, :key "a", :value nil}"#), 1, ":type :boom");
    assert_error(kv_error(r#"{:process 1, :type :invoke, :f :cas, :key "a", :value nil}"#), 1, ":f :cas");
    assert_error(
        kv_error(r#"{:process 1, :type :invoke, :f :get, :key 5, :value nil}"#),
        1,
        ":key should be a string",
    );
    assert_error(kv_error(r#"{:process -1, :type :invoke, :f :get, :key "a"}"#), 1, ":process");
    assert_error(kv_error(r#"{:type :invoke, :f :get, :key "a", :value nil}"#), 1, "no :process");
    assert_error(
        kv_error(r#"{:process 1, :type :invoke, :f :put, :key "a", :value nil}"#),
        1,
        "should be a string",
    );
    assert_error(kv_error(r#"{:process 1, :process 2, :type :invoke}"#), 1, "appears twice");
    assert_error(kv_error(r#"{:process 1, :type :invoke, :f :get, :key "a} "#), 1, "not closed");
    assert_error(
        kv_error(r#"{:process 1, :type :invoke, :f :get, :key "a", :value nil} extra"#),
        1,
        "after the closing",
    );
}

#[test]
fn etcd_logs_read_as_histories() {
    let text = "some other log line\n\
                INFO  jepsen.util - 0\t:invoke\t:read\tnil\n\
                INFO  jepsen.util - 0\t:ok\t:read\t3\n\
                INFO  jepsen.util - 4\t:invoke\t:cas\t[1 4]\n\
                INFO  jepsen.util - 4\t:fail\t:cas\t[1 4]\n\
                INFO  jepsen.util - 2\t:invoke\t:write\t7\n\
                INFO  jepsen.util - 2\t:info\t:write\t:timed-out\n\
                INFO  jepsen.util - 1\t:invoke\t:read\tnil\n\
                INFO  jepsen.util - 1\t:fail\t:read\t:timed-out\n\
                INFO  jepsen.util - 5\t:invoke\t:cas\t[2 3]\n\
                INFO  jepsen.util - 5\t:ok\t:cas\t[2 3]\n\
                INFO  jepsen.util - 6\t:invoke\t:read\tnil\n\
                INFO  jepsen.util - 6\t:ok\t:read\tnil\n";
    let history = parse_etcd_log(text).unwrap_or_else(|e| panic!("{e}"));
    let summary: Vec<(u64, RegisterInput, Option<RegisterOutput>)> =
        history.operations().iter().map(|op| (op.client, op.input, op.output().copied())).collect();
    assert_eq!(
        summary,
        vec![
            (0, RegisterInput::Read, Some(RegisterOutput::Read(Some(3)))),
            (4, RegisterInput::Cas { expect: 1, new: 4 }, Some(RegisterOutput::Cas(false))),
            (2, RegisterInput::Write { value: 7 }, None),
            (1, RegisterInput::Read, Some(RegisterOutput::Unknown)),
            (5, RegisterInput::Cas { expect: 2, new: 3 }, Some(RegisterOutput::Cas(true))),
            (6, RegisterInput::Read, Some(RegisterOutput::Read(None))),
        ]
    );
    assert_eq!(history.operations()[0].call, Stamp(2), "stamps are line numbers");
}

#[test]
fn malformed_etcd_logs_name_the_line() {
    let read = "INFO  jepsen.util - 0\t:invoke\t:read\tnil";
    assert_error(
        etcd_error(&format!("{read}\nINFO  jepsen.util - 0\t:ok")),
        2,
        "expected `process :type :f value`",
    );
    assert_error(etcd_error("INFO  jepsen.util - x\t:invoke\t:read\tnil"), 1, "process should be a number");
    assert_error(etcd_error("INFO  jepsen.util - 0\t:invoke\t:write\tseven"), 1, "expects an integer");
    assert_error(etcd_error("INFO  jepsen.util - 0\t:invoke\t:cas\t[1]"), 1, "a pair");
    assert_error(
        etcd_error(&format!("{read}\nINFO  jepsen.util - 0\t:ok\t:write\t3")),
        2,
        "(line 1) is :read",
    );
    assert_error(
        etcd_error(&format!("{read}\nINFO  jepsen.util - 0\t:ok\t:read\tx")),
        2,
        "an integer or nil",
    );
    assert_error(etcd_error("INFO  jepsen.util - 0\t:ok\t:read\t3"), 1, "no call outstanding");
    assert_error(etcd_error(&format!("{read}\n{read}")), 2, "outstanding");
    assert_error(etcd_error("INFO  jepsen.util - 0\t:invoke\t:delete\t1"), 1, "unknown event");
    assert_error(
        etcd_error("INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:fail\t:write\t1"),
        2,
        ":fail :write",
    );
    assert_error(etcd_error("INFO  jepsen.util-0 :invoke :read nil"), 1, "expected `jepsen.util - `");
}

#[test]
fn recorder_json_reads_back_and_names_bad_lines() {
    let ops = vec![
        Operation {
            client: 0,
            input: KvInput::Put { key: "k".into(), value: "v".into() },
            call: Stamp(10),
            outcome: Outcome::Returned { output: KvOutput::Ok, at: Stamp(20) },
        },
        Operation {
            client: 1,
            input: KvInput::Get { key: "k".into() },
            call: Stamp(15),
            outcome: Outcome::Pending,
        },
    ];
    let history = History::new(ops).expect("well-formed").with_stamp_unit(StampUnit::Plain);
    let text = to_json_lines(&history, "kv");
    let (_, read) = from_json_lines::<KvInput, KvOutput>(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read, history);
    assert_eq!(detect(&text), Some(Format::RecorderJson));

    let header = text.lines().next().expect("a header");
    let read_error = |body: &str| match from_json_lines::<KvInput, KvOutput>(&format!("{header}\n{body}")) {
        Ok(h) => panic!("expected an error, read {h:?}"),
        Err(e) => e,
    };
    let good = r#"{"client":0,"call":1,"return":2,"input":{"op":"get","key":"k"},"output":{"value":""}}"#;
    assert_error(read_error(&format!("{good}\n{{\"client\":0")), 3, "not an operation");
    assert_error(
        read_error(r#"{"client":0,"call":5,"return":2,"input":{"op":"get","key":"k"},"output":"ok"}"#),
        2,
        "before its call",
    );
    assert_error(
        read_error(r#"{"client":0,"call":5,"return":9,"input":{"op":"get","key":"k"}}"#),
        2,
        "no `output`",
    );
    assert_error(
        read_error(r#"{"client":0,"call":1,"input":{"op":"fly","key":"k"}}"#),
        2,
        "not an operation",
    );
    assert_error(
        read_error(&format!(
            "{good}\n{}",
            r#"{"client":0,"call":1,"return":4,"input":{"op":"get","key":"k"},"output":"ok"}"#
        )),
        3,
        "its call on line 2 has not returned",
    );
    let wrong_version = text.replacen("\"version\":1", "\"version\":9", 1);
    assert_error(from_json_lines::<KvInput, KvOutput>(&wrong_version).unwrap_err(), 1, "version 9");
    assert_eq!(from_json_lines::<KvInput, KvOutput>("").unwrap_err().line, 0);
}

#[test]
fn formats_are_told_apart() {
    assert_eq!(detect("\n{:process 1, :type :invoke, :f :get, :key \"a\", :value nil}"), Some(Format::KvLog));
    assert_eq!(detect("x\nINFO  jepsen.util - 0\t:invoke\t:read\tnil"), Some(Format::EtcdLog));
    assert_eq!(detect("hello"), None);
    assert_eq!(parse("hello").unwrap_err().line, 1);
    assert!(parse("  \n").unwrap_err().to_string().contains("empty"));
    let loaded = parse("INFO  jepsen.util - 0\t:invoke\t:read\tnil").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.format, Format::EtcdLog);
    assert!(matches!(loaded.history, LoadedHistory::Register(ref h) if h.len() == 1));
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n as u64) as usize
    }
}

/// Every truncation of real files, and thousands of random corruptions of them, give a history
/// or an error with a line inside the text, never a panic.
#[test]
fn no_input_makes_a_reader_panic() {
    let files = catalog(&default_dir()).unwrap_or_else(|e| panic!("{e}"));
    let mut rng = Rng(0x0bad_f00d_1234_5678);
    let mut inputs = 0;
    let read = |name: &str| {
        let file = files.iter().find(|f| f.name() == name).unwrap_or_else(|| panic!("{name} is in the data"));
        std::fs::read_to_string(&file.path).unwrap_or_else(|e| panic!("{}: {e}", file.path.display()))
    };
    let kv_log = read("c01-ok.txt");
    let json = match parse(&kv_log).unwrap_or_else(|e| panic!("{e}")).history {
        LoadedHistory::Kv(history) => to_json_lines(&history, "kv"),
        LoadedHistory::Register(_) => unreachable!("c01-ok.txt is a key/value log"),
    };
    // The recorder's format is longer per operation: a part of it is enough.
    let json: String = json.lines().take(25).flat_map(|line| [line, "\n"]).collect();
    for text in [kv_log, read("etcd_000.log"), json] {
        let lines = text.lines().count();
        let mut judge = |input: &str| {
            if let Err(e) = parse(input) {
                assert!(e.line <= input.lines().count().max(1), "line {} is past the end: {e}", e.line);
            }
            inputs += 1;
        };
        for cut in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
            judge(&text[..cut]);
        }
        let alphabet: Vec<char> = "{}[]:\"\\ ,\t\n-0123456789nilokinvokejepsen.util".chars().collect();
        for _ in 0..2000 {
            let mut chars: Vec<char> = text.chars().collect();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(chars.len());
                match rng.below(3) {
                    0 => chars[at] = alphabet[rng.below(alphabet.len())],
                    1 => {
                        chars.remove(at);
                    }
                    _ => chars.insert(at, alphabet[rng.below(alphabet.len())]),
                }
            }
            judge(&chars.into_iter().collect::<String>());
        }
        assert!(lines > 10);
    }
    println!("{inputs} damaged inputs read without a panic");
}
