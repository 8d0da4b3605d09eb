//! The clerk the primary/backup scenarios use: the lab's clerk, with every operation logged at
//! `info` and recorded, once, in the scenario's operation log.

use pbservice::Stopped;

use labreport::OpLog;
use lincheck::{KvClerk, KvInput, KvOutput};

use super::shown::short;

/// A [`pbservice::Clerk`] whose Gets, Puts and Appends are logged (at `info`) and recorded in the
/// scenario's [`OpLog`], on the network's clock: a failed test's report shows them, and a
/// linearizability check judges the same record ([`OpLog::history`]). Same calls, same results.
pub struct Clerk {
    inner: pbservice::Clerk,
    ops: OpLog,
}

impl Clerk {
    /// Wraps `inner`, recording into `ops`.
    pub fn new(inner: pbservice::Clerk, ops: &OpLog) -> Clerk {
        Clerk { inner, ops: ops.clone() }
    }

    /// The clerk's node name.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The value of `key` (`""` if it has none); see [`pbservice::Clerk::get`].
    pub fn get(&self, key: &str) -> Result<String, Stopped> {
        self.recorded(KvInput::Get { key: key.to_string() }, || self.inner.get(key))
    }

    /// Sets `key` to `value`; see [`pbservice::Clerk::put`].
    pub fn put(&self, key: &str, value: &str) -> Result<(), Stopped> {
        let input = KvInput::Put { key: key.to_string(), value: value.to_string() };
        self.recorded(input, || self.inner.put(key, value))
    }

    /// Appends `value` to `key`'s value; see [`pbservice::Clerk::append`].
    pub fn append(&self, key: &str, value: &str) -> Result<(), Stopped> {
        let input = KvInput::Append { key: key.to_string(), value: value.to_string() };
        self.recorded(input, || self.inner.append(key, value))
    }

    /// Runs `op`, logging and recording its call and its return.
    fn recorded<T: Returned>(
        &self,
        input: KvInput,
        op: impl FnOnce() -> Result<T, Stopped>,
    ) -> Result<T, Stopped> {
        let shown = shown(&input);
        let call = self.ops.call(self.name(), input);
        let result = op();
        match &result {
            Ok(value) => {
                log::info!("{}: {shown}{}", self.name(), value.shown());
                call.returned(value.output());
            }
            Err(stopped) => {
                log::info!("{}: {shown} gave up: {stopped}", self.name());
                call.gave_up(stopped.to_string());
            }
        }
        result
    }
}

/// What an operation returns, as the log and the checker see it.
trait Returned {
    fn output(&self) -> KvOutput;
    fn shown(&self) -> String;
}

impl Returned for () {
    fn output(&self) -> KvOutput {
        KvOutput::Ok
    }
    fn shown(&self) -> String {
        " ok".to_string()
    }
}

impl Returned for String {
    fn output(&self) -> KvOutput {
        KvOutput::Value(self.clone())
    }
    fn shown(&self) -> String {
        format!(" -> {}", short(self))
    }
}

/// An operation as one log line reads it: `put "k" = "v"`.
fn shown(input: &KvInput) -> String {
    match input {
        KvInput::Get { key } => format!("get {}", short(key)),
        KvInput::Put { key, value } => format!("put {} = {}", short(key), short(value)),
        KvInput::Append { key, value } => format!("append {} += {}", short(key), short(value)),
    }
}

/// The harness clerk as the checker's tools see a clerk. It records into the scenario's log
/// already: wrap it in no [`RecordingClerk`](lincheck::RecordingClerk) of its own.
impl KvClerk for Clerk {
    type Error = Stopped;

    fn get(&mut self, key: &str) -> Result<String, Stopped> {
        Clerk::get(self, key)
    }

    fn put(&mut self, key: &str, value: &str) -> Result<(), Stopped> {
        Clerk::put(self, key, value)
    }

    fn append(&mut self, key: &str, value: &str) -> Result<(), Stopped> {
        Clerk::append(self, key, value)
    }
}
