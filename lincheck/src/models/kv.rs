//! The lab's key/value service: `Get`, `Put` and `Append` on string keys and values, where a
//! missing key reads as `""` and `Append` to a missing key appends to `""`.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::history::Operation;
use crate::model::{AppendStep, Model, Partition};

/// A key/value operation's input.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum KvInput {
    /// Read `key`.
    Get {
        /// The key.
        key: String,
    },
    /// Set `key` to `value`.
    Put {
        /// The key.
        key: String,
        /// The new value.
        value: String,
    },
    /// Append `value` to `key`'s value.
    Append {
        /// The key.
        key: String,
        /// The suffix.
        value: String,
    },
}

impl KvInput {
    /// The key the operation is about.
    pub fn key(&self) -> &str {
        match self {
            KvInput::Get { key } | KvInput::Put { key, .. } | KvInput::Append { key, .. } => key,
        }
    }
}

/// A key/value operation's output.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KvOutput {
    /// What a `Get` read.
    Value(String),
    /// A `Put` or `Append` completed.
    Ok,
}

/// The key/value model. Operations on different keys are independent, so
/// [`Model::partition`] puts each key in its own partition.
#[derive(Clone, Copy, Debug, Default)]
pub struct KvModel;

impl KvModel {
    /// The model's name in the recorder's file format and on the `lincheck` command line.
    pub const NAME: &'static str = "kv";
}

/// The state of the key/value store: each key that was written, with its value.
///
/// The checker clones, hashes and compares a state at every step, so a state is a shared
/// immutable table (cloning copies a pointer) that carries its own hash (the sum of its
/// entries' hashes, kept up to date as keys change), and each value carries a polynomial hash
/// that an append extends by hashing only the suffix.
#[derive(Clone, Default)]
pub struct KvState {
    hash: u64,
    /// Sorted by key.
    entries: Rc<[Entry]>,
}

#[derive(Clone, PartialEq)]
struct Entry {
    key: Rc<str>,
    key_hash: u64,
    /// The polynomial hash of `value`.
    value_hash: u64,
    value: Rc<str>,
}

/// About what one heap allocation behind an `Rc` costs besides its contents: the two counts and
/// the allocator's own bookkeeping and rounding.
const ALLOCATION_OVERHEAD: usize = 32;

/// The multiplier of the polynomial string hash (odd, so no information is lost).
const POLY: u64 = 0x9e37_79b9_7f4a_7c15;

/// Extends the polynomial hash of a string by the bytes of `suffix`.
fn poly_extend(hash: u64, suffix: &str) -> u64 {
    suffix.bytes().fold(hash, |h, byte| h.wrapping_mul(POLY).wrapping_add(u64::from(byte) + 1))
}

impl Entry {
    /// The entry's share of the state's hash: its key and value, mixed.
    fn hash(&self) -> u64 {
        let mut h = self.value_hash ^ self.key_hash.rotate_left(29);
        h ^= h >> 32;
        h = h.wrapping_mul(0xd6e8_feb8_6659_fd93);
        h ^ (h >> 32)
    }
}

impl KvState {
    /// The value of `key` (`""` if it was never written).
    pub fn get(&self, key: &str) -> &str {
        match self.find(key) {
            Ok(position) => &self.entries[position].value,
            Err(_) => "",
        }
    }

