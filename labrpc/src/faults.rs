//! The fault knobs and every random decision the network makes.
//!
//! Each directed link draws from its own generator, seeded from the network's seed and the two
//! names (see [`link_seed`]) and made on the link's first draw. So a node's k-th call to another
//! meets the same fate in every run with the same seed, whatever other threads do: one stream
//! shared by every link would hand each call whichever draw thread timing gave it.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::sync::{Mutex, RwLock};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::node::Node;

/// Timing of the network-wide faults. Kept short so that tests which turn them on stay fast.
pub mod timing {
    use std::time::Duration;

    /// Unreliable network: every request waits up to this long before delivery.
    pub const SHORT_DELAY_MAX: Duration = Duration::from_millis(27);
    /// Unreliable network: a caller learns that its request was dropped within this time.
    pub const DROP_NOTICE_MAX: Duration = Duration::from_millis(100);
    /// Long delays: a call to a dead or cut-off node fails only after up to this long.
    pub const LONG_DELAY_MAX: Duration = Duration::from_millis(1000);
    /// Simulation mode: every request and every reply takes this long on the virtual clock, on
    /// top of any fault's delay. Work costs no virtual time, so without it a scenario that runs
    /// clients "for three seconds" on a clean network would never see three seconds pass. On
    /// real threads a round trip costs some tens of microseconds; a millisecond keeps an
    /// operation short beside the ping interval, so clients finish many between two faults as
    /// they do on real threads, while a workload of seconds makes thousands of calls, not
    /// millions (at 5 ms, a client's first operations took as long as the view service's first
    /// views, and a run whose service got stuck early had completed fewer than the random
    /// workloads require).
    pub const SIMULATED_HOP: Duration = Duration::from_millis(1);
    /// Long reordering: a delayed reply waits at least this long...
    pub const REORDER_MIN: Duration = Duration::from_millis(200);
    /// ...plus up to this much more (skewed towards short extra delays).
    pub const REORDER_EXTRA_MAX: Duration = Duration::from_millis(800);
}

/// Per mille: the unreliable network drops this share of requests, and of replies.
const NETWORK_DROP_PER_MILLE: u32 = 100;
/// Per mille: an unreliable node (2015 semantics) drops this share of the calls into it...
const NODE_DROP_PER_MILLE: u32 = 100;
/// ...and loses the reply of this share of all calls (20% of the 90% not dropped).
const NODE_LOSE_REPLY_PER_MILLE: u32 = 180;

/// What happens to one call, decided when it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Deliver it, and the reply unless a later check loses it.
    Deliver,
    /// The link is cut: fail after `after`.
    Unreachable { after: Duration },
    /// The request is dropped: the caller learns after `after`.
    DropRequest { after: Duration },
    /// Deliver it, but tell the caller at once that the reply was lost (2015 semantics).
    LoseReplyNow,
}

/// The full plan for one call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) fate: Fate,
    pub(crate) request_delay: Duration,
    pub(crate) drop_reply: bool,
    pub(crate) reply_delay: Duration,
}

impl Plan {
    /// The plan of a call on a quiet network.
    pub(crate) const CLEAN: Plan = Plan {
        fate: Fate::Deliver,
        request_delay: Duration::ZERO,
        drop_reply: false,
        reply_delay: Duration::ZERO,
    };
}

#[derive(Default)]
struct Knobs {
    unreliable: bool,
    long_delays: bool,
    long_reordering: bool,
    /// Directed cuts, by (sender id, receiver id).
    cuts: HashSet<(usize, usize)>,
}

impl Knobs {
    fn is_quiet(&self) -> bool {
        !self.unreliable && !self.long_delays && !self.long_reordering && self.cuts.is_empty()
    }
}

/// The network-wide and link fault knobs, and the seeded generators of the links.
pub(crate) struct Faults {
    /// False while every knob here is off: the call path then skips the locks and the generators.
    active: AtomicBool,
    knobs: RwLock<Knobs>,
    /// Each directed link's generator, by (sender id, receiver id), made on its first draw.
    streams: Mutex<HashMap<(usize, usize), StdRng>>,
    seed: u64,
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Faults {
        Faults {
            active: AtomicBool::new(false),
            knobs: RwLock::new(Knobs::default()),
            streams: Mutex::new(HashMap::new()),
            seed,
        }
    }

