//! A server's table of typed handlers, turned into byte-level dispatch.

use std::panic::{catch_unwind, AssertUnwindSafe};

use rustc_hash::FxHashMap;

use crate::error::RpcError;
use crate::method::{decode, encode, Method};
use crate::panics::panic_message;
use crate::trace::summary;

/// A handler after type erasure: bytes in, bytes out (and the reply as JSON when asked, for the
/// trace). It returns `Err` only for programming errors (bad arguments, a panic); network faults
/// are decided around it.
type ByteHandler = Box<dyn Fn(&[u8], bool) -> Result<Replied, HandlerFailure> + Send + Sync>;

/// A handler's encoded reply.
pub(crate) struct Replied {
    /// The reply's bytes.
    pub(crate) bytes: Vec<u8>,
    /// The reply as JSON, when the trace wants it.
    pub(crate) shown: Option<String>,
}

/// The handlers a server answers, built before registering it with
/// [`Network::register`](crate::Network::register).
///
/// ```
/// # use labrpc::{Method, Service};
/// struct Double;
/// impl Method for Double {
///     const NAME: &'static str = "Math.Double";
///     type Args = u64;
///     type Reply = u64;
/// }
/// let service = Service::new().handle::<Double>(|n| n * 2);
/// # let _ = service;
/// ```
#[derive(Default)]
pub struct Service {
    /// By method name, which every delivery looks up: hashed with rustc-hash's Fx hasher, as
    /// std's SipHash cost a lookup more than the rest of it (the names are the lab's own, so no
    /// one chooses keys to flood the map).
    handlers: FxHashMap<&'static str, ByteHandler>,
    duplicate: Option<&'static str>,
}

/// What went wrong inside dispatch; the caller turns it into an [`RpcError`] naming the server.
pub(crate) enum HandlerFailure {
    NoSuchMethod,
    BadArgs(String),
    BadReply(String),
    Panicked(String),
}

impl Service {
    /// An empty service.
    pub fn new() -> Self {
        Service::default()
    }

    /// Adds the handler for method `M`. Handlers run concurrently, each call on its own worker
    /// thread, so they may block and may make nested calls. Adding the same method twice makes
    /// registration fail with [`RegisterError::DuplicateMethod`](crate::RegisterError).
    pub fn handle<M: Method>(
        mut self,
        handler: impl Fn(M::Args) -> M::Reply + Send + Sync + 'static,
    ) -> Self {
        let erased: ByteHandler = Box::new(move |bytes, show| {
            let args: M::Args = decode(bytes).map_err(HandlerFailure::BadArgs)?;
            let reply = catch_unwind(AssertUnwindSafe(|| handler(args)))
                .map_err(|payload| HandlerFailure::Panicked(panic_message(payload.as_ref())))?;
            let shown = show.then(|| summary(&reply));
            Ok(Replied { bytes: encode(&reply).map_err(HandlerFailure::BadReply)?, shown })
        });
        if self.handlers.insert(M::NAME, erased).is_some() && self.duplicate.is_none() {
            self.duplicate = Some(M::NAME);
        }
        self
    }

    /// The first method that was added twice, if any.
    pub(crate) fn duplicate(&self) -> Option<&'static str> {
        self.duplicate
    }

    /// Runs the handler for `method` on encoded arguments; `show` asks for the reply as JSON.
    pub(crate) fn dispatch(&self, method: &str, args: &[u8], show: bool) -> Result<Replied, HandlerFailure> {
        match self.handlers.get(method) {
            Some(handler) => handler(args, show),
            None => Err(HandlerFailure::NoSuchMethod),
        }
    }
}

impl HandlerFailure {
    /// The error the caller sees.
    pub(crate) fn into_rpc_error(self, to: &str, method: &'static str) -> RpcError {
        let to = to.to_string();
        match self {
            HandlerFailure::NoSuchMethod => RpcError::NoSuchMethod { to, method },
            HandlerFailure::BadArgs(detail) => RpcError::BadArgs { to, method, detail },
            HandlerFailure::BadReply(detail) => RpcError::BadReply { method, detail },
            HandlerFailure::Panicked(message) => RpcError::HandlerPanicked { to, method, message },
        }
    }
}
