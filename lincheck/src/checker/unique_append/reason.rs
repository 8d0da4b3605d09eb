//! The sentence that says why the inference found no linearization, naming the operations that
//! conflict.

use crate::history::Operation;
use crate::model::{AppendStep, Model};

/// Why a read fits nowhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BadRead {
    /// No sequence of appended values spells its value.
    NotAppends,
    /// Its value holds this append twice.
    Twice(usize),
    /// Its value is not the start of this (longer or equal) read's value, at an append's end.
    Disagrees(usize),
}

/// What stopped the walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reason {
    /// This read fits nowhere.
    Bad(usize, BadRead),
    /// `early` returned before `blocked` was called, but the reads put it after.
    Early {
        /// The operation that returned first.
        early: usize,
        /// The operation the reads put before it.
        blocked: usize,
    },
}

/// How long a description may get before its middle is left out.
const LONGEST_DESCRIPTION: usize = 100;

impl Reason {
    /// The sentence. `seen` tells which appends the longest good read holds.
    pub(super) fn sentence<M: Model>(
        self,
        model: &M,
        operations: &[&Operation<M::Input, M::Output>],
        roles: &[AppendStep<'_>],
        seen: &[bool],
    ) -> String {
        let name = |i: usize| {
            let op = operations[i];
            format!("{} (client {})", shorten(&model.describe_operation(&op.input, op.output())), op.client)
        };
        let is_read = |i: usize| matches!(roles[i], AppendStep::Read(_));
        match self {
            Reason::Bad(read, BadRead::NotAppends) => {
                format!("{} read a value that no sequence of the appended values spells", name(read))
            }
            Reason::Bad(read, BadRead::Twice(append)) => {
                format!("{} holds {} twice, but it was appended once", name(read), name(append))
            }
            Reason::Bad(read, BadRead::Disagrees(other)) => format!(
                "two reads disagree: what {} read is not the start of what {} read",
                name(read),
                name(other)
            ),
            Reason::Early { early, blocked } => match (is_read(blocked), is_read(early)) {
                (false, false) if seen[early] => format!(
                    "the reads hold {} before {}, but the latter returned before the former was called",
                    name(blocked),
                    name(early)
                ),
                (false, false) => format!(
                    "a read holds {} but none holds {}, which returned before the former was called",
                    name(blocked),
                    name(early)
                ),
                (false, true) => format!(
                    "{} holds {}, which was called after the read returned",
                    name(early),
                    name(blocked)
                ),
                (true, false) => format!(
                    "{} does not hold {}, which returned before the read was called",
                    name(blocked),
                    name(early)
                ),
                (true, true) => format!(
                    "{} holds fewer appends than {}, which returned before it was called",
                    name(blocked),
                    name(early)
                ),
            },
        }
    }
}

/// `text`, with its middle left out if it is long (a read of a long value).
fn shorten(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= LONGEST_DESCRIPTION {
        return text.to_string();
    }
    let keep = LONGEST_DESCRIPTION / 2 - 2;
    let head: String = chars[..keep].iter().collect();
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{head} … {tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_descriptions_keep_their_ends() {
        assert_eq!(shorten("get(\"k\") -> \"ab\""), "get(\"k\") -> \"ab\"");
        let long = format!("get(\"k\") -> \"{}\"", "x".repeat(500));
        let short = shorten(&long);
        assert!(short.starts_with("get(\"k\") -> \"xx") && short.ends_with("xx\"") && short.contains(" … "));
        assert!(short.chars().count() <= LONGEST_DESCRIPTION);
    }
}
