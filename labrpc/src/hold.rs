//! Held links: calls queue undelivered until the test releases them, in the order it chooses.

use crate::time::{Duration, Instant};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::sync::{Condvar, Mutex};

/// A call waiting on a held link, as a test sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldCall {
    /// The call's id; pass it to [`Network::release`](crate::Network::release).
    pub id: u64,
    /// The caller.
    pub from: String,
    /// The server it is addressed to.
    pub to: String,
    /// The method.
    pub method: &'static str,
}

struct Entry<T> {
    call: HeldCall,
    link: (usize, usize),
    item: T,
}

struct State<T> {
    links: HashSet<(usize, usize)>,
    queue: Vec<Entry<T>>,
}

/// The held links and the calls waiting on them. `T` is the undelivered call itself.
pub(crate) struct Holds<T> {
    /// False while no link is held: the call path then skips the lock.
    active: AtomicBool,
    state: Mutex<State<T>>,
    arrived: Condvar,
}

impl<T> Holds<T> {
    pub(crate) fn new() -> Self {
        Holds {
            active: AtomicBool::new(false),
            state: Mutex::new(State { links: HashSet::new(), queue: Vec::new() }),
            arrived: Condvar::new(),
        }
    }

    /// Starts holding calls on the link.
    pub(crate) fn hold(&self, link: (usize, usize)) {
        let mut state = self.state.lock();
        state.links.insert(link);
        self.active.store(true, Ordering::Release);
    }

    /// Stops holding the link and hands back its queued calls in arrival order.
    pub(crate) fn unhold(&self, link: (usize, usize)) -> Vec<T> {
        let mut state = self.state.lock();
        state.links.remove(&link);
        self.active.store(!state.links.is_empty(), Ordering::Release);
        let (released, kept): (Vec<_>, Vec<_>) = state.queue.drain(..).partition(|e| e.link == link);
        state.queue = kept;
        released.into_iter().map(|e| e.item).collect()
    }

    /// Queues the call if its link is held; otherwise gives it back.
    pub(crate) fn try_hold(
        &self,
        link: (usize, usize),
        call: impl FnOnce() -> HeldCall,
        item: T,
    ) -> Result<(), T> {
        if !self.active.load(Ordering::Acquire) {
            return Err(item);
        }
        let mut state = self.state.lock();
        if !state.links.contains(&link) {
            return Err(item);
        }
        let call = call();
        log::debug!("holding call #{} {} {} -> {}", call.id, call.method, call.from, call.to);
        state.queue.push(Entry { call, link, item });
        self.arrived.notify_all();
        Ok(())
    }

    /// Takes the held call with this id out of the queue.
    pub(crate) fn take(&self, id: u64) -> Option<T> {
        let mut state = self.state.lock();
        let index = state.queue.iter().position(|e| e.call.id == id)?;
        Some(state.queue.remove(index).item)
    }

    /// Runs `f` on the held call with this id, if it is held.
    pub(crate) fn update(&self, id: u64, f: impl FnOnce(&mut T)) -> bool {
        let mut state = self.state.lock();
        let Some(entry) = state.queue.iter_mut().find(|e| e.call.id == id) else {
            return false;
        };
        f(&mut entry.item);
        true
    }

    /// The calls held on the link, in arrival order.
    pub(crate) fn list(&self, link: (usize, usize)) -> Vec<HeldCall> {
        let state = self.state.lock();
        state.queue.iter().filter(|e| e.link == link).map(|e| e.call.clone()).collect()
    }

    /// Waits until at least `count` calls are held on the link. On time-out, returns how many were.
    pub(crate) fn wait_for(
        &self,
        link: (usize, usize),
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<HeldCall>, usize> {
        let deadline = Instant::now() + timeout;
        let mut state = self.state.lock();
        loop {
            let held: Vec<HeldCall> =
                state.queue.iter().filter(|e| e.link == link).map(|e| e.call.clone()).collect();
            if held.len() >= count {
                return Ok(held);
            }
            if Instant::now() >= deadline {
                return Err(held.len());
            }
            self.arrived.wait_until(&mut state, deadline);
        }
    }

    /// Forgets every held call and link (on shutdown).
    pub(crate) fn clear(&self) {
        let mut state = self.state.lock();
        state.links.clear();
        state.queue.clear();
        self.active.store(false, Ordering::Release);
    }
}
