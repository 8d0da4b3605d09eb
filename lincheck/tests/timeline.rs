//! The HTML timeline: a self-contained page, rendered in headless Chromium, whose DOM shows
//! every operation as a bar and marks the failing partition's operations, the longest
//! linearizable prefix in order, the operations that could not be placed, and pending calls.
//!
//! Needs Debian's `chromium` (`apt-get install -y chromium`); `.ci/run` installs it. Without it
//! the browser tests fail and say so.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use labreport::browser::{elements, rendered_dom};
use lincheck::formats::external_data::{catalog, default_dir};
use lincheck::formats::{load, LoadedHistory};
use lincheck::timeline::render;
use lincheck::{
    check, CheckOptions, CheckReport, History, KvInput, KvModel, KvOutput, Model, Operation, Outcome,
    PartitionOutcome, Stamp, Verdict,
};

/// A fresh directory for one test's page and browser profile.
fn scratch(test: &str) -> PathBuf {
    labreport::browser::scratch(Path::new(env!("CARGO_TARGET_TMPDIR")), &format!("lincheck-timeline-{test}"))
}

/// The attributes of every `<div>` whose class list includes `op`.
fn bars(dom: &str) -> Vec<HashMap<String, String>> {
    elements(dom, "div")
        .into_iter()
        .filter(|a| a.get("class").is_some_and(|c| c.split(' ').any(|w| w == "op")))
        .collect()
}

/// What the page must mark, from the report itself.
struct Expected {
    operations: usize,
    pending: BTreeSet<usize>,
    failing: BTreeSet<usize>,
    unplaced: BTreeSet<usize>,
    prefix_position: HashMap<usize, usize>,
    failing_partitions: usize,
}

fn expected<I, O>(history: &History<I, O>, report: &CheckReport) -> Expected {
    let mut e = Expected {
        operations: history.len(),
        pending: (0..history.len()).filter(|&i| history.operations()[i].is_pending()).collect(),
        failing: BTreeSet::new(),
        unplaced: BTreeSet::new(),
        prefix_position: HashMap::new(),
        failing_partitions: 0,
    };
    for partition in &report.partitions {
        let (prefix, unplaced) = match &partition.outcome {
            PartitionOutcome::Linearizable { .. } | PartitionOutcome::Unchecked => continue,
            PartitionOutcome::Violation { longest_prefix, unplaced, .. } => {
                (longest_prefix, unplaced.clone())
            }
            PartitionOutcome::GaveUp { longest_prefix, .. } => (longest_prefix, Vec::new()),
        };
        e.failing_partitions += 1;
        e.failing.extend(&partition.operations);
        e.unplaced.extend(unplaced);
        e.prefix_position.extend(prefix.iter().enumerate().map(|(k, &op)| (op, k + 1)));
    }
    e
}

/// Renders `history`, loads it in the browser, and checks the DOM against the report.
fn check_in_browser<M: Model>(test: &str, model: &M, history: &History<M::Input, M::Output>) -> String {
    let report = check(model, history, &CheckOptions::default());
    let dir = scratch(test);
    let page = dir.join(format!("{test}.html"));
    std::fs::write(&page, render(model, history, &report, test)).expect("write the page");
    let dom = rendered_dom(&page, &dir);
    let want = expected(history, &report);

    let body = elements(&dom, "body").pop().expect("a body");
    assert_eq!(body.get("data-ready").map(String::as_str), Some("true"), "the page's script did not finish");
    assert_eq!(
        body.get("data-drawn"),
        Some(&want.operations.to_string()),
        "the page counts the bars it drew"
    );
    let bars = bars(&dom);
    let ids: BTreeSet<usize> =
        bars.iter().map(|b| b["data-op"].parse().expect("data-op is an operation index")).collect();
    assert_eq!(bars.len(), want.operations, "one bar per operation");
    assert_eq!(ids, (0..want.operations).collect(), "every operation is drawn once");
    for bar in &bars {
        let id: usize = bar["data-op"].parse().expect("an index");
        let classes: BTreeSet<&str> = bar["class"].split(' ').collect();
        let width: u32 = bar.get("data-drawn-width").and_then(|w| w.parse().ok()).unwrap_or(0);
        assert!(width > 0, "operation {id} was laid out with no width: {bar:?}");
        assert_eq!(classes.contains("pending"), want.pending.contains(&id), "pending mark of operation {id}");
        assert_eq!(
            classes.contains("in-failing"),
            want.failing.contains(&id),
            "failing mark of operation {id}"
        );
        assert_eq!(
            classes.contains("unplaced"),
            want.unplaced.contains(&id),
            "unplaced mark of operation {id}"
        );
        let position = bar.get("data-prefix-index").map(|p| p.parse::<usize>().expect("a number"));
        assert_eq!(position, want.prefix_position.get(&id).copied(), "prefix position of operation {id}");
        assert!(
            bar.get("title").is_some_and(|t| t.contains(&format!("client {}", bar["data-client"]))),
            "{bar:?}"
        );
    }
    assert_eq!(
        elements(&dom, "details").len(),
        want.failing_partitions,
        "one explanation per failing partition"
    );
    let verdict_class = match report.verdict {
        Verdict::Linearizable => "verdict linearizable",
        Verdict::NotLinearizable => "verdict violation",
        Verdict::Unknown => "verdict unknown",
    };
    assert!(elements(&dom, "p").iter().any(|p| p.get("class").map(String::as_str) == Some(verdict_class)));
    let _ = std::fs::remove_dir_all(&dir);
    dom
}

