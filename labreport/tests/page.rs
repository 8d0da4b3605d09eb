//! The failure report page: a hand-made report (three servers, the view service, two clerks,
//! every outcome of a message, every kind of fault that matters, three views, a flagged
//! operation and a failure message that tries to end the script) is rendered, loaded in
//! headless Chromium, and its DOM checked against the report; the page's filters and tooltips
//! are exercised by a script appended to it; and a report at the builder's cap stays small and
//! still loads.
//!
//! Needs Debian's `chromium` (see [`labreport::browser`]). `REPORT_PAGE_KEEP=dir` keeps the
//! pages the tests render in `dir`, to look at.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use labreport::browser::{elements, inner_html, rendered_dom, unescape, with_class};
use labreport::data::{
    ClientOp, Fault, FaultKind, Lane, LaneKind, Message, MessageOutcome, OpsVerdict, ReportData, ViewBand,
};
use labreport::html::render;

const HOSTILE_FAILURE: &str = "get(a) returned \"1\", wanted \"1x\" </script><script>document.body.dataset.ready='hacked'</script> <b>not bold</b> & more";

/// A fresh directory for one test's page and browser profile.
fn scratch(test: &str) -> PathBuf {
    labreport::browser::scratch(Path::new(env!("CARGO_TARGET_TMPDIR")), &format!("report-page-{test}"))
}

