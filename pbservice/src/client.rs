//! The clerk: how a client reads and writes through the primary.

use std::fmt;
use std::time::Duration;

use labrpc::sync::Mutex;
use labrpc::{Endpoint, Network, RpcError};

use crate::common::{Execute, Op, PbError, Request, RequestId};

// BEGIN PRIVATE: your clerk's constants
/// How long a clerk waits before retrying a request that failed.
const RETRY_INTERVAL: Duration = Duration::from_millis(20);
// END PRIVATE

/// A client of the key/value service. Each call retries until its request is done, and a
/// request takes effect at most once however often it is sent.
///
/// A clerk carries out one request at a time: concurrent calls on one clerk wait their turn.
pub struct Clerk {
    // BEGIN PRIVATE: your clerk's state
    // It caches the primary and asks the view service only after a failure; it retries each
    // request under one request id, so the servers can recognise a retry.
    me: Endpoint,
    vs: viewservice::Clerk,
    id: u64,
    /// The next sequence number and the cached primary, held for the whole of one request.
    session: Mutex<Session>,
    // END PRIVATE
}

// BEGIN PRIVATE: your own types for that state
/// What one request needs from the last: the next sequence number and the cached primary.
struct Session {
    next_seq: u64,
    primary: Option<String>,
}
// END PRIVATE

/// The clerk can no longer reach anyone: its node was killed or its network shut down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stopped {
    /// The error that stopped it.
    pub cause: RpcError,
}

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the clerk stopped without finishing its request: {}", self.cause)
    }
}

impl std::error::Error for Stopped {}

impl Clerk {
    /// A clerk with a fresh name of its own on `net`, using the view service `vs`.
    pub fn new(net: &Network, vs: &str) -> Clerk {
        // BEGIN SOLUTION: a clerk on a node of its own, with a client id of its own
        let me = net.client("clerk");
        Clerk {
            vs: viewservice::Clerk::with_endpoint(me.clone(), vs),
            me,
            id: labrpc::random::random_u64(),
            session: Mutex::new(Session { next_seq: 1, primary: None }),
        }
        // END SOLUTION
    }

    /// The clerk's name on the network.
    pub fn name(&self) -> &str {
        // BEGIN SOLUTION: the name of the clerk's endpoint
        self.me.name()
        // END SOLUTION
    }

    /// The value of `key`, or "" if it has none.
    pub fn get(&self, key: &str) -> Result<String, Stopped> {
        // BEGIN SOLUTION: Get until done (a missing key reads as "")
        self.execute(Op::Get { key: key.to_string() })
        // END SOLUTION
    }

    /// Sets `key` to `value`.
    pub fn put(&self, key: &str, value: &str) -> Result<(), Stopped> {
        // BEGIN SOLUTION: Put until done, applied at most once
        self.execute(Op::Put { key: key.to_string(), value: value.to_string() }).map(drop)
        // END SOLUTION
    }

    /// Appends `value` to `key`'s value.
    pub fn append(&self, key: &str, value: &str) -> Result<(), Stopped> {
        // BEGIN SOLUTION: Append until done, applied at most once
        self.execute(Op::Append { key: key.to_string(), value: value.to_string() }).map(drop)
        // END SOLUTION
    }
}

// BEGIN PRIVATE: your helpers
impl Clerk {
    /// Sends `op` to the primary until it is done.
    fn execute(&self, op: Op) -> Result<String, Stopped> {
        // BEGIN SOLUTION: one request id; retry at the primary; after a failure re-ask
        let mut session = self.session.lock();
        let request = Request { id: RequestId { client: self.id, seq: session.next_seq }, op };
        session.next_seq += 1;
        loop {
            if session.primary.is_none() {
                session.primary = self.ask_for_primary()?;
            }
            if let Some(primary) = session.primary.clone() {
                match self.me.call::<Execute>(&primary, &request) {
                    Ok(Ok(value)) => return Ok(value),
                    Ok(Err(PbError::NoKey)) => return Ok(String::new()),
                    Ok(Err(refusal)) => {
                        log::debug!("{}: {primary} refused {}: {refusal}", self.name(), request.op)
                    }
                    Err(error) => {
                        stop_if_final(&error)?;
                        log::debug!("{}: {} to {primary} failed: {error}", self.name(), request.op);
                    }
                }
                // The cached primary failed us: ask the view service again.
                session.primary = None;
            }
            if !self.me.sleep(RETRY_INTERVAL) {
                return Err(Stopped { cause: RpcError::CallerDead { caller: self.name().to_string() } });
            }
        }
        // END SOLUTION
    }

    /// The primary according to the view service; `None` if it has none or cannot be reached.
    fn ask_for_primary(&self) -> Result<Option<String>, Stopped> {
        // BEGIN SOLUTION: the view service's primary; None if none or unreachable
        match self.vs.get() {
            Ok(view) => Ok(view.primary),
            Err(error) => {
                stop_if_final(&error)?;
                Ok(None)
            }
        }
        // END SOLUTION
    }
}

/// Errors after which no retry can succeed.
fn stop_if_final(error: &RpcError) -> Result<(), Stopped> {
    match error {
        RpcError::Shutdown | RpcError::CallerDead { .. } => Err(Stopped { cause: error.clone() }),
        _ => Ok(()),
    }
}
// END PRIVATE
