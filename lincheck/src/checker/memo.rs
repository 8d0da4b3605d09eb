//! Lowe's memoization: the set of (operations linearized, model state) configurations the search
//! has already explored, so it never explores one twice.
//!
//! The search asks this table once per step, so it keeps its entries flat, without an
//! allocation per entry: the sets' words side by side in one vector, the states in another, and
//! an open-addressing index keyed by a hash of both, whose slots hold the entry number and the
//! hash's high half (a probe reads an entry only when that half matches).

use std::hash::{Hash, Hasher};

/// A fixed-size set of operation indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Bitset {
    words: Box<[u64]>,
}

impl Bitset {
    /// An empty set able to hold indices below `len`.
    pub(super) fn new(len: usize) -> Self {
        Bitset { words: vec![0; len.div_ceil(64).max(1)].into_boxed_slice() }
    }

    pub(super) fn set(&mut self, index: usize) {
        self.words[index / 64] |= 1 << (index % 64);
    }

    pub(super) fn contains(&self, index: usize) -> bool {
        self.words[index / 64] & (1 << (index % 64)) != 0
    }

    pub(super) fn clear(&mut self, index: usize) {
        self.words[index / 64] &= !(1 << (index % 64));
    }
}

/// The configurations seen so far.
pub(super) struct Memo<S> {
    /// Entry `i`'s set is `words[i * width..(i + 1) * width]`.
    words: Vec<u64>,
    width: usize,
    states: Vec<S>,
    /// Open addressing with linear probing: 0 is a free slot, else the hash's high 32 bits
    /// above `i + 1` for entry `i`. The length is a power of two, at least twice the number of
    /// entries.
    slots: Vec<u64>,
    /// The heap memory the states hold besides themselves, as the model estimates it.
    heap: usize,
}

impl<S: Eq + Hash> Memo<S> {
    pub(super) fn new(set_len: usize) -> Self {
        Memo {
            words: Vec::new(),
            width: set_len.div_ceil(64).max(1),
            states: Vec::new(),
            slots: vec![0; 1024],
            heap: 0,
        }
    }

    /// About how many bytes the table holds: its vectors as allocated, and the heap memory the
    /// model said its states hold.
    pub(super) fn bytes(&self) -> usize {
        self.words.capacity() * std::mem::size_of::<u64>()
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
    pub(super) fn insert(&mut self, set: &Bitset, state: S) -> Option<u32> {
        let hash = hash_of(&set.words, &state);
        let tag = hash & !u64::from(u32::MAX);
        let mask = self.slots.len() - 1;
        let mut slot = (hash as usize) & mask;
        while self.slots[slot] != 0 {
            let found = self.slots[slot];
            let entry = (found as u32 - 1) as usize;
            if found & !u64::from(u32::MAX) == tag
                && self.words[entry * self.width..(entry + 1) * self.width] == *set.words
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
        self.words.extend_from_slice(&set.words);
        self.states.push(state);
        if self.states.len() * 2 > self.slots.len() {
            self.grow();
        }
        Some(id)
    }

    /// Doubles the index. A slot does not keep the hash's low bits, so the entries' positions
    /// are recomputed from their sets and states.
    fn grow(&mut self) {
        let mut slots = vec![0u64; self.slots.len() * 2];
        let mask = slots.len() - 1;
        for (entry, state) in self.states.iter().enumerate() {
            let hash = hash_of(&self.words[entry * self.width..(entry + 1) * self.width], state);
            let mut slot = (hash as usize) & mask;
            while slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            slots[slot] = (hash & !u64::from(u32::MAX)) | (entry as u64 + 1);
        }
        self.slots = slots;
    }
}

/// The hash of a configuration.
fn hash_of<S: Hash>(words: &[u64], state: &S) -> u64 {
    let mut hasher = FxHasher::default();
    for &word in words {
        hasher.add(word);
    }
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
        // The finalizer of MurmurHash3.
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_is_new_only_once() {
        let mut memo = Memo::new(130);
        let mut set = Bitset::new(130);
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

    #[test]
    fn the_table_grows_and_keeps_every_entry() {
        let mut memo = Memo::new(20);
        let mut set = Bitset::new(20);
        for state in 0..5000u32 {
            set.set((state % 20) as usize);
            assert_eq!(memo.insert(&set, state), Some(state), "configuration {state} is new");
        }
        let mut set = Bitset::new(20);
        for state in 0..5000u32 {
            set.set((state % 20) as usize);
            assert_eq!(memo.insert(&set, state), None, "configuration {state} was recorded");
            assert_eq!(*memo.state(state), state);
        }
        assert_eq!(memo.len(), 5000);
    }

    #[test]
    fn the_table_counts_its_bytes_and_the_states_heap() {
        let mut memo = Memo::new(20);
        let empty = memo.bytes();
        let mut set = Bitset::new(20);
        set.set(3);
        memo.insert(&set, 7u64);
        assert!(memo.bytes() >= empty + 16, "an entry's set and state are counted");
        let after_one = memo.bytes();
        memo.add_heap(100);
        assert_eq!(memo.bytes(), after_one + 100, "the states' heap is counted");
    }
}
