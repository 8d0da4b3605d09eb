//! Nodes (names on the network) and their incarnations (one life of a server under that name).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::channel::{Receiver, Sender};
use crate::sync::{Mutex, RwLock};

use crate::service::Service;

/// A name on the network, with its fault knobs and counters. Nodes are never removed, so links
/// and counters can refer to them by index.
pub(crate) struct Node {
    pub(crate) id: usize,
    pub(crate) name: Arc<str>,
    current: RwLock<Arc<Incarnation>>,
    /// Set once a server has registered here: calling a name that never served is a different
    /// mistake from calling one that died.
    ever_served: AtomicBool,
    /// The 2015 per-server unreliability.
    pub(crate) unreliable: AtomicBool,
    /// Ingress delay in nanoseconds; 0 is off.
    ingress_delay_nanos: AtomicU64,
    pub(crate) delivered: AtomicU64,
    pub(crate) bytes_sent: AtomicU64,
    /// Bytes sent from this node, indexed by receiving node id (ids count up from 0, so the
    /// vector is as long as the largest id sent to, plus one). Every call counts here twice,
    /// request and reply, and a `HashMap` cost each count a SipHash of the id.
    link_bytes: Mutex<Vec<u64>>,
}

/// One life of a node. Killing the node ends the incarnation for good; a restart is a new one.
pub(crate) struct Incarnation {
    pub(crate) number: u64,
    alive: AtomicBool,
    /// Dropped on death, so everyone waiting on `death_rx` wakes at once.
    death_tx: Mutex<Option<Sender<()>>>,
    pub(crate) death_rx: Receiver<()>,
    service: OnceLock<Arc<Service>>,
    /// Held while a call into this life sits out the node's ingress delay: one call at a time.
    pub(crate) ingress_gate: Mutex<()>,
}

impl Incarnation {
    fn new(number: u64) -> Arc<Incarnation> {
        let (death_tx, death_rx) = crate::channel::bounded(0);
        Arc::new(Incarnation {
            number,
            alive: AtomicBool::new(true),
            death_tx: Mutex::new(Some(death_tx)),
            death_rx,
            service: OnceLock::new(),
            ingress_gate: Mutex::new(()),
        })
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Acquire)
    }

    /// Ends this life; returns false if it was already over.
    fn die(&self) -> bool {
        let was_alive = self.alive.swap(false, Ordering::AcqRel);
        self.death_tx.lock().take();
        was_alive
    }

    pub(crate) fn service(&self) -> Option<&Arc<Service>> {
        self.service.get()
    }

    /// Sleeps for `duration` or until this incarnation dies. Returns whether it is still alive.
    pub(crate) fn sleep(&self, duration: Duration) -> bool {
        let _ = self.death_rx.recv_timeout(duration);
        self.is_alive()
    }
}

/// What happened when a server registered.
pub(crate) enum Registered {
    Fresh(Arc<Incarnation>),
    NameTaken,
}

impl Node {
    pub(crate) fn new(id: usize, name: &str) -> Node {
        Node {
            id,
            name: Arc::from(name),
            current: RwLock::new(Incarnation::new(0)),
            ever_served: AtomicBool::new(false),
            unreliable: AtomicBool::new(false),
            ingress_delay_nanos: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            bytes_sent: AtomicU64::new(0),
            link_bytes: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn current(&self) -> Arc<Incarnation> {
        Arc::clone(&self.current.read())
    }

    pub(crate) fn ever_served(&self) -> bool {
        self.ever_served.load(Ordering::Acquire)
    }

    /// Installs `service` as this node's server: in the current life if that life is alive and
    /// serves nothing yet (a name that so far only made calls), else in a new life.
    pub(crate) fn register(&self, service: Arc<Service>) -> Registered {
        let mut current = self.current.write();
        if current.is_alive() {
            if current.service().is_some() {
                return Registered::NameTaken;
            }
        } else {
            *current = Incarnation::new(current.number + 1);
        }
        let _ = current.service.set(service);
        self.ever_served.store(true, Ordering::Release);
        Registered::Fresh(Arc::clone(&current))
    }

    /// Kills the current life. Returns false if the node was already dead.
    pub(crate) fn kill(&self) -> bool {
        self.current.read().die()
    }

    pub(crate) fn ingress_delay(&self) -> Option<Duration> {
        match self.ingress_delay_nanos.load(Ordering::Relaxed) {
            0 => None,
            nanos => Some(Duration::from_nanos(nanos)),
        }
    }

    pub(crate) fn set_ingress_delay(&self, delay: Option<Duration>) {
        let nanos = delay.map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX).max(1));
        self.ingress_delay_nanos.store(nanos, Ordering::Relaxed);
    }

    /// Counts `bytes` sent from this node to node `to`.
    pub(crate) fn count_sent(&self, to: usize, bytes: usize) {
        let bytes = bytes as u64;
        self.bytes_sent.fetch_add(bytes, Ordering::Relaxed);
        let mut links = self.link_bytes.lock();
        if links.len() <= to {
            links.resize(to + 1, 0);
        }
        links[to] += bytes;
    }

    /// Bytes sent from this node to node `to` (by id).
    pub(crate) fn link_bytes(&self, to: usize) -> u64 {
        self.link_bytes.lock().get(to).copied().unwrap_or(0)
    }
}
