//! The search for a linearization of one partition: Wing & Gong's backtracking over a linked
//! list of call and return events, with Lowe's memoization of explored configurations, as in
//! Porcupine.
//!
//! The list holds the events not yet linearized, in time order. Walking it from the front, a
//! call is a candidate to take effect next; the first return met ends the candidates, since
//! that operation must have taken effect before it returned. Linearizing a candidate removes its
//! call and return from the list (they are put back on backtracking, in reverse order, so the
//! links stay valid). An operation that never returned has no return event: it may take effect
//! at any point after its call, and it need not take effect at all, so the search succeeds once
//! every operation that returned is linearized.
//!
//! Two reductions keep timed-out calls from multiplying the work. Pending operations that ask
//! the same thing are interchangeable (each may take effect anywhere after its call, or never),
//! so they are linearized in call order only: if a linearization uses a later one where an
//! earlier one is still free, swapping them gives another. And each configuration tries the
//! operations that returned before the pending ones.

use super::limits::Limits;
use super::memo::{Bitset, Memo};
use super::report::Limit;
use crate::history::Operation;
use crate::model::Model;

/// How often (in search steps) the deadline and the stop signal are looked at.
const DEADLINE_CHECK_EVERY: u64 = 1 << 10;

/// How often (in configurations recorded) the memory budget is looked at: a few hundred
/// configurations hold well under a megabyte.
const MEMORY_CHECK_EVERY: usize = 1 << 8;

/// What the search found, and how many configurations it explored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Searched {
    pub(super) found: Found,
    pub(super) configurations: usize,
}

/// What the search found, with operations as indices into the slice it was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Found {
    /// A linearization: the operations in the order they take effect (pending operations that
    /// need not take effect are left out).
    Linearization(Vec<usize>),
    /// No linearization exists. The longest linearizable prefix the search reached (counted in
    /// operations that returned, so it never ends with a pending one), and the
    /// operations that were candidates to go next after it, none of which could.
    Violation { prefix: Vec<usize>, unplaced: Vec<usize> },
    /// A limit stopped the search first. The longest prefix reached so far.
    GaveUp { limit: Limit, prefix: Vec<usize> },
    /// Told to stop: another partition has a violation.
    Stopped,
}

/// Sentinel index: "no event".
const NONE: u32 = u32::MAX;

/// The doubly linked list of events not yet linearized, in time order, between two sentinels.
struct Events {
    next: Vec<u32>,
    prev: Vec<u32>,
    /// Per entry: for a call, the operation it belongs to; for a return or a sentinel, `NONE`
    /// (the walk reads one array to learn both whether an entry is a call and whose).
    call_op: Vec<u32>,
    /// Per operation: the entry of its return, `NONE` if it never returned.
    return_entry: Vec<u32>,
}

const HEAD: u32 = 0;

impl Events {
    fn new<I, O>(operations: &[&Operation<I, O>]) -> Self {
        // (stamp, 0 for a call or 1 for a return, operation): at equal stamps calls come first,
        // so operations that touch in time count as concurrent.
        let mut events: Vec<(u64, u8, u32)> = Vec::with_capacity(operations.len() * 2);
        for (index, op) in operations.iter().enumerate() {
            let index = u32::try_from(index).expect("a partition has fewer than 2^32 operations");
            events.push((op.call.0, 0, index));
            if let Some(at) = op.returned_at() {
                events.push((at.0, 1, index));
            }
        }
        events.sort_unstable();
        let len = events.len() + 2;
        let tail = (len - 1) as u32;
        let mut list = Events {
            next: (1..=len as u32).collect(),
            prev: (0..len as u32).map(|i| i.wrapping_sub(1)).collect(),
            call_op: vec![NONE; len],
            return_entry: vec![NONE; operations.len()],
        };
        list.next[tail as usize] = NONE;
        list.prev[HEAD as usize] = NONE;
        for (position, &(_, kind, op)) in events.iter().enumerate() {
            let entry = position + 1;
            if kind == 0 {
                list.call_op[entry] = op;
            } else {
                list.return_entry[op as usize] = entry as u32;
            }
        }
        list
    }

