//! Serves a [`ViewServer`] over the simulated network: two handlers, and a thread that calls
//! `tick` every ping interval.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use labrpc::sync::Mutex;
use labrpc::time::Instant;
use labrpc::{Network, NodeThread, RegisterError, Service};

use crate::common::{Get, Ping, View, PING_INTERVAL};
use crate::server::ViewServer;

/// A running view service.
#[must_use = "the handle is how a test kills the view service and reads its RPC count"]
pub struct ViewServiceHandle {
    net: Network,
    name: String,
    state: Arc<Mutex<ViewServer>>,
    /// The highest viewnum its primary acknowledged, as seen in the pings served (0: none).
    acked: Arc<AtomicU64>,
    ticker: Mutex<Option<NodeThread>>,
}

/// Starts a view service named `name` on `net`.
///
/// Fails only if a live server already has that name, the network is shut down, or the
/// operating system refuses the tick thread.
pub fn start_server(net: &Network, name: &str) -> Result<ViewServiceHandle, RegisterError> {
    let state = Arc::new(Mutex::new(ViewServer::new()));
    let on_ping = Arc::clone(&state);
    let on_get = Arc::clone(&state);
    let acked = Arc::new(AtomicU64::new(0));
    let on_ack = Arc::clone(&acked);
    let service = Service::new()
        .handle::<Ping>(move |args| {
            let reply = on_ping.lock().ping(&args.me, args.viewnum, Instant::now());
            match &reply {
                // An acknowledgement, as the rules define it: the primary of the view it was
                // answered with pinged with that view's number.
                Ok(View { viewnum, primary, .. })
                    if *viewnum == args.viewnum && primary.as_deref() == Some(args.me.as_str()) =>
                {
                    on_ack.fetch_max(*viewnum, Ordering::SeqCst);
                }
                Ok(_) => {}
                Err(refused) => log::debug!("refused a ping from {:?}: {refused}", args.me),
            }
            reply
        })
        .handle::<Get>(move |()| on_get.lock().get());
    let me = net.register(name, service)?;

    let ticking = Arc::clone(&state);
    let tick_endpoint = me.clone();
    // A thread of the node, so that a panic in `tick` is reported with the test's failure.
    let ticker = me.spawn("tick", move || {
        // `sleep` returns false once this server is killed or the network shuts down.
        while tick_endpoint.sleep(PING_INTERVAL) {
            let changed = ticking.lock().tick(Instant::now());
            if let Some(view) = changed {
                tick_endpoint.note(view.to_string());
            }
        }
    })?;
    Ok(ViewServiceHandle {
        net: net.clone(),
        name: name.to_string(),
        state,
        acked,
        ticker: Mutex::new(Some(ticker)),
    })
}

impl ViewServiceHandle {
    /// Kills the view service and waits for its tick thread to stop.
    pub fn kill(&self) {
        self.net.kill(&self.name);
        if let Some(ticker) = self.ticker.lock().take() {
            // A panic in it is recorded by the network already.
            let _ = ticker.join();
        }
    }

    /// RPCs delivered to the view service so far.
    pub fn rpc_count(&self) -> u64 {
        self.net.rpc_count(&self.name)
    }

    /// The view service's name on the network.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The current view, read directly (for tests; clients use [`crate::Clerk::get`]).
    pub fn view(&self) -> View {
        self.state.lock().get()
    }

    /// Whether the primary of the current view has acknowledged it, read directly: tests wait
    /// for this before failing a server, as a primary that dies before acknowledging its view
    /// leaves the service stuck by design.
    pub fn is_acked(&self) -> bool {
        let View { viewnum, .. } = self.view();
        viewnum > 0 && self.acked.load(Ordering::SeqCst) >= viewnum
    }
}
