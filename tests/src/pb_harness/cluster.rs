//! A view service and named key/value servers on a network of the test's own, and their
//! teardown.

use std::collections::HashMap;

use labreport::Diagnostics;
use labrpc::sync::Mutex;
use labrpc::Network;
use pbservice::PbServerHandle;
use viewservice::ViewServiceHandle;

use super::clerk::Clerk;
use crate::seen::SeenView;

pub use crate::VS;

/// A view service and key/value servers on a network of the test's own, with the scenario's
/// diagnostics (its network traced, its client operations recorded). Dropping the cluster ends
/// the diagnostics (if the test is failing: the seed and the report page, see [`Diagnostics`]),
/// then shuts the network down and stops every server and the view service, joining their
/// threads: nothing outlives the test.
///
/// A test tells its story with a [`super::Scenario`], which owns a cluster; the cluster alone
/// serves tools that build scenarios of their own (the report's tests).
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

    /// A new clerk with a name of its own, whose operations are recorded, once, in the
    /// scenario's operation log: the failure report shows it, and the linearizability checks
    /// judge it (see [`labreport::OpLog::history`]).
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
}

impl Drop for Cluster {
    /// Ends the scenario's diagnostics first (the seed and report of a failing test), so that the
    /// teardown is not part of the story; then shuts the network down, so that nothing still
    /// blocked in a call waits any longer, and kills every server and the view service, waiting
    /// for their tick threads.
    fn drop(&mut self) {
        self.diagnostics.finish();
        self.net.shutdown();
        for (_, server) in self.servers.lock().drain() {
            server.kill();
        }
        self.vs.kill();
    }
}
