//! A bounded model check of the view service's rules.
//!
//! From the empty view, [`check`] explores every sequence of events up to a depth, breadth
//! first, where an event is a ping from one of the servers (with viewnum 0, the current view or
//! the previous one) or time advancing by one ping interval (followed by a tick). After every
//! step it checks the invariants below, and on a violation returns the shortest event sequence
//! that breaks one.
//!
//! The logic is judged only through what the lab's contract shows: the replies of `ping`, `tick`
//! and `get`. Its internals are never read, so any design that follows the rules passes. Two
//! runs are merged into one state when the checker's own summary of them is the same: the view
//! the logic returns, and what the rules let a view service know of the events the checker fed
//! it (see [`Facts`]). The rules decide every future view from exactly that summary, so merged
//! runs have the same futures under any logic that follows them.
//!
//! Invariants, judged from the events themselves rather than from the logic's own bookkeeping:
//! - view numbers grow by exactly one per change;
//! - rule 1: the primary of view i+1 was the primary or backup of view i (view 1 excepted);
//! - no change while the current view is unacknowledged by its primary;
//! - primary and backup differ;
//! - after the first view, a server whose latest ping says 0 is never the primary of a new view;
//! - a change never gives a role to a server that is dead at that moment;
//! - every change has a reason the rules name: the primary changes only if it is dead or
//!   restarted, the backup only if it is missing, dead, restarted or promoted. Restarted means
//!   what the restart rule says: it pinged 0 while holding its role, after having known a view.
//!
//! Views are judged and merged through the harness's own reading ([`crate::seen`]), never
//! through the logic's `View` methods or `PartialEq`/`Hash`.

use labrpc::time::{Duration, Instant};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt;

use viewservice::{PingReply, View, ViewServer, DEAD_PINGS, PING_INTERVAL};

use crate::seen::SeenView;

/// What the model check needs of a view service's logic: the contract's `ping`, `tick` and
/// `get`, and `Clone` to branch. [`ViewServer`] implements it; a test can wrap it to plant a
/// bug and show the check catches it.
pub trait ViewLogic: Clone {
    /// Records a ping (see [`ViewServer::ping`]).
    fn ping(&mut self, me: &str, viewnum: u64, now: Instant) -> PingReply;
    /// Decides whether to change the view (see [`ViewServer::tick`]).
    fn tick(&mut self, now: Instant) -> Option<View>;
    /// The current view (see [`ViewServer::get`]).
    fn view(&self) -> View;
}

impl ViewLogic for ViewServer {
    fn ping(&mut self, me: &str, viewnum: u64, now: Instant) -> PingReply {
        ViewServer::ping(self, me, viewnum, now)
    }

    fn tick(&mut self, now: Instant) -> Option<View> {
        ViewServer::tick(self, now)
    }

    fn view(&self) -> View {
        self.get()
    }
}

/// How a server's ping names the view it knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Knows {
    /// Viewnum 0: it just (re)started.
    Nothing,
    /// The current view.
    Current,
    /// The view before the current one.
    Previous,
}

/// One step of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// Server number `server` pings.
    Ping {
        /// Index into the server names.
        server: usize,
        /// Which viewnum it sends.
        knows: Knows,
    },
    /// Time advances by one ping interval, then the view service ticks.
    Tick,
}

/// What the checker itself knows of the run so far, from the events it fed and the views it
/// was told, independent of the logic under test. Besides the current view, this is all the
/// rules let a view service's decisions depend on:
/// - acknowledgement: whether the primary acknowledged the current view (pinged with its number);
/// - death: how long each server has been silent, in whole intervals (every event happens on
///   an interval's edge), which matters only up to `DEAD_PINGS`: dead is dead;
/// - restarts and promotion: each server's latest viewnum, and whether it restarted in its role;
/// - the idle backup: the order in which servers first pinged.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Facts {
    /// Ping intervals elapsed since the start.
    clock: u32,
    /// Per server: (interval of its latest ping, viewnum of its latest ping); `None` if silent.
    latest: Vec<Option<(u32, u64)>>,
    /// Whether the primary of the current view has pinged with its number.
    acked: bool,
    /// Per server: it pinged 0 while holding a role, after having pinged a view (a restart); it
    /// counts as restarted until a view takes its role away.
    restarted: Vec<bool>,
    /// Per server: how many servers had pinged before its first ping; `None` if silent.
    arrival: Vec<Option<usize>>,
}

impl Facts {
    fn is_dead(&self, server: usize) -> bool {
        self.latest[server].is_none_or(|(at, _)| self.clock - at >= DEAD_PINGS)
    }

    /// Dead, or restarted in its role: a server the rules let a view drop.
    fn has_failed(&self, server: usize) -> bool {
        self.is_dead(server) || self.restarted[server]
    }

    fn latest_viewnum(&self, server: usize) -> Option<u64> {
        self.latest[server].map(|(_, viewnum)| viewnum)
    }
}

