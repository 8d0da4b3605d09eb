//! The public handle: create a network, register servers, make endpoints, turn fault knobs,
//! read counters.

use std::collections::HashSet;
use std::io;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::core::Core;
use crate::endpoint::Endpoint;
use crate::error::{HoldError, PartitionError, RegisterError, RpcError, SeedError, UnknownNode};
use crate::hold::HeldCall;
use crate::node::{Node, Registered};
use crate::panics::NodePanic;
use crate::service::Service;
use crate::trace::{EventKind, TraceEvent};

/// The environment variable that fixes the seed of every fault decision.
pub const SEED_ENV: &str = "LAB_SEED";

/// A simulated network. Cloning is cheap and every clone is the same network.
///
/// Each test builds its own: there is no global state. When [`shutdown`](Network::shutdown) is
/// called or the last clone is dropped, every node is killed and every worker thread ends.
/// Endpoints do not keep the network up, so a server should hold endpoints, not a `Network`.
#[derive(Clone)]
pub struct Network {
    handle: Arc<Handle>,
}

/// The last of these to go shuts the network down.
struct Handle {
    core: Arc<Core>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.core.shutdown();
    }
}

impl Default for Network {
    fn default() -> Self {
        Network::new()
    }
}

impl Network {
    /// A network seeded from `LAB_SEED`, or from a random seed when it is unset. A malformed
    /// `LAB_SEED` is reported on stderr and replaced by a random seed; use
    /// [`Network::from_env`] to treat it as an error instead.
    pub fn new() -> Network {
        Network::from_env().unwrap_or_else(|error| {
            eprintln!("labrpc: {error}");
            log::error!("{error}");
            Network::with_seed(Network::unset_seed())
        })
    }

    /// The seed of a network made without a usable `LAB_SEED`: the simulated run's, else a
    /// random one.
    fn unset_seed() -> u64 {
        #[cfg(feature = "simulation")]
        if let Some(seed) = crate::sim::seed() {
            return seed;
        }
        rand::random()
    }

    /// A network seeded from `LAB_SEED` (random when unset); a malformed value is an error. In a
    /// simulated run, the run's seed, always: one number replays the schedule and the faults
    /// together (the run itself was seeded from `LAB_SEED`, or by a search from its own).
    pub fn from_env() -> Result<Network, SeedError> {
        #[cfg(feature = "simulation")]
        if let Some(seed) = crate::sim::seed() {
            return Ok(Network::with_seed(seed));
        }
        let seed = match std::env::var(SEED_ENV) {
            Ok(value) => value.trim().parse().map_err(|_| SeedError { value })?,
            Err(_) => Network::unset_seed(),
        };
        Ok(Network::with_seed(seed))
    }

    /// A network whose fault decisions come from `seed`.
    pub fn with_seed(seed: u64) -> Network {
        log::info!("new network, seed {seed} ({SEED_ENV}={seed} repeats its fault decisions)");
        Network { handle: Arc::new(Handle { core: Arc::new(Core::new(seed)) }) }
    }

    fn core(&self) -> &Arc<Core> {
        &self.handle.core
    }

    /// The seed of this network's fault decisions.
    ///
    /// Each directed link (sender, receiver) draws its decisions from its own stream, seeded
    /// from this seed and the two names. So with the same seed, a node's k-th call to another
    /// meets the same draws in every run, whatever other nodes do and however the calls are
    /// spaced in time: under the same knobs, the same fate (lost or not, which delays). What a
    /// seed cannot fix is the order among calls that one node makes to the same server from
    /// several threads at once (which of them is the k-th is up to the scheduler), nor which
    /// knobs are on when a call leaves, if a test turns them while calls are in flight.
    pub fn seed(&self) -> u64 {
        self.core().faults.seed()
    }

    // ----- nodes -------------------------------------------------------------------------

