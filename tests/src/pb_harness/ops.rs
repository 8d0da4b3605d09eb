//! Client operations that fail the test with a sentence: unbounded ones on a clerk, and the
//! scenario's, bounded by [`OP_LIMIT`] so that a service that never answers fails the test
//! instead of hanging it.

use std::time::Duration;

use labrpc::RpcError;
use pbservice::{Execute, Op, PbError, Request, RequestId, Stopped};

use super::clerk::Clerk;
use super::scenario::Scenario;
use super::shown::short;
use crate::bounds::OP_LIMIT;

/// `clerk` puts `value` under `key`; fails if the clerk stopped first.
#[track_caller]
pub fn put(clerk: &Clerk, key: &str, value: &str) {
    let what = format!("{}'s Put({key:?}, {})", clerk.name(), short(value));
    clerk.put(key, value).unwrap_or_else(|e| panic!("{what} did not finish: {e}"));
}

/// `clerk` appends `value` to `key`; fails if the clerk stopped first.
#[track_caller]
pub fn append(clerk: &Clerk, key: &str, value: &str) {
    let what = format!("{}'s Append({key:?}, {})", clerk.name(), short(value));
    clerk.append(key, value).unwrap_or_else(|e| panic!("{what} did not finish: {e}"));
}

/// The value `clerk` reads for `key`; fails if the clerk stopped first.
#[track_caller]
pub fn get(clerk: &Clerk, key: &str) -> String {
    clerk.get(key).unwrap_or_else(|e| panic!("{}'s Get({key:?}) did not finish: {e}", clerk.name()))
}

/// Asserts that `clerk` reads `expected` for `key`, saying which was wanted and which came back.
#[track_caller]
pub fn check(clerk: &Clerk, key: &str, expected: &str) {
    let got = get(clerk, key);
    assert!(got == expected, "{}'s Get({key:?}) returned {got:?}, expected {expected:?}", clerk.name());
}

impl Scenario {
    /// [`put`], within [`OP_LIMIT`].
    #[track_caller]
    pub fn put(&self, clerk: &Clerk, key: &str, value: &str) {
        let what = format!("{}'s Put({key:?}, {})", clerk.name(), short(value));
        self.within(OP_LIMIT, &what, || put(clerk, key, value));
    }

    /// [`append`], within [`OP_LIMIT`].
    #[track_caller]
    pub fn append(&self, clerk: &Clerk, key: &str, value: &str) {
        let what = format!("{}'s Append({key:?}, {})", clerk.name(), short(value));
        self.within(OP_LIMIT, &what, || append(clerk, key, value));
    }

    /// [`get`], within [`OP_LIMIT`].
    #[track_caller]
    pub fn get(&self, clerk: &Clerk, key: &str) -> String {
        self.within(OP_LIMIT, &format!("{}'s Get({key:?})", clerk.name()), || get(clerk, key))
    }

    /// [`check`], within [`OP_LIMIT`].
    #[track_caller]
    pub fn check(&self, clerk: &Clerk, key: &str, expected: &str) {
        self.within(OP_LIMIT, &format!("{}'s Get({key:?})", clerk.name()), || check(clerk, key, expected));
    }

    /// Runs `op` with `clerk` and waits at most `limit` for it; fails saying `what` was wanted
    /// if it has not returned by then, or if the clerk stopped.
    #[track_caller]
    pub fn finish_within<T: Send>(
        &self,
        clerk: &Clerk,
        limit: Duration,
        what: &str,
        op: impl FnOnce(&Clerk) -> Result<T, Stopped> + Send,
    ) -> T {
        self.within(limit, what, || op(clerk)).unwrap_or_else(|e| panic!("wanted {what}, but {e}"))
    }

    /// Sends `op` straight to `server` as a client would, under request id `id`, bypassing the
    /// clerk (and the operation log).
    pub fn execute_directly(
        &self,
        server: &str,
        id: RequestId,
        op: Op,
    ) -> Result<Result<String, PbError>, RpcError> {
        self.net.endpoint("probe").call::<Execute>(server, &Request { id, op })
    }
}
