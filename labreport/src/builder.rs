//! Builds a report's data from what a scenario left behind: the network's trace and the
//! client operations.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use labrpc::{EventKind, TraceEvent};

use super::data::{
    ClientOp, Fault, FaultKind, Lane, LaneKind, Message, MessageOutcome, OpsVerdict, ReportData, ViewBand,
};
use super::oplog::OpRecord;
use lincheck::{check, CheckOptions, KvInput, KvModel, KvOutput, PartitionOutcome, Verdict};

/// About how many bytes of JSON the messages may take; the page stays well under 5 MB.
const MESSAGE_BUDGET: usize = 3_000_000;
/// About how many bytes of JSON the client operations may take.
const OPS_BUDGET: usize = 1_000_000;
/// How long the linearizability check of a report may run.
const CHECK_LIMIT: Duration = Duration::from_secs(2);

/// Who the report is about, besides what happened.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    /// The test's name.
    pub test: String,
    /// Whether it failed.
    pub failed: bool,
    /// The failing assertion, if known.
    pub failure: Option<String>,
    /// The network's seed.
    pub seed: u64,
    /// The re-run command.
    pub rerun: String,
    /// What the seed reproduces.
    pub seed_note: String,
    /// What the harness says about this run besides (see [`ReportData::run_note`]).
    pub run_note: Option<String>,
    /// Whether the times are virtual (see [`ReportData::virtual_time`]).
    pub virtual_time: bool,
    /// The network's clock when the report was made.
    pub now_us: u64,
}

/// The report of `subject`, from the network's `trace` and the client operations `ops`.
pub fn build(subject: Subject, trace: &[TraceEvent], ops: &[OpRecord]) -> ReportData {
    let mut messages = messages(trace);
    let (client_ops, verdict) = client_ops(ops);
    let lanes = lanes(trace, &messages, &client_ops);
    let views = views(&messages);
    let mut elided = Vec::new();
    if let Some(note) = keep_within_budget(&mut messages) {
        elided.push(note);
    }
    let client_ops = keep_ops_within_budget(client_ops, &mut elided);
    let faults = faults(trace, &lanes);
    ReportData {
        test: subject.test,
        failed: subject.failed,
        failure: subject.failure,
        seed: subject.seed,
        rerun: subject.rerun,
        seed_note: subject.seed_note,
        run_note: subject.run_note,
        virtual_time: subject.virtual_time,
        duration_us: subject.now_us,
        lanes,
        messages,
        faults,
        views,
        ops: client_ops,
        verdict,
        elided: (!elided.is_empty()).then(|| elided.join(" ")),
    }
}

/// Every RPC in the trace, in the order it was sent, with what became of it.
fn messages(trace: &[TraceEvent]) -> Vec<Message> {
    let mut messages: Vec<Message> = Vec::new();
    let mut index: HashMap<u64, usize> = HashMap::new();
    for event in trace {
        let at = event.at_us;
        let id = match &event.what {
            EventKind::Send { id, from, to, method, args, .. } => {
                index.insert(*id, messages.len());
                messages.push(Message {
                    id: *id,
                    from: from.clone(),
                    to: to.clone(),
                    method: method.to_string(),
                    sent_us: at,
                    delivered_us: None,
                    ended_us: None,
                    outcome: MessageOutcome::Pending,
                    reason: None,
                    args: args.clone(),
                    reply: None,
                });
                continue;
            }
            EventKind::Deliver { id } => *id,
            EventKind::Drop { id, .. }
            | EventKind::Reply { id, .. }
            | EventKind::ReplyLost { id, .. }
            | EventKind::Failed { id, .. } => *id,
            _ => continue,
        };
        let Some(message) = index.get(&id).map(|&i| &mut messages[i]) else { continue };
        settle(message, &event.what, at);
    }
    messages
}

/// Applies one later event to its message. The first event that settles a message wins (a
/// caller that saw the server die may hear of its reply's loss later).
fn settle(message: &mut Message, what: &EventKind, at: u64) {
    if let EventKind::Deliver { .. } = what {
        message.delivered_us.get_or_insert(at);
        return;
    }
    if message.ended_us.is_some() {
        return;
    }
    let (outcome, reason) = match what {
        EventKind::Reply { reply, .. } => {
            message.reply = reply.clone();
            (MessageOutcome::Delivered, None)
        }
        EventKind::Drop { reason, dead: true, .. } => (MessageOutcome::DeadServer, Some(reason.clone())),
        EventKind::Drop { reason, .. } => (MessageOutcome::Dropped, Some(reason.clone())),
        EventKind::ReplyLost { reason, .. } => (MessageOutcome::ReplyLost, Some(reason.clone())),
        EventKind::Failed { error, .. } => (MessageOutcome::Failed, Some(error.clone())),
        _ => return,
    };
    message.outcome = outcome;
    message.reason = reason;
    message.ended_us = Some(at);
}

