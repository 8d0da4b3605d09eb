//! Helpers for the primary/backup scenarios: a cluster of one view service and named
//! key/value servers on a network the test owns, and checks that fail with sentences.
//!
//! Views come back as [`SeenView`]s, the harness's own reading: waits and checks never use the
//! submission's `View` methods or `PartialEq` (see [`crate::seen`]).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use labrpc::Network;
use parking_lot::Mutex;
use pbservice::PbServerHandle;
use viewservice::{ViewServiceHandle, PING_INTERVAL};

pub use crate::pb_clerk::Clerk;
use crate::seen::SeenView;
use labreport::Diagnostics;

/// The view service's name in every cluster.
pub const VS: &str = "vs";

/// A view service and key/value servers on a network of the test's own. Dropping the cluster
/// shuts its network down, which stops every server thread; if the test is failing, it first
/// prints the seed and writes the failure report (see [`Diagnostics`]).
pub struct Cluster {
    /// The network, for fault knobs and counters.
    pub net: Network,
    /// The view service.
    pub vs: ViewServiceHandle,
    servers: Mutex<HashMap<String, PbServerHandle>>,
    diagnostics: Diagnostics,
}

impl Cluster {
    /// A cluster with a view service and the servers `names`, started in that order.
    pub fn new(names: &[&str]) -> Cluster {
        crate::init_log();
        let net = Network::new();
        let diagnostics = Diagnostics::start(&net);
        let vs = viewservice::start_server(&net, VS).expect("start the view service");
        let cluster = Cluster { net, vs, servers: Mutex::new(HashMap::new()), diagnostics };
        for name in names {
            cluster.start(name);
        }
        cluster
    }

    /// Starts (or restarts, fresh and empty) the server `name`.
    pub fn start(&self, name: &str) {
        let handle = pbservice::start_server(&self.net, VS, name)
            .unwrap_or_else(|e| panic!("could not start server {name}: {e}"));
        self.servers.lock().insert(name.to_string(), handle);
    }

    /// Kills the server `name` and waits for its threads to stop.
    pub fn kill(&self, name: &str) {
        if let Some(handle) = self.servers.lock().remove(name) {
            handle.kill();
        } else {
            self.net.kill(name);
        }
    }

    /// A new clerk with a name of its own, whose operations go into the failure report.
    pub fn clerk(&self) -> Clerk {
        Clerk::new(pbservice::Clerk::new(&self.net, VS), self.diagnostics.ops())
    }

    /// The scenario's diagnostics (its test name, seed and recorded operations).
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }

    /// The view service's current view.
    pub fn view(&self) -> SeenView {
        SeenView::of(&self.vs.view())
    }

    /// The value server `name` holds for `key`, read directly; `None` if it has none or is
    /// not running.
    pub fn value_on(&self, name: &str, key: &str) -> Option<String> {
        self.servers.lock().get(name).and_then(|s| s.value(key))
    }

    /// The view server `name` believes current, if it is running.
    pub fn view_on(&self, name: &str) -> Option<SeenView> {
        self.servers.lock().get(name).map(|s| SeenView::of(&s.view()))
    }

    /// Waits until the view service's view satisfies `wanted` (described by `what`), for at
    /// most `timeout`; returns that view.
    pub fn wait_for_view(
        &self,
        what: &str,
        timeout: Duration,
        wanted: impl Fn(&SeenView) -> bool,
    ) -> Result<SeenView, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let view = self.view();
            if wanted(&view) {
                return Ok(view);
            }
            if Instant::now() >= deadline {
                return Err(format!("waited {timeout:?} for {what}, but the view is still {view}"));
            }
            std::thread::sleep(PING_INTERVAL / 5);
        }
    }

    /// Waits until `primary` and `backup` are the view's primary and backup, both servers have
    /// learned that view, and the primary has had time to acknowledge it. Panics with a
    /// sentence if that takes longer than `timeout`.
    pub fn settle(&self, primary: &str, backup: Option<&str>, timeout: Duration) -> SeenView {
        let what = format!("primary {primary} and backup {}", backup.unwrap_or("none"));
        let view = self
            .wait_for_view(&what, timeout, |v| v.is_primary(primary) && v.backup.as_deref() == backup)
            .unwrap_or_else(|e| panic!("{e}"));
        let deadline = Instant::now() + timeout;
        let members: Vec<&str> = std::iter::once(primary).chain(backup).collect();
        while members.iter().any(|m| self.view_on(m).as_ref() != Some(&view)) {
            assert!(Instant::now() < deadline, "{members:?} did not all learn {view} within {timeout:?}");
            std::thread::sleep(PING_INTERVAL / 5);
        }
        // The primary acknowledges at its next ping, after any state transfer.
        self.wait_until_acked(timeout).unwrap_or_else(|e| panic!("{e}"));
        view
    }

    /// Waits until the primary of the current view has acknowledged it, for at most `timeout`.
    /// Until then the view cannot change, so a test that fails a server first waits for this.
    pub fn wait_until_acked(&self, timeout: Duration) -> Result<SeenView, String> {
        let deadline = Instant::now() + timeout;
        while !self.vs.is_acked() {
            if Instant::now() >= deadline {
                return Err(format!(
                    "waited {timeout:?}, but the primary never acknowledged {}",
                    self.view()
                ));
            }
            std::thread::sleep(PING_INTERVAL / 10);
        }
        Ok(self.view())
    }

    /// Asserts that servers `a` and `b` hold the same value for every key in `keys`.
    pub fn assert_replicas_agree(&self, a: &str, b: &str, keys: &[&str]) {
        for key in keys {
            let (va, vb) = (self.value_on(a, key), self.value_on(b, key));
            assert_eq!(va, vb, "{a} and {b} disagree on {key:?}: {a} has {va:?}, {b} has {vb:?}");
        }
    }
}

impl Drop for Cluster {
    /// Ends the scenario's diagnostics (the seed and report of a failing test), then kills every
    /// server and the view service, waiting for their tick threads, and shuts the network down:
    /// nothing outlives the test.
    fn drop(&mut self) {
        self.diagnostics.finish();
        for (_, server) in self.servers.lock().drain() {
            server.kill();
        }
        self.vs.kill();
        self.net.shutdown();
    }
}

/// Asserts that `clerk` reads `expected` for `key`, saying which was wanted and which came back.
pub fn check(clerk: &Clerk, key: &str, expected: &str) {
    let got = clerk.get(key).unwrap_or_else(|e| panic!("Get({key:?}) did not finish: {e}"));
    assert_eq!(got, expected, "Get({key:?}) returned {got:?}, expected {expected:?}");
}
