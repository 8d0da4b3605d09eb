//! Reading a value as appended values one after another: which appends, in which order, a read
//! of an append-only string saw.
//!
//! Distinct values are not enough to make the answer unique ("a", "b" and "ab" read "ab" two
//! ways), so the decoder counts the ways, up to two: a dynamic program over the read's
//! positions, from its end, that tries each length an appended value has.

use std::collections::HashMap;

/// What a read's value is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Decoded {
    /// Exactly one sequence of appended values spells it: their appends, in order (an append
    /// may occur twice, which no history allows).
    Unique(Vec<u32>),
    /// Several sequences spell it.
    Ambiguous,
    /// No sequence spells it.
    Impossible,
}

/// The appended values of a partition, each with its append.
pub(super) struct Dictionary<'a> {
    by_value: HashMap<&'a [u8], u32>,
    /// The distinct lengths of the values, ascending.
    lengths: Vec<usize>,
}

impl<'a> Dictionary<'a> {
    /// The dictionary of `values` (append, value), or `None` if a value is empty or occurs
    /// twice: then reads do not say which append they saw.
    pub(super) fn new(values: impl IntoIterator<Item = (u32, &'a str)>) -> Option<Self> {
        let mut by_value = HashMap::new();
        for (append, value) in values {
            if value.is_empty() || by_value.insert(value.as_bytes(), append).is_some() {
                return None;
            }
        }
        let mut lengths: Vec<usize> = by_value.keys().map(|value| value.len()).collect();
        lengths.sort_unstable();
        lengths.dedup();
        Some(Dictionary { by_value, lengths })
    }

    /// The appends whose values spell `read`, if exactly one sequence does.
    pub(super) fn decode(&self, read: &str) -> Decoded {
        let read = read.as_bytes();
        let end = read.len();
        // ways[p]: in how many ways (0, 1, or 2 for "several") read[p..] is spelled.
        let mut ways = vec![0u8; end + 1];
        ways[end] = 1;
        for p in (0..end).rev() {
            let mut found = 0u8;
            for &len in &self.lengths {
                if p + len > end {
                    break;
                }
                if ways[p + len] > 0 && self.by_value.contains_key(&read[p..p + len]) {
                    found = (found + ways[p + len]).min(2);
                    if found == 2 {
                        break;
                    }
                }
            }
            ways[p] = found;
        }
        match ways[0] {
            0 => Decoded::Impossible,
            1 => {
                // On the one path every position has exactly one way on.
                let mut appends = Vec::new();
                let mut p = 0;
                while p < end {
                    let (len, append) = self
                        .lengths
                        .iter()
                        .filter(|&&len| p + len <= end && ways[p + len] > 0)
                        .find_map(|&len| self.by_value.get(&read[p..p + len]).map(|&append| (len, append)))
                        .expect("a position on the only path has a way on");
                    appends.push(append);
                    p += len;
                }
                Decoded::Unique(appends)
            }
            _ => Decoded::Ambiguous,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dictionary(values: &[&'static str]) -> Option<Dictionary<'static>> {
        Dictionary::new(values.iter().enumerate().map(|(i, &v)| (i as u32, v)))
    }

    #[test]
    fn reads_of_self_delimiting_values_decode_one_way() {
        let d = dictionary(&["x 0 0 y", "x 1 0 y", "x 0 10 y"]).expect("distinct values");
        assert_eq!(d.decode(""), Decoded::Unique(vec![]));
        assert_eq!(d.decode("x 1 0 yx 0 10 yx 0 0 y"), Decoded::Unique(vec![1, 2, 0]));
        assert_eq!(
            d.decode("x 1 0 yx 1 0 y"),
            Decoded::Unique(vec![1, 1]),
            "a repeat is reported, not hidden"
        );
        assert_eq!(d.decode("x 1 0 yx 0"), Decoded::Impossible);
        assert_eq!(d.decode("nobody wrote this"), Decoded::Impossible);
    }

    #[test]
    fn values_that_spell_each_other_are_ambiguous() {
        let d = dictionary(&["a", "b", "ab", "c"]).expect("distinct values");
        assert_eq!(d.decode("ab"), Decoded::Ambiguous);
        assert_eq!(d.decode("ba"), Decoded::Unique(vec![1, 0]));
        assert_eq!(d.decode("cab"), Decoded::Ambiguous);
        assert_eq!(d.decode("abx"), Decoded::Impossible, "no way at all beats several ways to a prefix");
    }

    #[test]
    fn empty_or_repeated_values_give_no_dictionary() {
        assert!(dictionary(&["a", "", "b"]).is_none());
        assert!(dictionary(&["a", "b", "a"]).is_none());
    }

    #[test]
    fn values_are_bytes_not_characters() {
        let d = dictionary(&["é", "\u{301}"]).expect("distinct values");
        assert_eq!(d.decode("é\u{301}é"), Decoded::Unique(vec![0, 1, 0]));
        assert_eq!(d.decode("e"), Decoded::Impossible);
    }
}