/// Kills, restarts, cuts, heals and the other knobs, in time order.
fn faults(trace: &[TraceEvent], lanes: &[Lane]) -> Vec<Fault> {
    let fault = |at_us, kind, nodes: Vec<String>, text: String| Fault { at_us, kind, nodes, text };
    let link = |from: &String, to: &String| vec![from.clone(), to.clone()];
    trace
        .iter()
        .filter_map(|event| {
            let at = event.at_us;
            Some(match &event.what {
                EventKind::Kill { node } => {
                    fault(at, FaultKind::Kill, vec![node.clone()], format!("{node} killed"))
                }
                EventKind::Register { node, incarnation } if *incarnation > 0 => fault(
                    at,
                    FaultKind::Restart,
                    vec![node.clone()],
                    format!("{node} restarted (life {incarnation}), empty"),
                ),
                EventKind::Cut { from, to } => {
                    fault(at, FaultKind::Cut, link(from, to), format!("link {from} -> {to} cut"))
                }
                EventKind::Repair { from, to } => {
                    fault(at, FaultKind::Repair, link(from, to), format!("link {from} -> {to} repaired"))
                }
                EventKind::Partition { groups } => fault(
                    at,
                    FaultKind::Partition,
                    groups.iter().flatten().cloned().collect(),
                    format!(
                        "partition: {}",
                        groups.iter().map(|g| format!("[{}]", g.join(" "))).collect::<Vec<_>>().join(" | ")
                    ),
                ),
                EventKind::Heal => fault(at, FaultKind::Heal, Vec::new(), "every link repaired".to_string()),
                EventKind::Hold { from, to } => {
                    fault(at, FaultKind::Hold, link(from, to), format!("calls {from} -> {to} held"))
                }
                EventKind::Unhold { from, to } => fault(
                    at,
                    FaultKind::Unhold,
                    link(from, to),
                    format!("calls {from} -> {to} no longer held"),
                ),
                EventKind::Knob { change } => {
                    fault(at, FaultKind::Knob, named_in(change, lanes), change.clone())
                }
                EventKind::Note { node, text } => {
                    fault(at, FaultKind::Note, vec![node.clone()], text.clone())
                }
                EventKind::Panic { node, thread, message } => {
                    fault(at, FaultKind::Panic, vec![node.clone()], format!("{thread} panicked: {message}"))
                }
                _ => return None,
            })
        })
        .collect()
}

/// The nodes a knob change names (`s1 unreliable: true`, `ingress delay of s1: 40ms`).
fn named_in(change: &str, lanes: &[Lane]) -> Vec<String> {
    let words: BTreeSet<&str> =
        change.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_')).collect();
    lanes.iter().filter(|lane| words.contains(lane.name.as_str())).map(|lane| lane.name.clone()).collect()
}

/// One lane per node that appears: the view service, then servers, then clerks, then others.
fn lanes(trace: &[TraceEvent], messages: &[Message], ops: &[ClientOp]) -> Vec<Lane> {
    let mut kinds: BTreeMap<String, LaneKind> = BTreeMap::new();
    for event in trace {
        if let EventKind::Register { node, .. } = &event.what {
            kinds.entry(node.clone()).or_insert(LaneKind::Server);
        }
    }
    for message in messages {
        // A node that answers calls is a server, and the one answering the view service's
        // methods is the view service, whatever it was first seen doing.
        let to = kinds.entry(message.to.clone()).or_insert(LaneKind::Other);
        if message.method.starts_with("ViewServer.") {
            *to = LaneKind::ViewService;
        } else if *to == LaneKind::Other {
            *to = LaneKind::Server;
        }
        kinds.entry(message.from.clone()).or_insert(LaneKind::Other);
    }
    for op in ops {
        kinds.insert(op.client.clone(), LaneKind::Clerk);
    }
    let rank = |kind: LaneKind| match kind {
        LaneKind::ViewService => 0,
        LaneKind::Server => 1,
        LaneKind::Clerk => 2,
        LaneKind::Other => 3,
    };
    let mut lanes: Vec<Lane> = kinds.into_iter().map(|(name, kind)| Lane { name, kind }).collect();
    lanes.sort_by(|a, b| {
        rank(a.kind).cmp(&rank(b.kind)).then_with(|| natural(&a.name).cmp(&natural(&b.name)))
    });
    lanes
}

