//! `labtests`: the lab's scenario suites, their harness helpers and checkers.
//!
//! - [`pb_harness`]: the primary/backup scenario (a cluster of view service and key/value
//!   servers, its waits, threads and clerks), and checks that fail with sentences;
//! - [`bounds`]: how long the scenarios wait, each bound named once; [`health`]: the one place
//!   that fails a scenario whose servers panicked;
//! - [`vs_harness`]: helpers for the view-service scenarios, including the rule-1 check every
//!   view seen in a test goes through;
//! - [`view_model`]: a bounded model check of the view service's rules;
//! - `search` (simulation mode only): the search tests' executions, planned from a seed, checked,
//!   and shrunk when one fails;
//! - [`seen`]: the harness's own reading of views and other values of the submission, which
//!   every check judges instead of the submission's methods and `PartialEq`;
//! - [`verdict`] and [`graded`]: how a graded test reports that it passed, sealed from the code
//!   under test; [`timeliness`]: whether the machine gave it a fair run (else it is inconclusive).
//!
//! The graded suites themselves are under `tests/tests/`. The tools this harness uses are crates
//! of their own, each with its tests: the linearizability checker (`lincheck/`) and the failure
//! report (`labreport/`); the simulated network's tests live with it, in `labrpc/tests/`.

pub mod bounds;
pub mod health;
pub mod pb_harness;
#[cfg(feature = "simulation")]
pub mod search;
pub mod seen;
#[cfg(feature = "simulation")]
pub mod simulation;
pub mod timeliness;
pub mod verdict;
pub mod view_model;
pub mod vs_harness;

pub use labtests_macros::graded;

/// The view service's name on every scenario's network.
pub const VS: &str = "vs";

/// Runs `body` as this build runs its scenarios: on real threads in the plain build; in
/// simulation mode inside one simulated run (see [`simulation`]), where the facade's clock,
/// locks and threads exist. For tests that use the harness or the services without being
/// graded scenarios themselves.
#[cfg(not(feature = "simulation"))]
pub fn in_this_mode(body: impl Fn() + Send + Sync + 'static) {
    body()
}

/// Runs `body` as this build runs its scenarios: simulated (see [`simulation`]).
#[cfg(feature = "simulation")]
pub fn in_this_mode(body: impl Fn() + Send + Sync + 'static) {
    simulation::simulated(body)()
}

/// Starts logging once per test process, so `RUST_LOG=debug` shows the story of a test.
pub fn init_log() {
    let _ = env_logger::builder().is_test(true).try_init();
}
