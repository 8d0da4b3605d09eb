//! One search execution, inside a simulated run: a view service and the workload's servers; the
//! clients do their planned operations while the planned faults come; when the faults stop,
//! everything is healed and restarted. It fails unless every client finishes once the faults
//! have stopped (progress) and the history is linearizable (which judges every result).

use labrpc::time::{sleep, Duration, Instant};
use lincheck::{verify, CheckOptions, KvModel};
use viewservice::{DEAD_AFTER, PING_INTERVAL};

use super::plan::{Fault, Op, Plan, Role, Workload};
use crate::bounds::HUNG_AFTER;
use crate::pb_harness::threads::join;
use crate::pb_harness::{Clerk, Scenario, VS};

/// How long the first view with a primary and a backup may take.
const FIRST_VIEW: Duration = PING_INTERVAL.saturating_mul(30);

/// How long a kill waits for the primary to acknowledge its view before it gives up (and the
/// fault is skipped): the service may not change a view its primary has not acknowledged.
const SETTLE: Duration = PING_INTERVAL.saturating_mul(5);

/// How long after a server dies or starts the nemesis kills no other: the view service needs a
/// few pings to notice (a quick restart included) and the primary a transfer to bring a new
/// backup up to date; a kill before that can take the only copy of the data, which the lab
/// allows to stop the service.
const COOLDOWN: Duration = DEAD_AFTER.saturating_mul(2);

/// The name of server `index`.
pub fn server_name(index: usize) -> String {
    format!("s{}", index + 1)
}

/// Runs `plan` (already masked) under the scenario name `test`; `rerun` is the command a report
/// page gives to replay it. `quiet`: no story printed and no report page (a shrinking trial).
/// Panics, as a failed scenario does, with what went wrong.
pub fn execute(test: &str, workload: &Workload, plan: &Plan, rerun: String, quiet: bool) {
    let s = if quiet { Scenario::begin_quiet(test) } else { Scenario::begin(test) };
    s.diagnostics().set_rerun(rerun);
    if quiet {
        s.diagnostics().quiet();
    }
    let servers: Vec<String> = (0..workload.servers).map(server_name).collect();
    for server in &servers {
        s.start(server);
    }
    s.wait_for_view("a primary and a backup", FIRST_VIEW, |v| v.primary.is_some() && v.backup.is_some())
        .unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    let unfinished = s.threads(|scope| {
        let clients: Vec<_> = plan
            .clients
            .iter()
            .map(|ops| {
                let clerk = s.clerk();
                scope.spawn(move || run_client(&clerk, ops))
            })
            .collect();
        let mut nemesis =
            Nemesis { s: &s, servers: &servers, dead: Vec::new(), held: None, cut: false, last_change: None };
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
        if progress.is_err() {
            // Blocked clerks return once the network is down, and their threads can be joined.
            s.net.shutdown();
        }
        let done: Vec<usize> = clients.into_iter().map(join).collect();
        plan.clients
            .iter()
            .zip(done)
            .enumerate()
            .filter(|(_, (ops, done))| *done < ops.len())
            .map(|(c, (ops, done))| {
                format!("client {c} at its operation {} ({})", done + 1, shown(&ops[done].1))
            })
            .collect::<Vec<_>>()
    });
    assert!(
        unfinished.is_empty(),
        "no progress: the faults stopped {:?} into the workload (every server restarted, every link healed), \
         and {HUNG_AFTER:?} later these clients were still waiting: {}",
        plan.stop,
        unfinished.join("; ")
    );
    let history = s.diagnostics().ops().history().unwrap_or_else(|e| {
        panic!("the recorded operations do not make a history the checker can read: {e}")
    });
    let timeline = format!("{test}-timeline");
    let dir = labreport::naming::report_dir();
    if let Err(failure) = verify(&KvModel, &history, &CheckOptions::default(), &dir, &timeline) {
        panic!("{failure}");
    }
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

/// Applies the planned faults, within what the lab allows a service to survive: a server is
/// killed only when no other is dead, cut off or unheard (held pings), [`COOLDOWN`] after the
/// last such change, and once the primary has acknowledged a view with a backup. A primary that
/// dies before it acknowledges its view, or without an up-to-date backup, takes the only copy of
/// the data with it, and the lab lets the service stop then; so does one that dies while the
/// view service is about to replace its backup.
struct Nemesis<'a> {
    s: &'a Scenario,
    servers: &'a [String],
    dead: Vec<String>,
    held: Option<String>,
    /// Whether a server is cut off now.
    cut: bool,
    /// When a server last died or started, or a cut or hold began or ended.
    last_change: Option<Instant>,
}

