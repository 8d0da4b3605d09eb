//! The reference primary/backup key/value service.
//!
//! Placeholder: the primary/backup service is not written yet. This crate holds a place in the
//! workspace so the layout of the lab is visible from the start; it has no behaviour.
