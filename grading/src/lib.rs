//! The grader: scores a submission against the reference suite.
//!
//! Placeholder: the grader is not written yet (`make grade` says so). This crate holds a place
//! in the workspace; it has no behaviour.
