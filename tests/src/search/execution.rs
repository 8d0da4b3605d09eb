//! One search execution, inside a simulated run: a view service and the workload's servers; the
//! clients do their planned operations while the planned faults come; when the faults stop,
//! everything is healed and restarted. It fails unless every client finishes once the faults
//! have stopped (progress) and the history is linearizable (which judges every result).

use std::collections::BTreeMap;

use labrpc::time::{sleep, Duration, Instant};
use lincheck::{verify, CheckOptions, KvModel};
use viewservice::PING_INTERVAL;

use super::plan::{Fault, Op, Plan, Role, Workload};
use super::HistoryCheck;
use crate::bounds::HUNG_AFTER;
use crate::pb_harness::threads::join;
use crate::pb_harness::{Clerk, Scenario, VS};

/// How long the first view with a primary and a backup may take.
const FIRST_VIEW: Duration = PING_INTERVAL.saturating_mul(30);

/// How long a kill waits for the primary to acknowledge its view before it gives up (and the
/// fault is skipped): the service may not change a view its primary has not acknowledged.
const ACKED: Duration = PING_INTERVAL.saturating_mul(5);

/// The name of server `index`.
pub fn server_name(index: usize) -> String {
    format!("s{}", index + 1)
}

/// How an execution tells what it did.
#[derive(Clone, Debug)]
pub struct Telling {
    /// The command a report page gives to replay the execution.
    pub rerun: String,
    /// No story printed and no report page (a shrinking trial, a bench run).
    pub quiet: bool,
    /// A note for the report page (a shrunk failure: how much smaller than the one found).
    pub run_note: Option<String>,
}

/// Runs `plan` (already masked) under the scenario name `test`, telling it as `telling` says;
/// the history must be linearizable and pass `extra`, if given. Panics, as a failed scenario
/// does, with what went wrong; returns how many faults it applied.
pub fn execute(
    test: &str,
    workload: &Workload,
    plan: &Plan,
    telling: Telling,
    extra: Option<HistoryCheck>,
) -> FaultCounts {
    let s = if telling.quiet { Scenario::begin_quiet(test) } else { Scenario::begin(test) };
    s.diagnostics().set_rerun(telling.rerun);
    if telling.quiet {
        s.diagnostics().quiet();
    }
    if let Some(note) = telling.run_note {
        s.diagnostics().set_run_note(note);
    }
    let servers: Vec<String> = (0..workload.servers).map(server_name).collect();
    for server in &servers {
        s.start(server);
    }
    s.wait_for_view("a primary and a backup", FIRST_VIEW, |v| v.primary.is_some() && v.backup.is_some())
        .unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    let (unfinished, excused, mut counts) = s.threads(|scope| {
        let clerks: Vec<Clerk> = plan.clients.iter().map(|_| s.clerk()).collect();
        let names: Vec<String> = clerks.iter().map(|c| c.name().to_string()).collect();
        let clients: Vec<_> = plan
            .clients
            .iter()
            .zip(clerks)
            .map(|(ops, clerk)| scope.spawn(move || run_client(&clerk, ops)))
            .collect();
        let mut nemesis = Nemesis::new(&s, &servers, &names);
        for step in &plan.steps {
            sleep_until(start + step.at);
            nemesis.apply(step.fault);
        }
        sleep_until(start + plan.stop);
        nemesis.stop();
        let progress = s.wait("every client to finish once the faults stopped", HUNG_AFTER, || {
            if clients.iter().all(|c| c.is_finished()) {
                Ok(())
            } else {
                Err("some had not".to_string())
            }
        });
        let excused = match progress {
            Ok(()) => None,
            Err(_) => nemesis.stuck_by_design(),
        };
        if progress.is_err() {
            // Blocked clerks return once the network is down, and their threads can be joined.
            s.net.shutdown();
        }
        let done: Vec<usize> = clients.into_iter().map(join).collect();
        let unfinished = plan
            .clients
            .iter()
            .zip(done)
            .enumerate()
            .filter(|(_, (ops, done))| *done < ops.len())
            .map(|(c, (ops, done))| {
                format!("client {c} at its operation {} ({})", done + 1, shown(&ops[done].1))
            })
            .collect::<Vec<_>>();
        (unfinished, excused, nemesis.counts)
    });
    if let Some(why) = &excused {
        log::info!("the service is stuck, as the lab allows: {why}; only the history is checked");
        counts.stuck += 1;
    } else {
        assert!(
            unfinished.is_empty(),
            "no progress: the faults stopped {:?} into the workload (every server restarted, every link \
             healed), and {HUNG_AFTER:?} later these clients were still waiting: {}",
            plan.stop,
            unfinished.join("; ")
        );
        // What survived every failover: each key read once more, into the same history.
        let reader = s.clerk();
        for key in (0..workload.keys).map(|k| format!("k{k}")) {
            let what = format!("the final read of {key}, once every client had finished");
            if let Err(stopped) = s.within(HUNG_AFTER, &what, || reader.get(&key)) {
                panic!("{what} did not return: {stopped}");
            }
        }
    }
    let history = s.diagnostics().ops().history().unwrap_or_else(|e| {
        panic!("the recorded operations do not make a history the checker can read: {e}")
    });
    let timeline = format!("{test}-timeline");
    let dir = labreport::naming::report_dir();
    if let Err(failure) = verify(&KvModel, &history, &CheckOptions::default(), &dir, &timeline) {
        panic!("{failure}");
    }
    if let Some(Err(wrong)) = extra.map(|check| check(&history)) {
        panic!("{wrong}");
    }
    counts
}

