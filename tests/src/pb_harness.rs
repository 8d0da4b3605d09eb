//! The primary/backup harness: one scenario type for every primary/backup suite, on a cluster of
//! one view service and named key/value servers on a network the test owns, with checks that fail
//! with sentences.
//!
//! A test begins a [`Scenario`], tells its story with the scenario's helpers, and ends when the
//! scenario is dropped, which prints `Passed` or `Failed` with the seed, writes the failure report
//! of a failed test and stops every thread. One module per job:
//!
//! - [`scenario`]: the scenario type, its story and its seeded random generators;
//! - [`cluster`]: the servers, the network and the report's diagnostics, and their teardown;
//! - [`views`]: waiting for views, acknowledgements and roles;
//! - [`holds`]: waiting for held calls, releasing and abandoning them;
//! - [`poll`]: the one polling helper every wait goes through;
//! - [`threads`]: the test's own threads, joined, with the one shutdown guard;
//! - [`ops`]: client operations that fail with sentences, bounded or not;
//! - [`clerk`]: the clerk, whose every operation is recorded once, in the scenario's log;
//! - [`state`]: checks of what the servers hold;
//! - [`appends`]: the check of concurrent Appends;
//! - [`workload`]: client threads run for a time beside a fault loop;
//! - [`shown`]: values as messages show them.
//!
//! The wait bounds are in [`crate::bounds`]. Views come back as [`SeenView`](crate::seen::SeenView)s,
//! the harness's own reading: waits and checks never use the submission's `View` methods or
//! `PartialEq` (see [`crate::seen`]).

pub mod appends;
pub mod clerk;
pub mod cluster;
pub mod holds;
pub mod ops;
pub mod poll;
pub mod scenario;
pub mod shown;
pub mod state;
pub mod threads;
pub mod views;
pub mod workload;

pub use appends::{check_appends, element, elements};
pub use clerk::Clerk;
pub use cluster::{Cluster, VS};
pub use ops::{append, check, get, put};
pub use scenario::Scenario;
pub use workload::Stop;