/// Sorts `clerk-10` after `clerk-9`.
fn natural(name: &str) -> (String, u64) {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (stem, number) = name.split_at(name.len() - digits);
    (stem.to_string(), number.parse().unwrap_or(0))
}

/// The views the view service handed out, from its replies: each from the first reply that
/// carried it to the first that carried a later one.
fn views(messages: &[Message]) -> Vec<ViewBand> {
    let mut bands: Vec<ViewBand> = Vec::new();
    let mut replies: Vec<(u64, &str)> = messages
        .iter()
        .filter(|m| m.method.starts_with("ViewServer.") && m.outcome == MessageOutcome::Delivered)
        .filter_map(|m| Some((m.ended_us?, m.reply.as_deref()?)))
        .collect();
    replies.sort_by_key(|(at, _)| *at);
    for (at, reply) in replies {
        let Some(view) = parse_view(reply) else { continue };
        if view.viewnum == 0 || bands.last().is_some_and(|last| last.viewnum >= view.viewnum) {
            continue;
        }
        if let Some(last) = bands.last_mut() {
            last.to_us = Some(at);
        }
        bands.push(ViewBand { from_us: at, ..view });
    }
    bands
}

/// A view in a reply's JSON: the reply itself (`Get`) or inside `{"Ok": ...}` (`Ping`).
fn parse_view(reply: &str) -> Option<ViewBand> {
    let value: serde_json::Value = serde_json::from_str(reply).ok()?;
    let view = if value.get("viewnum").is_some() { &value } else { value.get("Ok")? };
    let name = |field: &str| view.get(field).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    Some(ViewBand {
        viewnum: view.get("viewnum")?.as_u64()?,
        primary: name("primary"),
        backup: name("backup"),
        from_us: 0,
        to_us: None,
    })
}

/// The client operations as bars, and the checker's verdict on them.
fn client_ops(records: &[OpRecord]) -> (Vec<ClientOp>, OpsVerdict) {
    let mut ops: Vec<ClientOp> = records.iter().map(client_op).collect();
    if records.is_empty() {
        let verdict = OpsVerdict { verdict: "not checked".into(), detail: "no client operations".into() };
        return (ops, verdict);
    }
    let history = match super::oplog::history_of(records) {
        Ok(history) => history,
        Err(error) => {
            let verdict = OpsVerdict {
                verdict: "not checked".into(),
                detail: format!("the history is malformed: {error}"),
            };
            return (ops, verdict);
        }
    };
    let options = CheckOptions::default().with_time_limit(CHECK_LIMIT);
    let report = check(&KvModel, &history, &options);
    // The history is in call order, as the records are: indices match.
    for partition in report.violations() {
        if let PartitionOutcome::Violation { unplaced, .. } = &partition.outcome {
            for &i in unplaced {
                if let Some(op) = ops.get_mut(i) {
                    op.flagged = true;
                }
            }
        }
    }
    let verdict = match report.verdict {
        Verdict::Linearizable => OpsVerdict { verdict: "linearizable".into(), detail: String::new() },
        Verdict::NotLinearizable => {
            OpsVerdict { verdict: "not linearizable".into(), detail: report.explain(&KvModel, &history) }
        }
        _ => OpsVerdict {
            verdict: "unknown".into(),
            detail: format!(
                "the checker could not decide: the search {} (time limit {CHECK_LIMIT:?})",
                report.limits_hit()
            ),
        },
    };
    (ops, verdict)
}

fn client_op(record: &OpRecord) -> ClientOp {
    let (kind, key, value) = match &record.input {
        KvInput::Get { key } => ("get", key, String::new()),
        KvInput::Put { key, value } => ("put", key, value.clone()),
        KvInput::Append { key, value } => ("append", key, value.clone()),
    };
    let output = record.output.as_ref().map(|output| match output {
        Ok(KvOutput::Value(value)) => value.clone(),
        Ok(KvOutput::Ok) => "ok".to_string(),
        Err(why) => format!("gave up: {why}"),
    });
    ClientOp {
        client: record.client.clone(),
        kind: kind.to_string(),
        key: key.clone(),
        value: cut(value),
        call_us: record.call_us,
        return_us: record.return_us.filter(|_| matches!(record.output, Some(Ok(_)))),
        output: output.map(cut),
        flagged: false,
    }
}

