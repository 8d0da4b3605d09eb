//! A seeded generator of unique-append histories with known verdicts, shaped like the lab's
//! workloads: clients appending distinct tokens (`x CLIENT N y`, as the lab's tests do) to a few
//! keys and now and then reading one, some appends never returning.
//!
//! A linearizable history comes from a real linearization: each operation takes effect at an
//! instant inside its interval, and each read returns what the appends that took effect before
//! it spell. A broken one is that history with one key's reads changed in one of four ways,
//! each of which leaves no linearization:
//! - [`Break::SwapAppends`]: two appends, the first of which returned before the second was
//!   called, trade places in every read that holds both;
//! - [`Break::SkipAppend`]: a read leaves out an append that returned before it was called;
//! - [`Break::SeeFuture`]: a read holds an append that was called after it returned;
//! - [`Break::DuplicateAppend`]: a read holds an append twice.
//!
//! Shared by the tests (`tests/unique_append.rs`) and the benchmark (`benches/lincheck.rs`).

#![allow(dead_code)] // Each user takes the parts it needs.

use lincheck::{History, KvInput, KvOutput, Operation, Outcome, Stamp, Verdict};

/// xorshift64*, so a seed repeats its history.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value, 0 too).
    pub fn new(seed: u64) -> Self {
        // splitmix64 of the seed: nearby seeds give unrelated streams, and the state is never 0.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with `percent` % chance.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// How a history is broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Break {
    /// Not at all: the history is linearizable.
    None,
    /// Two appends that do not overlap, swapped in every read that holds both.
    SwapAppends,
    /// A read skips an append that returned before it was called.
    SkipAppend,
    /// A read holds an append that was called after it returned.
    SeeFuture,
    /// A read holds an append twice.
    DuplicateAppend,
}

impl Break {
    /// Every way, the linearizable one first.
    pub const ALL: [Break; 5] =
        [Break::None, Break::SwapAppends, Break::SkipAppend, Break::SeeFuture, Break::DuplicateAppend];

    /// The verdict a history broken this way has.
    pub fn verdict(self) -> Verdict {
        if self == Break::None {
            Verdict::Linearizable
        } else {
            Verdict::NotLinearizable
        }
    }
}

/// The shape of a workload.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Clients, each making one call at a time.
    pub clients: u64,
    /// Keys, `k0`, `k1`, ...
    pub keys: u64,
    /// Calls per client.
    pub calls: u64,
    /// Chance (percent) that a call is a read.
    pub read_percent: u64,
    /// Chance (percent) that a call never returns (the client goes on).
    pub pending_percent: u64,
    /// A call lasts 1 to this many time units.
    pub longest_call: u64,
    /// After the clients are done, one more client reads every key.
    pub final_reads: bool,
    /// How many keys are broken, if the history is (each at one place).
    pub broken_keys: u64,
}

impl Shape {
    /// Small enough that a plain search finishes: a few clients, one or two keys.
    pub fn small(rng: &mut Rng) -> Shape {
        Shape {
            clients: 1 + rng.below(4),
            keys: 1 + rng.below(2),
            calls: 1 + rng.below(6),
            read_percent: 20 + rng.below(30),
            pending_percent: rng.below(15),
            longest_call: 1 + rng.below(8),
            final_reads: rng.chance(50),
            broken_keys: 1,
        }
    }

    /// `appends` appends (about) by `clients` clients to one key, with a few reads.
    pub fn one_key(clients: u64, appends: u64) -> Shape {
        Shape {
            clients,
            keys: 1,
            calls: appends * 100 / 95 / clients,
            read_percent: 5,
            pending_percent: 1,
            longest_call: 20,
            final_reads: true,
            broken_keys: 1,
        }
    }

    /// The 20 s crash test's history: two clients append to one key, then one read.
    pub fn crash_test() -> Shape {
        Shape {
            clients: 2,
            keys: 1,
            calls: 600,
            read_percent: 0,
            pending_percent: 0,
            longest_call: 20,
            final_reads: true,
            broken_keys: 1,
        }
    }
}

/// A generated history and its verdict.
pub struct Generated {
    /// The history.
    pub history: History<KvInput, KvOutput>,
    /// Its verdict, known by construction.
    pub expected: Verdict,
    /// The keys that were broken.
    pub broken: Vec<String>,
}

/// One planned operation.
struct Planned {
    client: u64,
    key: usize,
    /// `Some(token)` for an append, `None` for a read.
    token: Option<String>,
    call: u64,
    /// `None`: never returns.
    ret: Option<u64>,
    /// When it takes effect, on a doubled time scale (so it can fall between two stamps);
    /// `None`: never (a pending operation that did not).
    effect: Option<u64>,
    /// For a read: the appends it saw, in order.
    seen: Vec<usize>,
}

/// Generates a history of `shape` from `seed`, broken as `how` says. `None` if the history
/// has no place to break that way (too few operations).
pub fn generate(seed: u64, shape: &Shape, how: Break) -> Option<Generated> {
    let mut rng = Rng::new(seed);
    let mut ops = plan(&mut rng, shape);
    take_effect(&mut ops);
    let mut broken = Vec::new();
    if how != Break::None {
        let mut keys: Vec<usize> = (0..shape.keys as usize).collect();
        // Shuffle, then break the first keys that can be.
        for i in (1..keys.len()).rev() {
            keys.swap(i, rng.below(i as u64 + 1) as usize);
        }
        for key in keys {
            if broken.len() as u64 == shape.broken_keys {
                break;
            }
            if break_key(&mut rng, &mut ops, key, how) {
                broken.push(key_name(key));
            }
        }
        if broken.is_empty() {
            return None;
        }
    }
    Some(Generated { history: history(&ops), expected: how.verdict(), broken })
}

