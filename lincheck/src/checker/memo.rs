//! Lowe's memoization: the set of (operations linearized, model state) configurations the search
//! has already explored, so it never explores one twice.
//!
//! The search asks this table once per step, so it keeps its entries flat, without an
//! allocation per entry: the sets' words side by side in one vector, the states in another, and
//! an open-addressing index keyed by a hash of both, whose slots hold the entry number and the
//! hash's high half (a probe reads an entry only when that half matches). The hash's top bits
//! are also the entry's first slot, so growing the index reads nothing but the old slots, in
//! order, and keeps no other vector beside the entries.
//!
//! The set's part of the hash is kept up to date as the search adds and removes operations
//! (the exclusive or of a key per operation), so a lookup hashes one word for the set, whatever
//! the history's length.
//!
//! A set of a few words is kept whole. A wider one is kept as its window: the words between its
//! leading full words and its trailing empty ones. The search linearizes operations roughly in
//! the order they were called, so the window stays about as wide as the calls that overlap, and
//! an entry's size does not grow with the history: a whole set of 20,000 calls to one key would
//! cost 2.5 KB per configuration, and a search along it half a gigabyte.

use std::hash::{Hash, Hasher};

/// Sets of at most this many words (1,024 operations) are kept whole: for them, finding the
/// window would cost more than it saves.
const WHOLE_WORDS: usize = 16;

/// Entries a new table has room for before it grows (its index has twice as many slots).
const FIRST_ENTRIES: usize = 512;

/// A fixed-size set of operation indices, with its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Bitset {
    words: Box<[u64]>,
    /// Per operation, its key as a member: a bijective mix of its index, so keys of different
    /// operations differ in about half their bits.
    keys: Box<[u64]>,
    /// The exclusive or of the members' keys: equal sets hash alike.
    hash: u64,
}

impl Bitset {
    /// An empty set able to hold indices below `len`.
    pub(super) fn new(len: usize) -> Self {
        let words = vec![0; len.div_ceil(64).max(1)].into_boxed_slice();
        let keys = (0..len as u64).map(|index| mix(index ^ SEED)).collect();
        Bitset { words, keys, hash: 0 }
    }

    pub(super) fn set(&mut self, index: usize) {
        let (word, bit) = (&mut self.words[index / 64], 1 << (index % 64));
        if *word & bit == 0 {
            *word |= bit;
            self.hash ^= self.keys[index];
        }
    }

    pub(super) fn contains(&self, index: usize) -> bool {
        self.words[index / 64] & (1 << (index % 64)) != 0
    }

    pub(super) fn clear(&mut self, index: usize) {
        let (word, bit) = (&mut self.words[index / 64], 1 << (index % 64));
        if *word & bit != 0 {
            *word &= !bit;
            self.hash ^= self.keys[index];
        }
    }

    /// The set's window: the number of leading words that are full, and the words after them
    /// up to the last one that is not empty.
    fn window(&self) -> (u32, &[u64]) {
        let full = self.words.iter().position(|&w| w != u64::MAX).unwrap_or(self.words.len());
        let top = self.words.iter().rposition(|&w| w != 0).map_or(0, |last| last + 1).max(full);
        (u32::try_from(full).expect("fewer than 2^32 words in a set"), &self.words[full..top])
    }
}

/// The configurations seen so far.
///
/// A set is kept whole (`width` words each: entry `i`'s is `words[i * width..(i + 1) * width]`)
/// or, when `windows`, as its window: entry `i`'s is `words[ends[i - 1]..ends[i]]` (from 0 for
/// the first entry), after `full[i]` full words.
pub(super) struct Memo<S> {
    words: Vec<u64>,
    width: usize,
    windows: bool,
    ends: Vec<u32>,
    full: Vec<u32>,
    states: Vec<S>,
    /// Open addressing with linear probing: 0 is a free slot, else the hash's high 32 bits
    /// above `i + 1` for entry `i`. The length is a power of two, at least twice the number of
    /// entries and at most 2^32; an entry's first slot is the top bits of its hash (see
    /// [`first_slot`]).
    slots: Vec<u64>,
    /// The heap memory the states hold besides themselves, as the model estimates it.
    heap: usize,
}

impl<S: Eq + Hash> Memo<S> {
    /// An empty table for sets of indices below `set_len`.
    pub(super) fn new(set_len: usize) -> Self {
        let width = set_len.div_ceil(64).max(1);
        let windows = width > WHOLE_WORDS;
        // Room for the entries of a small search from the start, so that it grows nothing.
        let in_windows = if windows { FIRST_ENTRIES } else { 0 };
        Memo {
            words: Vec::with_capacity(if windows { 0 } else { FIRST_ENTRIES * width }),
            width,
            windows,
            ends: Vec::with_capacity(in_windows),
            full: Vec::with_capacity(in_windows),
            states: Vec::with_capacity(FIRST_ENTRIES),
            slots: vec![0; FIRST_ENTRIES * 2],
            heap: 0,
        }
    }