    fn first(&self) -> u32 {
        self.next[HEAD as usize]
    }

    fn unlink(&mut self, entry: u32) {
        let (prev, next) = (self.prev[entry as usize], self.next[entry as usize]);
        self.next[prev as usize] = next;
        self.prev[next as usize] = prev;
    }

    fn relink(&mut self, entry: u32) {
        let (prev, next) = (self.prev[entry as usize], self.next[entry as usize]);
        self.next[prev as usize] = entry;
        self.prev[next as usize] = entry;
    }

    /// Removes a call and its return (if any) from the list.
    fn lift(&mut self, call: u32) {
        self.unlink(call);
        let ret = self.return_entry[self.call_op[call as usize] as usize];
        if ret != NONE {
            self.unlink(ret);
        }
    }

    /// Undoes [`Events::lift`] of the most recently lifted call.
    fn unlift(&mut self, call: u32) {
        let ret = self.return_entry[self.call_op[call as usize] as usize];
        if ret != NONE {
            self.relink(ret);
        }
        self.relink(call);
    }

    /// The operations of the calls before `end`, from the front.
    fn calls_before(&self, end: u32) -> Vec<usize> {
        let mut calls = Vec::new();
        let mut entry = self.first();
        while entry != end && entry != NONE {
            if self.call_op[entry as usize] != NONE {
                calls.push(self.call_op[entry as usize] as usize);
            }
            entry = self.next[entry as usize];
        }
        calls
    }
}

/// Which candidates a walk over the list tries. Each configuration is walked twice: first the
/// operations that returned, then those that never did. Both are complete, together they try
/// every candidate; trying pending operations last finds linearizations of histories with many
/// timed-out calls far sooner, since such a call rarely has to take effect to explain the rest.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Returned,
    Pending,
}

