//! What one search execution does, drawn from its seed: each client's operations and the faults
//! injected at planned virtual times. A plan is explicit so that a failing one can be made
//! smaller ([`Mask`]) and the smaller one replayed from its words.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use viewservice::PING_INTERVAL;

/// The shape of a search test's executions: how many servers, clients and operations, and which
/// faults the seed may choose.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    /// Key/value servers besides the view service (2 or 3).
    pub servers: usize,
    /// Clients, each doing its operations one after another.
    pub clients: usize,
    /// Operations per client (at most [`MAX_OPS`]).
    pub ops_per_client: usize,
    /// Keys the operations use.
    pub keys: usize,
    /// At most this many faults (at most [`MAX_FAULTS`]).
    pub faults: usize,
    /// The shortest and longest time between two faults, in milliseconds (a fault that must
    /// last a while, a hold of a primary's pings long enough for the view service to replace
    /// it, say, needs long gaps).
    pub fault_gap_ms: (u64, u64),
    /// The kinds of fault the seed may choose.
    pub kinds: FaultKinds,
}

/// Which faults a workload may inject.
#[derive(Clone, Copy, Debug, Default)]
pub struct FaultKinds {
    /// Kill a server (a restart comes later, or when the faults stop).
    pub crashes: bool,
    /// Kill a server and start it again within one ping interval.
    pub quick_restarts: bool,
    /// Cut a server off from the other servers and the view service (clients still reach it),
    /// or the clients off from a server.
    pub partitions: bool,
    /// Lose requests and replies.
    pub loss: bool,
    /// Long delays and reordered replies.
    pub delays: bool,
    /// Hold a server's pings to the view service, delivering them late.
    pub held_pings: bool,
}

/// The most operations a client may have (a plan's mask keeps them in one byte).
pub const MAX_OPS: usize = 8;
/// The most faults a plan may have (its mask keeps them in 16 bits).
pub const MAX_FAULTS: usize = 16;

/// A client operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Read a key.
    Get(String),
    /// Set a key.
    Put(String, String),
    /// Append to a key.
    Append(String, String),
}

/// A server by its role in the view when the fault comes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The view's primary.
    Primary,
    /// The view's backup.
    Backup,
    /// A server that is neither.
    Idle,
}

/// A fault, applied when its time comes (skipped if it would break what the lab allows: see
/// `execution`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Kill the server in this role.
    Kill(Role),
    /// Kill the server in this role and start it again after a fraction (in tenths) of a ping
    /// interval.
    QuickRestart(Role, u8),
    /// Start a dead server again.
    Restart,
    /// Cut the server in this role off from the other servers and the view service (clients
    /// still reach it: a cut-off primary may still be asked).
    Isolate(Role),
    /// Cut every client off from the server in this role (its requests and replies lost both
    /// ways, until a heal): a client keeps retrying a write that may have been applied.
    CutClients(Role),
    /// Undo every cut.
    Heal,
    /// Turn message loss on or off.
    Loss(bool),
    /// Turn long delays and reordering on or off.
    Delays(bool),
    /// Hold the pings of the server in this role to the view service.
    HoldPings(Role),
    /// Deliver the held pings.
    ReleasePings,
}

/// A fault and when it comes, after the cluster has its first primary and backup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// When, from the start of the workload.
    pub at: Duration,
    /// What.
    pub fault: Fault,
}

/// One execution's operations and faults, before any shrinking.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Each client's operations, in order, each after a pause (its `Duration`) of its own.
    pub clients: Vec<Vec<(Duration, Op)>>,
    /// The faults, in time order.
    pub steps: Vec<Step>,
    /// When the faults stop: everything is healed and restarted then.
    pub stop: Duration,
}