/// Does `ops` in order, each after its pause; returns how many completed (fewer if the network
/// shut down under a blocked call).
fn run_client(clerk: &Clerk, ops: &[(Duration, Op)]) -> usize {
    for (done, (pause, op)) in ops.iter().enumerate() {
        sleep(*pause);
        let outcome = match op {
            Op::Get(key) => clerk.get(key).map(drop),
            Op::Put(key, value) => clerk.put(key, value),
            Op::Append(key, value) => clerk.append(key, value),
        };
        if outcome.is_err() {
            return done;
        }
    }
    ops.len()
}

/// An operation as a failure names it.
fn shown(op: &Op) -> String {
    match op {
        Op::Get(key) => format!("Get {key}"),
        Op::Put(key, value) => format!("Put {key} {value:?}"),
        Op::Append(key, value) => format!("Append {key} {value:?}"),
    }
}

/// Sleeps until `deadline` (at once if it has passed).
fn sleep_until(deadline: Instant) {
    let now = Instant::now();
    if deadline > now {
        sleep(deadline - now);
    }
}

/// Applies the planned faults, within what the lab allows a service to survive. A server is
/// killed only when the primary has acknowledged a view with a backup, and both are settled in
/// it: neither cut off nor unheard (held pings), neither started since that view began (the view
/// service has yet to notice a quick restart), neither healed or heard again within the last
/// [`SETTLING`]; and never while long delays slow every ping (nor just after). A primary that dies without an up-to-date backup takes the only copy of the
/// data with it, and the lab lets the service stop then.
struct Nemesis<'a> {
    s: &'a Scenario,
    servers: &'a [String],
    /// The clients' node names.
    clients: &'a [String],
    dead: Vec<String>,
    held: Option<String>,
    cut: Option<String>,
    /// Whether long delays are on, and when they were last turned off: delayed ping replies
    /// slow every server's pings, and the view service may declare a live backup dead.
    delays: bool,
    delays_off: Option<Instant>,
    /// Each kill: the server and the view number when it died.
    kills: Vec<(String, u64)>,
    /// Per server: the view number when it last started, and when it was last healed or heard
    /// again.
    started_in: BTreeMap<String, u64>,
    reconnected: BTreeMap<String, Instant>,
    /// The faults applied and skipped so far.
    counts: FaultCounts,
}

