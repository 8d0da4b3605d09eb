//! The view service's clerk: how servers ping and how anyone asks for the view.

use std::fmt;

use labrpc::{Endpoint, Network, RpcError};

use crate::common::{Get, Ping, PingArgs, PingError, View};

/// Talks to the view service named `vs` on behalf of one node.
#[derive(Clone, Debug)]
pub struct Clerk {
    endpoint: Endpoint,
    vs: String,
}

/// Why a clerk call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClerkError {
    /// The call did not get through (or its reply was lost).
    Rpc(RpcError),
    /// The view service refused the ping.
    Refused(PingError),
}

impl fmt::Display for ClerkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClerkError::Rpc(error) => write!(f, "could not reach the view service: {error}"),
            ClerkError::Refused(error) => write!(f, "the view service refused the ping: {error}"),
        }
    }
}

impl std::error::Error for ClerkError {}

impl Clerk {
    /// A clerk calling as `me` (a fresh endpoint on `net`).
    pub fn new(net: &Network, me: &str, vs: &str) -> Clerk {
        Clerk::with_endpoint(net.endpoint(me), vs)
    }

    /// A clerk calling through `endpoint`: a server passes its own, so that its pings stop
    /// when it is killed.
    pub fn with_endpoint(endpoint: Endpoint, vs: &str) -> Clerk {
        Clerk { endpoint, vs: vs.to_string() }
    }

    /// The name this clerk pings as.
    pub fn me(&self) -> &str {
        self.endpoint.name()
    }

    /// Pings: "I am alive and know view `viewnum`". Returns the current view.
    pub fn ping(&self, viewnum: u64) -> Result<View, ClerkError> {
        let args = PingArgs { me: self.me().to_string(), viewnum };
        self.endpoint.call::<Ping>(&self.vs, &args).map_err(ClerkError::Rpc)?.map_err(ClerkError::Refused)
    }

    /// The current view, without pinging.
    pub fn get(&self) -> Result<View, RpcError> {
        self.endpoint.call::<Get>(&self.vs, &())
    }

    /// The current primary; `None` if there is none or the view service cannot be reached.
    pub fn primary(&self) -> Option<String> {
        self.get().ok().and_then(|view| view.primary)
    }
}