    /// The keys that were written and their values, by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|entry| (&*entry.key, &*entry.value))
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|entry| (*entry.key).cmp(key))
    }

    /// The state with `key` set to `value` (or, with `append`, to its old value and `value`).
    fn with(&self, key: &str, value: &str, append: bool) -> KvState {
        let (position, was) = match self.find(key) {
            Ok(position) => (position, Some(&self.entries[position])),
            Err(position) => (position, None),
        };
        let entry = match was {
            Some(was) => {
                let (value_hash, value) = if append {
                    (poly_extend(was.value_hash, value), Rc::from([&*was.value, value].concat()))
                } else {
                    (poly_extend(0, value), Rc::from(value))
                };
                Entry { key: Rc::clone(&was.key), key_hash: was.key_hash, value_hash, value }
            }
            None => Entry {
                key: Rc::from(key),
                key_hash: poly_extend(0, key),
                value_hash: poly_extend(0, value),
                value: Rc::from(value),
            },
        };
        let hash = self.hash.wrapping_sub(was.map_or(0, Entry::hash)).wrapping_add(entry.hash());
        // Collected from an iterator of known length, the table is allocated once, in place
        // (through a vector it would be allocated twice and copied).
        let rest = position + usize::from(was.is_some());
        let entries: Rc<[Entry]> = self.entries[..position]
            .iter()
            .cloned()
            .chain(std::iter::once(entry))
            .chain(self.entries[rest..].iter().cloned())
            .collect();
        KvState { hash, entries }
    }
}

impl PartialEq for KvState {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash
            && (Rc::ptr_eq(&self.entries, &other.entries)
                || self.entries.len() == other.entries.len()
                    && self.entries.iter().zip(other.entries.iter()).all(|(a, b)| {
                        a.value_hash == b.value_hash
                            && (Rc::ptr_eq(&a.value, &b.value) || a.value == b.value)
                            && (Rc::ptr_eq(&a.key, &b.key) || a.key == b.key)
                    }))
    }
}

impl Eq for KvState {}

impl Hash for KvState {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl fmt::Debug for KvState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Model for KvModel {
    type Input = KvInput;
    type Output = KvOutput;
    type State = KvState;

    fn init(&self) -> KvState {
        KvState::default()
    }

    fn step(&self, state: &KvState, input: &KvInput, output: Option<&KvOutput>) -> Option<KvState> {
        match (input, output) {
            (KvInput::Get { key }, Some(KvOutput::Value(read))) => {
                (state.get(key) == read).then(|| state.clone())
            }
            (KvInput::Get { .. }, None) => Some(state.clone()),
            (KvInput::Put { key, value }, None | Some(KvOutput::Ok)) => Some(state.with(key, value, false)),
            (KvInput::Append { key, value }, None | Some(KvOutput::Ok)) => Some(state.with(key, value, true)),
            // A Get that returned no value, or a Put or Append that returned one.
            _ => None,
        }
    }

    fn partition(&self, operations: &[Operation<KvInput, KvOutput>]) -> Vec<Partition> {
        let mut by_key: HashMap<&str, usize> = HashMap::new();
        let mut partitions: Vec<Partition> = Vec::new();
        for (index, op) in operations.iter().enumerate() {
            let key = op.input.key();
            let slot = *by_key.entry(key).or_insert_with(|| {
                partitions.push(Partition { label: format!("key {key:?}"), operations: Vec::new() });
                partitions.len() - 1
            });
            partitions[slot].operations.push(index);
        }
        partitions
    }

    fn describe_operation(&self, input: &KvInput, output: Option<&KvOutput>) -> String {
        match (input, output) {
            (KvInput::Get { key }, Some(KvOutput::Value(read))) => format!("get({key:?}) -> {read:?}"),
            (KvInput::Get { key }, Some(KvOutput::Ok)) => format!("get({key:?}) -> ok (no value!)"),
            (KvInput::Get { key }, None) => format!("get({key:?}) -> ?"),
            (KvInput::Put { key, value }, _) => format!("put({key:?}, {value:?})"),
            (KvInput::Append { key, value }, _) => format!("append({key:?}, {value:?})"),
        }
    }

    fn append_step<'a>(&self, input: &'a KvInput, output: Option<&'a KvOutput>) -> Option<AppendStep<'a>> {
        // As `step` has it: an append that returned `Ok` or never returned appends its value, a
        // get that returned a value reads it, a get that never returned constrains nothing.
        // Puts replace the value, and outputs of the wrong kind are violations: neither fits.
        match (input, output) {
            (KvInput::Append { value, .. }, None | Some(KvOutput::Ok)) => Some(AppendStep::Append(value)),
            (KvInput::Get { .. }, Some(KvOutput::Value(read))) => Some(AppendStep::Read(read)),
            (KvInput::Get { .. }, None) => Some(AppendStep::Nothing),
            _ => None,
        }
    }

