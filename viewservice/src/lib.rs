//! The view service: which server is primary, which is backup, and when that changes.
//!
//! - [`common`]: the [`View`], the RPC messages and the timing constants;
//! - [`server`]: the view service's logic, a deterministic state machine ([`ViewServer`]);
//! - [`service`]: that state machine served over `labrpc` ([`start_server`]);
//! - [`client`]: the [`Clerk`] servers ping with.
//!
//! The example compiles as a doc test but does not run: `viewservice::first_primary` runs it.
//!
//! ```no_run
//! use viewservice::{start_server, Clerk, PING_INTERVAL};
//!
//! let net = labrpc::Network::with_seed(1);
//! let vs = start_server(&net, "vs").unwrap();
//! let s1 = Clerk::new(&net, "s1", "vs");
//! // The first server to ping becomes primary of view 1 at the next tick.
//! let mut view = s1.ping(0).unwrap();
//! while view.viewnum == 0 {
//!     std::thread::sleep(PING_INTERVAL);
//!     view = s1.ping(0).unwrap();
//! }
//! assert_eq!((view.viewnum, view.primary.as_deref()), (1, Some("s1")));
//! vs.kill();
//! ```

pub mod client;
pub mod common;
pub mod server;
pub mod service;

pub use client::{Clerk, ClerkError};
pub use common::{Get, Ping, PingArgs, PingError, PingReply, View, DEAD_AFTER, DEAD_PINGS, PING_INTERVAL};
pub use server::ViewServer;
pub use service::{start_server, ViewServiceHandle};