/// Writes `page` to a scratch directory, loads it and returns the rendered DOM. With
/// `REPORT_PAGE_KEEP=dir` in the environment the page is also kept there, to look at.
fn load(test: &str, page: &str) -> String {
    if let Some(keep) = std::env::var_os("REPORT_PAGE_KEEP") {
        let kept = Path::new(&keep).join(format!("{test}.html"));
        std::fs::write(&kept, page).unwrap_or_else(|e| panic!("cannot write {}: {e}", kept.display()));
    }
    let dir = scratch(test);
    let path = dir.join(format!("{test}.html"));
    std::fs::write(&path, page).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    let dom = rendered_dom(&path, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    dom
}

/// `page` with `script` run after the page's own (before `</body>`).
fn with_script(page: &str, script: &str) -> String {
    let end = page.rfind("</body>").expect("the page has a body");
    format!("{}<script>{script}</script>\n{}", &page[..end], &page[end..])
}

/// Microseconds in a millisecond (the report's times are microseconds).
const MS: u64 = 1_000;

/// A message sent at `sent_ms`, with delivery and end times that fit its outcome (a pending
/// message with an even id reached its handler, one with an odd id did not).
fn message(
    id: u64,
    from: &str,
    to: &str,
    method: &str,
    sent_ms: u64,
    outcome: MessageOutcome,
    reason: Option<&str>,
) -> Message {
    let sent_us = sent_ms * MS;
    let (delivered_us, ended_us) = match outcome {
        MessageOutcome::Delivered | MessageOutcome::Failed | MessageOutcome::ReplyLost => {
            (Some(sent_us + 300), Some(sent_us + 2_000))
        }
        MessageOutcome::Dropped | MessageOutcome::DeadServer => (None, Some(sent_us + 50)),
        MessageOutcome::Pending => (if id % 2 == 0 { Some(sent_us + 300) } else { None }, None),
    };
    let answered = matches!(outcome, MessageOutcome::Delivered | MessageOutcome::Failed);
    Message {
        id,
        from: from.into(),
        to: to.into(),
        method: method.into(),
        sent_us,
        delivered_us,
        ended_us,
        outcome,
        reason: reason.map(String::from),
        args: Some(format!("{{\"me\":\"{from}\",\"seq\":{id}}}")),
        reply: answered.then(|| "{\"err\":\"OK\"}".to_string()),
    }
}

/// A client operation called at `call_ms`, returning at `ret_ms` (pending if `None`).
fn op(
    client: &str,
    kind: &str,
    key: &str,
    value: &str,
    call_ms: u64,
    ret_ms: Option<u64>,
    output: &str,
) -> ClientOp {
    ClientOp {
        client: client.into(),
        kind: kind.into(),
        key: key.into(),
        value: value.into(),
        call_us: call_ms * MS,
        return_us: ret_ms.map(|ms| ms * MS),
        output: ret_ms.map(|_| output.to_string()),
        flagged: false,
    }
}

/// A fault at `at_ms` on `nodes`.
fn fault(at_ms: u64, kind: FaultKind, nodes: &[&str], text: &str) -> Fault {
    Fault { at_us: at_ms * MS, kind, nodes: nodes.iter().map(|n| n.to_string()).collect(), text: text.into() }
}

/// A message to make: from, to, method, sent (ms), outcome, reason.
type Planned = (&'static str, &'static str, &'static str, u64, MessageOutcome, Option<&'static str>);

/// Three servers, the view service and two clerks over two seconds.
fn hand_made() -> ReportData {
    use MessageOutcome::*;
    let lanes = [
        ("vs", LaneKind::ViewService),
        ("s1", LaneKind::Server),
        ("s2", LaneKind::Server),
        ("s3", LaneKind::Server),
        ("clerk-1", LaneKind::Clerk),
        ("clerk-2", LaneKind::Clerk),
    ]
    .into_iter()
    .map(|(name, kind)| Lane { name: name.into(), kind })
    .collect();
    let cut = Some("link s1 -> s2 is cut");
    let plan: [Planned; 30] = [
        ("s1", "vs", "ViewServer.Ping", 10, Delivered, None),
        ("s2", "vs", "ViewServer.Ping", 20, Delivered, None),
        ("s3", "vs", "ViewServer.Ping", 30, Dropped, Some("unreliable: dropped")),
        ("clerk-1", "vs", "ViewServer.Get", 90, Delivered, None),
        ("clerk-1", "s1", "PBServer.PutAppend", 100, Delivered, None),
        ("s1", "s2", "PBServer.Forward", 101, Delivered, None),
        ("s1", "vs", "ViewServer.Ping", 110, Delivered, None),
        ("s2", "vs", "ViewServer.Ping", 120, ReplyLost, Some("unreliable: reply lost")),
        ("s1", "s2", "PBServer.Transfer", 210, Delivered, None),
        ("clerk-2", "s1", "PBServer.PutAppend", 320, Delivered, None),
        ("s1", "s2", "PBServer.Forward", 321, Dropped, cut),
        ("s1", "s2", "PBServer.Forward", 360, Dropped, cut),
        ("s1", "s2", "PBServer.Forward", 540, Delivered, None),
        ("clerk-1", "s1", "PBServer.Get", 600, Delivered, None),
        ("s1", "s2", "PBServer.Forward", 601, Delivered, None),
        ("clerk-2", "s1", "PBServer.Get", 700, Failed, Some("no such method")),
        ("s2", "vs", "ViewServer.Ping", 800, Delivered, None),
        ("clerk-1", "s1", "PBServer.Get", 950, DeadServer, Some("s1 is dead")),
        ("clerk-1", "vs", "ViewServer.Get", 960, Delivered, None),
        ("clerk-1", "s2", "PBServer.Get", 1_020, Delivered, None),
        ("s2", "s3", "PBServer.Transfer", 1_050, Delivered, None),
        ("s3", "vs", "ViewServer.Ping", 1_120, Dropped, Some("partitioned away from vs")),
        ("clerk-2", "s2", "PBServer.PutAppend", 1_200, Delivered, None),
        ("s2", "s3", "PBServer.Forward", 1_201, Delivered, None),
        ("s1", "vs", "ViewServer.Ping", 1_550, Delivered, None),
        ("clerk-2", "s2", "PBServer.Get", 1_600, Delivered, None),
        ("s2", "s3", "PBServer.Forward", 1_601, Delivered, None),
        ("clerk-1", "s2", "PBServer.PutAppend", 1_900, Pending, None),
        ("s2", "s3", "PBServer.Forward", 1_901, Pending, None),
        ("s3", "vs", "ViewServer.Ping", 1_950, Pending, None),
    ];
    let messages = plan
        .iter()
        .enumerate()
        .map(|(i, &(f, t, m, at, o, r))| message(i as u64 + 1, f, t, m, at, o, r))
        .collect();
    let faults = vec![
        fault(300, FaultKind::Cut, &["s1", "s2"], "link s1 -> s2 cut"),
        fault(500, FaultKind::Repair, &["s1", "s2"], "link s1 -> s2 repaired"),
        fault(900, FaultKind::Kill, &["s1"], "s1 killed"),
        fault(1_100, FaultKind::Partition, &["vs", "s1", "s2", "s3"], "partition {vs, s1, s2} | {s3}"),
        fault(1_300, FaultKind::Heal, &[], "every link repaired"),
        fault(1_500, FaultKind::Restart, &["s1"], "s1 restarted"),
    ];
    let views = vec![
        ViewBand {
            viewnum: 1,
            primary: "s1".into(),
            backup: String::new(),
            from_us: 10 * MS,
            to_us: Some(120 * MS),
        },
        ViewBand {
            viewnum: 2,
            primary: "s1".into(),
            backup: "s2".into(),
            from_us: 120 * MS,
            to_us: Some(960 * MS),
        },
        ViewBand { viewnum: 3, primary: "s2".into(), backup: "s3".into(), from_us: 960 * MS, to_us: None },
    ];
    let mut ops = vec![
        op("clerk-1", "put", "a", "1", 90, Some(110), ""),
        op("clerk-2", "append", "a", "x", 320, Some(545), ""),
        op("clerk-1", "get", "a", "", 600, Some(610), "1x"),
        op("clerk-2", "get", "a", "", 700, Some(1_010), "1x"),
        op("clerk-1", "get", "a", "", 950, Some(1_030), "1"),
        op("clerk-2", "append", "b", "y", 1_200, Some(1_210), ""),
        op("clerk-2", "get", "b", "", 1_600, Some(1_610), "y"),
        op("clerk-1", "put", "c", "3", 1_900, None, ""),
    ];
    ops[4].flagged = true;
    ReportData {
        test: "a_stale_read_after_the_primary_dies".into(),
        failed: true,
        failure: Some(HOSTILE_FAILURE.into()),
        seed: 4_242,
        rerun: "LAB_SEED=4242 cargo test -p labtests --test pbservice -- a_stale_read --exact".into(),
        seed_note: "The seed repeats the network's fault decisions, not the threads' interleaving.".into(),
        run_note: Some("The smallest failing run found: shrunk from 9 operations and 4 faults.".into()),
        duration_us: 2_000 * MS,
        virtual_time: false,
        lanes,
        messages,
        faults,
        views,
        ops,
        verdict: OpsVerdict {
            verdict: "not linearizable".into(),
            detail: "clerk-1's get(a) → \"1\" cannot follow clerk-2's append(a, \"x\")".into(),
        },
        elided: Some("1,204 routine pings between 2.0 s and 9.0 s".into()),
    }
}

/// The elements of class `class`, keyed by the attribute `key`.
fn by(dom: &str, class: &str, key: &str) -> BTreeMap<String, HashMap<String, String>> {
    with_class(dom, class)
        .into_iter()
        .map(|a| (a.get(key).cloned().unwrap_or_else(|| panic!("a .{class} without {key}: {a:?}")), a))
        .collect()
}

/// How serde names a unit variant (`ViewService` → `view_service`), as the page shows it.
fn snake(value: impl serde::Serialize) -> String {
    serde_json::to_value(value).expect("serializes").as_str().expect("a unit variant").to_string()
}

#[test]
fn the_report_page_shows_every_lane_message_fault_view_and_operation() {
    let report = hand_made();
    let dom = load("hand_made", &render(&report));
    let body = elements(&dom, "body").pop().expect("a body");
    assert_eq!(
        body.get("data-ready").map(String::as_str),
        Some("true"),
        "the page's script finished, unharmed"
    );

    let lanes = by(&dom, "lane", "data-lane");
    assert_eq!(lanes.len(), report.lanes.len(), "one lane per node: {:?}", lanes.keys());
    for lane in &report.lanes {
        assert_eq!(lanes[&lane.name]["data-kind"], snake(lane.kind), "the kind of lane {}", lane.name);
    }

    let msgs = by(&dom, "msg", "data-id");
    assert_eq!(msgs.len(), report.messages.len(), "one arrow group per message");
    for m in &report.messages {
        let drawn = &msgs[&m.id.to_string()];
        let want = [("data-from", &m.from), ("data-to", &m.to), ("data-method", &m.method)];
        for (attribute, value) in want {
            assert_eq!(&drawn[attribute], value, "{attribute} of message {}", m.id);
        }
        assert_eq!(drawn["data-outcome"], snake(m.outcome), "the outcome of message {}", m.id);
    }
    let outcomes: BTreeSet<&str> = msgs.values().map(|m| m["data-outcome"].as_str()).collect();
    assert_eq!(outcomes.len(), 6, "every outcome is drawn: {outcomes:?}");

    let views = by(&dom, "view", "data-viewnum");
    for v in &report.views {
        let drawn = &views[&v.viewnum.to_string()];
        assert_eq!(
            (&drawn["data-primary"], &drawn["data-backup"]),
            (&v.primary, &v.backup),
            "view {}",
            v.viewnum
        );
    }
    assert_eq!(views.len(), report.views.len());

    let faults: Vec<(String, String)> =
        with_class(&dom, "fault").iter().map(|f| (f["data-kind"].clone(), f["data-nodes"].clone())).collect();
    let want: Vec<(String, String)> =
        report.faults.iter().map(|f| (snake(f.kind), f.nodes.join(","))).collect();
    assert_eq!(faults, want, "every fault, in order, with its nodes");

    let ops = with_class(&dom, "op");
    assert_eq!(ops.len(), report.ops.len(), "one bar per operation");
    let flagged: Vec<&HashMap<String, String>> =
        ops.iter().filter(|o| o.get("data-flagged").map(String::as_str) == Some("true")).collect();
    assert_eq!(flagged.len(), 1, "exactly the flagged operation is marked: {ops:?}");
    assert!(flagged[0]["class"].split(' ').any(|c| c == "flagged"), "and has the class flagged");
    assert_eq!((&flagged[0]["data-client"], &flagged[0]["data-kind"]), (&"clerk-1".into(), &"get".into()));
    for (drawn, want) in ops.iter().zip(&report.ops) {
        assert_eq!(
            (&drawn["data-client"], &drawn["data-kind"], &drawn["data-key"]),
            (&want.client, &want.kind, &want.key)
        );
    }

    let failure = inner_html(&dom, "failure").expect("the failure is shown");
    assert_eq!(unescape(failure), HOSTILE_FAILURE, "the failure is shown as text, whole");
    assert!(
        failure.contains("&lt;/script&gt;&lt;script&gt;") && failure.contains("&lt;b&gt;"),
        "not as HTML"
    );
    assert_eq!(inner_html(&dom, "verdict"), Some("not linearizable"));
    assert_eq!(inner_html(&dom, "rerun").map(unescape).as_deref(), Some(report.rerun.as_str()));
    assert!(inner_html(&dom, "elided").is_some_and(|e| e.contains("1,204 routine pings")), "the elided note");
    assert!(
        inner_html(&dom, "run-note").is_some_and(|e| e.contains("shrunk from 9 operations")),
        "the run note"
    );
    assert_eq!(inner_html(&dom, "count-msgs"), Some("30"));
    assert_eq!(inner_html(&dom, "count-ops"), Some("8"));

    let inputs = elements(&dom, "input");
    let filter = |class: &str, key: &str| -> BTreeSet<String> {
        inputs
            .iter()
            .filter(|i| i.get("class").map(String::as_str) == Some(class))
            .map(|i| i[key].clone())
            .collect()
    };
    let lane_names: BTreeSet<String> = report.lanes.iter().map(|l| l.name.clone()).collect();
    let methods: BTreeSet<String> = report.messages.iter().map(|m| m.method.clone()).collect();
    assert_eq!(filter("filter-node", "data-lane"), lane_names, "a node filter per lane");
    assert_eq!(filter("filter-method", "data-method"), methods, "a method filter per method");
}

/// Hover and the filters, driven by a script appended to the page that records what it saw.
#[test]
fn hovering_shows_details_and_filters_hide_lanes_and_methods() {
    let report = hand_made();
    let script = r#"
      function hover(selector) {
        document.querySelector(selector).dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
        return document.getElementById("tooltip").textContent;
      }
      var b = document.body.dataset;
      b.tipMsg = hover('.msg[data-id="11"] line');
      b.tipOp = hover('.op.flagged rect.bar');
      b.tipFault = hover('.fault[data-kind="kill"] line');
      var width = Number(document.getElementById("chart").getAttribute("width"));
      document.getElementById("zoom-in").click();
      b.zoomed = String(Number(document.getElementById("chart").getAttribute("width")) / width);
      function uncheck(selector) {
        var input = document.querySelector(selector);
        input.checked = false;
        input.dispatchEvent(new Event("change"));
      }
      uncheck('input.filter-node[data-lane="s3"]');
      uncheck('input.filter-method[data-method="ViewServer.Ping"]');
    "#;
    let dom = load("interactions", &with_script(&render(&report), script));
    let body = elements(&dom, "body").pop().expect("a body");

    let tip = &body["data-tip-msg"];
    for shown in [
        "#11",
        "PBServer.Forward",
        "from s1 to s2",
        "dropped",
        "link s1 -> s2 is cut",
        "321.000 ms",
        "\"seq\":11",
    ] {
        assert!(tip.contains(shown), "the message tooltip shows {shown:?}: {tip}");
    }
    let tip = &body["data-tip-op"];
    assert!(tip.contains("get a → 1") && tip.contains("clerk-1") && tip.contains("FLAGGED"), "{tip}");
    assert!(body["data-tip-fault"].contains("s1 killed"), "{}", body["data-tip-fault"]);
    let zoomed: f64 = body["data-zoomed"].parse().expect("a ratio");
    assert!((1.8..2.2).contains(&zoomed), "zooming in doubles the drawing's width: {zoomed}");

    let hidden = |a: &HashMap<String, String>| a["class"].split(' ').any(|c| c == "hidden");
    for lane in with_class(&dom, "lane") {
        assert_eq!(hidden(&lane), lane["data-lane"] == "s3", "only s3's lane is hidden: {lane:?}");
    }
    for m in with_class(&dom, "msg") {
        let filtered =
            m["data-from"] == "s3" || m["data-to"] == "s3" || m["data-method"] == "ViewServer.Ping";
        assert_eq!(hidden(&m), filtered, "message {} is hidden exactly when filtered out", m["data-id"]);
    }
}

/// The page fetches nothing: styles, script and data are inline.
#[test]
fn the_report_page_is_self_contained() {
    let page = render(&hand_made());
    for outside in ["https://", "src=", "<link", "@import", "<iframe", "url(http"] {
        assert!(!page.contains(outside), "the page refers to something outside itself: {outside}");
    }
    let namespaces = page.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(page.matches("http://").count(), namespaces, "http:// only names the SVG namespace");
    assert_eq!(page.matches("<script").count(), 2, "the data and the drawing script, nothing injected");
}

/// A report at the builder's cap: 20,000 messages and 5,000 operations over 20 seconds.
fn large() -> ReportData {
    let servers = ["s1", "s2", "s3"];
    let clerks: Vec<String> = (1..=8).map(|c| format!("clerk-{c}")).collect();
    let mut lanes = vec![Lane { name: "vs".into(), kind: LaneKind::ViewService }];
    lanes.extend(servers.iter().map(|s| Lane { name: s.to_string(), kind: LaneKind::Server }));
    lanes.extend(clerks.iter().map(|c| Lane { name: c.clone(), kind: LaneKind::Clerk }));
    let outcomes = [
        MessageOutcome::Delivered,
        MessageOutcome::Delivered,
        MessageOutcome::Delivered,
        MessageOutcome::Delivered,
        MessageOutcome::Dropped,
        MessageOutcome::ReplyLost,
        MessageOutcome::DeadServer,
        MessageOutcome::Failed,
    ];
    let messages = (0..20_000u64)
        .map(|i| {
            let (from, to, method) = match i % 4 {
                0 => (servers[(i / 4 % 3) as usize].to_string(), "vs".to_string(), "ViewServer.Ping"),
                1 => (clerks[(i / 4 % 8) as usize].clone(), "s1".to_string(), "PBServer.PutAppend"),
                2 => ("s1".to_string(), "s2".to_string(), "PBServer.Forward"),
                _ => (clerks[(i / 4 % 8) as usize].clone(), "s1".to_string(), "PBServer.Get"),
            };
            let sent_us = i * 1_000;
            let outcome = if i >= 19_990 { MessageOutcome::Pending } else { outcomes[(i % 8) as usize] };
            Message {
                id: i + 1,
                from,
                to,
                method: method.into(),
                sent_us,
                delivered_us: Some(sent_us + 40),
                ended_us: (outcome != MessageOutcome::Pending).then_some(sent_us + 400),
                outcome,
                reason: (outcome == MessageOutcome::Dropped).then(|| "unreliable: dropped".into()),
                args: Some(format!(
                    "{{\"key\":\"k{}\",\"value\":\"v-{i}\",\"client\":{},\"seq\":{i}}}",
                    i % 50,
                    4_000_000_000u64 + i % 8
                )),
                reply: Some("{\"err\":\"OK\",\"value\":\"v-17\"}".into()),
            }
        })
        .collect();
    let ops = (0..5_000u64)
        .map(|i| {
            let call_ms = i * 4;
            let mut o = op(
                &clerks[(i % 8) as usize],
                ["put", "get", "append"][(i % 3) as usize],
                &format!("k{}", i % 50),
                "v",
                call_ms,
                Some(call_ms + 3),
                "v",
            );
            o.flagged = i == 4_321;
            o
        })
        .collect();
    let views = (1..=40u64)
        .map(|n| ViewBand {
            viewnum: n,
            primary: servers[(n % 3) as usize].into(),
            backup: servers[((n + 1) % 3) as usize].into(),
            from_us: (n - 1) * 500_000,
            to_us: (n < 40).then_some(n * 500_000),
        })
        .collect();
    let faults = (0..200u64)
        .map(|i| {
            fault(
                i * 100,
                if i % 2 == 0 { FaultKind::Kill } else { FaultKind::Restart },
                &[servers[(i / 2 % 3) as usize]],
                "churn",
            )
        })
        .collect();
    ReportData {
        test: "a_long_unreliable_run".into(),
        failed: true,
        failure: Some("linearizability violated".into()),
        seed: 1,
        rerun: "LAB_SEED=1 cargo test".into(),
        seed_note: String::new(),
        run_note: None,
        duration_us: 20_000_000,
        virtual_time: false,
        lanes,
        messages,
        faults,
        views,
        ops,
        verdict: OpsVerdict { verdict: "not linearizable".into(), detail: String::new() },
        elided: None,
    }
}

/// Counts what the page drew at load (the overview) and after showing a 50 ms window.
const COUNT_DRAWN: &str = r#"
  var b = document.body.dataset;
  function count(selector) { return String(document.querySelectorAll(selector).length); }
  b.loadedMs = String(Math.round(performance.now()));
  b.drawnAtLoad = count(".msg:not(.off)");
  b.densePaths = count(".dense-arrows path");
  document.getElementById("window-from").value = "12000";
  document.getElementById("window-to").value = "12050";
  var started = performance.now();
  document.getElementById("window-show").click();
  b.zoomMs = String(Math.round(performance.now() - started));
  b.drawnZoomed = count(".msg:not(.off)");
  b.requestsZoomed = count(".msg:not(.off) line.req, .msg:not(.off) line.wait");
"#;

#[test]
fn a_report_at_the_cap_stays_small_and_loads() {
    let report = large();
    let started = Instant::now();
    let page = render(&report);
    let rendered = started.elapsed();
    assert!(page.len() < 5_000_000, "the page is {} bytes, more than 5 MB", page.len());
    let started = Instant::now();
    let dom = load("large", &with_script(&page, COUNT_DRAWN));
    let body = elements(&dom, "body").pop().expect("a body");
    println!(
        "{} bytes rendered in {rendered:?}; drawn {} ms after the browser started loading it, a 50 ms \
         window shown in {} ms; loaded and dumped in {:?}",
        page.len(),
        body["data-loaded-ms"],
        body["data-zoom-ms"],
        started.elapsed()
    );
    assert_eq!(body.get("data-ready").map(String::as_str), Some("true"), "the page's script finished");
    assert_eq!(inner_html(&dom, "count-msgs"), Some("20000"));
    assert_eq!(inner_html(&dom, "count-ops"), Some("5000"));
    assert_eq!(dom.matches("<g class=\"msg ").count(), 20_000, "every message has its group");

    assert_eq!(body["data-drawn-at-load"], "0", "the overview draws the arrows together, not one by one");
    assert_ne!(body["data-dense-paths"], "0", "the overview draws the arrows");
    // A message a millisecond: the window and a window's width either side.
    let zoomed: usize = body["data-drawn-zoomed"].parse().expect("a count");
    assert!((100..=400).contains(&zoomed), "{zoomed} messages drawn one by one for a 50 ms window");
    assert_eq!(body["data-requests-zoomed"], zoomed.to_string(), "each drawn with its request arrow");
}
