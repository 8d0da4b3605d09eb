//! The state every handle of one network shares: nodes, knobs, workers, counters, trace.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rustc_hash::FxHashMap;

use crate::channel::{Receiver, Sender};
use crate::sync::{Mutex, RwLock};

use crate::departure::Departure;
use crate::faults::Faults;
use crate::hold::Holds;
use crate::hold_off::{HeldWork, HoldOff};
use crate::node::Node;
use crate::panics::{Kept, NodePanic, PanicRecord, PANIC_RECORD_LIMIT};
use crate::pool::{self, Pool, Spawner};
use crate::spin::Spin;
use crate::trace::{EventKind, Trace};

/// How long shutdown waits for handlers that are still running.
const SHUTDOWN_PATIENCE: Duration = Duration::from_secs(2);

pub(crate) struct Core {
    nodes: RwLock<Nodes>,
    pub(crate) faults: Faults,
    pub(crate) holds: Holds<Departure>,
    pub(crate) trace: Trace,
    pub(crate) panics: PanicRecord,
    pub(crate) pool: Pool,
    pub(crate) spin: Arc<Spin>,
    shut_down: AtomicBool,
    /// Dropped on shutdown, which wakes every network-made sleep at once.
    shutdown_tx: Mutex<Option<Sender<()>>>,
    shutdown_rx: Receiver<()>,
    pub(crate) total_rpcs: AtomicU64,
    pub(crate) next_call_id: AtomicU64,
    pub(crate) next_client_id: AtomicU64,
    /// The longest the machine held off any of the network's work (see
    /// [`crate::Network::longest_hold_off`]), and that wait in nanoseconds, which every note
    /// compares against without taking the lock.
    pub(crate) longest_hold_off: Mutex<Option<HoldOff>>,
    longest_hold_off_nanos: AtomicU64,
}

/// Every node, under two maps of the same entries: one for walks, one for lookups.
#[derive(Default)]
struct Nodes {
    /// By name, in name order: whatever walks them (a shutdown, say) does so in the same order in
    /// every run, which a simulated run's replay needs.
    in_order: BTreeMap<Arc<str>, Arc<Node>>,
    /// By name, for lookups: every call looks up the node it calls, and a search of the ordered
    /// map compares the name with up to a dozen others per level of the tree (with 8 callers on
    /// the network, that cost a call some 500 instructions, against some 60 here). rustc-hash's
    /// Fx hasher has no random key, so nothing about this map changes from run to run.
    by_hash: FxHashMap<Arc<str>, Arc<Node>>,
}

impl Core {
    pub(crate) fn new(seed: u64) -> Core {
        Core::with_spawner(seed, pool::spawn_thread)
    }

    /// A network core whose worker pool starts its threads with `spawn`.
    pub(crate) fn with_spawner(seed: u64, spawn: Spawner) -> Core {
        let (shutdown_tx, shutdown_rx) = crate::channel::bounded(0);
        let spin = Arc::new(Spin::new());
        Core {
            nodes: RwLock::new(Nodes::default()),
            faults: Faults::new(seed),
            holds: Holds::new(),
            trace: Trace::new(),
            panics: PanicRecord::default(),
            pool: Pool::with_spawner(Arc::clone(&spin), spawn),
            spin,
            shut_down: AtomicBool::new(false),
            shutdown_tx: Mutex::new(Some(shutdown_tx)),
            shutdown_rx,
            total_rpcs: AtomicU64::new(0),
            next_call_id: AtomicU64::new(1),
            next_client_id: AtomicU64::new(1),
            longest_hold_off: Mutex::new(None),
            longest_hold_off_nanos: AtomicU64::new(0),
        }
    }

