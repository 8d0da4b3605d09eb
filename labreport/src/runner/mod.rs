//! What the workspace's test runners share: `lab-test` (`make test T=name`) and `lab-explore`
//! (`make explore T=name`) both build test binaries with cargo, list their tests, and name the
//! tests closest to a name that matched none.
//!
//! - [`build`]: `cargo test --no-run` and the test binaries it built;
//! - [`listing`]: the tests of one binary;
//! - [`closest`]: the test names closest to a mistyped one.

pub mod build;
pub mod closest;
pub mod listing;
