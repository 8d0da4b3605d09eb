//! The primary/backup key/value service.
//!
//! - [`common`]: operations, errors and the RPC messages;
//! - [`server`]: a server ([`PbServer`]), which follows the five rules of primary/backup
//!   replication;
//! - [`service`]: a server on the network, with its tick thread ([`start_server`]);
//! - [`client`]: the [`Clerk`].
//!
//! The example compiles as a doc test but does not run: the graded suites run such steps.
//!
//! ```no_run
//! let net = labrpc::Network::with_seed(1);
//! let vs = viewservice::start_server(&net, "vs").unwrap();
//! let s1 = pbservice::start_server(&net, "vs", "s1").unwrap();
//! let clerk = pbservice::Clerk::new(&net, "vs");
//! clerk.put("greeting", "hello").unwrap();
//! clerk.append("greeting", ", world").unwrap();
//! assert_eq!(clerk.get("greeting").unwrap(), "hello, world");
//! s1.kill();
//! vs.kill();
//! ```

pub mod client;
pub mod common;
pub mod server;
pub mod service;
// BEGIN PRIVATE: your own modules
mod store;
// END PRIVATE

pub use client::{Clerk, Stopped};
pub use common::{
    Execute, Forward, ForwardArgs, Op, PbError, Request, RequestId, Response, Transfer, TransferArgs,
};
pub use server::PbServer;
pub use service::{start_server, PbServerHandle};
