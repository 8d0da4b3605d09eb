//! A clerk wrapper that records every Get, Put and Append it passes on.

use super::models::kv::{KvInput, KvOutput};
use super::recorder::Recorder;

/// What the recorder needs of a key/value clerk: the lab's three calls. Each returns once the
/// service has carried the operation out (the lab's clerks retry until then), or fails with
/// `Self::Error` when the clerk gives up, in which case the operation may or may not have taken
/// effect. Calls take `&mut self`: a client makes one call at a time.
///
/// The lab's test harness implements it for the lab's clerk; so does any test double.
pub trait KvClerk {
    /// Why a call can fail ([`std::convert::Infallible`] for a clerk that never gives up).
    type Error;
    /// The value of `key`, or `""` if it has none.
    fn get(&mut self, key: &str) -> Result<String, Self::Error>;
    /// Sets `key` to `value`.
    fn put(&mut self, key: &str, value: &str) -> Result<(), Self::Error>;
    /// Appends `value` to `key`'s value.
    fn append(&mut self, key: &str, value: &str) -> Result<(), Self::Error>;
}

/// A recorder of key/value operations.
pub type KvRecorder = Recorder<KvInput, KvOutput>;

/// A clerk that records each call it passes to the clerk it wraps, as one client of a
/// [`KvRecorder`]. A call that fails, panics or never returns stays pending in the history: its
/// effect is unknown.
pub struct RecordingClerk<C> {
    inner: C,
    client: u64,
    recorder: KvRecorder,
}

impl<C: KvClerk> RecordingClerk<C> {
    /// Wraps `inner` as a new client of `recorder`.
    pub fn new(inner: C, recorder: &KvRecorder) -> Self {
        RecordingClerk { inner, client: recorder.new_client(), recorder: recorder.clone() }
    }

    /// This clerk's client id in the history.
    pub fn client(&self) -> u64 {
        self.client
    }

    /// The wrapped clerk.
    pub fn into_inner(self) -> C {
        self.inner
    }
}

impl<C: KvClerk> KvClerk for RecordingClerk<C> {
    type Error = C::Error;

    fn get(&mut self, key: &str) -> Result<String, C::Error> {
        let call = self.recorder.call(self.client, KvInput::Get { key: key.to_string() });
        let value = self.inner.get(key)?;
        call.returned(KvOutput::Value(value.clone()));
        Ok(value)
    }

    fn put(&mut self, key: &str, value: &str) -> Result<(), C::Error> {
        let call =
            self.recorder.call(self.client, KvInput::Put { key: key.to_string(), value: value.to_string() });
        self.inner.put(key, value)?;
        call.returned(KvOutput::Ok);
        Ok(())
    }

    fn append(&mut self, key: &str, value: &str) -> Result<(), C::Error> {
        let call = self
            .recorder
            .call(self.client, KvInput::Append { key: key.to_string(), value: value.to_string() });
        self.inner.append(key, value)?;
        call.returned(KvOutput::Ok);
        Ok(())
    }
}
