//! `labtests`: the lab's scenario suites, their harness helpers, and the linearizability checker.
//!
//! Placeholder: the suites arrive with the view service and the primary/backup service. The
//! simulated network's own tests live with it, in `labrpc/tests/`.