    /// Starts serving `service` under `name` and returns the new server's own endpoint (its
    /// liveness token, and the way it calls others). Dropping that endpoint is harmless: the
    /// server keeps serving until it is killed.
    ///
    /// Registering a name that was killed is a restart: a fresh life with fresh state. A name
    /// whose server is still alive is [`RegisterError::NameTaken`].
    pub fn register(&self, name: &str, service: Service) -> Result<Endpoint, RegisterError> {
        if let Some(method) = service.duplicate() {
            return Err(RegisterError::DuplicateMethod { name: name.to_string(), method });
        }
        let core = self.core();
        let node = core.node(name);
        let service = Arc::new(service);
        match core.unless_shut_down(|| node.register(service)) {
            None => Err(RegisterError::Shutdown),
            Some(Registered::NameTaken) => Err(RegisterError::NameTaken { name: name.to_string() }),
            Some(Registered::Fresh(life)) => {
                log::info!("{name} registered (life {})", life.number);
                core.trace
                    .record(|| EventKind::Register { node: name.to_string(), incarnation: life.number });
                Ok(Endpoint::new(Arc::clone(core), node, life))
            }
        }
    }

    /// An endpoint that calls as `name`, bound to that name's current life. Clients use this;
    /// servers use the endpoint [`register`](Network::register) returns.
    pub fn endpoint(&self, name: &str) -> Endpoint {
        let node = self.core().node(name);
        let life = node.current();
        Endpoint::new(Arc::clone(self.core()), node, life)
    }

    /// An endpoint under a fresh name `"{prefix}-{n}"`, for clients that need no particular name.
    pub fn client(&self, prefix: &str) -> Endpoint {
        let n = self.core().next_client_id.fetch_add(1, Ordering::Relaxed);
        self.endpoint(&format!("{prefix}-{n}"))
    }

    /// Makes `name` known to the network before its server registers or anyone calls from it,
    /// so that faults can be set on it first (hold or cut its links, make it unreliable, delay
    /// its ingress) and wait for it. Every knob, hold and query refuses a name the network does
    /// not know (see [`UnknownNode`]); a name is known once a server registers under it, an
    /// endpoint is made for it ([`endpoint`](Network::endpoint), [`client`](Network::client)),
    /// or it is declared. Declaring a known name changes nothing.
    pub fn declare(&self, name: &str) {
        if self.core().lookup(name).is_none() {
            self.core().node(name);
            self.knob(format!("declare {name}"));
        }
    }

    /// Kills `name`: calls to it fail at once, replies of its running handlers are lost, and
    /// its own endpoints' calls fail. Registering the name again restarts it. Killing a known
    /// name that serves nothing (a client, or a declared name) only ends its current life.
    ///
    /// # Panics
    ///
    /// If the network does not know `name` (see [`UnknownNode`]).
    pub fn kill(&self, name: &str) {
        if self.knob_node(name).kill() {
            log::info!("killed {name}");
            self.core().trace.record(|| EventKind::Kill { node: name.to_string() });
        }
    }

    /// Whether `name` has a live server.
    ///
    /// # Panics
    ///
    /// If the network does not know `name` (see [`UnknownNode`]).
    pub fn is_serving(&self, name: &str) -> bool {
        let life = self.knob_node(name).current();
        life.is_alive() && life.service().is_some()
    }

    // ----- fault knobs -------------------------------------------------------------------

    /// Logs a fault change at `info` and records `event` in the trace.
    fn changed(&self, text: String, event: impl FnOnce() -> EventKind) {
        log::info!("{text}");
        self.core().trace.record(event);
    }

    /// A knob without an event of its own.
    fn knob(&self, change: String) {
        self.changed(change.clone(), || EventKind::Knob { change });
    }

