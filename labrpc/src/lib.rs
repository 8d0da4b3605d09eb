// The crate documentation is the README: what the network does, its fault knobs (what each does
// to calls in flight and across a restart), names, what each error promises, and the counters.
#![doc = include_str!("../README.md")]

mod call;
mod core;
mod departure;
mod endpoint;
mod error;
mod faults;
mod hold;
mod hold_off;
mod method;
mod network;
mod node;
mod node_thread;
mod panics;
mod pool;
mod service;
mod spin;
mod trace;

pub mod channel;
pub mod random;
mod schedule;
#[cfg(feature = "simulation")]
pub mod sim;
pub mod sync;
pub mod thread;
pub mod time;

pub use endpoint::Endpoint;
pub use schedule::Schedule;

/// Whether this build runs simulated (the `simulation` feature): every thread a task of one
/// seeded scheduler, on a virtual clock, so a seed replays a whole run.
pub const SIMULATED: bool = cfg!(feature = "simulation");

/// How the simulated run the calling thread belongs to picks its tasks; `None` on real threads.
/// In both builds, for code that prints how to replay a run.
pub fn simulated_schedule() -> Option<Schedule> {
    #[cfg(feature = "simulation")]
    return sim::schedule();
    #[cfg(not(feature = "simulation"))]
    return None;
}

pub use error::{HoldError, PartitionError, RegisterError, RpcError, SeedError, SpawnError, UnknownNode};
pub use faults::timing;
pub use hold::HeldCall;
pub use hold_off::{HeldWork, HoldOff};
pub use method::Method;
pub use network::{Network, SEED_ENV};
pub use node_thread::NodeThread;
pub use panics::{NodePanic, PANIC_RECORD_LIMIT};
pub use service::Service;
pub use trace::{EventKind, TraceEvent, SUMMARY_LIMIT};
