//! A simulated, unreliable RPC network on which lab servers run as ordinary threads.
//!
//! Nodes are named by strings. A server registers a [`Service`] (typed handlers) under its name;
//! every node calls others through an [`Endpoint`] bound to its own name, so the network can fail
//! the calls of a killed or cut-off node. Messages go through bytes (serde + bincode), so nodes
//! never share memory. Each delivered call runs on its own worker thread. A server starts the
//! threads it needs with [`Endpoint::spawn`]; the network records a panic in any of them, or in
//! a handler, for the test to fail with ([`Network::panics`]).
//!
//! The network breaks things on demand: [`kill`](Network::kill) a node, make one
//! [`unreliable`](Network::set_unreliable), make the whole network
//! [`unreliable`](Network::set_network_unreliable), [`cut`](Network::cut) links or
//! [`partition`](Network::partition) it, delay a node's ingress, or [`hold`](Network::hold) the
//! calls on a link and [`release`](Network::release) them in the order a test chooses (or
//! [`abandon`](Network::abandon) one: its caller gives up while the request still arrives later). Every
//! random decision comes from the seed (`LAB_SEED`), one stream per directed link, so a node's
//! k-th call to another meets the same fate in every run with that seed (see [`Network::seed`]).
//!
//! ```
//! use labrpc::{Method, Network, RpcError, Service};
//!
//! struct Add;
//! impl Method for Add {
//!     const NAME: &'static str = "Calc.Add";
//!     type Args = (i64, i64);
//!     type Reply = i64;
//! }
//!
//! let net = Network::with_seed(1);
//! net.register("calc", Service::new().handle::<Add>(|(a, b)| a + b)).unwrap();
//! let client = net.endpoint("client");
//! assert_eq!(client.call::<Add>("calc", &(2, 3)), Ok(5));
//!
//! net.kill("calc");
//! assert_eq!(client.call::<Add>("calc", &(2, 3)), Err(RpcError::ServerDead { to: "calc".into() }));
//! net.shutdown();
//! ```

mod call;
mod core;
mod departure;
mod endpoint;
mod error;
mod faults;
mod hold;
mod method;
mod network;
mod node;
mod node_thread;
mod panics;
mod pool;
mod service;
mod spin;
mod trace;

pub use endpoint::Endpoint;
pub use error::{HoldError, PartitionError, RegisterError, RpcError, SeedError, SpawnError, UnknownNode};
pub use faults::timing;
pub use hold::HeldCall;
pub use method::Method;
pub use network::{Network, SEED_ENV};
pub use node_thread::NodeThread;
pub use panics::{NodePanic, PANIC_RECORD_LIMIT};
pub use service::Service;
pub use trace::{EventKind, TraceEvent, SUMMARY_LIMIT};
