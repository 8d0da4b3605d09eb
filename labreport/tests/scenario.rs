//! A scenario that fails on purpose, against a broken server that lives only in this file,
//! must leave a report a student can read: this test opens it in headless Chromium and checks
//! from the DOM that the lanes, the RPC arrows, the views, the kill and the failing operation
//! are all there. And the page of a passing rules scenario (its story told again here, with its
//! report asked for) draws no label over another at the zoom it opens at, in a small and a
//! large window, nor once zoomed into an operation, whose label stays in view though its bar
//! starts left of the window.
//!
//! Needs Debian's `chromium`; `.ci/run` installs it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use labreport::browser::{
    elements, inner_html, rendered_dom, rendered_dom_in_window, scratch, unescape, with_class,
};
use labreport::naming::page_name;
use labrpc::{Network, Service};
use labtests::bounds::VIEW_CHANGE;
use labtests::pb_harness::{check, Cluster, Scenario, VS};
use pbservice::{Execute, Forward, Op, PbError, PbServer, Transfer};
use viewservice::PING_INTERVAL;

/// The name the failing scenario's thread runs under: the report is named after it.
const SCENARIO: &str = "broken_primary_forgets_appends";

/// A server that acknowledges every Append without doing it: a bug only this test has.
struct ForgetfulServer {
    ticker: Option<JoinHandle<()>>,
}

impl ForgetfulServer {
    /// Starts the broken server `me`: the reference server, except that Appends are dropped.
    fn start(net: &Network, me: &str) -> ForgetfulServer {
        let slot: Arc<OnceLock<Arc<PbServer>>> = Arc::new(OnceLock::new());
        let (on_execute, on_forward, on_transfer) = (Arc::clone(&slot), Arc::clone(&slot), Arc::clone(&slot));
        let service = Service::new()
            .handle::<Execute>(move |request| {
                let server = on_execute.get().ok_or(PbError::NotReady)?;
                match request.op {
                    Op::Append { .. } => Ok(String::new()),
                    _ => server.execute(request),
                }
            })
            .handle::<Forward>(move |args| on_forward.get().ok_or(PbError::NotReady)?.forward(args))
            .handle::<Transfer>(move |args| on_transfer.get().ok_or(PbError::NotReady)?.transfer(args));
        let endpoint = net.register(me, service).expect("register the broken server");
        let server = Arc::new(PbServer::new(endpoint.clone(), VS));
        let _ = slot.set(Arc::clone(&server));
        let ticker = thread::spawn(move || {
            while endpoint.sleep(PING_INTERVAL) {
                server.tick();
            }
        });
        ForgetfulServer { ticker: Some(ticker) }
    }
}

impl Drop for ForgetfulServer {
    /// The network is shut down by now (the cluster is dropped first), so the tick thread ends.
    fn drop(&mut self) {
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
    }
}