    /// Runs `draw` on the generator of the link `from -> to`.
    fn with_stream<T>(&self, from: &Node, to: &Node, draw: impl FnOnce(&mut StdRng) -> T) -> T {
        let mut streams = self.streams.lock();
        let stream = streams
            .entry((from.id, to.id))
            .or_insert_with(|| StdRng::seed_from_u64(link_seed(self.seed, &from.name, &to.name)));
        draw(stream)
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    fn update(&self, change: impl FnOnce(&mut Knobs)) {
        let mut knobs = self.knobs.write();
        change(&mut knobs);
        self.active.store(!knobs.is_quiet(), Ordering::Release);
    }

    pub(crate) fn set_unreliable(&self, on: bool) {
        self.update(|k| k.unreliable = on);
    }

    pub(crate) fn set_long_delays(&self, on: bool) {
        self.update(|k| k.long_delays = on);
    }

    pub(crate) fn set_long_reordering(&self, on: bool) {
        self.update(|k| k.long_reordering = on);
    }

    /// Cuts or repairs the directed link `from -> to`.
    pub(crate) fn set_cut(&self, from: usize, to: usize, cut: bool) {
        self.update(|k| {
            if cut {
                k.cuts.insert((from, to));
            } else {
                k.cuts.remove(&(from, to));
            }
        });
    }

    /// Replaces all cuts with `cuts`.
    pub(crate) fn replace_cuts(&self, cuts: HashSet<(usize, usize)>) {
        self.update(|k| k.cuts = cuts);
    }

    pub(crate) fn is_cut(&self, from: usize, to: usize) -> bool {
        self.active.load(Ordering::Acquire) && self.knobs.read().cuts.contains(&(from, to))
    }

    /// How long a call from `from` to `to` that cannot be delivered (the server is dead) waits
    /// before it fails.
    pub(crate) fn failure_delay(&self, from: &Node, to: &Node) -> Duration {
        if !self.active.load(Ordering::Acquire) || !self.knobs.read().long_delays {
            return Duration::ZERO;
        }
        self.with_stream(from, to, |rng| random_duration(rng, timing::LONG_DELAY_MAX))
    }

    /// Decides everything random about one call from `from` to `to` (including the receiver's
    /// 2015 knob). All draws for one call come from the link's stream, under one lock, in a
    /// fixed order.
    pub(crate) fn plan(&self, from: &Node, to: &Node) -> Plan {
        let node_unreliable = to.unreliable.load(Ordering::Relaxed);
        if !node_unreliable && !self.active.load(Ordering::Acquire) {
            return Plan::CLEAN;
        }
        let knobs = self.knobs.read();
        self.with_stream(from, to, |rng| draw_plan(&knobs, (from.id, to.id), node_unreliable, rng))
    }
}

/// Draws the plan of one call on `link` from the link's stream `rng`.
fn draw_plan(knobs: &Knobs, link: (usize, usize), node_unreliable: bool, rng: &mut StdRng) -> Plan {
    let mut plan = Plan::CLEAN;
    if knobs.cuts.contains(&link) {
        let after =
            if knobs.long_delays { random_duration(rng, timing::LONG_DELAY_MAX) } else { Duration::ZERO };
        plan.fate = Fate::Unreachable { after };
        return plan;
    }
    if knobs.unreliable {
        plan.request_delay = random_duration(rng, timing::SHORT_DELAY_MAX);
        if rng.random_range(0..1000) < NETWORK_DROP_PER_MILLE {
            plan.fate = Fate::DropRequest { after: random_duration(rng, timing::DROP_NOTICE_MAX) };
            return plan;
        }
        plan.drop_reply = rng.random_range(0..1000) < NETWORK_DROP_PER_MILLE;
    }
    if node_unreliable {
        let draw = rng.random_range(0..1000);
        if draw < NODE_DROP_PER_MILLE {
            plan.fate = Fate::DropRequest { after: Duration::ZERO };
            return plan;
        }
        if draw < NODE_DROP_PER_MILLE + NODE_LOSE_REPLY_PER_MILLE {
            plan.fate = Fate::LoseReplyNow;
        }
    }
    if knobs.long_reordering && rng.random_range(0..3) < 2 {
        // Skewed like the original: most extra delays are short, a few are long.
        let cap = rng.random_range(0..=timing::REORDER_EXTRA_MAX.as_millis() as u64);
        plan.reply_delay = timing::REORDER_MIN + Duration::from_millis(rng.random_range(0..=cap));
    }
    plan
}

fn random_duration(rng: &mut StdRng, max: Duration) -> Duration {
    Duration::from_micros(rng.random_range(0..=max.as_micros() as u64))
}

/// The seed of the stream of the directed link `from -> to` on a network seeded with `seed`.
///
/// FNV-1a (64 bits) over the network's seed (8 bytes, little-endian), the length of `from`
/// (8 bytes, little-endian, so that `"ab" -> "c"` and `"a" -> "bc"` differ), the bytes of `from`
/// and those of `to`; then SplitMix64's finaliser, so that links whose names differ in one
/// letter get unrelated seeds. Written out here, not taken from std, whose hashers may change
/// between Rust releases: a seed must replay the same faults wherever it is run. (The streams
/// themselves are `rand`'s `StdRng`, whose version `Cargo.lock` pins.)
fn link_seed(seed: u64, from: &str, to: &str) -> u64 {
    const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let bytes = seed.to_le_bytes().into_iter().chain((from.len() as u64).to_le_bytes()).chain(from.bytes());
    let fnv = bytes
        .chain(to.bytes())
        .fold(FNV_OFFSET_BASIS, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME));
    splitmix64_finish(fnv)
}

