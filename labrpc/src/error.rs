//! Errors as values: each says what went wrong and what to do about it.

use std::fmt;

/// Why a call did not return a reply.
///
/// The variants split into *network faults* (the simulated network lost something; retrying may
/// help, see [`RpcError::is_network_fault`]) and *programming errors* (the call can never succeed
/// as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpcError {
    /// The network has been shut down; no call can be made on it any more.
    Shutdown,
    /// The calling node was killed: a dead node's calls fail.
    CallerDead {
        /// The caller's name.
        caller: String,
    },
    /// No server was ever registered under this name.
    NoSuchServer {
        /// The name that was called.
        to: String,
    },
    /// The server was killed: before the call reached it, while its handler ran, or while the
    /// reply was on its way back (a reply held back by long reordering is lost with its server).
    ///
    /// This does **not** promise that the handler did not run: the caller hears of the death at
    /// once, without waiting for a handler that may be running or may have finished (and, say,
    /// already forwarded the operation to a backup). As after [`RpcError::ReplyLost`], a retry
    /// must be safe to repeat. Only [`RpcError::RequestLost`], [`RpcError::Unreachable`] and
    /// [`RpcError::NoSuchServer`] promise that the handler never ran.
    ServerDead {
        /// The killed server.
        to: String,
    },
    /// The link from the caller to the server is cut (a partition or a directed cut), when the
    /// call was sent or at any moment before it reached the server; the handler did not run.
    Unreachable {
        /// The caller.
        from: String,
        /// The server it could not reach.
        to: String,
    },
    /// The request was dropped before it reached the handler, which did not run: by the
    /// unreliable network or an unreliable server, or because the network could not start a
    /// worker thread to deliver it (the log says so at `error` level).
    RequestLost {
        /// The server.
        to: String,
        /// The method.
        method: &'static str,
    },
    /// The reply was lost; the handler ran (or may still be running): a cut or unreliable
    /// network lost the reply, an unreliable server's caller was told at once, or the test
    /// [abandoned](crate::Network::abandon) the held call.
    ReplyLost {
        /// The server.
        to: String,
        /// The method.
        method: &'static str,
    },
    /// The server has no handler for this method.
    NoSuchMethod {
        /// The server.
        to: String,
        /// The method that is missing.
        method: &'static str,
    },
    /// The server could not decode the arguments as the type it registered for this method.
    BadArgs {
        /// The server.
        to: String,
        /// The method.
        method: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
    /// The reply could not be decoded as the caller's reply type.
    BadReply {
        /// The method.
        method: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
    /// The arguments could not be encoded.
    BadEncoding {
        /// The method.
        method: &'static str,
        /// The encoder's complaint.
        detail: String,
    },
    /// The handler panicked; the network caught it and kept serving other calls.
    HandlerPanicked {
        /// The server.
        to: String,
        /// The method.
        method: &'static str,
        /// The panic message.
        message: String,
    },
}

impl RpcError {
    /// True for the faults an unreliable network produces (loss, death, cuts): a correct client
    /// retries these. False for programming errors, which no retry will fix.
    pub fn is_network_fault(&self) -> bool {
        matches!(
            self,
            RpcError::ServerDead { .. }
                | RpcError::Unreachable { .. }
                | RpcError::RequestLost { .. }
                | RpcError::ReplyLost { .. }
        )
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpcError::Shutdown => write!(f, "the network has been shut down; no more calls can be made on it"),
            RpcError::CallerDead { caller } => {
                write!(f, "{caller} was killed, and a dead node's calls fail; a killed server's threads should stop (check its Liveness)")
            }
            RpcError::NoSuchServer { to } => {
                write!(f, "no server named {to:?} was ever registered; check the name, or register it before calling")
            }
            RpcError::ServerDead { to } => write!(
                f,
                "server {to} is dead (killed); its handler may have run before it died, so try another server or retry later with a request that is safe to repeat"
            ),
            RpcError::Unreachable { from, to } => {
                write!(f, "{from} cannot reach {to}: the link is cut (partition); retry or try another server")
            }
            RpcError::RequestLost { to, method } => {
                write!(f, "{method} to {to}: the request was lost and the handler did not run; retry")
            }
            RpcError::ReplyLost { to, method } => write!(
                f,
                "{method} to {to}: the reply was lost, but the handler ran or may still be running; a retry must be safe to repeat"
            ),
            RpcError::NoSuchMethod { to, method } => {
                write!(f, "server {to} has no handler for {method}; register it in the server's Service")
            }
            RpcError::BadArgs { to, method, detail } => write!(
                f,
                "server {to} could not decode the arguments of {method} ({detail}); caller and server disagree on the argument type"
            ),
            RpcError::BadReply { method, detail } => write!(
                f,
                "the reply to {method} could not be decoded ({detail}); caller and server disagree on the reply type"
            ),
            RpcError::BadEncoding { method, detail } => {
                write!(f, "the arguments of {method} could not be encoded: {detail}")
            }
            RpcError::HandlerPanicked { to, method, message } => {
                write!(f, "the handler of {method} on {to} panicked: {message}")
            }
        }
    }
}

impl std::error::Error for RpcError {}

