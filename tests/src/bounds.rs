//! How long the scenarios wait, each bound named once and said where it comes from.
//!
//! Every bound derives from the view service's timing: servers ping every [`PING_INTERVAL`], and a
//! server silent for [`DEAD_PINGS`] intervals ([`DEAD_AFTER`]) is dead. Where the original lab
//! has a loop bound for a wait, the bound here is that loop bound; where it has none (it sleeps,
//! or waits for ever), the bound is a generous multiple of [`DEAD_AFTER`], and the wait polls so
//! that a test goes on as soon as what it waits for has happened.
//!
//! Waits ending in `ROUNDS` count ping intervals, as the original's loops do; the rest are
//! durations.

use std::time::Duration;

use viewservice::{DEAD_AFTER, DEAD_PINGS, PING_INTERVAL};

/// How often a wait looks again: a tenth of a ping interval, so a wait notices a change well
/// within the round it happened in.
pub const POLL: Duration = Duration::from_nanos((PING_INTERVAL.as_nanos() / 10) as u64);

/// The most one pause between a wait's looks counts against the wait's bound: two [`POLL`]s.
/// The original's loops count rounds (an RPC, then a sleep), not seconds, so a machine that
/// holds the test off stretches their bound as it stretches the servers' rounds. A wait here
/// counts its pauses the same way: a pause of [`POLL`] counts what it took on the clock, but
/// never more than this, so on a quiet machine a wait lasts its bound, and on a starved one a
/// pause the machine held off still counts as one pause. The checks between the pauses count in
/// full: a check is slow because the code under test is, and that is never the machine's.
pub const MOST_COUNTED_PER_PAUSE: Duration = POLL.saturating_mul(2);

/// Ping rounds to wait for a view change that needs no death (a server joining, a promotion the
/// view service can make at once): the original's loop bound `DeadPings * 2`.
pub const ROUNDS_FOR_CHANGE: u32 = DEAD_PINGS * 2;

/// Ping rounds to wait for a view change that needs a server declared dead first (or a state
/// transfer after it): the original's loop bound `DeadPings * 3`.
pub const ROUNDS_FOR_DEATH: u32 = DEAD_PINGS * 3;

/// An upper bound on one view change and the state transfer that goes with it, where the
/// original has no loop bound (it sleeps): a death is noticed after [`DEAD_AFTER`], then come a
/// tick, the transfer and the primary's acknowledgement; ten death timeouts leave room for a
/// loaded machine. Waits poll, so they return as soon as the change is done.
pub const VIEW_CHANGE: Duration = DEAD_AFTER.saturating_mul(10);

/// The longest a single client operation may take where the scenario expects it to finish, with
/// at most one view change in its way: [`VIEW_CHANGE`].
pub const OP_LIMIT: Duration = VIEW_CHANGE;

/// How long one request issued right after a failure may take before the test calls it hung:
/// the death takes [`DEAD_PINGS`] intervals to notice, the view change and the state transfer a
/// few ticks more. Twice the original's bound for a view change after a death
/// ([`ROUNDS_FOR_DEATH`] rounds).
pub const FAILOVER_BOUND: Duration = PING_INTERVAL.saturating_mul(ROUNDS_FOR_DEATH * 2);

/// How long the clients of a workload may still be busy once it stops before the test calls the
/// service stuck: a client waits at most one failover per request, and this is several
/// ([`VIEW_CHANGE`] twice).
pub const HUNG_AFTER: Duration = VIEW_CHANGE.saturating_mul(2);

/// How long a test watches for something that must not happen: long enough for the view service
/// to declare a silent server dead twice over.
pub const WATCH: Duration = DEAD_AFTER.saturating_mul(2);

/// How soon a clerk whose node was killed must return: its next call fails at once, so five ping
/// intervals ([`DEAD_AFTER`]) are many times its pause between tries.
pub const PROMPTLY: Duration = DEAD_AFTER;
