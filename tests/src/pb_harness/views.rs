//! Waiting for views: a view the view service holds, the servers' learning it, the primary's
//! acknowledgement, and the usual ways a scenario gets its primary and backup.

use std::time::Duration;

use viewservice::PING_INTERVAL;

use super::cluster::Cluster;
use super::poll::poll_until;
use super::scenario::Scenario;
use crate::bounds::{ROUNDS_FOR_CHANGE, ROUNDS_FOR_DEATH, VIEW_CHANGE};
use crate::seen::SeenView;

impl Cluster {
    /// Polls `check` until it answers `Ok`, for at most `timeout` (counted in looks, as
    /// [`poll_until`] counts), and returns that answer; on time-out, says that it `waited
    /// {timeout} for {what}, but` what `check` saw last. Every wait of the harness goes through
    /// this (and so through [`poll_until`]).
    pub fn wait<T>(
        &self,
        what: &str,
        timeout: Duration,
        check: impl FnMut() -> Result<T, String>,
    ) -> Result<T, String> {
        poll_until(&self.net, timeout, check).map_err(|timed_out| timed_out.explain(what, timeout))
    }

    /// Waits until the view service's view satisfies `wanted` (described by `what`), for at
    /// most `timeout`; returns that view.
    pub fn wait_for_view(
        &self,
        what: &str,
        timeout: Duration,
        wanted: impl Fn(&SeenView) -> bool,
    ) -> Result<SeenView, String> {
        self.wait(what, timeout, || {
            let view = self.view();
            if wanted(&view) {
                Ok(view)
            } else {
                Err(format!("the view is still {view}"))
            }
        })
    }

    /// Waits until `primary` and `backup` are the view's primary and backup, both servers have
    /// learned that view, and the primary has had time to acknowledge it (after the state
    /// transfer). Panics with a sentence if any of these takes longer than `timeout`.
    #[track_caller]
    pub fn settle(&self, primary: &str, backup: Option<&str>, timeout: Duration) -> SeenView {
        let what = format!("primary {primary} and backup {}", backup.unwrap_or("none"));
        let view = self
            .wait_for_view(&what, timeout, |v| v.is_primary(primary) && v.backup.as_deref() == backup)
            .unwrap_or_else(|e| panic!("{e}"));
        let members: Vec<&str> = std::iter::once(primary).chain(backup).collect();
        self.wait(&format!("{members:?} to learn {view}"), timeout, || {
            match members
                .iter()
                .map(|m| (m, self.view_on(m)))
                .find(|(_, theirs)| theirs.as_ref() != Some(&view))
            {
                None => Ok(()),
                Some((member, theirs)) => Err(format!("{member} believes {theirs:?}")),
            }
        })
        .unwrap_or_else(|e| panic!("{e}"));
        // The primary acknowledges at its next ping, after any state transfer.
        self.wait_until_acked(timeout).unwrap_or_else(|e| panic!("{e}"));
        view
    }

    /// Waits until the primary of the current view has acknowledged it, for at most `timeout`.
    /// Until then the view cannot change, so a test that fails a server first waits for this.
    pub fn wait_until_acked(&self, timeout: Duration) -> Result<SeenView, String> {
        self.wait("the primary to acknowledge its view", timeout, || {
            if self.vs.is_acked() {
                Ok(self.view())
            } else {
                Err(format!("the primary never acknowledged {}", self.view()))
            }
        })
    }
}

impl Scenario {
    /// Waits at most `rounds` ping intervals for the view service's view to satisfy `wanted`
    /// (described by `what`), and returns it.
    #[track_caller]
    pub fn wait_view(&self, what: &str, rounds: u32, wanted: impl Fn(&SeenView) -> bool) -> SeenView {
        self.wait_for_view(what, PING_INTERVAL * rounds, wanted).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Cluster::settle`] within the original's bound for a view change after a death
    /// ([`ROUNDS_FOR_DEATH`] ping intervals): only then may a test kill the primary.
    #[track_caller]
    pub fn settle_on(&self, primary: &str, backup: Option<&str>) -> SeenView {
        self.settle(primary, backup, PING_INTERVAL * ROUNDS_FOR_DEATH)
    }

    /// Starts `name` on an empty view service and waits, within the original's bounds, for it
    /// to become the first primary and settle.
    #[track_caller]
    pub fn start_first_primary(&self, name: &str) -> SeenView {
        self.start(name);
        self.wait_view(&format!("{name} to become the first primary"), ROUNDS_FOR_CHANGE, |v| {
            v.is_primary(name)
        });
        self.settle_on(name, None)
    }

    /// Starts `backup`, waits, within the original's bounds, for it to join `primary` as backup,
    /// and lets the view settle.
    #[track_caller]
    pub fn start_backup(&self, primary: &str, backup: &str) -> SeenView {
        self.start(backup);
        self.wait_view(&format!("{backup} to join as backup of {primary}"), ROUNDS_FOR_CHANGE, |v| {
            v.is_primary(primary) && v.is_backup(backup)
        });
        self.settle_on(primary, Some(backup))
    }

    /// Starts `primary` and waits, within [`VIEW_CHANGE`], until it is the primary of an
    /// acknowledged view with no backup.
    #[track_caller]
    pub fn primary_alone(&self, primary: &str) -> SeenView {
        self.start(primary);
        self.settle(primary, None, VIEW_CHANGE)
    }

    /// Starts `primary`, then `backup`, and waits, within [`VIEW_CHANGE`] each, until they are
    /// primary and backup of an acknowledged view, the backup holding the primary's state.
    /// (Started together, either could become the first primary.)
    #[track_caller]
    pub fn primary_and_backup(&self, primary: &str, backup: &str) -> SeenView {
        self.primary_alone(primary);
        self.start(backup);
        self.settle(primary, Some(backup), VIEW_CHANGE)
    }

    /// Starts `name` and waits until it has learned the current view (it is idle if both roles
    /// are taken).
    #[track_caller]
    pub fn start_idle(&self, name: &str) {
        self.start(name);
        self.wait_until_learned(name);
    }

    /// Waits, within [`VIEW_CHANGE`], until server `name` believes the view service's current
    /// view.
    #[track_caller]
    pub fn wait_until_learned(&self, name: &str) {
        self.poll(&format!("{name} to learn the current view"), VIEW_CHANGE, || {
            let (current, theirs) = (self.view(), self.view_on(name));
            if theirs.as_ref() == Some(&current) {
                Ok(())
            } else {
                Err(format!("the view service has {current}, {name} believes {theirs:?}"))
            }
        });
    }
}