/// Values in the crash tests grow long; the page needs their start and their length.
fn cut(text: String) -> String {
    match text.char_indices().nth(120) {
        Some((at, _)) => format!("{}… ({} bytes)", &text[..at], text.len()),
        None => text,
    }
}

/// Keeps the messages under [`MESSAGE_BUDGET`]: every message that went wrong, and the latest
/// routine ones (a failure is usually near the end). Returns what was left out.
fn keep_within_budget(messages: &mut Vec<Message>) -> Option<String> {
    let size = |m: &Message| serde_json::to_string(m).map_or(0, |s| s.len());
    let total: usize = messages.iter().map(size).sum();
    if total <= MESSAGE_BUDGET {
        return None;
    }
    let mut keep = BTreeSet::new();
    let mut used = 0;
    // Faulty messages first, newest first, up to a third of the budget; then routine ones.
    for routine in [false, true] {
        let budget = if routine { MESSAGE_BUDGET } else { MESSAGE_BUDGET / 3 };
        for (i, m) in messages.iter().enumerate().rev() {
            if (m.outcome == MessageOutcome::Delivered) != routine || keep.contains(&i) {
                continue;
            }
            let s = size(m);
            if used + s > budget {
                break;
            }
            used += s;
            keep.insert(i);
        }
    }
    let before = messages.len();
    let last_left_out = (0..before).rev().find(|i| !keep.contains(i));
    let complete_from = last_left_out.and_then(|i| messages.get(i + 1)).map_or(0, |m| m.sent_us);
    let mut index = 0;
    messages.retain(|_| {
        index += 1;
        keep.contains(&(index - 1))
    });
    Some(format!(
        "{} of {before} calls are left out to keep this page small: the earliest routine ones \
         (every call that went wrong is kept, as far back as room allows; everything from {:.3} s on is complete).",
        before - messages.len(),
        complete_from as f64 / 1e6
    ))
}

