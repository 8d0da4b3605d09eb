//! The view service's logic: a plain, deterministic state machine. It reads no clock and
//! starts no thread; every method that needs the time is given it, so tests can drive it with
//! a fake clock and a model checker can explore it. [`crate::start_server`] serves it over the
//! network.
//!
//! The tests use only [`ViewServer::new`], [`ViewServer::ping`], [`ViewServer::tick`] and
//! [`ViewServer::get`] (and `Clone`: the model check copies states). Everything else here is
//! one design among many.
//!
//! # The rules
//!
//! Servers ping every [`PING_INTERVAL`](crate::PING_INTERVAL) with the latest view they know.
//! Pings only record facts ([`ViewServer::ping`]); every decision is taken in
//! [`ViewServer::tick`], in this order:
//!
//! 1. **Ack before change.** The view service moves from view *i* to view *i+1* only after the
//!    primary of view *i* has acknowledged it by pinging with *i*, even if that primary now looks
//!    dead. Otherwise the primary might still be serving a view it never learned had ended.
//!    Only a ping with the current viewnum acknowledges it.
//! 2. **Dead after silence.** A server that has not pinged for
//!    [`DEAD_AFTER`](crate::DEAD_AFTER) (`DEAD_PINGS` intervals) or longer is dead.
//! 3. **Ping(0) is a restart.** A primary or backup that pings with 0 after having known a view
//!    has restarted and lost its state: it is treated as dead for its role. A server that has
//!    not yet learned any view pings with 0 too, so a 0 from it means nothing.
//! 4. **Promote only the backup.** The primary of view *i+1* must have been the primary or
//!    backup of view *i* (the very first primary excepted). A backup takes over only once it has
//!    learned a view; an idle, never-backup server is never made primary, so with no usable
//!    backup the service waits.
//! 5. **An idle server fills the empty backup slot.** When there is no backup, a live idle
//!    server becomes backup (the one that first pinged). The very first view is the exception:
//!    it names only a primary.
//!
//! A view changes only for one of these reasons, so consecutive views always differ. Each rule
//! is enforced below where its number is named.

// BEGIN PRIVATE: your imports
use std::collections::BTreeMap;
// END PRIVATE
use labrpc::time::Instant;

use crate::common::{PingError, PingReply, View, DEAD_AFTER};

// BEGIN PRIVATE: what your view service remembers about each server is yours to design
/// What the view service has heard from one server.
#[derive(Clone, Debug)]
struct Heard {
    /// When its latest ping arrived.
    last_ping: Instant,
    /// The viewnum its latest ping carried.
    viewnum: u64,
    /// It pinged 0 while holding a role after having known a view (rule 3). Cleared only when
    /// it leaves its role: a restarted server that quickly learns the view again has still
    /// lost its state.
    restarted: bool,
    /// The order in which servers first pinged: the earliest idle server is chosen first.
    arrival: usize,
}
// END PRIVATE

/// The view service's state: the current view, and what the rules need to remember about it
/// and about each server. Tests copy it (`Clone`) but never look inside.
#[derive(Clone, Debug, Default)]
pub struct ViewServer {
    // BEGIN PRIVATE: your state
    /// The current view.
    view: View,
    /// Whether the primary of `view` has acknowledged it (rule 1).
    acked: bool,
    /// What each server that ever pinged last said, by name.
    servers: BTreeMap<String, Heard>,
    // END PRIVATE
}

impl ViewServer {
    /// The view service before anyone has pinged: view 0, no primary, no backup.
    pub fn new() -> ViewServer {
        ViewServer::default()
    }

    /// Records a ping from `me`, which knows view `viewnum`, arriving at `now`; answers with
    /// the current view. A ping never changes the view: only [`tick`](ViewServer::tick) does.
    ///
    /// A ping with an empty name, or one claiming a view that does not exist yet, is refused
    /// and changes nothing. A name never heard before is a new idle server.
    pub fn ping(&mut self, me: &str, viewnum: u64, now: Instant) -> PingReply {
        // BEGIN SOLUTION: note that `me` is alive and knows `viewnum`, or refuse a bad ping; answer the view
        if me.is_empty() {
            return Err(PingError::EmptyName);
        }
        if viewnum > self.view.viewnum {
            return Err(PingError::ViewnumAhead { got: viewnum, current: self.view.viewnum });
        }
        let arrival = self.servers.len();
        let in_role = self.view.is_primary(me) || self.view.is_backup(me);
        let heard = self.servers.entry(me.to_string()).or_insert(Heard {
            last_ping: now,
            viewnum,
            restarted: false,
            arrival,
        });
        // Rule 3: a 0 from a server in a role that already knew a view means it restarted. It
        // stays restarted until it leaves the role, even if it learns the view again at once.
        heard.restarted |= in_role && viewnum == 0 && heard.viewnum != 0;
        heard.viewnum = viewnum;
        heard.last_ping = now;
        // Rule 1: the primary acknowledges the current view by pinging with its number.
        if self.view.is_primary(me) && viewnum == self.view.viewnum {
            self.acked = true;
        }
        Ok(self.view.clone())
        // END SOLUTION
    }

