//! What the primary/backup servers and their clerks share: operations, errors and messages.

// BEGIN PRIVATE: your imports
use std::collections::BTreeMap;
// END PRIVATE
use std::fmt;

use labrpc::Method;
use serde::{Deserialize, Serialize};

/// Who asked, and which of their requests this is: the key to at-most-once execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestId {
    /// A clerk's unique id.
    pub client: u64,
    /// The clerk's request counter; a retry reuses the number.
    pub seq: u64,
}

/// A client operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Read a key (a missing key reads as "").
    Get {
        /// The key.
        key: String,
    },
    /// Replace a key's value.
    Put {
        /// The key.
        key: String,
        /// The new value.
        value: String,
    },
    /// Append to a key's value (a missing key counts as ""). The argument travels, never the
    /// resulting value.
    Append {
        /// The key.
        key: String,
        /// What to append.
        value: String,
    },
}

impl Op {
    /// The key the operation touches.
    pub fn key(&self) -> &str {
        match self {
            Op::Get { key } | Op::Put { key, .. } | Op::Append { key, .. } => key,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Get { key } => write!(f, "Get({key:?})"),
            Op::Put { key, value } => write!(f, "Put({key:?}, {} bytes)", value.len()),
            Op::Append { key, value } => write!(f, "Append({key:?}, {} bytes)", value.len()),
        }
    }
}

/// Why a server did not carry out a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PbError {
    /// This server is not the primary (for a client request), or the sender is not the primary
    /// of the view this server believes current (for a forward or a state transfer).
    WrongServer,
    /// The backup has not received the primary's state for this view yet.
    NotReady,
    // BEGIN PRIVATE: your other errors
    /// The key has no value (only a `Get` says this; the clerk turns it into "").
    NoKey,
    /// The primary could not get its backup to accept the operation; nothing was applied here.
    BackupUnavailable,
    // END PRIVATE
}

impl fmt::Display for PbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PbError::WrongServer => {
                write!(f, "wrong server: not the primary, or not from the primary of the current view")
            }
            PbError::NotReady => write!(f, "the backup has not received the primary's state yet; retry"),
            // BEGIN PRIVATE: your other errors' messages
            PbError::NoKey => write!(f, "no such key"),
            PbError::BackupUnavailable => write!(f, "the backup did not accept the operation; retry"),
            // END PRIVATE
        }
    }
}

impl std::error::Error for PbError {}

/// A client's request to the primary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Which request this is, for at-most-once execution.
    pub id: RequestId,
    /// What to do.
    pub op: Op,
}

/// The primary's answer: the value read (empty for Put and Append), or why not.
pub type Response = Result<String, PbError>;

/// `PBServer.Execute`: a client's Get, Put or Append, sent to the primary.
pub struct Execute;
impl Method for Execute {
    const NAME: &'static str = "PBServer.Execute";
    type Args = Request;
    type Reply = Response;
}

/// A primary's forward of one client request to its backup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardArgs {
    /// The view in which the primary ordered the request.
    pub viewnum: u64,
    /// The primary that sends it.
    pub primary: String,
    /// The request, as the client sent it.
    pub request: Request,
}

/// `PBServer.Forward`: the backup accepts (and applies) one request, or refuses it.
pub struct Forward;
impl Method for Forward {
    const NAME: &'static str = "PBServer.Forward";
    type Args = ForwardArgs;
    type Reply = Result<(), PbError>;
}

// BEGIN PRIVATE: your own message types
/// Everything a backup needs to take over: the data and the duplicate table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Every key and its value.
    pub data: BTreeMap<String, String>,
    /// For each client, the latest request already applied.
    pub applied: BTreeMap<u64, u64>,
}
// END PRIVATE

/// A primary's whole state, sent to a new backup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferArgs {
    // BEGIN PRIVATE: what a state transfer carries is yours to design
    /// The view whose backup this is for.
    pub viewnum: u64,
    /// The primary that sends it.
    pub primary: String,
    /// The state.
    pub snapshot: Snapshot,
    // END PRIVATE
}

/// `PBServer.Transfer`: the backup replaces its state with the primary's.
pub struct Transfer;
impl Method for Transfer {
    const NAME: &'static str = "PBServer.Transfer";
    type Args = TransferArgs;
    type Reply = Result<(), PbError>;
}
