//! The [`Model`] trait: the sequential specification a history is checked against.

use std::fmt::Debug;
use std::hash::Hash;

use super::history::Operation;

/// A group of operations that can be checked on their own, because no operation outside it
/// affects or observes the same state (for the key/value model: the operations on one key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    /// A name for reports, such as `key "x"`.
    pub label: String,
    /// The operations, as indices into the history, in call order.
    pub operations: Vec<usize>,
}

/// A sequential specification: an initial state and which outputs each input may give in each
/// state. A history is linearizable if its operations can be put in an order that respects real
/// time (an operation that returned before another was called comes first) and that this
/// specification accepts step by step.
pub trait Model: Sync {
    /// What an operation asks for. (Equality lets the checker treat operations that never
    /// returned and ask the same thing as interchangeable.)
    type Input: Clone + Debug + PartialEq + Send + Sync;
    /// What an operation returns.
    type Output: Clone + Debug + Send + Sync;
    /// The state of the specified object. It is hashed so the checker can remember which
    /// (state, set of operations done) configurations it has already explored. A state never
    /// leaves the thread that searches its partition, so it need not be `Send`.
    type State: Clone + Eq + Hash + Debug;

    /// The state before any operation.
    fn init(&self) -> Self::State;

    /// Applies `input` to `state`. Returns the next state if the specification allows the
    /// operation to give `output` there, or `None` if it does not. `output` is `None` for an
    /// operation that never returned: any output is then possible.
    fn step(
        &self,
        state: &Self::State,
        input: &Self::Input,
        output: Option<&Self::Output>,
    ) -> Option<Self::State>;

    /// Splits a history into independent groups that can be checked separately. The default
    /// keeps every operation in one group.
    fn partition(&self, operations: &[Operation<Self::Input, Self::Output>]) -> Vec<Partition> {
        vec![Partition { label: "all operations".to_string(), operations: (0..operations.len()).collect() }]
    }

    /// A short human description of an operation, such as `append("x", "1")` or
    /// `get("x") -> "1"`; `output` is `None` for an operation that never returned.
    fn describe_operation(&self, input: &Self::Input, output: Option<&Self::Output>) -> String;

    /// A short human description of a state. The default uses `Debug`.
    fn describe_state(&self, state: &Self::State) -> String {
        format!("{state:?}")
    }

    /// What an operation does to a string that only ever grows by appends, if the model is such
    /// a string for this operation, or `None` if it is not (a write that replaces the value, an
    /// output of the wrong kind). The checker uses it to decide a partition whose operations
    /// all answer, and whose appends carry distinct values, without searching: see
    /// [`CheckOptions::infer_unique_appends`](crate::CheckOptions::infer_unique_appends).
    /// The answers must agree with [`Model::step`] on an initially empty string, and within one
    /// [`Partition`] every answering operation must act on the same string. The default answers
    /// `None` for every operation.
    fn append_step<'a>(
        &self,
        input: &'a Self::Input,
        output: Option<&'a Self::Output>,
    ) -> Option<AppendStep<'a>> {
        let _ = (input, output);
        None
    }

    /// About how many bytes of heap memory `after`, reached from `before` by one step, holds
    /// that it does not share with `before`. The checker adds these up to bound the memory of
    /// its search ([`CheckOptions::max_memory`](crate::CheckOptions::max_memory)). The default,
    /// 0, suits states that hold no heap memory.
    fn added_bytes(&self, before: &Self::State, after: &Self::State) -> usize {
        let _ = (before, after);
        0
    }
}

/// What an operation does to an append-only string: see [`Model::append_step`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendStep<'a> {
    /// Appends this suffix (it may never have returned).
    Append(&'a str),
    /// Read the whole string, and found this value.
    Read(&'a str),
    /// Constrains nothing (a read that never returned).
    Nothing,
}
