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
}