/// Searches for a linearization of `operations` under `model`, within `limits`, holding at
/// most about `max_memory` bytes.
pub(super) fn search<M: Model>(
    model: &M,
    operations: &[&Operation<M::Input, M::Output>],
    limits: &Limits,
    max_memory: Option<usize>,
) -> Searched {
    if limits.stopped() {
        return Searched { found: Found::Stopped, configurations: 0 };
    }
    let max_configurations = limits.max_configurations;
    let mut events = Events::new(operations);
    let pending: Vec<bool> = operations.iter().map(|op| op.is_pending()).collect();
    let mut must_place = pending.iter().filter(|&&p| !p).count();
    let mut pending_left = operations.len() - must_place;
    let twin_before = pending_twins(operations);
    let mut done = Bitset::new(operations.len());
    // The memo owns every state reached; the search refers to them by entry id.
    let mut memo = Memo::new(operations.len());
    let mut state = memo.insert(&done, model.init()).expect("the first configuration is new");
    // The linearized calls, each with the state before it and the pass that chose it.
    let mut stack: Vec<(u32, u32, Pass)> = Vec::new();
    let must_place_at_start = must_place;
    let mut longest: Vec<usize> = Vec::new();
    let mut longest_placed = 0;
    // How many of the first entries of `longest` the stack still holds: a new longest prefix
    // copies only the calls after them, not the whole stack again.
    let mut longest_kept = 0;
    let mut unplaced: Option<Vec<usize>> = None;
    let prefix = |stack: &[(u32, u32, Pass)], events: &Events| -> Vec<usize> {
        stack.iter().map(|&(call, _, _)| events.call_op[call as usize] as usize).collect()
    };

    let mut entry = events.first();
    let mut pass = Pass::Returned;
    let mut steps: u64 = 0;
    loop {
        if must_place == 0 {
            let found = Found::Linearization(prefix(&stack, &events));
            return Searched { found, configurations: memo.len() };
        }
        steps += 1;
        if steps % DEADLINE_CHECK_EVERY == 0 {
            if limits.stopped() {
                return Searched { found: Found::Stopped, configurations: memo.len() };
            }
            if limits.past_deadline() {
                let found = Found::GaveUp { limit: Limit::Time, prefix: longest };
                return Searched { found, configurations: memo.len() };
            }
        }
        // The tail sentinel is no call: the walk ends there at the latest.
        let call_op = events.call_op[entry as usize];
        if call_op != NONE {
            let index = call_op as usize;
            if pending[index] != (pass == Pass::Pending)
                || twin_before[index].is_some_and(|twin| !done.contains(twin))
            {
                entry = events.next[entry as usize];
                continue;
            }
            let op = operations[index];
            if let Some(next) = model.step(memo.state(state), &op.input, op.output()) {
                done.set(index);
                if let Some(reached) = memo.insert(&done, next) {
                    // A state that needs no drop holds no heap memory: nothing to count.
                    if std::mem::needs_drop::<M::State>() {
                        memo.add_heap(model.added_bytes(memo.state(state), memo.state(reached)));
                    }
                    if max_configurations.is_some_and(|max| memo.len() > max) {
                        let found = Found::GaveUp { limit: Limit::Configurations, prefix: longest };
                        return Searched { found, configurations: memo.len() };
                    }
                    if memo.len() % MEMORY_CHECK_EVERY == 0
                        && max_memory.is_some_and(|max| memo.bytes() > max)
                    {
                        let found = Found::GaveUp { limit: Limit::Memory, prefix: longest };
                        return Searched { found, configurations: memo.len() };
                    }
                    stack.push((entry, std::mem::replace(&mut state, reached), pass));
                    events.lift(entry);
                    if pending[index] {
                        pending_left -= 1;
                    } else {
                        must_place -= 1;
                    }
                    if must_place_at_start - must_place > longest_placed {
                        longest_placed = must_place_at_start - must_place;
                        longest.truncate(longest_kept);
                        longest.extend(
                            stack[longest_kept..]
                                .iter()
                                .map(|&(call, _, _)| events.call_op[call as usize] as usize),
                        );
                        longest_kept = stack.len();
                        unplaced = None;
                    }
                    entry = events.first();
                    pass = Pass::Returned;
                    continue;
                }
                done.clear(index);
            }
            entry = events.next[entry as usize];
        } else if pass == Pass::Returned && pending_left > 0 {
            entry = events.first();
            pass = Pass::Pending;
        } else {
            // The end of the candidates (a return, or defensively the end of the list), and none
            // of them works from here.
            // After the longest prefix was reached, deeper configurations only added pending
            // operations; the first dead end at its depth is the prefix itself.
            if unplaced.is_none() && stack.len() == longest.len() {
                unplaced = Some(events.calls_before(entry));
            }
            let Some((call, before, chosen_in)) = stack.pop() else {
                let found = Found::Violation { prefix: longest, unplaced: unplaced.unwrap_or_default() };
                return Searched { found, configurations: memo.len() };
            };
            longest_kept = longest_kept.min(stack.len());
            let index = events.call_op[call as usize] as usize;
            state = before;
            done.clear(index);
            events.unlift(call);
            if pending[index] {
                pending_left += 1;
            } else {
                must_place += 1;
            }
            entry = events.next[call as usize];
            pass = chosen_in;
        }
    }
}

/// For each pending operation, the closest earlier pending operation with an equal input, if
/// any: it may take effect only after that one did. (Operations are in call order.)
fn pending_twins<I: PartialEq, O>(operations: &[&Operation<I, O>]) -> Vec<Option<usize>> {
    let mut twins = vec![None; operations.len()];
    let mut latest_of_kind: Vec<usize> = Vec::new();
    for (index, op) in operations.iter().enumerate() {
        if !op.is_pending() {
            continue;
        }
        match latest_of_kind.iter_mut().find(|latest| operations[**latest].input == op.input) {
            Some(latest) => {
                twins[index] = Some(*latest);
                *latest = index;
            }
            None => latest_of_kind.push(index),
        }
    }
    twins
}