    fn added_bytes(&self, before: &KvState, after: &KvState) -> usize {
        if Rc::ptr_eq(&before.entries, &after.entries) {
            return 0;
        }
        // A step that writes builds a new table and a new value for the key it writes (and the
        // key itself, if it was missing); every other entry shares its key and value with
        // `before`, at the same place up to the written one. So the first entry whose value is
        // not `before`'s there is the one written, found comparing pointers only.
        let table = ALLOCATION_OVERHEAD + std::mem::size_of_val(&*after.entries);
        let written = after
            .entries
            .iter()
            .zip(before.entries.iter())
            .position(|(now, was)| !Rc::ptr_eq(&now.value, &was.value))
            .unwrap_or(before.entries.len());
        let Some(entry) = after.entries.get(written) else { return table };
        let new_key = match after.entries.len() > before.entries.len() {
            true => ALLOCATION_OVERHEAD + entry.key.len(),
            false => 0,
        };
        table + ALLOCATION_OVERHEAD + entry.value.len() + new_key
    }

    fn describe_state(&self, state: &KvState) -> String {
        let pairs: Vec<String> = state.iter().map(|(key, value)| format!("{key:?}: {value:?}")).collect();
        format!("{{{}}}", pairs.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::hash_map::DefaultHasher;

    use super::*;

    fn hash_of(state: &KvState) -> u64 {
        let mut hasher = DefaultHasher::new();
        state.hash(&mut hasher);
        hasher.finish()
    }

    fn apply(inputs: &[KvInput]) -> KvState {
        inputs.iter().fold(KvModel.init(), |state, input| {
            KvModel.step(&state, input, None).expect("writes always apply")
        })
    }

    fn put(key: &str, value: &str) -> KvInput {
        KvInput::Put { key: key.into(), value: value.into() }
    }

    fn append(key: &str, value: &str) -> KvInput {
        KvInput::Append { key: key.into(), value: value.into() }
    }

    /// States reached by different paths are equal, with equal hashes, exactly when their
    /// contents are.
    #[test]
    fn equal_contents_are_equal_states() {
        let a = apply(&[put("x", "ab"), append("y", "1"), append("x", "c")]);
        let b = apply(&[append("y", "1"), append("x", "a"), append("x", "bc")]);
        assert_eq!(a, b);
        assert_eq!(hash_of(&a), hash_of(&b));
        assert_eq!(a.get("x"), "abc");
        assert_eq!(a.get("missing"), "");
        let c = apply(&[put("x", "abc"), put("y", "2")]);
        assert_ne!(a, c);
        let swapped = apply(&[put("x", "1"), put("y", "abc")]);
        assert_ne!(apply(&[put("x", "abc"), put("y", "1")]), swapped, "values stay with their keys");
        assert_eq!(KvModel.describe_state(&a), r#"{"x": "abc", "y": "1"}"#);
    }

    /// A step's own memory: the new table and the value it wrote, not what it shares.
    #[test]
    fn a_step_counts_the_memory_it_adds() {
        let before = apply(&[put("x", "ab"), put("y", "1")]);
        let read = KvModel.step(&before, &KvInput::Get { key: "x".into() }, None).expect("a read applies");
        assert_eq!(KvModel.added_bytes(&before, &read), 0, "a read shares the whole state");
        let table = ALLOCATION_OVERHEAD + 2 * std::mem::size_of::<Entry>();
        let appended = KvModel.step(&before, &append("x", "cd"), None).expect("an append applies");
        assert_eq!(KvModel.added_bytes(&before, &appended), table + ALLOCATION_OVERHEAD + "abcd".len());
        let added = KvModel.step(&before, &put("w", "z"), None).expect("a put applies");
        let table = ALLOCATION_OVERHEAD + 3 * std::mem::size_of::<Entry>();
        assert_eq!(
            KvModel.added_bytes(&before, &added),
            table + 2 * ALLOCATION_OVERHEAD + "w".len() + "z".len()
        );
    }
}