/// Keeps the client operations under [`OPS_BUDGET`]: the flagged ones and the latest.
fn keep_ops_within_budget(ops: Vec<ClientOp>, elided: &mut Vec<String>) -> Vec<ClientOp> {
    let size = |op: &ClientOp| serde_json::to_string(op).map_or(0, |s| s.len());
    let total: usize = ops.iter().map(size).sum();
    if total <= OPS_BUDGET {
        return ops;
    }
    let before = ops.len();
    let mut used = 0;
    let mut kept: Vec<ClientOp> = Vec::new();
    for op in ops.into_iter().rev() {
        let s = size(&op);
        if op.flagged || used + s <= OPS_BUDGET {
            used += s;
            kept.push(op);
        }
    }
    kept.reverse();
    elided.push(format!(
        "{} of {before} client operations are left out (the earliest; every flagged one is kept; the verdict covers them all).",
        before - kept.len()
    ));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(at_us: u64, what: EventKind) -> TraceEvent {
        TraceEvent { at_us, what }
    }

    fn send(id: u64, from: &str, to: &str, method: &'static str) -> EventKind {
        EventKind::Send { id, from: from.into(), to: to.into(), method, bytes: 1, args: Some("{}".into()) }
    }

    fn ping_reply(id: u64, viewnum: u64, primary: &str) -> EventKind {
        let reply = format!(r#"{{"Ok":{{"viewnum":{viewnum},"primary":"{primary}","backup":null}}}}"#);
        EventKind::Reply { id, bytes: 1, reply: Some(reply) }
    }

    #[test]
    fn each_message_gets_the_fate_its_first_settling_event_gives() {
        let trace = [
            at(1, EventKind::Register { node: "vs".into(), incarnation: 0 }),
            at(2, send(1, "s1", "vs", "ViewServer.Ping")),
            at(3, EventKind::Deliver { id: 1 }),
            at(4, ping_reply(1, 1, "s1")),
            at(5, send(2, "clerk-1", "s1", "PBServer.Execute")),
            at(6, EventKind::Drop { id: 2, reason: "s1 is dead".into(), dead: true }),
            at(7, EventKind::ReplyLost { id: 2, reason: "later news".into() }),
            at(8, send(3, "s1", "s2", "PBServer.Forward")),
            at(9, EventKind::Drop { id: 3, reason: "link s1 -> s2 is cut".into(), dead: false }),
            at(10, send(4, "s1", "s2", "PBServer.Forward")),
        ];
        let report = build(Subject::default(), &trace, &[]);
        let outcomes: Vec<MessageOutcome> = report.messages.iter().map(|m| m.outcome).collect();
        use MessageOutcome::*;
        assert_eq!(outcomes, [Delivered, DeadServer, Dropped, Pending]);
        assert_eq!(report.messages[1].reason.as_deref(), Some("s1 is dead"));
        assert_eq!(report.views.len(), 1, "view 1 from the ping's reply");
        assert_eq!((report.views[0].viewnum, report.views[0].primary.as_str()), (1, "s1"));
        let lanes: Vec<(&str, LaneKind)> = report.lanes.iter().map(|l| (l.name.as_str(), l.kind)).collect();
        assert_eq!(
            lanes,
            [
                ("vs", LaneKind::ViewService),
                ("s1", LaneKind::Server),
                ("s2", LaneKind::Server),
                ("clerk-1", LaneKind::Other)
            ]
        );
        assert_eq!(report.verdict.verdict, "not checked");
    }

    #[test]
    fn views_are_bands_in_number_order_and_view_zero_is_none() {
        let mut trace = Vec::new();
        for (id, viewnum) in [(1, 0), (2, 1), (3, 2), (4, 1), (5, 3)] {
            trace.push(at(id * 10, send(id, "s1", "vs", "ViewServer.Ping")));
            trace.push(at(id * 10 + 1, ping_reply(id, viewnum, "s1")));
        }
        let views = build(Subject::default(), &trace, &[]).views;
        let bands: Vec<(u64, u64, Option<u64>)> =
            views.iter().map(|v| (v.viewnum, v.from_us, v.to_us)).collect();
        assert_eq!(bands, [(1, 21, Some(31)), (2, 31, Some(51)), (3, 51, None)]);
    }

    #[test]
    fn a_knob_names_the_nodes_it_mentions_and_nothing_else() {
        let trace = [
            at(1, send(1, "s1", "vs", "ViewServer.Ping")),
            at(2, EventKind::Knob { change: "ingress delay of s1: 40ms".into() }),
        ];
        let faults = build(Subject::default(), &trace, &[]).faults;
        assert_eq!(faults[0].nodes, ["s1"]);
    }

    #[test]
    fn a_panic_is_a_fault_on_its_node_with_thread_and_message() {
        let trace = [at(
            3,
            EventKind::Panic {
                node: "s1".into(),
                thread: "s1-tick".into(),
                message: "not implemented: tick".into(),
            },
        )];
        let faults = build(Subject::default(), &trace, &[]).faults;
        assert_eq!(faults.len(), 1);
        assert_eq!(
            (faults[0].kind, faults[0].nodes.as_slice()),
            (FaultKind::Panic, ["s1".to_string()].as_slice())
        );
        assert_eq!(faults[0].text, "s1-tick panicked: not implemented: tick");
    }

    #[test]
    fn a_long_run_keeps_every_faulty_message_and_the_latest_routine_ones() {
        let mut trace = Vec::new();
        for id in 0..40_000u64 {
            trace.push(at(id * 10, send(id, "s1", "vs", "ViewServer.Ping")));
            if id % 1000 == 7 {
                trace.push(at(id * 10 + 1, EventKind::Drop { id, reason: "cut".into(), dead: false }));
            } else {
                trace.push(at(id * 10 + 1, ping_reply(id, 1, "s1")));
            }
        }
        let report = build(Subject::default(), &trace, &[]);
        let size: usize = report.messages.iter().map(|m| serde_json::to_string(m).unwrap().len()).sum();
        assert!(size <= MESSAGE_BUDGET, "{size} bytes kept");
        assert_eq!(report.messages.iter().filter(|m| m.outcome == MessageOutcome::Dropped).count(), 40);
        assert_eq!(report.messages.last().map(|m| m.id), Some(39_999), "the latest are kept");
        let elided = report.elided.expect("says what was left out");
        assert!(elided.contains("of 40000 calls are left out"), "{elided}");
    }
}
