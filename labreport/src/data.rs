//! What a failure report shows, as plain data: the builder fills it from a scenario's network
//! trace and client history, and the page renders it. Serialized into the page as JSON.

use serde::Serialize;

/// Everything one report shows. Times are microseconds since the test's network started.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReportData {
    /// The test's name, e.g. `rule_2_put_waits_while_backup_is_cut_off_then_completes_after_repair`.
    pub test: String,
    /// Whether the test failed (`false` for a report asked for with `LAB_REPORT=always`).
    pub failed: bool,
    /// The failing assertion (the panic message and where it was raised), if the test failed.
    pub failure: Option<String>,
    /// The seed of the network's fault decisions.
    pub seed: u64,
    /// The command that re-runs the test with that seed.
    pub rerun: String,
    /// What the seed reproduces and what it cannot.
    pub seed_note: String,
    /// What the harness says about this run besides, if anything: for a search's failure, that
    /// it is the smallest failing run found and how much smaller than the one first found.
    pub run_note: Option<String>,
    /// How long the scenario ran, from the network's start to the report.
    pub duration_us: u64,
    /// Whether every time on the page is a simulated run's virtual time (simulation mode).
    pub virtual_time: bool,
    /// One lane per node, in display order: view service, servers, clerks, others.
    pub lanes: Vec<Lane>,
    /// Every RPC kept in the report, in the order it was sent.
    pub messages: Vec<Message>,
    /// Kills, restarts, cuts, heals, holds and other knob changes, in time order.
    pub faults: Vec<Fault>,
    /// The views, as bands: each from when it was first seen to when the next one was.
    pub views: Vec<ViewBand>,
    /// Client operations, as bars.
    pub ops: Vec<ClientOp>,
    /// The linearizability verdict over `ops`.
    pub verdict: OpsVerdict,
    /// Set when routine messages were left out to keep the page small: what was left out.
    pub elided: Option<String>,
}

/// One node's lane.
#[derive(Debug, Clone, Serialize)]
pub struct Lane {
    /// The node's name (`vs`, `s1`, `clerk-3`...).
    pub name: String,
    /// What the node is.
    pub kind: LaneKind,
}

/// What kind of node a lane belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneKind {
    /// The view service.
    ViewService,
    /// A key/value server.
    Server,
    /// A client's clerk.
    Clerk,
    /// Anything else (a test's own caller, say).
    Other,
}

/// One RPC: an arrow from `from` at `sent_us` to `to`, and back if it was answered.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// The network's call id.
    pub id: u64,
    /// The caller's lane name.
    pub from: String,
    /// The server's lane name.
    pub to: String,
    /// The method, e.g. `PBServer.Forward`.
    pub method: String,
    /// When it left the caller.
    pub sent_us: u64,
    /// When it reached the handler, if it did.
    pub delivered_us: Option<u64>,
    /// When its fate was settled (reply back, dropped, lost), if it was.
    pub ended_us: Option<u64>,
    /// What became of it.
    pub outcome: MessageOutcome,
    /// Why it was not answered, when it was not (e.g. `link s1 -> s2 is cut`).
    pub reason: Option<String>,
    /// The arguments as JSON text, cut short if long.
    pub args: Option<String>,
    /// The reply as JSON text, cut short if long.
    pub reply: Option<String>,
}

/// What became of an RPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageOutcome {
    /// The reply reached the caller.
    Delivered,
    /// The request never reached the handler (unreliable link, cut, partition).
    Dropped,
    /// The handler ran, but its reply was lost.
    ReplyLost,
    /// The server was dead (or died before the call arrived).
    DeadServer,
    /// The call failed on a programming error (no such method, bad arguments, panic).
    Failed,
    /// Still on its way when the report was made.
    Pending,
}

/// A fault or knob change at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct Fault {
    /// When.
    pub at_us: u64,
    /// What kind of change.
    pub kind: FaultKind,
    /// The nodes it concerns (one for a kill, two for a cut, every grouped node for a partition).
    pub nodes: Vec<String>,
    /// A sentence, e.g. `link s1 -> vs cut`.
    pub text: String,
}

/// The kinds of fault and knob change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// A node was killed.
    Kill,
    /// A node was started again after a kill.
    Restart,
    /// A directed link was cut.
    Cut,
    /// A directed link was repaired.
    Repair,
    /// The network was split into groups.
    Partition,
    /// Every cut was repaired.
    Heal,
    /// Calls on a link are held.
    Hold,
    /// Calls on a link are no longer held.
    Unhold,
    /// Another knob (unreliability, delays, reordering).
    Knob,
    /// A note from a node or the test.
    Note,
    /// A thread of a node (a handler, its tick thread) panicked.
    Panic,
}

/// A view, from when it was first seen to when the next was (or the end).
#[derive(Debug, Clone, Serialize)]
pub struct ViewBand {
    /// The view number.
    pub viewnum: u64,
    /// Its primary (empty if none).
    pub primary: String,
    /// Its backup (empty if none).
    pub backup: String,
    /// When a reply first carried it.
    pub from_us: u64,
    /// When a reply first carried the next view; `None` for the last one.
    pub to_us: Option<u64>,
}

/// One client operation.
#[derive(Debug, Clone, Serialize)]
pub struct ClientOp {
    /// The clerk's lane name.
    pub client: String,
    /// `get`, `put` or `append`.
    pub kind: String,
    /// The key.
    pub key: String,
    /// The value written (empty for a get).
    pub value: String,
    /// When the clerk was called.
    pub call_us: u64,
    /// When it returned; `None` if it never did (pending).
    pub return_us: Option<u64>,
    /// What it returned (a get's value), or why it failed.
    pub output: Option<String>,
    /// Whether the checker could not place this operation (the failing operation).
    pub flagged: bool,
}

/// The linearizability verdict over the client operations.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OpsVerdict {
    /// `linearizable`, `not linearizable`, `unknown` (a limit was hit) or `not checked`.
    pub verdict: String,
    /// The checker's explanation, for a history that is not linearizable.
    pub detail: String,
}