    /// The node named `name`, if the network knows it (see [`Network::declare`]). A knob never
    /// creates a node: a name nobody registered, called from or declared is most likely a typo,
    /// and a fault set on it would change nothing.
    fn known(&self, name: &str) -> Result<Arc<Node>, UnknownNode> {
        self.core()
            .lookup(name)
            .ok_or_else(|| UnknownNode { name: name.to_string(), known: self.node_names() })
    }

    /// The node a knob, hold or query names; panics with [`UnknownNode`]'s message if the network
    /// does not know it (the knobs return nothing, so that test code can call them as
    /// statements; a typo then fails the test at the line that made it).
    fn knob_node(&self, name: &str) -> Arc<Node> {
        self.known(name).unwrap_or_else(|unknown| panic!("{unknown}"))
    }

    /// The node ids of the directed link `from -> to`, if both are known.
    fn known_link(&self, from: &str, to: &str) -> Result<(usize, usize), UnknownNode> {
        Ok((self.known(from)?.id, self.known(to)?.id))
    }

    /// The node ids of the directed link `from -> to`; panics like [`Network::knob_node`].
    fn link(&self, from: &str, to: &str) -> (usize, usize) {
        self.known_link(from, to).unwrap_or_else(|unknown| panic!("{unknown}"))
    }

    /// The 2015 lab's unreliable server: 10% of calls into `name` are dropped before the
    /// handler runs; of the rest, 20% run but lose their reply, and the caller is told at once
    /// while the handler may still be running.
    ///
    /// It belongs to the name, not to one life of the server: it stays on across a kill and a
    /// restart until turned off, so a restart never quietly undoes the faults a test asked for.
    /// (In the original lab a restarted server came back reliable; a test that wants that turns
    /// it off before the restart.)
    ///
    /// # Panics
    ///
    /// If the network does not know `name` (see [`UnknownNode`]).
    pub fn set_unreliable(&self, name: &str, on: bool) {
        self.knob_node(name).unreliable.store(on, Ordering::Relaxed);
        self.knob(format!("{name} unreliable: {on}"));
    }

    /// The whole network unreliable: every request waits up to
    /// [`SHORT_DELAY_MAX`](crate::timing::SHORT_DELAY_MAX); 10% of requests are dropped (the
    /// caller learns within [`DROP_NOTICE_MAX`](crate::timing::DROP_NOTICE_MAX)) and 10% of
    /// replies are lost after the handler ran.
    pub fn set_network_unreliable(&self, on: bool) {
        self.core().faults.set_unreliable(on);
        self.knob(format!("network unreliable: {on}"));
    }

    /// Calls to dead or cut-off nodes fail only after a random wait of up to
    /// [`LONG_DELAY_MAX`](crate::timing::LONG_DELAY_MAX), instead of at once.
    pub fn set_long_delays(&self, on: bool) {
        self.core().faults.set_long_delays(on);
        self.knob(format!("long delays: {on}"));
    }

    /// Two replies in three are held back for [`REORDER_MIN`](crate::timing::REORDER_MIN) plus
    /// a random extra, so replies arrive out of order.
    pub fn set_long_reordering(&self, on: bool) {
        self.core().faults.set_long_reordering(on);
        self.knob(format!("long reordering: {on}"));
    }

    /// Cuts the directed link `from -> to`: every message from `from` to `to` is lost, that is
    /// `from`'s requests to `to`, and `from`'s replies to calls that `to` made (a reply sent
    /// after the cut is lost even if its request got through before). A request still on its
    /// way when the cut is made (in a network delay, queued at an ingress delay, or held) is lost
    /// too: the link is checked again when it arrives, after every delay, and a held call's fate
    /// is drawn at its release. Its caller gets [`RpcError::Unreachable`](crate::RpcError).
    ///
    /// # Panics
    ///
    /// If the network does not know a name (see [`UnknownNode`]).
    pub fn cut(&self, from: &str, to: &str) {
        let (a, b) = self.link(from, to);
        self.core().faults.set_cut(a, b, true);
        self.changed(format!("cut {from} -> {to}"), || EventKind::Cut { from: from.into(), to: to.into() });
    }

