//! The fault knobs and every random decision the network makes, all from one seeded generator.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Timing of the network-wide faults. Kept short so that tests which turn them on stay fast.
pub mod timing {
    use std::time::Duration;

    /// Unreliable network: every request waits up to this long before delivery.
    pub const SHORT_DELAY_MAX: Duration = Duration::from_millis(27);
    /// Unreliable network: a caller learns that its request was dropped within this time.
    pub const DROP_NOTICE_MAX: Duration = Duration::from_millis(100);
    /// Long delays: a call to a dead or cut-off node fails only after up to this long.
    pub const LONG_DELAY_MAX: Duration = Duration::from_millis(1000);
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

/// The network-wide and link fault knobs, and the seeded generator.
pub(crate) struct Faults {
    /// False while every knob here is off: the call path then skips the lock and the generator.
    active: AtomicBool,
    knobs: RwLock<Knobs>,
    rng: Mutex<StdRng>,
    seed: u64,
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Faults {
        Faults {
            active: AtomicBool::new(false),
            knobs: RwLock::new(Knobs::default()),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            seed,
        }
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

    /// How long a call that cannot be delivered waits before it fails.
    pub(crate) fn failure_delay(&self) -> Duration {
        if !self.active.load(Ordering::Acquire) || !self.knobs.read().long_delays {
            return Duration::ZERO;
        }
        random_duration(&mut self.rng.lock(), timing::LONG_DELAY_MAX)
    }

    /// Decides everything random about one call from `from` to `to`; `node_unreliable` is the
    /// receiver's 2015 knob. All draws for one call happen under one lock, in a fixed order.
    pub(crate) fn plan(&self, from: usize, to: usize, node_unreliable: bool) -> Plan {
        if !node_unreliable && !self.active.load(Ordering::Acquire) {
            return Plan::CLEAN;
        }
        let knobs = self.knobs.read();
        let mut rng = self.rng.lock();
        let mut plan = Plan::CLEAN;
        if knobs.cuts.contains(&(from, to)) {
            let after = if knobs.long_delays {
                random_duration(&mut rng, timing::LONG_DELAY_MAX)
            } else {
                Duration::ZERO
            };
            plan.fate = Fate::Unreachable { after };
            return plan;
        }
        if knobs.unreliable {
            plan.request_delay = random_duration(&mut rng, timing::SHORT_DELAY_MAX);
            if rng.random_range(0..1000) < NETWORK_DROP_PER_MILLE {
                plan.fate = Fate::DropRequest { after: random_duration(&mut rng, timing::DROP_NOTICE_MAX) };
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
}

fn random_duration(rng: &mut StdRng, max: Duration) -> Duration {
    Duration::from_micros(rng.random_range(0..=max.as_micros() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knobs_turned_off_again_leave_the_quiet_path() {
        let faults = Faults::new(1);
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
        let before: u64 = faults.rng.lock().random();
        let fresh: u64 = Faults::new(1).rng.lock().random();
        assert_eq!(before, fresh, "toggling knobs drew nothing from the generator");
        assert_eq!(faults.plan(1, 2, false).fate, Fate::Deliver);
        assert_eq!(faults.failure_delay(), Duration::ZERO);
    }

    #[test]
    fn a_cut_link_plans_unreachable_and_only_in_its_direction() {
        let faults = Faults::new(1);
        faults.set_cut(1, 2, true);
        assert_eq!(faults.plan(1, 2, false).fate, Fate::Unreachable { after: Duration::ZERO });
        assert_eq!(faults.plan(2, 1, false).fate, Fate::Deliver);
        assert!(faults.is_cut(1, 2) && !faults.is_cut(2, 1));
    }
}
