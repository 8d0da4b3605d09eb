//! A node's own handle on the network: it makes calls in the node's name and tells the node
//! whether it is still alive.

use std::sync::Arc;
use std::time::Duration;

use crate::core::Core;
use crate::error::{RpcError, SpawnError};
use crate::hold_off::HeldWork;
use crate::method::{decode, encode, Method};
use crate::node::{Incarnation, Node};
use crate::node_thread::{self, NodeThread};
use crate::trace::{summary, EventKind};

/// Makes calls in the name of one node, in one of its lives.
///
/// An endpoint is bound to the life it was made in: once that node is killed, its calls fail
/// with [`RpcError::CallerDead`] even after a server registers again under the same name. This
/// doubles as the *liveness token* a server's own threads check to know that they must stop.
#[derive(Clone)]
pub struct Endpoint {
    core: Arc<Core>,
    node: Arc<Node>,
    life: Arc<Incarnation>,
}

impl Endpoint {
    pub(crate) fn new(core: Arc<Core>, node: Arc<Node>, life: Arc<Incarnation>) -> Endpoint {
        Endpoint { core, node, life }
    }

    /// The name this endpoint calls from.
    pub fn name(&self) -> &str {
        &self.node.name
    }

    /// Calls method `M` on the server named `to` and waits for its reply or a failure.
    ///
    /// Failures are values: see [`RpcError`] for what each one means and
    /// [`RpcError::is_network_fault`] for which are worth a retry.
    pub fn call<M: Method>(&self, to: &str, args: &M::Args) -> Result<M::Reply, RpcError> {
        let bytes = encode(args).map_err(|detail| RpcError::BadEncoding { method: M::NAME, detail })?;
        let shown = self.core.trace.is_enabled().then(|| summary(args));
        let reply = self.core.call(&self.node, &self.life, to, M::NAME, bytes, shown)?;
        decode(&reply).map_err(|detail| RpcError::BadReply { method: M::NAME, detail })
    }

    /// False once this node's life has ended (killed, or the network shut down).
    pub fn is_alive(&self) -> bool {
        self.life.is_alive()
    }

    /// Sleeps for `duration`, waking early if this life ends. Returns whether it is still alive,
    /// so a server's periodic thread reads `while endpoint.sleep(INTERVAL) { tick() }`.
    ///
    /// A wake-up later than `duration` is noted as the machine's doing (see
    /// [`Network::longest_hold_off`](crate::Network::longest_hold_off)).
    pub fn sleep(&self, duration: Duration) -> bool {
        let started = std::time::Instant::now();
        let alive = self.life.sleep(duration);
        if alive {
            self.core.note_hold_off(started.elapsed().saturating_sub(duration), || HeldWork::Wake {
                node: self.node.name.to_string(),
                thread: std::thread::current().name().map(String::from),
                slept: duration,
            });
        }
        alive
    }

    /// Starts a thread of this node, named `"{node}-{thread}"` (so `"s1-tick"` for
    /// `spawn("tick", ...)` on `s1`), running `body`.
    ///
    /// A server starts every thread it needs this way, because the network watches these
    /// threads: a panic in `body` ends the thread as usual, but the network also records it
    /// (node, thread, message and when: see [`Network::panics`](crate::Network::panics)), logs
    /// it at `error` level and traces it, so that the test can fail with that panic. A panic in a thread
    /// from `std::thread::spawn` is silent: a line on stderr, and the test carries on with a
    /// server that lacks a thread, to fail later with a puzzling symptom (a view that never
    /// changes).
    ///
    /// The thread does not stop by itself when the node dies: `body` should loop on
    /// [`sleep`](Endpoint::sleep) or [`is_alive`](Endpoint::is_alive), and the server should
    /// [`join`](NodeThread::join) it when it is killed. Fails only if the network is shut down
    /// or the operating system refuses a thread.
    pub fn spawn<F: FnOnce() + Send + 'static>(
        &self,
        thread: &str,
        body: F,
    ) -> Result<NodeThread, SpawnError> {
        node_thread::spawn(&self.core, &self.node.name, thread, body)
    }

    /// Which life of the name this is: 0 for the first, one more after each kill and restart.
    /// A server's memory does not survive a restart, but this number does, as a machine's boot
    /// count would: it is how a restarted server can tell that it restarted.
    pub fn incarnation(&self) -> u64 {
        self.life.number
    }

    /// Reports something worth seeing in a failure's story, such as a new view. It goes to the
    /// log at `info` level and into the trace when tracing is on.
    pub fn note(&self, text: impl Into<String>) {
        let text = text.into();
        log::info!("{}: {text}", self.node.name);
        self.core.trace.record(|| EventKind::Note { node: self.node.name.to_string(), text });
    }
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.node.name)
            .field("incarnation", &self.life.number)
            .field("alive", &self.is_alive())
            .finish()
    }
}