/// SplitMix64's output function: spreads every input bit over every output bit.
fn splitmix64_finish(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knobs_turned_off_again_leave_the_quiet_path() {
        let faults = Faults::new(1);
        let (a, b) = (Node::new(1, "a"), Node::new(2, "b"));
        assert!(!faults.active.load(Ordering::Acquire));
        faults.set_unreliable(true);
        faults.set_long_delays(true);
        faults.set_long_reordering(true);
        faults.set_cut(1, 2, true);
        assert!(faults.active.load(Ordering::Acquire));
        faults.set_unreliable(false);
        faults.set_long_delays(false);
        faults.set_long_reordering(false);
        faults.set_cut(1, 2, false);
        // Quiet again: plans are clean and cost no lock and no random draw.
        assert!(!faults.active.load(Ordering::Acquire));
        assert_eq!(faults.plan(&a, &b).fate, Fate::Deliver);
        assert_eq!(faults.failure_delay(&a, &b), Duration::ZERO);
        assert!(faults.streams.lock().is_empty(), "a quiet network made a stream");
    }

    #[test]
    fn a_cut_link_plans_unreachable_and_only_in_its_direction() {
        let faults = Faults::new(1);
        let (a, b) = (Node::new(1, "a"), Node::new(2, "b"));
        faults.set_cut(1, 2, true);
        assert_eq!(faults.plan(&a, &b).fate, Fate::Unreachable { after: Duration::ZERO });
        assert_eq!(faults.plan(&b, &a).fate, Fate::Deliver);
        assert!(faults.is_cut(1, 2) && !faults.is_cut(2, 1));
    }

    #[test]
    fn link_seeds_are_the_written_down_hash_of_seed_and_names() {
        // Pinned (values from a separate implementation of the definition above): a change here
        // changes what every recorded seed replays.
        assert_eq!(link_seed(0, "", ""), 0x4193_fd1b_681d_cd25);
        assert_eq!(link_seed(1, "client-1", "vs"), 0xf817_f19e_2ce7_4736);
        assert_ne!(link_seed(1, "a", "b"), link_seed(1, "b", "a"), "each direction has its own stream");
        assert_ne!(link_seed(1, "ab", "c"), link_seed(1, "a", "bc"), "names are kept apart");
        assert_ne!(link_seed(1, "a", "b"), link_seed(2, "a", "b"));
    }

    #[test]
    fn a_links_draws_do_not_depend_on_other_links_or_on_node_numbers() {
        let plans = |faults: &Faults, from: &Node, to: &Node| -> Vec<Duration> {
            (0..20).map(|_| faults.plan(from, to).request_delay).collect()
        };
        let alone = Faults::new(9);
        alone.set_unreliable(true);
        let expected = plans(&alone, &Node::new(0, "a"), &Node::new(1, "b"));

        let busy = Faults::new(9);
        busy.set_unreliable(true);
        let (a, b, c) = (Node::new(5, "a"), Node::new(3, "b"), Node::new(4, "c"));
        let mut interleaved = Vec::new();
        for _ in 0..20 {
            busy.plan(&c, &b);
            busy.plan(&b, &a);
            interleaved.push(busy.plan(&a, &b).request_delay);
        }
        assert_eq!(interleaved, expected);
        assert_ne!(plans(&busy, &c, &b)[..5], expected[..5], "another link draws other numbers");
    }
}
