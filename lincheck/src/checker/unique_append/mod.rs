//! Unique-append inference: deciding a partition of an append-only string whose appends carry
//! distinct values without searching, in time about linear in the history and its reads (the
//! idea of the list-append analysis of Elle, Kingsbury and Alvaro, VLDB 2020).
//!
//! When every appended value is distinct, a read names the appends it saw, in order (when its
//! value spells them in one way only: see [`decode`]). In any linearization the appends form
//! one sequence and each read sees a prefix of it; the appends no read saw come after every
//! read (a pending one may also be left out). So the longest read fixes the order of every
//! append that was seen, each read's place between two appends, and the place of the rest:
//! after all reads. Within one place, operations may go in any order. A linearization exists
//! exactly when every read is a prefix of the longest at an append's end, and no operation
//! that returned before another was called has a later place than it. The checker walks the
//! operations by place (and by call within a place), stepping the model: if it places them
//! all, that is the linearization; if real time stops it, the operation that returned too
//! early and the one it blocks are the violation, and the walk so far is the longest prefix.
//!
//! The inference answers `None` (and the search decides) when it does not apply: an
//! operation the model does not see as an append or a read, an empty or repeated appended
//! value, or a read that spells appends in several ways.

mod decode;
mod reason;

use std::cmp::Reverse;

use super::search::Found;
use crate::history::Operation;
use crate::model::{AppendStep, Model};
use decode::{Decoded, Dictionary};
use reason::{BadRead, Reason};

/// What the inference decided: a linearization, or a violation and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Inferred {
    /// [`Found::Linearization`] or [`Found::Violation`].
    pub(super) found: Found,
    /// For a violation, a sentence naming the operations that conflict.
    pub(super) reason: Option<String>,
}

/// Decides `operations` (one partition, in call order) by inference, or answers `None` if the
/// inference does not apply.
pub(super) fn infer<M: Model>(model: &M, operations: &[&Operation<M::Input, M::Output>]) -> Option<Inferred> {
    let roles: Vec<AppendStep<'_>> =
        operations.iter().map(|op| model.append_step(&op.input, op.output())).collect::<Option<_>>()?;
    let places = place(&roles)?;
    walk(model, operations, &roles, &places)
}

/// Where each operation goes: its place (an index into the sequence of appends and the gaps
/// between them), or none, and the reads that fit nowhere.
struct Places {
    /// Per operation: appends seen at position p go to place 2p + 1; a read that saw j
    /// appends to place 2j; appends that returned but no read saw to the last place, after
    /// every read. `None`: left out (a pending append nobody saw, a pending read, a bad read).
    place: Vec<Option<u32>>,
    /// The appends the longest good read saw: per operation, true if it is one of them.
    seen: Vec<bool>,
    /// The reads that fit nowhere, and why.
    bad: Vec<(usize, BadRead)>,
}

