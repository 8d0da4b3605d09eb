//! Typed RPC methods and the byte encoding every message goes through.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// One RPC method: its wire name and its argument and reply types.
///
/// Naming a method by a type rather than a string means a caller cannot mistype it, and the
/// compiler checks that the arguments and the reply match what the server registered.
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// pub struct EchoArgs { pub text: String }
///
/// /// `Echo.Say`: replies with the text it was given.
/// pub struct Say;
/// impl labrpc::Method for Say {
///     const NAME: &'static str = "Echo.Say";
///     type Args = EchoArgs;
///     type Reply = String;
/// }
/// ```
pub trait Method: 'static {
    /// The wire name, by convention `"Service.Method"`.
    const NAME: &'static str;
    /// What the caller sends.
    type Args: Serialize + DeserializeOwned + Send + 'static;
    /// What the handler returns.
    type Reply: Serialize + DeserializeOwned + Send + 'static;
}

/// Encodes a message to bytes. Going through bytes is what keeps nodes from sharing memory.
pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    bincode::serde::encode_to_vec(value, bincode::config::standard()).map_err(|e| e.to_string())
}

/// Decodes a message, insisting that every byte is used (a shorter type is a mismatch too).
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let (value, used) =
        bincode::serde::decode_from_slice(bytes, bincode::config::standard()).map_err(|e| e.to_string())?;
    if used != bytes.len() {
        return Err(format!(
            "{} trailing bytes after the message: sender and receiver disagree on its type",
            bytes.len() - used
        ));
    }
    Ok(value)
}
