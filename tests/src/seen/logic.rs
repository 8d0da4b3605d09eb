//! A view service's state, as the harness read it from the state machine's accessors.

use std::collections::BTreeMap;
use std::time::Instant;

use viewservice::{Heard, ViewServer};

use super::SeenView;

/// What the harness reads of a `viewservice::ViewServer`: its view, whether that view is
/// acknowledged, and what it heard from each server. Two states are compared through this,
/// never through the submission's `PartialEq` on `ViewServer`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenLogic {
    /// The current view (`ViewServer::get`).
    pub view: SeenView,
    /// Whether its primary acknowledged it (`ViewServer::is_acked`).
    pub acked: bool,
    /// What was heard from each server that ever pinged, by name (`ViewServer::servers`).
    pub servers: BTreeMap<String, SeenHeard>,
}

/// A `viewservice::Heard`, read field by field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeenHeard {
    /// When its latest ping arrived.
    pub last_ping: Instant,
    /// The viewnum its latest ping carried.
    pub viewnum: u64,
    /// Whether the view service counts it as restarted in its role.
    pub restarted: bool,
    /// Its place in the order in which servers first pinged.
    pub arrival: usize,
}

impl SeenLogic {
    /// Reads `logic`.
    pub fn of(logic: &ViewServer) -> SeenLogic {
        let servers = logic.servers().map(|(name, heard)| (name.to_string(), SeenHeard::of(heard))).collect();
        SeenLogic { view: SeenView::of(&logic.get()), acked: logic.is_acked(), servers }
    }
}

impl SeenHeard {
    /// Reads `heard`.
    pub fn of(heard: &Heard) -> SeenHeard {
        let Heard { last_ping, viewnum, restarted, arrival } = heard;
        SeenHeard { last_ping: *last_ping, viewnum: *viewnum, restarted: *restarted, arrival: *arrival }
    }
}
