//! Serves a [`PbServer`] over the simulated network, with its tick thread.

use std::sync::{Arc, OnceLock};

use labrpc::sync::Mutex;
use labrpc::{Network, NodeThread, RegisterError, Service};
use viewservice::{View, PING_INTERVAL};

use crate::common::{Execute, Forward, PbError, Transfer};
use crate::server::PbServer;

/// A running primary/backup server.
#[must_use = "the handle is how a test kills the server"]
pub struct PbServerHandle {
    net: Network,
    name: String,
    server: Arc<PbServer>,
    ticker: Mutex<Option<NodeThread>>,
}

/// Starts a fresh, empty server named `me` on `net`, working with the view service `vs`.
/// Starting a name that was killed is a restart: the new server remembers nothing.
pub fn start_server(net: &Network, vs: &str, me: &str) -> Result<PbServerHandle, RegisterError> {
    // The handlers need the server, and the server needs the endpoint registration returns:
    // fill the slot once registered.
    let slot: Arc<OnceLock<Arc<PbServer>>> = Arc::new(OnceLock::new());
    let (on_execute, on_forward, on_transfer) = (Arc::clone(&slot), Arc::clone(&slot), Arc::clone(&slot));
    let service = Service::new()
        .handle::<Execute>(move |request| on_execute.get().map_or_else(not_ready, |s| s.execute(request)))
        .handle::<Forward>(move |args| on_forward.get().map_or_else(not_ready, |s| s.forward(args)))
        .handle::<Transfer>(move |args| on_transfer.get().map_or_else(not_ready, |s| s.transfer(args)));
    let endpoint = net.register(me, service)?;
    let server = Arc::new(PbServer::new(endpoint.clone(), vs));
    let _ = slot.set(Arc::clone(&server));

    let ticking = Arc::clone(&server);
    let tick_endpoint = endpoint.clone();
    // A thread of the node, so that a panic in `tick` is reported with the test's failure.
    let ticker = endpoint.spawn("tick", move || {
        // `sleep` returns false once this server is killed or the network shuts down.
        while tick_endpoint.sleep(PING_INTERVAL) {
            ticking.tick();
        }
    })?;
    Ok(PbServerHandle { net: net.clone(), name: me.to_string(), server, ticker: Mutex::new(Some(ticker)) })
}

impl PbServerHandle {
    /// Kills the server and waits for its tick thread to stop.
    pub fn kill(&self) {
        self.net.kill(&self.name);
        if let Some(ticker) = self.ticker.lock().take() {
            // A panic in it is recorded by the network already.
            let _ = ticker.join();
        }
    }

    /// The server's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value the server holds for `key`, read directly (for tests comparing replicas).
    pub fn value(&self, key: &str) -> Option<String> {
        self.server.value(key)
    }

    /// The view the server believes current.
    pub fn view(&self) -> View {
        self.server.view()
    }
}

/// The answer to a call that arrives in the instant between registering and being ready.
fn not_ready<T>() -> Result<T, PbError> {
    Err(PbError::NotReady)
}