    /// Repairs the directed link `from -> to`.
    ///
    /// # Panics
    ///
    /// If the network does not know a name (see [`UnknownNode`]).
    pub fn repair(&self, from: &str, to: &str) {
        let (a, b) = self.link(from, to);
        self.core().faults.set_cut(a, b, false);
        self.changed(format!("repair {from} -> {to}"), || EventKind::Repair {
            from: from.into(),
            to: to.into(),
        });
    }

    /// Splits the named nodes into groups that cannot reach each other, replacing every earlier
    /// cut. Nodes named in no group keep reaching everyone. A node named in two groups, or one
    /// the network does not know ([`PartitionError::UnknownNode`]), is an error, and then
    /// nothing changes.
    pub fn partition(&self, groups: &[&[&str]]) -> Result<(), PartitionError> {
        let mut seen = HashSet::new();
        if let Some(name) = groups.iter().flat_map(|g| g.iter()).find(|name| !seen.insert(**name)) {
            return Err(PartitionError::NamedTwice { name: name.to_string() });
        }
        let ids = groups
            .iter()
            .map(|g| g.iter().map(|name| self.known(name).map(|node| node.id)).collect())
            .collect::<Result<Vec<Vec<usize>>, UnknownNode>>()
            .map_err(PartitionError::UnknownNode)?;
        let mut cuts = HashSet::new();
        for (i, group) in ids.iter().enumerate() {
            for other in ids.iter().skip(i + 1) {
                for &a in group {
                    for &b in other {
                        cuts.insert((a, b));
                        cuts.insert((b, a));
                    }
                }
            }
        }
        self.core().faults.replace_cuts(cuts);
        let groups: Vec<Vec<String>> =
            groups.iter().map(|g| g.iter().map(|name| name.to_string()).collect()).collect();
        self.changed(format!("partition {groups:?}"), || EventKind::Partition { groups });
        Ok(())
    }

    /// Repairs every cut link.
    pub fn heal(&self) {
        self.core().faults.replace_cuts(HashSet::new());
        self.changed("heal: every link repaired".to_string(), || EventKind::Heal);
    }

    /// Holds every call into `name` for `delay` before it is delivered, one call at a time (the
    /// delaying proxy of the original partition tests). `None` turns it off. The queue belongs
    /// to the server's current life: killing it drops the calls queued for it at once, and a
    /// restarted server does not wait behind them.
    ///
    /// # Panics
    ///
    /// If the network does not know `name` (see [`UnknownNode`]).
    pub fn set_ingress_delay(&self, name: &str, delay: Option<Duration>) {
        self.knob_node(name).set_ingress_delay(delay);
        self.knob(format!("ingress delay of {name}: {delay:?}"));
    }

    // ----- hold and release --------------------------------------------------------------

    /// Holds calls on the directed link `from -> to`: they queue, undelivered, until released
    /// with [`release`](Network::release) or [`unhold`](Network::unhold). Their callers wait.
    /// Every call is held, whatever the faults would do to it: an unreliable network's or
    /// server's drops, lost replies and delays are drawn when the call is released, as are the
    /// cuts of that moment.
    ///
    /// To hold the calls of a server that has not started yet, [`declare`](Network::declare)
    /// its name first.
    ///
    /// # Panics
    ///
    /// If the network does not know a name (see [`UnknownNode`]).
    pub fn hold(&self, from: &str, to: &str) {
        self.core().holds.hold(self.link(from, to));
        self.changed(format!("hold {from} -> {to}"), || EventKind::Hold { from: from.into(), to: to.into() });
    }

    /// The calls held on `from -> to`, in arrival order.
    ///
    /// # Panics
    ///
    /// If the network does not know a name (see [`UnknownNode`]).
    pub fn held(&self, from: &str, to: &str) -> Vec<HeldCall> {
        self.core().holds.list(self.link(from, to))
    }