    /// About how many bytes the table holds: its vectors as allocated, and the heap memory the
    /// model said its states hold.
    pub(super) fn bytes(&self) -> usize {
        self.words.capacity() * std::mem::size_of::<u64>()
            + (self.ends.capacity() + self.full.capacity()) * std::mem::size_of::<u32>()
            + self.states.capacity() * std::mem::size_of::<S>()
            + self.slots.len() * std::mem::size_of::<u64>()
            + self.heap
    }

    /// The number of configurations recorded.
    pub(super) fn len(&self) -> usize {
        self.states.len()
    }

    /// The state of entry `id`.
    pub(super) fn state(&self, id: u32) -> &S {
        &self.states[id as usize]
    }

    /// Counts `bytes` of heap memory that the states hold (see [`Memo::bytes`]).
    pub(super) fn add_heap(&mut self, bytes: usize) {
        self.heap += bytes;
    }

    /// Records (`set`, `state`) and returns its entry id, or `None` if it was already recorded.
    #[inline]
    pub(super) fn insert(&mut self, set: &Bitset, state: S) -> Option<u32> {
        // One branch here, none per probe: each layout has its own copy of the insertion.
        match self.windows {
            false => self.insert_as::<false>(set, state),
            true => self.insert_as::<true>(set, state),
        }
    }

    /// `set` as the table keeps it: its leading full words (none when kept whole) and words.
    #[inline(always)]
    fn key<const WINDOWS: bool>(set: &Bitset) -> (u32, &[u64]) {
        match WINDOWS {
            false => (0, &set.words),
            true => set.window(),
        }
    }

    /// Entry `entry`'s set, as [`Memo::key`] gives it.
    #[inline(always)]
    fn entry<const WINDOWS: bool>(&self, entry: usize) -> (u32, &[u64]) {
        match WINDOWS {
            false => (0, &self.words[entry * self.width..(entry + 1) * self.width]),
            true => {
                let start = if entry == 0 { 0 } else { self.ends[entry - 1] as usize };
                (self.full[entry], &self.words[start..self.ends[entry] as usize])
            }
        }
    }

    #[inline(always)]
    fn insert_as<const WINDOWS: bool>(&mut self, set: &Bitset, state: S) -> Option<u32> {
        let (full, words) = Self::key::<WINDOWS>(set);
        let hash = hash_of(set.hash, &state);
        let tag = hash & !u64::from(u32::MAX);
        let mask = self.slots.len() - 1;
        let mut slot = first_slot(hash, self.slots.len());
        while self.slots[slot] != 0 {
            let found = self.slots[slot];
            let entry = (found as u32 - 1) as usize;
            if found & !u64::from(u32::MAX) == tag
                && same_set(self.entry::<WINDOWS>(entry), (full, words))
                && self.states[entry] == state
            {
                return None;
            }
            slot = (slot + 1) & mask;
        }
        let id = u32::try_from(self.states.len())
            .ok()
            .filter(|&id| id < u32::MAX)
            .expect("fewer than 2^32 configurations");
        self.slots[slot] = tag | u64::from(id + 1);
        self.words.extend_from_slice(words);
        if WINDOWS {
            self.ends.push(u32::try_from(self.words.len()).expect("fewer than 2^32 words in the table"));
            self.full.push(full);
        }
        self.states.push(state);
        if self.states.len() * 2 > self.slots.len() {
            self.grow();
        }
        Some(id)
    }

    /// Doubles the index, placing each entry by the high half of its hash that its old slot
    /// keeps. The old slots are read in order, and as an entry's first slot is the top bits of
    /// its hash, the new ones are written nearly in order too.
    fn grow(&mut self) {
        let len = self.slots.len() * 2;
        assert!(len.trailing_zeros() <= 32, "fewer than 2^31 configurations");
        let mut slots = vec![0u64; len];
        let mask = len - 1;
        for &found in self.slots.iter().filter(|&&found| found != 0) {
            let mut slot = first_slot(found, len);
            while slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            slots[slot] = found;
        }
        self.slots = slots;
    }
}

/// The first slot to probe for `hash` in an index of `len` slots (a power of two, at most
/// 2^32): the hash's top bits. They lie in its high half, so a slot's content, which keeps that
/// half, gives them too.
#[inline(always)]
fn first_slot(hash: u64, len: usize) -> usize {
    debug_assert!(len.is_power_of_two() && len.trailing_zeros() <= 32);
    (hash >> (64 - len.trailing_zeros())) as usize
}

/// Whether two sets, as [`Memo::key`] gives them, are equal: compared word by word inline, as
/// they are a few words long and a call to compare memory would cost more.
#[inline(always)]
fn same_set((full_a, a): (u32, &[u64]), (full_b, b): (u32, &[u64])) -> bool {
    full_a == full_b && a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The hash of a configuration: its set's hash and its state.
fn hash_of<S: Hash>(set_hash: u64, state: &S) -> u64 {
    let mut hasher = FxHasher { hash: set_hash };
    state.hash(&mut hasher);
    hasher.finish()
}

/// The multiply-rotate hash of rustc (FxHash), with a final mix so every bit of the result
/// depends on every input bit: the table then uses the low bits as they are.
#[derive(Default)]
pub(super) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("chunks_exact gives 8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        mix(self.hash)
    }
}