/// Waits until s1 is primary with `backup`, and has acknowledged that view. (The cluster's
/// `settle` also asks each server which view it holds, and the broken server is not its own.)
fn settle(cluster: &Cluster, backup: Option<&str>) {
    let wanted = format!("s1 primary with backup {backup:?}");
    cluster
        .wait_for_view(&wanted, Duration::from_secs(5), |v| {
            v.is_primary("s1") && v.backup.as_deref() == backup
        })
        .and_then(|_| cluster.wait_until_acked(Duration::from_secs(5)))
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Runs the failing scenario on a thread named [`SCENARIO`], writing its report into `dir`;
/// returns the panic message it failed with.
fn run_failing_scenario(dir: PathBuf) -> String {
    let scenario = thread::Builder::new().name(SCENARIO.to_string()).spawn(move || {
        // Declared before the cluster, so dropped after it: the report is written, and the
        // network shut down, before the broken server's thread is joined.
        let mut broken = None;
        let cluster = Cluster::new(&[]);
        cluster.diagnostics().report_to(dir);
        broken.replace(ForgetfulServer::start(&cluster.net, "s1"));
        settle(&cluster, None);
        cluster.start("s2");
        settle(&cluster, Some("s2"));
        cluster.kill("s2");
        settle(&cluster, None);

        let clerk = cluster.clerk();
        clerk.put("k", "a").expect("put");
        clerk.append("k", "b").expect("append");
        check(&clerk, "k", "ab");
    });
    let outcome = scenario.expect("spawn the scenario").join();
    let payload = outcome.expect_err("the broken server must fail the scenario");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn a_failed_scenario_leaves_a_report_showing_lanes_arrows_views_faults_and_the_failing_get() {
    labtests::init_log();
    let dir = scratch(Path::new(env!("CARGO_TARGET_TMPDIR")), "report-scenario");
    let message = run_failing_scenario(dir.join("reports"));
    assert!(message.contains("expected \"ab\""), "the scenario failed for the planted bug: {message}");

    let page = dir.join("reports").join(page_name(SCENARIO));
    let size =
        std::fs::metadata(&page).unwrap_or_else(|e| panic!("no report at {}: {e}", page.display())).len();
    assert!(size < 5_000_000, "the report is small: {size} bytes");
    let dom = rendered_dom(&page, &dir);

    let lanes: Vec<(String, String)> = with_class(&dom, "lane")
        .into_iter()
        .map(|a| (a["data-lane"].clone(), a["data-kind"].clone()))
        .collect();
    for (lane, kind) in [("vs", "view_service"), ("s1", "server"), ("s2", "server")] {
        assert!(lanes.contains(&(lane.to_string(), kind.to_string())), "lane {lane} ({kind}) in {lanes:?}");
    }
    assert!(
        lanes.iter().any(|(name, kind)| name.starts_with("clerk-") && kind == "clerk"),
        "a clerk lane: {lanes:?}"
    );

    let arrows = with_class(&dom, "msg");
    let has_arrow = |method: &str, from: &str, to: &str| {
        arrows
            .iter()
            .any(|a| a["data-method"] == method && a["data-from"].starts_with(from) && a["data-to"] == to)
    };
    assert!(has_arrow("ViewServer.Ping", "s1", "vs"), "s1's pings are drawn");
    assert!(has_arrow("PBServer.Transfer", "s1", "s2"), "the state transfer to s2 is drawn");
    assert!(has_arrow("PBServer.Execute", "clerk-", "s1"), "the clerk's requests are drawn");
    assert!(arrows.iter().all(|a| !a["data-outcome"].is_empty()), "every arrow has an outcome");

    let views: Vec<(String, String, String)> = with_class(&dom, "view")
        .into_iter()
        .map(|a| (a["data-viewnum"].clone(), a["data-primary"].clone(), a["data-backup"].clone()))
        .collect();
    let view = |n: &str, p: &str, b: &str| (n.to_string(), p.to_string(), b.to_string());
    assert!(views.contains(&view("1", "s1", "")), "view 1 (s1 alone) in {views:?}");
    assert!(views.contains(&view("2", "s1", "s2")), "view 2 (s1, s2) in {views:?}");
    assert!(views.contains(&view("3", "s1", "")), "view 3 (s1 alone again) in {views:?}");

    let kills: Vec<String> = with_class(&dom, "fault")
        .into_iter()
        .filter(|a| a["data-kind"] == "kill")
        .map(|a| a["data-nodes"].clone())
        .collect();
    assert_eq!(kills, ["s2"], "the kill of s2 is marked");

    let flagged: Vec<_> = with_class(&dom, "op")
        .into_iter()
        .filter(|a| a.get("data-flagged").is_some_and(|f| f == "true"))
        .collect();
    assert!(
        flagged.iter().any(|a| a["data-kind"] == "get" && a["data-key"] == "k"),
        "the Get that read the lost Append is flagged: {flagged:?}"
    );
    let verdict = unescape(inner_html(&dom, "verdict").expect("a verdict element"));
    assert!(verdict.contains("not linearizable"), "the verdict says so: {verdict}");
    let failure = unescape(inner_html(&dom, "failure").expect("a failure element"));
    assert!(failure.contains("expected \"ab\""), "the failing assertion is at the top: {failure}");
    let rerun = unescape(inner_html(&dom, "rerun").expect("a rerun element"));
    assert!(
        rerun.starts_with("LAB_SEED=") && rerun.ends_with(&format!("make test T={SCENARIO}")),
        "rerun: {rerun}"
    );
}

/// The passing rules scenario whose page is checked for overlapping labels: its kill and
/// restart, the notes of its servers and its many pings crowd the page's labels.
const RULES_SCENARIO: &str = "rule_1_restarted_primary_does_not_wipe_its_backup";

/// Tells the story of [`RULES_SCENARIO`] (as `tests/tests/pbservice_rules.rs` does) on a thread
/// named after it, writing its report into `dir` although it passes.
fn run_passing_rules_scenario(dir: PathBuf) {
    let scenario = thread::Builder::new().name(RULES_SCENARIO.to_string()).spawn(move || {
        let lab = Scenario::begin("Rule 1: a primary restarted at once does not wipe its backup");
        lab.diagnostics().report_to(dir);
        lab.diagnostics().report_always();
        lab.primary_and_backup("s1", "s2");
        let clerk = lab.clerk();
        lab.put(&clerk, "k", "precious");
        lab.kill("s1");
        lab.start("s1");
        lab.poll("s2 to replace the restarted s1 as primary", VIEW_CHANGE, || {
            let view = lab.view();
            if view.is_primary("s2") {
                Ok(())
            } else {
                Err(format!("the view is still {view}"))
            }
        });
        lab.settle("s2", Some("s1"), VIEW_CHANGE);
        lab.check(&clerk, "k", "precious");
    });
    scenario.expect("spawn the scenario").join().expect("the rules scenario passes");
}

/// Measures every label the page shows (the diagram's texts; the lanes' names, in their column
/// beside the scrolling diagram) and records in `<body>`'s data: how many of each kind the
/// diagram shows, and every pair of labels of one of the two whose boxes overlap by more than
/// half a pixel both ways. `when` names the moment in the attributes.
const LABEL_CHECK: &str = r##"
  function labelCheck(when) {
    var kinds = { msg: 0, fault: 0, view: 0, op: 0 }, overlaps = [];
    function boxes(selector) {
      var shown = [];
      document.querySelectorAll(selector).forEach(function (e) {
        var r = e.getBoundingClientRect();
        if (r.width <= 0 || r.height <= 0) { return; }
        shown.push({ text: e.firstChild ? e.firstChild.nodeValue : "", r: r });
        var kind = e.closest(".msg, .fault, .view, .op");
        if (kind) { kinds[kind.classList[0]] += 1; }
      });
      for (var i = 0; i < shown.length; i++) {
        for (var j = i + 1; j < shown.length; j++) {
          var a = shown[i].r, b = shown[j].r;
          var x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          var y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (x > 0.5 && y > 0.5) {
            overlaps.push(shown[i].text + " at (" + Math.round(a.left) + ", " + Math.round(a.top) + ") over " +
              shown[j].text + " at (" + Math.round(b.left) + ", " + Math.round(b.top) + ")");
          }
        }
      }
    }
    boxes("#chart text");
    boxes("#lane-labels .lane-name, #lane-labels .lane-kind, #lane-labels .corner");
    var b = document.body.dataset;
    b[when + "Labels"] = Object.keys(kinds).map(function (k) { return k + "=" + kinds[k]; }).join(" ");
    b[when + "Overlaps"] = overlaps.join(" | ");
  }
  labelCheck("opened");

  // Zoomed in on the first operation (the Put: the run goes on long after it, so the window is
  // not pushed back by the drawing's end), its bar starting left of the window: its label stays
  // in view (whole, or shortened with the whole as its title).
  var data = JSON.parse(document.getElementById("report-data").textContent), chosen = -1;
  data.ops.forEach(function (op, i) {
    if (op.return_us !== null && (chosen < 0 || op.call_us < data.ops[chosen].call_us)) { chosen = i; }
  });
  var op = data.ops[chosen], span = op.return_us - op.call_us;
  document.getElementById("window-from").value = String((op.call_us + span / 3) / 1000);
  document.getElementById("window-to").value = String((op.return_us + 2 * span) / 1000);
  document.getElementById("window-show").click();
  var bar = document.querySelectorAll(".op")[chosen], text = bar.querySelector("text");
  var view = document.getElementById("diagram-scroll").getBoundingClientRect(), r = text.getBoundingClientRect();
  var title = text.querySelector("title");
  document.body.dataset.zoomedOp = [
    "bar from " + Math.round(bar.querySelector("rect.bar").getBoundingClientRect().left) + " in a window from " + Math.round(view.left) + " to " + Math.round(view.right),
    "label " + JSON.stringify(text.firstChild ? text.firstChild.nodeValue : "") + " from " + Math.round(r.left) + " to " + Math.round(r.right),
    "visible " + (r.width > 0 && r.left >= view.left && r.right <= view.right),
    "whole " + (title ? title.textContent : text.firstChild ? text.firstChild.nodeValue : "")
  ].join("; ");
  labelCheck("zoomed");
"##;

#[test]
fn a_passing_rules_scenario_page_draws_no_label_over_another_and_keeps_an_operation_label_in_view() {
    labtests::init_log();
    let dir = scratch(Path::new(env!("CARGO_TARGET_TMPDIR")), "report-labels");
    run_passing_rules_scenario(dir.join("reports"));
    let page = dir.join("reports").join(page_name(RULES_SCENARIO));
    let html =
        std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("no report at {}: {e}", page.display()));
    assert!(html.contains("status passed"), "the page is a passing scenario's");
    let end = html.rfind("</body>").expect("the page has a body");
    let checked = dir.join("checked.html");
    let with_check = format!("{}<script>{LABEL_CHECK}</script>\n{}", &html[..end], &html[end..]);
    std::fs::write(&checked, with_check).expect("write the checked page");

    for window in [None, Some((1400, 1000))] {
        let dom = match window {
            None => rendered_dom(&checked, &dir),
            Some(size) => rendered_dom_in_window(&checked, &dir, size),
        };
        let body = elements(&dom, "body").pop().expect("a body");
        let at = format!("in a {} window", window.map_or("default".to_string(), |(w, h)| format!("{w}x{h}")));
        assert_eq!(
            body.get("data-ready").map(String::as_str),
            Some("true"),
            "the page's script finished {at}"
        );
        for moment in ["opened", "zoomed"] {
            let overlaps = &body[&format!("data-{moment}-overlaps")];
            assert!(overlaps.is_empty(), "{at}, {moment}: labels drawn over each other: {overlaps}");
        }
        let shown = &body["data-opened-labels"];
        for kind in ["msg", "fault", "view"] {
            let count: usize = shown
                .split(' ')
                .find_map(|k| k.strip_prefix(&format!("{kind}=")))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no count of {kind} labels in {shown:?}"));
            assert!(count > 0, "{at}: the page opened with no {kind} label to check ({shown})");
        }
        let zoomed = &body["data-zoomed-op"];
        assert!(
            zoomed.contains("visible true"),
            "{at}: the zoomed-in operation's label left the window: {zoomed}"
        );
        assert!(
            zoomed.contains("whole put k=precious"),
            "{at}: the whole label is the operation's, on hover if shortened: {zoomed}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