/// How far to explore.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Number of servers pinging (named s1, s2, ...).
    pub servers: usize,
    /// Events per run.
    pub depth: usize,
}

/// What a successful check explored.
#[derive(Clone, Debug)]
pub struct Report {
    /// Distinct states visited.
    pub states: usize,
    /// Transitions taken (events applied), including to states already seen.
    pub transitions: u64,
    /// The depth reached.
    pub depth: usize,
    /// Wall time of the check.
    pub elapsed: Duration,
}

/// The shortest run that breaks an invariant.
#[derive(Clone, Debug)]
pub struct Counterexample {
    /// Each step: the event, said in words, and the view after it.
    pub steps: Vec<String>,
    /// The invariant that broke, as a sentence.
    pub violation: String,
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invariant broken: {}", self.violation)?;
        writeln!(f, "shortest run that breaks it ({} events):", self.steps.len())?;
        for (i, step) in self.steps.iter().enumerate() {
            writeln!(f, "  {:>2}. {step}", i + 1)?;
        }
        Ok(())
    }
}

struct Node<L> {
    logic: L,
    facts: Facts,
    /// Index of the state this one was reached from, and the event; `None` for the start.
    parent: Option<(usize, Event)>,
}

/// Explores every run of `initial` up to `bounds`, checking the invariants after each step.
pub fn check<L: ViewLogic>(initial: L, bounds: Bounds) -> Result<Report, Counterexample> {
    let started = Instant::now();
    let base = Instant::now();
    let names: Vec<String> = (1..=bounds.servers).map(|i| format!("s{i}")).collect();
    let events = all_events(bounds.servers);
    let facts = Facts {
        clock: 0,
        latest: vec![None; bounds.servers],
        acked: false,
        restarted: vec![false; bounds.servers],
        arrival: vec![None; bounds.servers],
    };
    let mut nodes = vec![Node { logic: initial, facts, parent: None }];
    let mut seen = HashMap::new();
    seen.insert(key(&nodes[0]), 0usize);
    let mut frontier = vec![0usize];
    let mut transitions = 0u64;

    for _ in 0..bounds.depth {
        let mut next = Vec::new();
        for &index in &frontier {
            for &event in &events {
                transitions += 1;
                let (logic, facts, outcome) = step(&nodes[index], event, &names, base);
                let child = Node { logic, facts, parent: Some((index, event)) };
                if let Err(violation) = outcome {
                    nodes.push(child);
                    return Err(counterexample(&nodes, nodes.len() - 1, &names, violation));
                }
                if let Entry::Vacant(slot) = seen.entry(key(&child)) {
                    slot.insert(nodes.len());
                    next.push(nodes.len());
                    nodes.push(child);
                }
            }
        }
        frontier = next;
    }
    Ok(Report { states: seen.len(), transitions, depth: bounds.depth, elapsed: started.elapsed() })
}

fn all_events(servers: usize) -> Vec<Event> {
    let mut events = vec![Event::Tick];
    for server in 0..servers {
        for knows in [Knows::Nothing, Knows::Current, Knows::Previous] {
            events.push(Event::Ping { server, knows });
        }
    }
    events
}

/// What identifies a state for merging: the view the logic returns, and the checker's facts
/// with absolute time taken out. Per server: (intervals since its latest ping, capped at
/// `DEAD_PINGS`, and that ping's viewnum), restarted, arrival.
type StateKey = (SeenView, Vec<Option<(u32, u64)>>, bool, Vec<bool>, Vec<Option<usize>>);

fn key<L: ViewLogic>(node: &Node<L>) -> StateKey {
    let Facts { clock, latest, acked, restarted, arrival } = &node.facts;
    let ages = latest.iter().map(|l| l.map(|(at, v)| ((clock - at).min(DEAD_PINGS), v))).collect();
    (SeenView::of(&node.logic.view()), ages, *acked, restarted.clone(), arrival.clone())
}