fn key_name(key: usize) -> String {
    format!("k{key}")
}

/// The calls of every client, with their times; appends carry distinct tokens.
fn plan(rng: &mut Rng, shape: &Shape) -> Vec<Planned> {
    let mut ops = Vec::new();
    let mut end = 0;
    for client in 0..shape.clients {
        let mut t = rng.below(3);
        for n in 0..shape.calls {
            let key = rng.below(shape.keys) as usize;
            let token = (!rng.chance(shape.read_percent)).then(|| format!("x {client} {n} y"));
            let call = t;
            let duration = 1 + rng.below(shape.longest_call);
            let ret = (!rng.chance(shape.pending_percent)).then_some(call + duration);
            let effect = call * 2 + rng.below(duration * 2 + 1);
            ops.push(Planned { client, key, token, call, ret, effect: Some(effect), seen: Vec::new() });
            // A client that gave up on a call goes on at once, like a clerk that timed out.
            t = call + duration + rng.below(3);
            end = end.max(t);
        }
    }
    if shape.final_reads {
        for key in 0..shape.keys as usize {
            let call = end + 1 + 2 * key as u64;
            ops.push(Planned {
                client: shape.clients,
                key,
                token: None,
                call,
                ret: Some(call + 1),
                effect: Some(call * 2 + 1),
                seen: Vec::new(),
            });
        }
    }
    // Half the pending calls never take effect.
    for op in &mut ops {
        if op.ret.is_none() && rng.chance(50) {
            op.effect = None;
        }
    }
    ops
}

/// Applies the operations in the order they take effect: each read sees the appends before it.
fn take_effect(ops: &mut [Planned]) {
    let mut order: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].effect.is_some()).collect();
    order.sort_by_key(|&i| (ops[i].effect, i));
    let keys = ops.iter().map(|op| op.key + 1).max().unwrap_or(0);
    let mut values: Vec<Vec<usize>> = vec![Vec::new(); keys];
    for i in order {
        if ops[i].token.is_some() {
            values[ops[i].key].push(i);
        } else {
            ops[i].seen = values[ops[i].key].clone();
        }
    }
}

/// Whether `a` returned before `b` was called.
fn precedes(a: &Planned, b: &Planned) -> bool {
    a.ret.is_some_and(|ret| ret < b.call)
}

/// Breaks `key` as `how` says, at a random place. False if there is no place.
fn break_key(rng: &mut Rng, ops: &mut [Planned], key: usize, how: Break) -> bool {
    // The reads of the key that returned, in a random order.
    let mut reads: Vec<usize> = (0..ops.len())
        .filter(|&i| ops[i].key == key && ops[i].token.is_none() && ops[i].ret.is_some())
        .collect();
    for i in (1..reads.len()).rev() {
        reads.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let appends: Vec<usize> =
        (0..ops.len()).filter(|&i| ops[i].key == key && ops[i].token.is_some()).collect();
    for &read in &reads {
        let seen = ops[read].seen.clone();
        match how {
            Break::None => return true,
            Break::SwapAppends => {
                // The first pair in the read's order whose first returned before the second was
                // called: every read holding both gets them swapped.
                let pair = (0..seen.len()).find_map(|i| {
                    (i + 1..seen.len()).find(|&j| precedes(&ops[seen[i]], &ops[seen[j]])).map(|j| (i, j))
                });
                if let Some((i, j)) = pair {
                    for op in
                        ops.iter_mut().filter(|op| op.key == key && op.token.is_none() && op.seen.len() > j)
                    {
                        op.seen.swap(i, j);
                    }
                    return true;
                }
            }
            Break::SkipAppend => {
                let must_see: Vec<usize> =
                    (0..seen.len()).filter(|&i| precedes(&ops[seen[i]], &ops[read])).collect();
                if !must_see.is_empty() {
                    let skipped = must_see[rng.below(must_see.len() as u64) as usize];
                    ops[read].seen.remove(skipped);
                    return true;
                }
            }
            Break::SeeFuture => {
                let future: Vec<usize> =
                    appends.iter().copied().filter(|&a| precedes(&ops[read], &ops[a])).collect();
                if !future.is_empty() {
                    let append = future[rng.below(future.len() as u64) as usize];
                    ops[read].seen.push(append);
                    return true;
                }
            }
            Break::DuplicateAppend => {
                if !seen.is_empty() {
                    let append = seen[rng.below(seen.len() as u64) as usize];
                    ops[read].seen.push(append);
                    return true;
                }
            }
        }
    }
    false
}

/// The history the plan makes.
fn history(ops: &[Planned]) -> History<KvInput, KvOutput> {
    let operations = ops
        .iter()
        .map(|op| {
            let key = key_name(op.key);
            let (input, output) = match &op.token {
                Some(token) => (KvInput::Append { key, value: token.clone() }, KvOutput::Ok),
                None => {
                    let read: String =
                        op.seen.iter().map(|&i| ops[i].token.as_deref().unwrap_or("")).collect();
                    (KvInput::Get { key }, KvOutput::Value(read))
                }
            };
            let outcome = match op.ret {
                Some(at) => Outcome::Returned { output, at: Stamp(at) },
                None => Outcome::Pending,
            };
            Operation { client: op.client, input, call: Stamp(op.call), outcome }
        })
        .collect();
    History::new(operations).unwrap_or_else(|e| panic!("the generator made a malformed history: {e}"))
}