/// Why a server could not be registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterError {
    /// A live server already answers to this name; kill it first to restart it.
    NameTaken {
        /// The name.
        name: String,
    },
    /// The service registers one method twice.
    DuplicateMethod {
        /// The name of the server being registered.
        name: String,
        /// The method added twice.
        method: &'static str,
    },
    /// The network has been shut down.
    Shutdown,
    /// The server registered, but a thread it needs could not be started.
    Thread(SpawnError),
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::NameTaken { name } => write!(
                f,
                "a live server is already registered as {name:?}; kill it first to restart it under the same name"
            ),
            RegisterError::DuplicateMethod { name, method } => write!(
                f,
                "the service for {name:?} adds a handler for {method} twice; each method needs exactly one handler"
            ),
            RegisterError::Shutdown => write!(f, "the network has been shut down; no server can be registered on it"),
            RegisterError::Thread(error) => write!(f, "the server registered but cannot run: {error}"),
        }
    }
}

impl std::error::Error for RegisterError {}

impl From<SpawnError> for RegisterError {
    /// A server's start that fails at its threads: a shut-down network is the same
    /// [`RegisterError::Shutdown`] that registering on it would have been.
    fn from(error: SpawnError) -> Self {
        match error {
            SpawnError::Shutdown { .. } => RegisterError::Shutdown,
            error => RegisterError::Thread(error),
        }
    }
}

/// Why [`Endpoint::spawn`](crate::Endpoint::spawn) could not start a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpawnError {
    /// The network has been shut down, so its nodes start no more threads.
    Shutdown {
        /// The thread's full name.
        thread: String,
    },
    /// The operating system refused to start the thread.
    Refused {
        /// The thread's full name.
        thread: String,
        /// The operating system's complaint.
        detail: String,
    },
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Shutdown { thread } => {
                write!(f, "thread {thread} was not started: the network has been shut down")
            }
            SpawnError::Refused { thread, detail } => write!(
                f,
                "the operating system refused to start thread {thread} ({detail}); are threads left over from servers that were killed? a server's threads should end when it dies"
            ),
        }
    }
}

impl std::error::Error for SpawnError {}

/// A `LAB_SEED` that is not a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    /// The value found in the environment.
    pub value: String,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "LAB_SEED={:?} is not a whole number between 0 and {}; set it to the seed a failing test printed, or unset it for a random one",
            self.value,
            u64::MAX
        )
    }
}

impl std::error::Error for SeedError {}

/// Why a held call could not be released, or did not arrive in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldError {
    /// No held call has this id (it was already released, or never held).
    NotHeld {
        /// The id asked for.
        id: u64,
    },
    /// Fewer calls than asked for were held on the link when the wait ran out.
    Timeout {
        /// The link's sender.
        from: String,
        /// The link's receiver.
        to: String,
        /// How many calls were wanted.
        wanted: usize,
        /// How many were held.
        held: usize,
    },
    /// The link names a node the network does not know.
    UnknownNode(UnknownNode),
}

impl fmt::Display for HoldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HoldError::NotHeld { id } => {
                write!(f, "call #{id} is not held (already released, or it never was); use Network::held to list held calls")
            }
            HoldError::Timeout { from, to, wanted, held } => write!(
                f,
                "waited for {wanted} held calls on {from} -> {to} but only {held} arrived; is the link held and is the sender calling?"
            ),
            HoldError::UnknownNode(unknown) => write!(f, "cannot wait for held calls: {unknown}"),
        }
    }
}

impl std::error::Error for HoldError {}

/// Why a partition could not be made. Nothing changes when it fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionError {
    /// A node named in two groups; each node belongs to at most one.
    NamedTwice {
        /// The node named twice.
        name: String,
    },
    /// A group names a node the network does not know (a typo would partition nothing).
    UnknownNode(UnknownNode),
}

impl fmt::Display for PartitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartitionError::NamedTwice { name } => write!(
                f,
                "{name:?} is named in two groups of the partition; each node belongs to at most one group"
            ),
            PartitionError::UnknownNode(unknown) => write!(f, "cannot partition: {unknown}"),
        }
    }
}

impl std::error::Error for PartitionError {}

/// How many known names an [`UnknownNode`] message lists before it only counts the rest.
const KNOWN_NAMES_SHOWN: usize = 20;

/// A fault knob, hold or query named a node the network does not know: no server ever
/// registered under the name, no endpoint was made for it, and it was not
/// [declared](crate::Network::declare). A knob on such a name would change nothing the test can
/// see (a typo'd cut cuts no link), so it is refused instead of silently creating the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownNode {
    /// The name asked for.
    pub name: String,
    /// The names the network knows, sorted.
    pub known: Vec<String>,
}

impl fmt::Display for UnknownNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut known = self.known.iter().take(KNOWN_NAMES_SHOWN).cloned().collect::<Vec<_>>().join(", ");
        if self.known.len() > KNOWN_NAMES_SHOWN {
            known.push_str(&format!(" and {} more", self.known.len() - KNOWN_NAMES_SHOWN));
        }
        if self.known.is_empty() {
            known.push_str("none yet");
        }
        write!(
            f,
            "no node named {:?} (known: {known}); names are case-sensitive. A name is known once a server registers under it or an endpoint is made for it; to set a fault before a server starts, declare its name first (Network::declare)",
            self.name
        )
    }
}

impl std::error::Error for UnknownNode {}
