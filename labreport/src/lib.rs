//! `labreport`: failure reports. What a failed scenario did, as a self-contained HTML page and a
//! seed to re-run it with; a driver of headless Chromium for the tests of such pages; and which
//! tests a `make test T=name` ran and how they fared.
//!
//! - [`data`]: what a report shows, as plain data;
//! - [`oplog`]: the client operations of a scenario, on the network's clock;
//! - [`builder`]: a report's data, from the network's trace and the operations;
//! - [`html`]: the page;
//! - [`scenario`]: the guard a scenario holds, which on failure prints the seed and writes the page;
//! - [`naming`]: where pages go and what they are called, shared with the grader;
//! - [`explore`]: how a simulated scenario's executions are shared out, reported and replayed
//!   (`make explore` and the search tests);
//! - [`browser`]: drive headless Chromium for the page tests;
//! - [`runner`]: what the two runners below share: building test binaries, listing their tests,
//!   the names closest to a mistyped one.
//!
//! The binary `lab-test` (`src/bin/lab-test/`) is the runner behind `make test T=name`: it runs
//! the tests whose name contains a filter and says how they fared, or which names come closest
//! when none does. The binary `lab-explore` (`src/bin/lab-explore/`) is the one behind `make
//! explore T=name`: it runs one simulated scenario under many seeds and schedules on every core,
//! and stops at the first failure with the case that replays it.

pub mod browser;
pub mod builder;
pub mod data;
pub mod explore;
pub mod html;
pub mod naming;
pub mod oplog;
mod panic_note;
pub mod runner;
pub mod scenario;

pub use oplog::OpLog;
pub use panic_note::silenced;
pub use scenario::Diagnostics;