impl Plan {
    /// The plan of the execution seeded with `seed`. The same seed and workload give the same
    /// plan on every machine.
    pub fn draw(workload: &Workload, seed: u64) -> Plan {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x005E_A7C4_0000_0001);
        let kinds = fault_menu(&workload.kinds);
        let mut steps = Vec::new();
        let mut at = Duration::ZERO;
        if !kinds.is_empty() {
            for _ in 0..workload.faults.min(MAX_FAULTS) {
                let (shortest, longest) = workload.fault_gap_ms;
                at += millis(rng.random_range(shortest..=longest.max(shortest)));
                let fault = kinds[rng.random_range(0..kinds.len())](&mut rng);
                steps.push(Step { at, fault });
            }
        }
        let stop = at + PING_INTERVAL * 2;
        // The operations spread over the faults: a client's pauses add up to about the time the
        // faults last, so that operations meet every fault, not only the first.
        let ops = workload.ops_per_client.min(MAX_OPS);
        let longest_pause = (2 * stop.as_millis() as u64 / ops.max(1) as u64).max(50);
        let clients = (0..workload.clients)
            .map(|c| {
                (0..ops)
                    .map(|i| {
                        let pause = millis(rng.random_range(0..longest_pause));
                        let key = format!("k{}", rng.random_range(0..workload.keys.max(1)));
                        // Unique values: the checker reads the order of appends from the reads.
                        let value = format!("c{c}.{i};");
                        // A third reads: a stale or lost value shows only to a read.
                        let op = match rng.random_range(0..6) {
                            0 | 1 => Op::Get(key),
                            2 => Op::Put(key, value),
                            _ => Op::Append(key, value),
                        };
                        (pause, op)
                    })
                    .collect()
            })
            .collect();
        Plan { clients, steps, stop }
    }

    /// This plan with only what `mask` keeps.
    pub fn masked(&self, mask: &Mask) -> Plan {
        let clients = self
            .clients
            .iter()
            .enumerate()
            .map(|(c, ops)| {
                let kept = mask.ops.get(c).copied().unwrap_or(0);
                ops.iter()
                    .enumerate()
                    .filter(|(i, _)| kept & (1 << i) != 0)
                    .map(|(_, op)| op.clone())
                    .collect()
            })
            .collect();
        let steps = self
            .steps
            .iter()
            .enumerate()
            .filter(|(i, step)| mask.faults & (1 << i) != 0 && step.at < mask.stop)
            .map(|(_, step)| *step)
            .collect();
        Plan { clients, steps, stop: mask.stop.min(self.stop) }
    }

    /// The mask that keeps everything.
    pub fn full_mask(&self) -> Mask {
        Mask {
            ops: self.clients.iter().map(|ops| ((1u16 << ops.len()) - 1) as u8).collect(),
            faults: ((1u32 << self.steps.len()) - 1) as u16,
            stop: self.stop,
        }
    }

    /// How many operations the plan has.
    pub fn op_count(&self) -> usize {
        self.clients.iter().map(Vec::len).sum()
    }
}

/// `ms` milliseconds: a plan's times are whole milliseconds, as its words write them, so that a
/// shrunk plan read back from a replay command is the plan that ran.
fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// A fault chooser: draws a fault of one kind.
type Chooser = fn(&mut StdRng) -> Fault;

/// The choosers of the kinds a workload allows.
fn fault_menu(kinds: &FaultKinds) -> Vec<Chooser> {
    let mut menu: Vec<Chooser> = Vec::new();
    if kinds.crashes {
        menu.push(|rng| Fault::Kill(role(rng)));
        menu.push(|_| Fault::Restart);
    }
    if kinds.quick_restarts {
        menu.push(|rng| Fault::QuickRestart(role(rng), rng.random_range(0..10)));
    }
    if kinds.partitions {
        menu.push(|rng| Fault::Isolate(role(rng)));
        menu.push(|rng| Fault::CutClients(role(rng)));
        menu.push(|_| Fault::Heal);
    }
    if kinds.loss {
        menu.push(|rng| Fault::Loss(rng.random_bool(0.6)));
    }
    if kinds.delays {
        menu.push(|rng| Fault::Delays(rng.random_bool(0.6)));
    }
    if kinds.held_pings {
        menu.push(|rng| Fault::HoldPings(role(rng)));
        menu.push(|_| Fault::ReleasePings);
    }
    menu
}

/// A role, the primary and backup more often than an idle server.
fn role(rng: &mut StdRng) -> Role {
    match rng.random_range(0..5) {
        0 | 1 => Role::Primary,
        2 | 3 => Role::Backup,
        _ => Role::Idle,
    }
}

/// What a shrunk execution keeps of its plan: which operations of each client, which faults,
/// and when the faults stop. Written `o=3f.7,f=2d,t=1500` (hexadecimal masks, milliseconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mask {
    /// Per client, the operations kept (bit i: operation i).
    pub ops: Vec<u8>,
    /// The faults kept (bit i: step i).
    pub faults: u16,
    /// When the faults stop.
    pub stop: Duration,
}

