//! Client operations that fail the test with a sentence: unbounded ones on a clerk, and the
//! scenario's, bounded by [`OP_LIMIT`] so that a service that never answers fails the test
//! instead of hanging it.
//!
//! A bounded operation runs on a thread of its own, but it is judged on the test's thread: the
//! failure report quotes the assertion that failed the test, and it hears only of those raised
//! on the test's thread.

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
    finished(&put_call(clerk, key, value), clerk.put(key, value));
}

/// `clerk` appends `value` to `key`; fails if the clerk stopped first.
#[track_caller]
pub fn append(clerk: &Clerk, key: &str, value: &str) {
    finished(&append_call(clerk, key, value), clerk.append(key, value));
}

/// The value `clerk` reads for `key`; fails if the clerk stopped first.
#[track_caller]
pub fn get(clerk: &Clerk, key: &str) -> String {
    finished(&get_call(clerk, key), clerk.get(key))
}

/// Asserts that `clerk` reads `expected` for `key`, saying which was wanted and which came back.
#[track_caller]
pub fn check(clerk: &Clerk, key: &str, expected: &str) {
    read(&get_call(clerk, key), &get(clerk, key), expected);
}

impl Scenario {
    /// [`put`], within [`OP_LIMIT`].
    #[track_caller]
    pub fn put(&self, clerk: &Clerk, key: &str, value: &str) {
        let call = put_call(clerk, key, value);
        finished(&call, self.within(OP_LIMIT, &call, || clerk.put(key, value)));
    }

    /// [`append`], within [`OP_LIMIT`].
    #[track_caller]
    pub fn append(&self, clerk: &Clerk, key: &str, value: &str) {
        let call = append_call(clerk, key, value);
        finished(&call, self.within(OP_LIMIT, &call, || clerk.append(key, value)));
    }

    /// [`get`], within [`OP_LIMIT`].
    #[track_caller]
    pub fn get(&self, clerk: &Clerk, key: &str) -> String {
        let call = get_call(clerk, key);
        finished(&call, self.within(OP_LIMIT, &call, || clerk.get(key)))
    }

    /// [`check`], within [`OP_LIMIT`].
    #[track_caller]
    pub fn check(&self, clerk: &Clerk, key: &str, expected: &str) {
        read(&get_call(clerk, key), &self.get(clerk, key), expected);
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

/// A Put as failure messages name it: `clerk-1's Put("k", "v")`.
fn put_call(clerk: &Clerk, key: &str, value: &str) -> String {
    format!("{}'s Put({key:?}, {})", clerk.name(), short(value))
}

/// An Append as failure messages name it.
fn append_call(clerk: &Clerk, key: &str, value: &str) -> String {
    format!("{}'s Append({key:?}, {})", clerk.name(), short(value))
}

/// A Get as failure messages name it.
fn get_call(clerk: &Clerk, key: &str) -> String {
    format!("{}'s Get({key:?})", clerk.name())
}

/// What `call` returned; fails if its clerk stopped first.
#[track_caller]
fn finished<T>(call: &str, result: Result<T, Stopped>) -> T {
    result.unwrap_or_else(|e| panic!("{call} did not finish: {e}"))
}

/// Fails unless the Get `call` read `expected`.
#[track_caller]
fn read(call: &str, got: &str, expected: &str) {
    assert!(got == expected, "{call} returned {got:?}, expected {expected:?}");
}
