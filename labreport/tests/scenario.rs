//! A scenario that fails on purpose, against a broken server that lives only in this file,
//! must leave a report a student can read: this test opens it in headless Chromium and checks
//! from the DOM that the lanes, the RPC arrows, the views, the kill and the failing operation
//! are all there.
//!
//! Needs Debian's `chromium`; `.ci/run` installs it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use labreport::browser::{inner_html, rendered_dom, scratch, unescape, with_class};
use labreport::naming::page_name;
use labrpc::{Network, Service};
use labtests::pb_harness::{check, Cluster, VS};
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