/// How many planned faults an execution applied, and how many it skipped (a kill the rules did
/// not allow, a role no server held).
#[derive(Clone, Copy, Debug, Default)]
pub struct FaultCounts {
    /// Faults applied.
    pub applied: usize,
    /// Of them, kills (quick restarts included).
    pub kills: usize,
    /// Faults skipped.
    pub skipped: usize,
    /// Executions whose service stayed stuck as the lab allows (see `Nemesis::stuck_by_design`):
    /// only their history was checked.
    pub stuck: usize,
}

impl FaultCounts {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: FaultCounts) {
        self.applied += other.applied;
        self.kills += other.kills;
        self.skipped += other.skipped;
        self.stuck += other.stuck;
    }
}

/// How long after a server is healed or its held pings delivered it counts as unsettled: the
/// view service may still declare it dead on pings it missed.
const SETTLING: Duration = PING_INTERVAL.saturating_mul(3);

impl<'a> Nemesis<'a> {
    fn new(s: &'a Scenario, servers: &'a [String], clients: &'a [String]) -> Nemesis<'a> {
        Nemesis {
            s,
            servers,
            clients,
            dead: Vec::new(),
            held: None,
            cut: None,
            delays: false,
            delays_off: None,
            kills: Vec::new(),
            started_in: BTreeMap::new(),
            reconnected: BTreeMap::new(),
            counts: FaultCounts::default(),
        }
    }

    fn apply(&mut self, fault: Fault) {
        let applied = match fault {
            Fault::Kill(role) | Fault::QuickRestart(role, _) => self.kill(role, fault),
            Fault::Restart => match self.dead.pop() {
                Some(server) => {
                    log::info!("nemesis: restart {server}");
                    self.start(&server);
                    true
                }
                None => false,
            },
            Fault::Isolate(role) => match self.in_role(role) {
                Some(server) => {
                    log::info!("nemesis: cut {server} ({role:?}) off from the servers and the view service");
                    let rest: Vec<&str> = self
                        .servers
                        .iter()
                        .map(String::as_str)
                        .filter(|s| *s != server)
                        .chain([VS])
                        .collect();
                    self.s.net.partition(&[&[server.as_str()], &rest]).expect("a valid partition");
                    if let Some(before) = self.cut.replace(server) {
                        self.reconnected.insert(before, Instant::now());
                    }
                    true
                }
                None => false,
            },
            Fault::CutClients(role) => match self.in_role(role) {
                Some(server) => {
                    log::info!("nemesis: cut the clients off from {server} ({role:?})");
                    for client in self.clients {
                        self.s.net.cut(client, &server);
                        self.s.net.cut(&server, client);
                    }
                    true
                }
                None => false,
            },
            Fault::Heal => {
                self.heal();
                true
            }
            Fault::Loss(on) => {
                self.s.net.set_network_unreliable(on);
                true
            }
            Fault::Delays(on) => {
                self.s.net.set_long_delays(on);
                self.s.net.set_long_reordering(on);
                if self.delays && !on {
                    self.delays_off = Some(Instant::now());
                }
                self.delays = on;
                true
            }
            Fault::HoldPings(role) => match (self.held.is_none(), self.in_role(role)) {
                (true, Some(server)) => {
                    log::info!("nemesis: hold the pings of {server} ({role:?})");
                    self.s.net.hold(&server, VS);
                    self.held = Some(server);
                    true
                }
                _ => false,
            },
            Fault::ReleasePings => self.release(),
        };
        if applied {
            self.counts.applied += 1;
        } else {
            self.counts.skipped += 1;
        }
    }

    /// Kills the server in `role` if the rules allow it (and, for a quick restart, starts it
    /// again soon after); whether it did.
    fn kill(&mut self, role: Role, fault: Fault) -> bool {
        let Some(server) = self.killable(role) else {
            return false;
        };
        log::info!("nemesis: kill {server} ({role:?})");
        self.kills.push((server.clone(), self.s.view().viewnum));
        self.s.kill(&server);
        self.counts.kills += 1;
        if let Fault::QuickRestart(_, tenths) = fault {
            sleep(PING_INTERVAL.mul_f64(f64::from(tenths) / 10.0));
            log::info!("nemesis: restart {server} (quickly)");
            self.start(&server);
        } else {
            self.dead.push(server);
        }
        true
    }

    /// Starts `server`, noting the view it started in.
    fn start(&mut self, server: &str) {
        self.s.start(server);
        self.started_in.insert(server.to_string(), self.s.view().viewnum);
    }

    /// The server to kill for a fault on `role`, if killing it is allowed now.
    fn killable(&self, role: Role) -> Option<String> {
        self.s.wait_until_acked(ACKED).ok()?;
        // The view the acknowledgement is of: the view may have moved on between the two reads
        // of the wait (a death the view service noticed meanwhile), so read it, then check that
        // it is still current and acknowledged.
        let view = self.s.view();
        if !self.s.vs.is_acked() || self.s.view() != view {
            return None;
        }
        let backup = view.backup.clone()?;
        let primary = view.primary.clone()?;
        let settled = |server: &String| {
            !self.dead.contains(server)
                && self.cut.as_ref() != Some(server)
                && self.held.as_ref() != Some(server)
                && self.started_in.get(server).is_none_or(|n| *n < view.viewnum)
                && self.reconnected.get(server).is_none_or(|t| t.elapsed() >= SETTLING)
        };
        let pings_on_time = !self.delays && self.delays_off.is_none_or(|t| t.elapsed() >= SETTLING);
        if !pings_on_time || !settled(&primary) || !settled(&backup) {
            return None;
        }
        self.in_role(role)
    }

    /// Why the service may stay stuck, if the lab allows it: the current view is not
    /// acknowledged, and its primary died while that view, or the one before it, was current
    /// (the view service named a primary that had died, or it died before acknowledging): the
    /// view service may not move past a view its primary never acknowledged. The kill rules make
    /// this rare, but they cannot see what the view service believes (a backup it declared dead
    /// on pings lost or delayed, just as the primary was killed).
    fn stuck_by_design(&self) -> Option<String> {
        let view = self.s.view();
        let primary = view.primary.clone()?;
        if self.s.vs.is_acked() {
            return None;
        }
        let (_, died_in) = self.kills.iter().rev().find(|(server, _)| *server == primary)?;
        (died_in + 1 >= view.viewnum).then(|| {
            format!("{primary}, primary of the unacknowledged {view}, died while view {died_in} was current")
        })
    }

    /// The live server in `role` in the view service's current view.
    fn in_role(&self, role: Role) -> Option<String> {
        let view = self.s.view();
        match role {
            Role::Primary => view.primary,
            Role::Backup => view.backup,
            Role::Idle => self
                .servers
                .iter()
                .find(|s| !view.is_primary(s) && !view.is_backup(s) && !self.dead.contains(s))
                .cloned(),
        }
    }

    /// Undoes the cut, if any.
    fn heal(&mut self) {
        self.s.net.heal();
        if let Some(server) = self.cut.take() {
            log::info!("nemesis: heal the cut of {server}");
            self.reconnected.insert(server, Instant::now());
        }
    }

    /// Delivers the held pings, if any; whether there were.
    fn release(&mut self) -> bool {
        let Some(server) = self.held.take() else {
            return false;
        };
        log::info!("nemesis: deliver the held pings of {server}");
        self.s.net.unhold(&server, VS);
        self.reconnected.insert(server, Instant::now());
        true
    }

    /// The faults stop: held pings delivered, links healed, loss and delays off, the dead
    /// restarted.
    fn stop(&mut self) {
        log::info!("nemesis: the faults stop");
        self.release();
        self.heal();
        self.s.net.set_network_unreliable(false);
        self.s.net.set_long_delays(false);
        self.s.net.set_long_reordering(false);
        for server in std::mem::take(&mut self.dead) {
            self.start(&server);
        }
    }
}