/// The finalizer of MurmurHash3: a bijection in which every output bit depends on every input
/// bit.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both layouts: sets of 130 operations are kept whole, sets of 2,000 as windows.
    const LENGTHS: [usize; 2] = [130, 2000];

    #[test]
    fn a_configuration_is_new_only_once() {
        for len in LENGTHS {
            let mut memo = Memo::new(len);
            let mut set = Bitset::new(len);
            set.set(0);
            set.set(129);
            assert_eq!(memo.insert(&set, "a".to_string()), Some(0));
            assert_eq!(memo.insert(&set, "a".to_string()), None);
            assert_eq!(memo.insert(&set, "b".to_string()), Some(1));
            set.clear(129);
            assert!(!set.contains(129) && set.contains(0));
            assert_eq!(memo.insert(&set, "a".to_string()), Some(2));
            assert_eq!(memo.state(1), "b");
            assert_eq!(memo.len(), 3);
        }
    }

    #[test]
    fn the_table_grows_and_keeps_every_entry() {
        for len in LENGTHS {
            let mut memo = Memo::new(len);
            let mut set = Bitset::new(len);
            for state in 0..5000u32 {
                set.set((state % 20) as usize * (len / 20));
                assert_eq!(memo.insert(&set, state), Some(state), "configuration {state} is new");
            }
            let mut set = Bitset::new(len);
            for state in 0..5000u32 {
                set.set((state % 20) as usize * (len / 20));
                assert_eq!(memo.insert(&set, state), None, "configuration {state} was recorded");
                assert_eq!(*memo.state(state), state);
            }
            assert_eq!(memo.len(), 5000);
        }
    }

    #[test]
    fn equal_sets_hash_alike_however_they_were_made() {
        let mut a = Bitset::new(300);
        let mut b = Bitset::new(300);
        for i in [3, 70, 299, 128] {
            a.set(i);
        }
        for i in [299, 5, 128, 3, 70] {
            b.set(i);
        }
        b.set(70);
        b.clear(5);
        b.clear(5);
        assert_eq!(a, b);
        assert_eq!(a.hash, b.hash);
        a.clear(299);
        assert_ne!(a.hash, b.hash, "sets that differ in one member hash apart");
        a.clear(3);
        a.clear(70);
        a.clear(128);
        assert_eq!(a.hash, Bitset::new(300).hash, "the empty set hashes as new");
    }

    #[test]
    fn a_window_skips_full_and_empty_words_only() {
        let mut set = Bitset::new(1024);
        assert_eq!(set.window(), (0, &[][..]), "the empty set");
        for i in 0..130 {
            set.set(i);
        }
        set.set(300);
        // Words 0 and 1 are full; word 2 holds 128 and 129; words 3 and 4 are empty except 300.
        assert_eq!(set.window(), (2, &[0b11, 0, 1 << (300 - 256)][..]));
        set.clear(300);
        assert_eq!(set.window(), (2, &[0b11][..]));
        for i in 130..1024 {
            set.set(i);
        }
        assert_eq!(set.window(), (16, &[][..]), "the full set");
    }

    #[test]
    fn sets_that_differ_have_different_windows() {
        let mut a = Bitset::new(2000);
        let mut b = Bitset::new(2000);
        for i in 0..64 {
            a.set(i);
        }
        a.set(70);
        b.set(70);
        // `b` lacks the first word: its window starts earlier, so the two never match.
        assert_ne!(a.window(), b.window());
        let mut memo = Memo::new(2000);
        assert_eq!(memo.insert(&a, 0u8), Some(0));
        assert_eq!(memo.insert(&b, 0u8), Some(1));
        assert_eq!(memo.insert(&a, 0u8), None);
        assert_eq!(memo.insert(&b, 0u8), None);
    }

    #[test]
    fn an_entry_costs_its_window_not_the_whole_history() {
        let calls = 20_000;
        let mut set = Bitset::new(calls);
        let mut memo = Memo::new(calls);
        // A search that linearized the calls in order, one configuration after each.
        for i in 0..calls {
            set.set(i);
            memo.insert(&set, i as u32);
        }
        // Its window, its bookkeeping and its share of the index (vectors grown by doubling):
        // tens of bytes, where the whole set would be 2,500.
        let per_entry = memo.bytes() / calls;
        assert!(per_entry < 96, "{per_entry} bytes per configuration");
    }

    #[test]
    fn the_table_counts_its_bytes_and_the_states_heap() {
        for len in LENGTHS {
            let mut memo = Memo::new(len);
            let mut set = Bitset::new(len);
            set.set(3);
            // Past the room a new table has: each entry's set (a word at least), its state
            // and its slots are counted.
            let entries = 4 * FIRST_ENTRIES as u64;
            for state in 0..entries {
                memo.insert(&set, state);
            }
            assert!(memo.bytes() >= entries as usize * (8 + 8 + 16), "entries are counted: {}", memo.bytes());
            let before = memo.bytes();
            memo.add_heap(100);
            assert_eq!(memo.bytes(), before + 100, "the states' heap is counted");
        }
    }
}