/// Derives the order of the appends from the reads, or `None` if the reads do not say it.
fn place(roles: &[AppendStep<'_>]) -> Option<Places> {
    let count = roles.len();
    let dictionary = Dictionary::new(roles.iter().enumerate().filter_map(|(i, role)| match role {
        AppendStep::Append(value) => Some((i as u32, *value)),
        _ => None,
    }))?;
    let mut reads: Vec<(usize, &str)> = roles
        .iter()
        .enumerate()
        .filter_map(|(i, role)| match role {
            AppendStep::Read(value) => Some((i, *value)),
            _ => None,
        })
        .collect();
    reads.sort_by_key(|&(i, value)| (Reverse(value.len()), i));

    // The reference: the longest read that spells distinct appends. Longer reads fit nowhere.
    let mut bad = Vec::new();
    let mut reference = None;
    let mut next = 0;
    while let Some(&(read, value)) = reads.get(next) {
        next += 1;
        match dictionary.decode(value) {
            Decoded::Ambiguous => return None,
            Decoded::Impossible => bad.push((read, BadRead::NotAppends)),
            Decoded::Unique(appends) => match first_repeat(&appends, count) {
                Some(append) => bad.push((read, BadRead::Twice(append as usize))),
                None => {
                    reference = Some((read, value, appends));
                    break;
                }
            },
        }
    }

    let mut place = vec![None; count];
    let mut seen = vec![false; count];
    let (reference_read, reference_value, sequence) = reference.unwrap_or((usize::MAX, "", Vec::new()));
    let last = 2 * sequence.len() as u32 + 1;
    // ends[j]: where the j-th append ends in the reference's value.
    let mut ends = Vec::with_capacity(sequence.len() + 1);
    ends.push(0);
    for (position, &append) in sequence.iter().enumerate() {
        place[append as usize] = Some(2 * position as u32 + 1);
        seen[append as usize] = true;
        let AppendStep::Append(value) = roles[append as usize] else { unreachable!("decoded into appends") };
        ends.push(ends[position] + value.len());
    }
    if reference_read != usize::MAX {
        place[reference_read] = Some(2 * sequence.len() as u32);
    }
    for &(read, value) in &reads[next..] {
        match ends.binary_search(&value.len()) {
            Ok(j) if reference_value.as_bytes().starts_with(value.as_bytes()) => {
                place[read] = Some(2 * j as u32)
            }
            _ => bad.push((read, BadRead::Disagrees(reference_read))),
        }
    }
    for (i, role) in roles.iter().enumerate() {
        if matches!(role, AppendStep::Append(_)) && !seen[i] {
            place[i] = Some(last);
        }
    }
    bad.sort_by_key(|&(read, _)| read);
    Some(Places { place, seen, bad })
}

/// The first append that occurs twice in `appends` (indices below `count`).
fn first_repeat(appends: &[u32], count: usize) -> Option<u32> {
    let mut met = vec![false; count];
    appends.iter().copied().find(|&append| std::mem::replace(&mut met[append as usize], true))
}

/// Walks the operations by place, stepping the model, until real time stops the walk or every
/// operation is placed.
fn walk<M: Model>(
    model: &M,
    operations: &[&Operation<M::Input, M::Output>],
    roles: &[AppendStep<'_>],
    places: &Places,
) -> Option<Inferred> {
    let count = operations.len();
    // An operation that never returned and that no read saw may be left out: it is.
    let mut order: Vec<usize> = (0..count)
        .filter(|&i| places.place[i].is_some() && (!operations[i].is_pending() || places.seen[i]))
        .collect();
    order.sort_by_key(|&i| (places.place[i], operations[i].call, i));
    let mut by_return: Vec<usize> = (0..count).filter(|&i| !operations[i].is_pending()).collect();
    by_return.sort_by_key(|&i| (operations[i].returned_at(), i));

    let mut placed = vec![false; count];
    let mut first_open = 0;
    let mut state = model.init();
    let mut prefix = Vec::with_capacity(order.len());
    let mut blocked = None;
    for &next in &order {
        while by_return.get(first_open).is_some_and(|&i| placed[i]) {
            first_open += 1;
        }
        if let Some(&early) = by_return.get(first_open) {
            if operations[early].returned_at().is_some_and(|at| at < operations[next].call) {
                blocked = Some((early, next));
                break;
            }
        }
        let op = operations[next];
        let Some(after) = model.step(&state, &op.input, op.output()) else {
            // The places say the model accepts every step: a bug, which the search covers.
            debug_assert!(false, "the unique-append inference placed an operation the model rejects");
            return None;
        };
        state = after;
        placed[next] = true;
        prefix.push(next);
    }
    let (unplaced, reason) = match blocked {
        Some((early, next)) => {
            let reason = match places.bad.iter().find(|&&(read, _)| read == early) {
                Some(&(read, why)) => Reason::Bad(read, why),
                None => Reason::Early { early, blocked: next },
            };
            let mut pair = vec![early, next];
            pair.sort_unstable();
            (pair, reason)
        }
        None => match places.bad.first() {
            None => return Some(Inferred { found: Found::Linearization(prefix), reason: None }),
            Some(&(read, why)) => {
                (places.bad.iter().map(|&(read, _)| read).collect(), Reason::Bad(read, why))
            }
        },
    };
    // As the search reports it: the prefix ends with an operation that returned.
    while prefix.last().is_some_and(|&last| operations[last].is_pending()) {
        prefix.pop();
    }
    let reason = reason.sentence(model, operations, roles, &places.seen);
    Some(Inferred { found: Found::Violation { prefix, unplaced }, reason: Some(reason) })
}