/// Applies `event` to a copy of `node`, and judges the result.
fn step<L: ViewLogic>(
    node: &Node<L>,
    event: Event,
    names: &[String],
    base: Instant,
) -> (L, Facts, Result<(), String>) {
    let mut logic = node.logic.clone();
    let mut facts = node.facts.clone();
    let before = SeenView::of(&logic.view());
    match event {
        Event::Ping { server, knows } => {
            let viewnum = match knows {
                Knows::Nothing => 0,
                Knows::Current => before.viewnum,
                Knows::Previous => before.viewnum.saturating_sub(1),
            };
            let now = base + PING_INTERVAL * facts.clock;
            let _ = logic.ping(&names[server], viewnum, now);
            let name = &names[server];
            let in_role = before.is_primary(name) || before.is_backup(name);
            let knew_a_view = facts.latest_viewnum(server).is_some_and(|v| v != 0);
            facts.restarted[server] |= in_role && viewnum == 0 && knew_a_view;
            if facts.arrival[server].is_none() {
                facts.arrival[server] = Some(facts.arrival.iter().flatten().count());
            }
            facts.latest[server] = Some((facts.clock, viewnum));
            if before.is_primary(&names[server]) && viewnum == before.viewnum {
                facts.acked = true;
            }
            let after = SeenView::of(&logic.view());
            let verdict = if after != before {
                Err(format!("a ping changed the view from {before} to {after}; only a tick may change it"))
            } else {
                Ok(())
            };
            (logic, facts, verdict)
        }
        Event::Tick => {
            facts.clock += 1;
            let now = base + PING_INTERVAL * facts.clock;
            let returned = logic.tick(now).map(SeenView::from);
            let after = SeenView::of(&logic.view());
            let verdict = judge_change(&before, &after, returned.as_ref(), &facts, names);
            if after != before {
                facts.acked = false;
                for (i, name) in names.iter().enumerate() {
                    if !after.is_primary(name) && !after.is_backup(name) {
                        facts.restarted[i] = false;
                    }
                }
            }
            (logic, facts, verdict)
        }
    }
}

/// The invariants of one tick that moved the view from `before` to `after`.
fn judge_change(
    before: &SeenView,
    after: &SeenView,
    returned: Option<&SeenView>,
    facts: &Facts,
    names: &[String],
) -> Result<(), String> {
    let index = |name: &str| names.iter().position(|n| n == name).expect("only known servers get roles");
    if returned != (after != before).then_some(after) {
        return Err(format!("tick returned {returned:?} but the view went from {before} to {after}"));
    }
    if after == before {
        return Ok(());
    }
    if after.viewnum != before.viewnum + 1 {
        return Err(format!(
            "the view number went from {} to {}: it must grow by exactly one",
            before.viewnum, after.viewnum
        ));
    }
    if before.viewnum > 0 && !facts.acked {
        return Err(format!("{before} changed to {after} before its primary acknowledged it"));
    }
    if after.primary.is_some() && after.primary == after.backup {
        return Err(format!("{after} has the same server as primary and backup"));
    }
    if after.primary.is_none() && after.backup.is_some() {
        return Err(format!("{after} has a backup but no primary"));
    }
    if before.viewnum > 0 {
        if let Some(primary) = after.primary.as_deref() {
            if before.primary.as_deref() != Some(primary) && before.backup.as_deref() != Some(primary) {
                return Err(format!("rule 1: {after} made {primary} primary, but it was neither primary nor backup of {before}"));
            }
            if facts.latest_viewnum(index(primary)) == Some(0) {
                return Err(format!("{after} made {primary} primary, but its latest ping said 0: it restarted and lost its state"));
            }
        } else {
            return Err(format!("{after} has no primary after the first view"));
        }
    }
    for (role, server) in [("primary", &after.primary), ("backup", &after.backup)] {
        if let Some(server) = server.as_deref() {
            let new_in_role =
                if role == "primary" { !before.is_primary(server) } else { !before.is_backup(server) };
            if new_in_role && facts.is_dead(index(server)) {
                return Err(format!(
                    "{after} made {server} {role}, but {server} is dead (silent for {DEAD_PINGS} intervals)"
                ));
            }
        }
    }
    // Every change has a reason.
    let failed = |server: &str| facts.has_failed(index(server));
    if after.primary != before.primary && before.primary.as_deref().is_some_and(|p| !failed(p)) {
        return Err(format!(
            "{before} became {after}, replacing a primary that is alive and has not restarted"
        ));
    }
    if after.backup != before.backup {
        if let Some(old) = before.backup.as_deref() {
            let promoted = after.is_primary(old);
            if !promoted && !failed(old) {
                return Err(format!(
                    "{before} became {after}, dropping a backup that is alive and has not restarted"
                ));
            }
        }
    }
    Ok(())
}

fn counterexample<L: ViewLogic>(
    nodes: &[Node<L>],
    last: usize,
    names: &[String],
    violation: String,
) -> Counterexample {
    let mut path = Vec::new();
    let mut at = last;
    while let Some((parent, event)) = nodes[at].parent {
        path.push((event, at));
        at = parent;
    }
    path.reverse();
    let steps = path
        .into_iter()
        .map(|(event, index)| {
            let node = &nodes[index];
            let clock = node.facts.clock * PING_INTERVAL.as_millis() as u32;
            let said = match event {
                Event::Tick => format!("t={clock}ms: tick"),
                Event::Ping { server, .. } => {
                    let viewnum = node.facts.latest[server].map_or(0, |(_, v)| v);
                    format!("t={clock}ms: {} pings with viewnum {viewnum}", names[server])
                }
            };
            format!("{said} -> {}", SeenView::of(&node.logic.view()))
        })
        .collect();
    Counterexample { steps, violation }
}
