//! Failure reports: what a failed scenario did, as a self-contained HTML page and a seed to
//! re-run it with.
//!
//! - [`data`]: what a report shows, as plain data;
//! - [`oplog`]: the client operations of a scenario, on the network's clock;
//! - [`builder`]: a report's data, from the network's trace and the operations;
//! - [`html`]: the page;
//! - [`scenario`]: the guard a scenario holds, which on failure prints the seed and writes the page.

pub mod builder;
pub mod data;
pub mod html;
pub mod oplog;
mod panic_note;
pub mod scenario;

pub use oplog::OpLog;
pub use scenario::Diagnostics;
