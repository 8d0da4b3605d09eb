//! A single register holding an integer, with read, write and compare-and-set: the model of the
//! Jepsen etcd histories. The register starts absent.

use serde::{Deserialize, Serialize};

use crate::model::Model;

/// A register operation's input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum RegisterInput {
    /// Read the value.
    Read,
    /// Set the value.
    Write {
        /// The new value.
        value: i64,
    },
    /// Set the value to `new` if it is `expect`.
    Cas {
        /// The value the register must hold.
        expect: i64,
        /// The value to set.
        new: i64,
    },
}

/// A register operation's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegisterOutput {
    /// What a read found (`None`: the register is absent).
    Read(Option<i64>),
    /// A write completed.
    Written,
    /// Whether a compare-and-set swapped.
    Cas(bool),
    /// The operation completed, but its result is unknown (a read that timed out): it
    /// constrains nothing.
    Unknown,
}

/// The register model.
#[derive(Clone, Copy, Debug, Default)]
pub struct RegisterModel;

impl RegisterModel {
    /// The model's name in the recorder's file format and on the `lincheck` command line.
    pub const NAME: &'static str = "register";
}

impl Model for RegisterModel {
    type Input = RegisterInput;
    type Output = RegisterOutput;
    /// The value, or `None` while the register is absent.
    type State = Option<i64>;

    fn init(&self) -> Option<i64> {
        None
    }

    fn step(
        &self,
        state: &Option<i64>,
        input: &RegisterInput,
        output: Option<&RegisterOutput>,
    ) -> Option<Option<i64>> {
        use RegisterOutput::{Cas, Read, Unknown, Written};
        match (*input, output) {
            (RegisterInput::Read, Some(&Read(value))) => (value == *state).then_some(*state),
            (RegisterInput::Read, None | Some(Unknown)) => Some(*state),
            (RegisterInput::Write { value }, None | Some(Written | Unknown)) => Some(Some(value)),
            (RegisterInput::Cas { expect, new }, Some(&Cas(true))) => {
                (*state == Some(expect)).then_some(Some(new))
            }
            (RegisterInput::Cas { expect, .. }, Some(&Cas(false))) => {
                (*state != Some(expect)).then_some(*state)
            }
            // A compare-and-set of unknown result swaps if it finds the expected value.
            (RegisterInput::Cas { expect, new }, None | Some(Unknown)) => {
                Some(if *state == Some(expect) { Some(new) } else { *state })
            }
            // An output of the wrong kind for the input.
            _ => None,
        }
    }

    fn describe_operation(&self, input: &RegisterInput, output: Option<&RegisterOutput>) -> String {
        let shown = |value: Option<i64>| value.map_or_else(|| "nil".to_string(), |v| v.to_string());
        match (input, output) {
            (RegisterInput::Read, Some(RegisterOutput::Read(value))) => {
                format!("read() -> {}", shown(*value))
            }
            (RegisterInput::Read, _) => "read() -> ?".to_string(),
            (RegisterInput::Write { value }, _) => format!("write({value})"),
            (RegisterInput::Cas { expect, new }, Some(RegisterOutput::Cas(swapped))) => {
                format!("cas({expect}, {new}) -> {swapped}")
            }
            (RegisterInput::Cas { expect, new }, _) => format!("cas({expect}, {new}) -> ?"),
        }
    }

    fn describe_state(&self, state: &Option<i64>) -> String {
        state.map_or_else(|| "absent".to_string(), |v| v.to_string())
    }
}