impl Mask {
    /// Operations kept.
    pub fn op_count(&self) -> usize {
        self.ops.iter().map(|m| m.count_ones() as usize).sum()
    }

    /// Faults kept, of `plan`'s (those before the stop).
    pub fn fault_count(&self, plan: &Plan) -> usize {
        plan.steps.iter().enumerate().filter(|(i, s)| self.faults & (1 << i) != 0 && s.at < self.stop).count()
    }

    /// What the run keeps of `plan`, in words: "3 operations and 1 fault (faults until 1.4 s)".
    pub fn describe(&self, plan: &Plan) -> String {
        let (ops, faults) = (self.op_count(), self.fault_count(plan));
        format!(
            "{ops} operation{} and {faults} fault{} (faults until {:.1} s)",
            if ops == 1 { "" } else { "s" },
            if faults == 1 { "" } else { "s" },
            self.stop.as_secs_f64()
        )
    }
}

impl fmt::Display for Mask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ops: Vec<String> = self.ops.iter().map(|m| format!("{m:x}")).collect();
        write!(f, "o={},f={:x},t={}", ops.join("."), self.faults, self.stop.as_millis())
    }
}

impl FromStr for Mask {
    type Err = String;

    fn from_str(text: &str) -> Result<Mask, String> {
        let bad = |why: &str| format!("{text:?} is not a search plan ({why}); it reads o=3f.7,f=2d,t=1500");
        let mut fields = text.split(',');
        let (Some(o), Some(f), Some(t), None) = (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(bad("three fields o=, f= and t="));
        };
        let ops = o
            .strip_prefix("o=")
            .ok_or_else(|| bad("o= first"))?
            .split('.')
            .map(|m| u8::from_str_radix(m, 16).map_err(|_| bad("o= takes hexadecimal bytes")))
            .collect::<Result<Vec<u8>, String>>()?;
        let faults = u16::from_str_radix(f.strip_prefix("f=").ok_or_else(|| bad("f= second"))?, 16)
            .map_err(|_| bad("f= takes a hexadecimal mask"))?;
        let stop: u64 = t
            .strip_prefix("t=")
            .ok_or_else(|| bad("t= third"))?
            .parse()
            .map_err(|_| bad("t= takes milliseconds"))?;
        Ok(Mask { ops, faults, stop: Duration::from_millis(stop) })
    }
}

/// A workload for the search module's own unit tests.
#[cfg(test)]
pub(crate) fn test_workload() -> Workload {
    Workload {
        servers: 3,
        clients: 2,
        ops_per_client: 4,
        keys: 1,
        faults: 6,
        fault_gap_ms: (50, 600),
        kinds: FaultKinds { crashes: true, partitions: true, ..FaultKinds::default() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload() -> Workload {
        test_workload()
    }

    #[test]
    fn a_seed_draws_the_same_plan_and_another_seed_another() {
        let (a, b, c) = (Plan::draw(&workload(), 7), Plan::draw(&workload(), 7), Plan::draw(&workload(), 8));
        assert_eq!(a.clients, b.clients);
        assert_eq!(a.steps, b.steps);
        assert!(a.clients != c.clients || a.steps != c.steps);
        assert_eq!(a.op_count(), 8);
        assert_eq!(a.steps.len(), 6);
    }

    #[test]
    fn masks_read_back_and_keep_what_they_say() {
        let plan = Plan::draw(&workload(), 3);
        let full = plan.full_mask();
        assert_eq!(full.to_string().parse::<Mask>().unwrap(), full);
        assert_eq!(plan.masked(&full).op_count(), 8);
        let small = Mask { ops: vec![0b1, 0], faults: 0b10, stop: plan.stop };
        let shrunk = plan.masked(&small);
        assert_eq!(shrunk.op_count(), 1);
        assert_eq!(shrunk.steps, vec![plan.steps[1]]);
        assert_eq!(small.to_string().parse::<Mask>().unwrap(), small);
        for bad in ["", "o=1,f=2", "o=zz,f=1,t=3", "f=1,o=1,t=3", "o=1,f=1,t=x", "o=1,f=1,t=3,x=1"] {
            assert!(bad.parse::<Mask>().is_err(), "{bad:?}");
        }
    }
}
