//! A cheap hasher for the maps a call consults on its way: a node by name, a handler by method
//! name. std's default (SipHash with a random key) resists flooding by chosen keys, which these
//! maps need not (their keys are the lab's own names), and costs far more per lookup than the
//! rest of the lookup does.
//!
//! The hash is a multiply-and-rotate over 8-byte words (the scheme of rustc's FxHasher). It has
//! no random key, so a map's iteration order no longer changes from run to run; no code relies
//! on that order either way.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FastHasher`].
pub(crate) type FastHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// See the module documentation.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, mut bytes: &[u8]) {
        while let Some((word, rest)) = bytes.split_first_chunk::<8>() {
            self.add(u64::from_le_bytes(*word));
            bytes = rest;
        }
        if let Some((word, rest)) = bytes.split_first_chunk::<4>() {
            self.add(u64::from(u32::from_le_bytes(*word)));
            bytes = rest;
        }
        for &byte in bytes {
            self.add(u64::from(byte));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_it_holds() {
        let mut map = FastHashMap::default();
        let names: Vec<String> = (0..200).map(|i| format!("caller-{i}")).collect();
        for (i, name) in names.iter().enumerate() {
            map.insert(name.as_str(), i);
        }
        for (i, name) in names.iter().enumerate() {
            assert_eq!(map.get(name.as_str()), Some(&i));
        }
        assert_eq!(map.get("server"), None);
        assert_eq!(map.get(""), None);
    }

    #[test]
    fn tells_apart_names_that_share_words() {
        let hash = |s: &str| {
            let mut hasher = FastHasher::default();
            std::hash::Hash::hash(s, &mut hasher);
            hasher.finish()
        };
        assert_ne!(hash("abcdefgh1"), hash("abcdefgh2"));
        assert_ne!(hash("abcd"), hash("abcd\0"));
        assert_ne!(hash("s1"), hash("s2"));
    }
}