impl Nemesis<'_> {
    fn apply(&mut self, fault: Fault) {
        match fault {
            Fault::Kill(role) | Fault::QuickRestart(role, _) => {
                let Some(server) = self.killable(role) else {
                    return;
                };
                log::info!("nemesis: kill {server} ({role:?})");
                self.s.kill(&server);
                if let Fault::QuickRestart(_, tenths) = fault {
                    sleep(PING_INTERVAL.mul_f64(f64::from(tenths) / 10.0));
                    log::info!("nemesis: restart {server} (quickly)");
                    self.s.start(&server);
                } else {
                    self.dead.push(server);
                }
                self.changed();
            }
            Fault::Restart => {
                if let Some(server) = self.dead.pop() {
                    log::info!("nemesis: restart {server}");
                    self.s.start(&server);
                    self.changed();
                }
            }
            Fault::Isolate(role) => {
                if let Some(server) = self.in_role(role) {
                    log::info!("nemesis: cut {server} ({role:?}) off from everyone");
                    let rest: Vec<&str> = self
                        .servers
                        .iter()
                        .map(String::as_str)
                        .filter(|s| *s != server)
                        .chain([VS])
                        .collect();
                    self.s.net.partition(&[&[server.as_str()], &rest]).expect("a valid partition");
                    self.changed();
                    self.cut = true;
                }
            }
            Fault::Heal => {
                self.s.net.heal();
                if std::mem::take(&mut self.cut) {
                    self.changed();
                }
            }
            Fault::Loss(on) => self.s.net.set_network_unreliable(on),
            Fault::Delays(on) => {
                self.s.net.set_long_delays(on);
                self.s.net.set_long_reordering(on);
            }
            Fault::HoldPings(role) => {
                if self.held.is_none() {
                    if let Some(server) = self.in_role(role) {
                        log::info!("nemesis: hold the pings of {server} ({role:?})");
                        self.s.net.hold(&server, VS);
                        self.held = Some(server);
                        self.changed();
                    }
                }
            }
            Fault::ReleasePings => self.release(),
        }
    }

    /// Notes that the servers or their links just changed.
    fn changed(&mut self) {
        self.last_change = Some(Instant::now());
    }

    /// The server to kill for a fault on `role`, if killing it is allowed now.
    fn killable(&self, role: Role) -> Option<String> {
        let calm = self.dead.is_empty() && !self.cut && self.held.is_none();
        if !calm || self.last_change.is_some_and(|t| t.elapsed() < COOLDOWN) {
            return None;
        }
        let view = self.s.wait_until_acked(SETTLE).ok()?;
        view.backup.as_ref()?;
        self.in_role(role)
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

    fn release(&mut self) {
        if let Some(server) = self.held.take() {
            log::info!("nemesis: deliver the held pings of {server}");
            self.s.net.unhold(&server, VS);
            self.changed();
        }
    }

    /// The faults stop: held pings delivered, links healed, loss and delays off, the dead
    /// restarted.
    fn stop(&mut self) {
        log::info!("nemesis: the faults stop");
        self.release();
        self.s.net.heal();
        self.s.net.set_network_unreliable(false);
        self.s.net.set_long_delays(false);
        self.s.net.set_long_reordering(false);
        for server in std::mem::take(&mut self.dead) {
            self.s.start(&server);
        }
    }
}