    /// Notes that the machine held `work` off for `waited`, if nothing was held off longer.
    /// `work` is only made for a new longest.
    pub(crate) fn note_hold_off(&self, waited: Duration, work: impl FnOnce() -> HeldWork) {
        // Simulated, nothing is held off (a task runs when the schedule says), and the lock below,
        // taken or not by what the machine's clock measured, would change the schedule.
        if crate::SIMULATED {
            return;
        }
        // On the call and sleep paths: only a wait longer than any before takes the lock, and
        // one no longer than the longest so far only reads (a write on every call would bounce
        // the counter's cache line between the cores of concurrent callers).
        let nanos = u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX).max(1);
        if self.longest_hold_off_nanos.load(Ordering::Relaxed) >= nanos
            || self.longest_hold_off_nanos.fetch_max(nanos, Ordering::Relaxed) >= nanos
        {
            return;
        }
        let mut longest = self.longest_hold_off.lock();
        if longest.as_ref().is_none_or(|w| waited > w.waited) {
            *longest = Some(HoldOff { work: work(), waited });
        }
    }

    /// [`Core::sleep`], noting how late it woke as a hold-off of `work`.
    pub(crate) fn sleep_noting(&self, duration: Duration, work: impl FnOnce() -> HeldWork) -> bool {
        if duration.is_zero() {
            return self.sleep(duration);
        }
        let started = std::time::Instant::now();
        let up = self.sleep(duration);
        if up {
            self.note_hold_off(started.elapsed().saturating_sub(duration), work);
        }
        up
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Acquire)
    }

    /// The node with this name, if anyone has used the name.
    pub(crate) fn lookup(&self, name: &str) -> Option<Arc<Node>> {
        self.nodes.read().by_hash.get(name).cloned()
    }

    /// The node with this name, created on first use.
    pub(crate) fn node(&self, name: &str) -> Arc<Node> {
        if let Some(node) = self.lookup(name) {
            return node;
        }
        let mut nodes = self.nodes.write();
        if let Some(node) = nodes.by_hash.get(name) {
            return Arc::clone(node);
        }
        let node = Arc::new(Node::new(nodes.in_order.len(), name));
        nodes.in_order.insert(Arc::clone(&node.name), Arc::clone(&node));
        nodes.by_hash.insert(Arc::clone(&node.name), Arc::clone(&node));
        node
    }

    /// Every node, in name order (the same in every run).
    pub(crate) fn all_nodes(&self) -> Vec<Arc<Node>> {
        self.nodes.read().in_order.values().cloned().collect()
    }

    /// Runs `register` unless the network is shut down, atomically with respect to shutdown.
    pub(crate) fn unless_shut_down<T>(&self, register: impl FnOnce() -> T) -> Option<T> {
        let _nodes = self.nodes.read();
        if self.is_shut_down() {
            None
        } else {
            Some(register())
        }
    }

    /// Sleeps for `duration`, or less if the network shuts down. Returns whether it is still up.
    pub(crate) fn sleep(&self, duration: Duration) -> bool {
        if !duration.is_zero() {
            let _ = self.shutdown_rx.recv_timeout(duration);
        }
        !self.is_shut_down()
    }

    /// Records a panic in `node`'s code: in the record (while it has room), the log and the
    /// trace. Returns the panic as recorded.
    pub(crate) fn record_panic(
        &self,
        node: String,
        thread: String,
        method: Option<&'static str>,
        message: String,
    ) -> NodePanic {
        let panic = NodePanic { node, thread, method, message, at_us: self.trace.now_us() };
        match self.panics.add(panic.clone()) {
            Kept::Yes => {
                log::error!("{panic}");
                self.trace.record(|| EventKind::Panic {
                    node: panic.node.clone(),
                    thread: panic.thread.clone(),
                    message: panic.message.clone(),
                });
            }
            Kept::FirstOverLimit => log::error!(
                "{panic}; that is more than {PANIC_RECORD_LIMIT} panics, so later ones are counted but neither recorded nor logged"
            ),
            Kept::No => {}
        }
        panic
    }

    /// Kills every node, drops held calls and ends every worker. Idempotent.
    pub(crate) fn shutdown(&self) {
        {
            let nodes = self.nodes.write();
            if self.shut_down.swap(true, Ordering::AcqRel) {
                return;
            }
            for node in nodes.in_order.values() {
                node.kill();
            }
        }
        log::info!("network shut down");
        self.trace.record(|| EventKind::Knob { change: "shutdown".into() });
        self.shutdown_tx.lock().take();
        self.holds.clear();
        self.pool.close(SHUTDOWN_PATIENCE);
    }
}
