//! The Jepsen etcd histories of the external data (`etcd/*.log`): a single register with read,
//! write and compare-and-set.
//!
//! ```text
//! INFO  jepsen.util - 0  :invoke  :read  nil
//! INFO  jepsen.util - 0  :ok  :read  3
//! INFO  jepsen.util - 4  :invoke  :cas  [1 4]
//! INFO  jepsen.util - 4  :fail  :cas  [1 4]
//! INFO  jepsen.util - 2  :info  :write  :timed-out
//! ```
//!
//! The fields are separated by tabs (any whitespace is accepted). `:ok` completes the process's
//! call with that result; `:fail :cas` is a compare-and-set that did not swap; `:fail :read` is
//! a read whose result is unknown; `:info` means the call may or may not take effect and never
//! returns. Lines without `jepsen.util` are skipped.

use super::log_builder::LogBuilder;
use crate::history::History;
use crate::models::register::{RegisterInput, RegisterOutput};
use crate::parse_error::ParseError;

const MARKER: &str = "jepsen.util - ";

/// Reads a Jepsen etcd log.
pub fn parse_etcd_log(text: &str) -> Result<History<RegisterInput, RegisterOutput>, ParseError> {
    let mut log = LogBuilder::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let Some(start) = line.find(MARKER) else {
            if line.contains("jepsen.util") {
                return Err(ParseError::new(number, format!("expected `{MARKER}` followed by an event")));
            }
            continue;
        };
        let event = &line[start + MARKER.len()..];
        let mut fields = event.split_whitespace();
        let (Some(process), Some(kind), Some(f)) = (fields.next(), fields.next(), fields.next()) else {
            return Err(ParseError::new(
                number,
                format!("expected `process :type :f value` after `{MARKER}`, found {event:?}"),
            ));
        };
        let value = fields.collect::<Vec<_>>().join(" ");
        let process: u64 = process.parse().map_err(|_| {
            ParseError::new(number, format!("the process should be a number, found {process:?}"))
        })?;
        let bad_value =
            |what: &str| ParseError::new(number, format!("{kind} {f} expects {what}, found {value:?}"));
        match (kind, f) {
            (":invoke", ":read") => log.invoke(number, process, RegisterInput::Read)?,
            (":invoke", ":write") => {
                let value = value.parse().map_err(|_| bad_value("an integer"))?;
                log.invoke(number, process, RegisterInput::Write { value })?;
            }
            (":invoke", ":cas") => {
                let (expect, new) = pair(&value).ok_or_else(|| bad_value("a pair [expected new]"))?;
                log.invoke(number, process, RegisterInput::Cas { expect, new })?;
            }
            (":ok" | ":fail" | ":info", ":read" | ":write" | ":cas") => {
                let (input, call_line) = log.outstanding(number, process)?;
                let called = match input {
                    RegisterInput::Read => ":read",
                    RegisterInput::Write { .. } => ":write",
                    RegisterInput::Cas { .. } => ":cas",
                };
                if called != f {
                    return Err(ParseError::new(
                        number,
                        format!("this {kind} is for {f}, but the call it completes (line {call_line}) is {called}"),
                    ));
                }
                let output = match (kind, f) {
                    (":info", _) => None,
                    (":ok", ":read") if value == "nil" => Some(RegisterOutput::Read(None)),
                    (":ok", ":read") => Some(RegisterOutput::Read(Some(
                        value.parse().map_err(|_| bad_value("an integer or nil"))?,
                    ))),
                    (":ok", ":write") => Some(RegisterOutput::Written),
                    (":ok", _) => Some(RegisterOutput::Cas(true)),
                    (_, ":cas") => Some(RegisterOutput::Cas(false)),
                    (_, ":read") => Some(RegisterOutput::Unknown),
                    _ => {
                        return Err(ParseError::new(
                            number,
                            ":fail :write is not part of the format; a write that timed out is :info",
                        ))
                    }
                };
                match output {
                    Some(output) => log.complete(number, process, output)?,
                    None => log.abandon(number, process)?,
                }
            }
            _ => {
                return Err(ParseError::new(
                    number,
                    format!(
                        "unknown event {kind} {f}; expected :invoke, :ok, :fail or :info of :read, :write or :cas"
                    ),
                ))
            }
        }
    }
    Ok(log.finish())
}

/// `[a b]` as two integers.
fn pair(value: &str) -> Option<(i64, i64)> {
    let inner = value.strip_prefix('[')?.strip_suffix(']')?;
    let mut numbers = inner.split_whitespace().map(str::parse::<i64>);
    match (numbers.next(), numbers.next(), numbers.next()) {
        (Some(Ok(a)), Some(Ok(b)), None) => Some((a, b)),
        _ => None,
    }
}
