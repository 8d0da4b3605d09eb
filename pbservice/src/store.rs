//! The key/value data and the duplicate table, which travel together.

// BEGIN PRIVATE: how you keep the data and the duplicate table is yours to design
use crate::common::{Op, PbError, Request, Response, Snapshot};

/// The data and the duplicate table. Primary and backup each hold one, and apply the same
/// requests to it in the same order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Store {
    snapshot: Snapshot,
}

impl Store {
    /// A store holding `snapshot`, as received in a state transfer.
    pub(crate) fn from_snapshot(snapshot: Snapshot) -> Store {
        Store { snapshot }
    }

    /// A copy of everything, for a state transfer.
    pub(crate) fn snapshot(&self) -> Snapshot {
        self.snapshot.clone()
    }

    /// Whether `request` is a write this store has already applied (a client's retry).
    pub(crate) fn is_duplicate(&self, request: &Request) -> bool {
        // BEGIN SOLUTION: at most once: a write whose seq its client already applied
        !matches!(request.op, Op::Get { .. })
            && self.snapshot.applied.get(&request.id.client).is_some_and(|&seq| seq >= request.id.seq)
        // END SOLUTION
    }

    /// Applies `request` at most once and answers it.
    pub(crate) fn apply(&mut self, request: &Request) -> Response {
        // BEGIN SOLUTION: once per request; Append the argument; record the client's seq
        if self.is_duplicate(request) {
            return Ok(String::new());
        }
        let data = &mut self.snapshot.data;
        let response = match &request.op {
            Op::Get { key } => return data.get(key).cloned().ok_or(PbError::NoKey),
            Op::Put { key, value } => {
                data.insert(key.clone(), value.clone());
                Ok(String::new())
            }
            Op::Append { key, value } => {
                data.entry(key.clone()).or_default().push_str(value);
                Ok(String::new())
            }
        };
        self.snapshot.applied.insert(request.id.client, request.id.seq);
        response
        // END SOLUTION
    }

    /// The value of `key`, if any (for tests and diagnostics).
    pub(crate) fn value(&self, key: &str) -> Option<&str> {
        self.snapshot.data.get(key).map(String::as_str)
    }

    /// Number of keys.
    pub(crate) fn len(&self) -> usize {
        self.snapshot.data.len()
    }
}
// END PRIVATE
