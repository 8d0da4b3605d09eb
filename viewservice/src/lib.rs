//! The reference view service: which server is primary, which is backup, and when that changes.
//!
//! Placeholder: the view service is not written yet. This crate holds a place in the workspace so
//! the layout of the lab is visible from the start; it has no behaviour.