    /// Waits until at least `count` calls are held on `from -> to`, and lists them. A name the
    /// network does not know is [`HoldError::UnknownNode`], at once.
    pub fn wait_for_held(
        &self,
        from: &str,
        to: &str,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<HeldCall>, HoldError> {
        let link = self.known_link(from, to).map_err(HoldError::UnknownNode)?;
        self.core().holds.wait_for(link, count, timeout).map_err(|held| HoldError::Timeout {
            from: from.to_string(),
            to: to.to_string(),
            wanted: count,
            held,
        })
    }

    /// Delivers one held call now; the link stays held for later calls.
    pub fn release(&self, id: u64) -> Result<(), HoldError> {
        let call = self.core().holds.take(id).ok_or(HoldError::NotHeld { id })?;
        log::debug!("releasing call #{id}");
        self.core().trace.record(|| EventKind::Release { id });
        self.core().depart_released(call);
        Ok(())
    }

    /// Tells the caller of held call `id` that its reply was lost, as a caller that stopped
    /// waiting would conclude, while the request stays held: released later, it still reaches
    /// the server (with the faults and cuts of then), and its reply goes nowhere. This is how a
    /// test makes a request arrive after its caller has given up and retried, as a slow network
    /// can. Abandoning a call twice changes nothing more.
    pub fn abandon(&self, id: u64) -> Result<(), HoldError> {
        let mut told = None;
        let held = self.core().holds.update(id, |departure| {
            if !departure.abandoned {
                departure.abandoned = true;
                told = Some(departure.call.to.name.to_string());
                let error = RpcError::ReplyLost {
                    to: departure.call.to.name.to_string(),
                    method: departure.call.method,
                };
                let _ = departure.reply.try_send(Err(error));
            }
        });
        if !held {
            return Err(HoldError::NotHeld { id });
        }
        if let Some(to) = told {
            log::debug!(
                "abandoning call #{id} to {to}: its caller hears the reply was lost; the request stays held"
            );
            self.core()
                .trace
                .record(|| EventKind::ReplyLost { id, reason: "the test abandoned the held call".into() });
        }
        Ok(())
    }

    /// Stops holding `from -> to` and delivers its queued calls in arrival order.
    ///
    /// # Panics
    ///
    /// If the network does not know a name (see [`UnknownNode`]).
    pub fn unhold(&self, from: &str, to: &str) {
        let queued = self.core().holds.unhold(self.link(from, to));
        self.changed(format!("unhold {from} -> {to} ({} queued calls delivered)", queued.len()), || {
            EventKind::Unhold { from: from.into(), to: to.into() }
        });
        for call in queued {
            self.core().depart_released(call);
        }
    }

    // ----- counters ----------------------------------------------------------------------

    /// Calls delivered into `name`'s handlers (the handler started), over all its lives.
    ///
    /// # Panics
    ///
    /// If the network does not know `name` (see [`UnknownNode`]).
    pub fn rpc_count(&self, name: &str) -> u64 {
        self.knob_node(name).delivered.load(Ordering::Relaxed)
    }

    /// The network's work that the machine held off longest beyond its planned time, or `None`
    /// if nothing ran yet: a call waiting for its delivery to start or sitting past its planned
    /// request delay (holds and ingress queues are the test's and not counted), a node's thread
    /// waiting to start, or an [`Endpoint::sleep`](crate::Endpoint::sleep) waking late.
    /// Microseconds on a fair machine; the test harness counts a hold-off past its stall
    /// tolerance as a sign that the machine starved the scenario.
    pub fn longest_hold_off(&self) -> Option<crate::HoldOff> {
        self.core().longest_hold_off.lock().clone()
    }

    /// Calls sent on this network, delivered or not: every call that left a live caller on a
    /// live network addressed to a name that has served (a live server, or a dead one: that
    /// call is sent and lost). Calls that never leave are not counted: those of a dead caller,
    /// after shutdown, and [`NoSuchServer`](crate::RpcError::NoSuchServer) calls. So it is
    /// the sum over nodes of the calls each sent, and at least the sum of every node's
    /// [`rpc_count`](Network::rpc_count); the difference is the calls lost or still on their way.
    pub fn total_rpcs(&self) -> u64 {
        self.core().total_rpcs.load(Ordering::Relaxed)
    }

    /// Bytes `name` has sent onto the network: the arguments of every call it sent (counted as
    /// [`total_rpcs`](Network::total_rpcs) counts calls, whether or not they arrived) and the
    /// replies its handlers sent back while it was alive (whether or not they arrived: a reply
    /// lost to a cut or an unreliable network still counts; a handler's error is no reply).
    ///
    /// # Panics
    ///
    /// If the network does not know `name` (see [`UnknownNode`]).
    pub fn bytes_sent(&self, name: &str) -> u64 {
        self.knob_node(name).bytes_sent.load(Ordering::Relaxed)
    }

    /// Bytes sent on the directed link `from -> to`, counted as [`bytes_sent`](Network::bytes_sent)
    /// counts them.
    ///
    /// # Panics
    ///
    /// If the network does not know a name (see [`UnknownNode`]).
    pub fn link_bytes(&self, from: &str, to: &str) -> u64 {
        let (a, b) = (self.knob_node(from), self.knob_node(to));
        a.link_bytes(b.id)
    }

    /// Worker threads alive now (they retire after a while idle, and all end at shutdown).
    pub fn worker_threads(&self) -> usize {
        self.core().pool.workers()
    }

    // ----- panics ------------------------------------------------------------------------

    /// Every panic so far in a node's code, in order: in threads started with
    /// [`Endpoint::spawn`], and in handlers (whose callers also get
    /// [`RpcError::HandlerPanicked`](crate::RpcError::HandlerPanicked)). Only the first
    /// [`PANIC_RECORD_LIMIT`](crate::PANIC_RECORD_LIMIT) are kept; [`panic_count`](Network::panic_count)
    /// counts them all. A test harness fails the test with these (see [`NodePanic`]'s `Display`).
    pub fn panics(&self) -> Vec<NodePanic> {
        self.core().panics.list()
    }

    /// How many panics there were in nodes' code, including those past the record's limit.
    pub fn panic_count(&self) -> u64 {
        self.core().panics.total()
    }

    // ----- trace -------------------------------------------------------------------------

    /// Starts (or stops) recording the event trace. Off by default; when off it costs one
    /// atomic load per event.
    pub fn set_tracing(&self, on: bool) {
        self.core().trace.set_enabled(on);
    }

    /// Microseconds since this network was created: the clock of its trace, for events a test
    /// records alongside it (such as client operations).
    pub fn now_us(&self) -> u64 {
        self.core().trace.now_us()
    }

    /// The events recorded so far.
    pub fn trace(&self) -> Vec<TraceEvent> {
        self.core().trace.events()
    }

    /// Writes the recorded events as JSON lines, one event per line.
    pub fn write_trace(&self, out: &mut dyn io::Write) -> io::Result<()> {
        self.core().trace.write_json_lines(out)
    }

    // ----- shutdown ----------------------------------------------------------------------

    /// Kills every node, drops held calls and ends every worker thread. Calls made afterwards
    /// fail with [`RpcError::Shutdown`](crate::RpcError::Shutdown). Dropping the last clone
    /// does the same.
    pub fn shutdown(&self) {
        self.core().shutdown();
    }

    /// Whether the network has been shut down.
    pub fn is_shut_down(&self) -> bool {
        self.core().is_shut_down()
    }

    /// The nodes that have a name on this network, sorted.
    pub fn node_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.core().all_nodes().iter().map(|n| n.name.to_string()).collect();
        names.sort();
        names
    }
}