fn kv_op(
    client: u64,
    input: KvInput,
    call: u64,
    ret: Option<(u64, KvOutput)>,
) -> Operation<KvInput, KvOutput> {
    let outcome = ret.map_or(Outcome::Pending, |(at, output)| Outcome::Returned { output, at: Stamp(at) });
    Operation { client, input, call: Stamp(call), outcome }
}

/// A stale read beside a healthy key, pending calls, and a value that tries to end the script.
fn hand_made() -> History<KvInput, KvOutput> {
    let put = |key: &str, value: &str| KvInput::Put { key: key.into(), value: value.into() };
    let get = |key: &str| KvInput::Get { key: key.into() };
    let value = |v: &str| KvOutput::Value(v.into());
    History::new(vec![
        kv_op(0, put("x", "1"), 0, Some((2, KvOutput::Ok))),
        kv_op(1, put("x", "2"), 1, Some((4, KvOutput::Ok))),
        kv_op(2, get("x"), 5, Some((6, value("1")))),
        kv_op(0, get("x"), 7, Some((9, value("2")))),
        kv_op(
            3,
            put("safe", "</script><script>document.body.dataset.ready='hacked'</script>"),
            0,
            Some((3, KvOutput::Ok)),
        ),
        kv_op(3, get("safe"), 4, None),
        kv_op(4, KvInput::Append { key: "x".into(), value: "z".into() }, 8, None),
    ])
    .expect("well-formed")
}

#[test]
fn a_violation_with_pending_calls_is_drawn_and_marked() {
    let history = hand_made();
    let dom = check_in_browser("hand_made", &KvModel, &history);
    assert!(dom.contains("&lt;/script&gt;&lt;script&gt;"), "the hostile value is shown as text, not run");
}

#[test]
fn every_operation_of_c10_bad_is_drawn_and_the_failing_ones_marked() {
    let files = catalog(&default_dir()).unwrap_or_else(|e| panic!("{e}"));
    let file = files.iter().find(|f| f.name() == "c10-bad.txt").expect("c10-bad.txt is in the data");
    let LoadedHistory::Kv(history) = load(&file.path).unwrap_or_else(|e| panic!("{e}")).history else {
        panic!("c10-bad.txt is a key/value history");
    };
    check_in_browser("c10_bad", &KvModel, &history);
}

#[test]
fn a_linearizable_history_is_drawn_without_marks() {
    let files = catalog(&default_dir()).unwrap_or_else(|e| panic!("{e}"));
    let file = files.iter().find(|f| f.name() == "etcd_002.log").expect("etcd_002.log is in the data");
    let LoadedHistory::Register(history) = load(&file.path).unwrap_or_else(|e| panic!("{e}")).history else {
        panic!("etcd_002.log is a register history");
    };
    let report = check(&lincheck::RegisterModel, &history, &CheckOptions::default());
    assert_eq!(report.verdict, Verdict::Linearizable);
    let dom = check_in_browser("etcd_002", &lincheck::RegisterModel, &history);
    assert!(!dom.contains("class=\"op in-failing"), "nothing is marked failing");
}

/// A violation the unique-append inference found shows why; the key the check did not get to
/// (it stops at the first violation) is drawn without marks.
#[test]
fn an_inferred_violation_shows_why_and_unchecked_keys_stay_unmarked() {
    let mut ops = Vec::new();
    for (i, key) in ["a", "b"].into_iter().enumerate() {
        let client = 2 * i as u64;
        ops.push(kv_op(
            client,
            KvInput::Append { key: key.into(), value: "<1>".into() },
            0,
            Some((1, KvOutput::Ok)),
        ));
        ops.push(kv_op(
            client + 1,
            KvInput::Get { key: key.into() },
            2,
            Some((3, KvOutput::Value(String::new()))),
        ));
    }
    let history = History::new(ops).expect("well-formed");
    let report = check(&KvModel, &history, &CheckOptions::default());
    assert_eq!(report.violations().count(), 1);
    assert_eq!(report.partitions[1].outcome, PartitionOutcome::Unchecked);
    let dom = check_in_browser("inferred", &KvModel, &history);
    assert!(
        dom.contains(
            "Why: get(\"a\") -&gt; \"\" (client 1) does not hold append(\"a\", \"&lt;1&gt;\") (client 0)"
        ),
        "the reason is shown:\n{dom}"
    );
}

/// The page fetches nothing: styles, script and data are inline.
#[test]
fn the_page_is_self_contained() {
    let history = hand_made();
    let report = check(&KvModel, &history, &CheckOptions::default());
    let page = render(&KvModel, &history, &report, "a <title> & \"quotes\"");
    for outside in ["http://", "https://", "src=", "<link", "@import", "url(", "<iframe"] {
        assert!(!page.contains(outside), "the page refers to something outside itself: {outside}");
    }
    assert_eq!(page.matches("<script").count(), 2, "the data and the drawing script, nothing injected");
    assert!(page.contains("<title>a &lt;title&gt; &amp; &quot;quotes&quot;"), "the title is escaped");
}
