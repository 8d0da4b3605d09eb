//! The linearizability checker (placeholder).