    /// The current view. Asking is not pinging: it changes nothing.
    pub fn get(&self) -> View {
        // BEGIN SOLUTION: the current view
        self.view.clone()
        // END SOLUTION
    }

    /// Decides, at `now`, whether the view must change, and changes it. Returns the new view,
    /// or `None` if the view stays. Called every ping interval.
    pub fn tick(&mut self, now: Instant) -> Option<View> {
        // BEGIN SOLUTION: decide whether the rules call for a new view now; if so, make it and return it
        if !self.current_view_acked() {
            return None;
        }
        let (primary, backup) = self.next_roles(now);
        if primary == self.view.primary && backup == self.view.backup {
            return None;
        }
        self.install(View { viewnum: self.view.viewnum + 1, primary, backup });
        Some(self.view.clone())
        // END SOLUTION
    }

    // BEGIN PRIVATE: your helpers
    /// Rule 1: the view may change only once its primary has acknowledged it. The empty view 0
    /// has no primary to wait for.
    fn current_view_acked(&self) -> bool {
        // BEGIN SOLUTION: rule 1: view 0, or its primary pinged its viewnum
        self.view.viewnum == 0 || self.acked
        // END SOLUTION
    }

    /// Rule 2: `server` is dead if it has been silent for `DEAD_PINGS` ping intervals (or was
    /// never heard at all).
    fn is_dead(&self, server: &str, now: Instant) -> bool {
        // BEGIN SOLUTION: rule 2: never heard, or silent for DEAD_AFTER
        self.servers.get(server).is_none_or(|h| now.saturating_duration_since(h.last_ping) >= DEAD_AFTER)
        // END SOLUTION
    }

    /// Rule 3: `server` restarted while holding its role.
    fn has_restarted(&self, server: &str) -> bool {
        // BEGIN SOLUTION: rule 3: it pinged 0 while holding its role
        self.servers.get(server).is_some_and(|h| h.restarted)
        // END SOLUTION
    }

    /// A server can keep (or take) a role if it is alive and has not restarted in it.
    fn is_usable(&self, server: &str, now: Instant) -> bool {
        // BEGIN SOLUTION: alive (rule 2) and not restarted in its role (rule 3)
        !self.is_dead(server, now) && !self.has_restarted(server)
        // END SOLUTION
    }

    /// The primary and backup the next view should have, given what was heard by `now`.
    fn next_roles(&self, now: Instant) -> (Option<String>, Option<String>) {
        // BEGIN SOLUTION: view 1: a primary only; then keep usable roles, rules 4 and 5
        let unchanged = (self.view.primary.clone(), self.view.backup.clone());
        let backup = self.view.backup.clone().filter(|b| self.is_usable(b, now));
        let (primary, backup) = match self.view.primary.as_deref() {
            // The very first view names only a primary, the earliest live server; a backup
            // joins once that primary has acknowledged it.
            None if self.view.viewnum == 0 => return (self.idle_server(None, now), None),
            Some(primary) if self.is_usable(primary, now) => (Some(primary.to_string()), backup),
            // The primary failed (or there is none after the first view).
            _ => match self.successor_of_failed_primary(backup) {
                Some(successor) => (Some(successor), None),
                None => return unchanged,
            },
        };
        let backup = backup.or_else(|| self.idle_server(primary.as_deref(), now));
        (primary, backup)
        // END SOLUTION
    }

    /// Rule 4: only the backup may replace a failed primary, and only once it has learned a
    /// view (so it is not a server that restarted before it could say so). `None`: wait.
    fn successor_of_failed_primary(&self, usable_backup: Option<String>) -> Option<String> {
        // BEGIN SOLUTION: rule 4: the usable backup once it knows a view; else wait (None)
        usable_backup.filter(|b| self.servers.get(b).is_some_and(|h| h.viewnum != 0))
        // END SOLUTION
    }

    /// Rule 5: the live server with no role that pinged first, other than `primary`.
    fn idle_server(&self, primary: Option<&str>, now: Instant) -> Option<String> {
        // BEGIN SOLUTION: rule 5: the earliest live server with no role, not `primary`
        self.servers
            .iter()
            .filter(|(name, _)| Some(name.as_str()) != primary && !self.view.is_backup(name))
            .filter(|(name, _)| self.is_usable(name, now))
            .min_by_key(|(_, heard)| heard.arrival)
            .map(|(name, _)| name.clone())
        // END SOLUTION
    }

    /// Makes `view` current. It is not acknowledged yet, and servers that left their role
    /// start afresh as idle servers.
    fn install(&mut self, view: View) {
        // BEGIN SOLUTION: a new view: not acked; servers leaving a role are no longer restarted
        for (name, heard) in self.servers.iter_mut() {
            if !view.is_primary(name) && !view.is_backup(name) {
                heard.restarted = false;
            }
        }
        self.view = view;
        self.acked = false;
        // END SOLUTION
    }
    // END PRIVATE
}
