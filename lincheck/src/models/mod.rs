//! The models shipped with the checker.
//!
//! - [`kv`]: the lab's key/value service (Get / Put / Append), partitioned per key;
//! - [`register`]: a single register with read / write / compare-and-set, the model of the
//!   Jepsen etcd histories.

pub mod kv;
pub mod register;
