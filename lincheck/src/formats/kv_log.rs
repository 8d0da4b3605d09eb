//! The key/value histories of the external data (`kv/*.txt`): one EDN map per line,
//!
//! ```text
//! {:process 3, :type :invoke, :f :append, :key "1", :value "x 3 0 y"}
//! {:process 3, :type :ok, :f :append, :key "1", :value "x 3 0 y"}
//! {:process 1, :type :invoke, :f :get, :key "9", :value nil}
//! {:process 1, :type :ok, :f :get, :key "9", :value "x 5 0 y"}
//! ```
//!
//! An `:ok` returns the process's outstanding call (for a get, `:value` is what it read; `nil`
//! reads as `""`). A call with no return by the end of the file never returned. As in Jepsen,
//! `:info` also marks the outstanding call as never returning. Blank lines are skipped.

use super::edn::{parse_map, Value};
use super::log_builder::LogBuilder;
use crate::history::History;
use crate::models::kv::{KvInput, KvOutput};
use crate::parse_error::ParseError;

/// Reads a key/value log.
pub fn parse_kv_log(text: &str) -> Result<History<KvInput, KvOutput>, ParseError> {
    let mut log = LogBuilder::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let event = Event::read(line).map_err(|e| ParseError::new(number, e))?;
        match event.kind.as_str() {
            "invoke" => {
                let input = match event.f.as_str() {
                    "get" => KvInput::Get { key: event.key },
                    "put" => KvInput::Put { value: event.string_value(number)?, key: event.key },
                    _ => KvInput::Append { value: event.string_value(number)?, key: event.key },
                };
                log.invoke(number, event.process, input)?;
            }
            "ok" => {
                let (input, call_line) = log.outstanding(number, event.process)?;
                let (f, key) = match input {
                    KvInput::Get { key } => ("get", key),
                    KvInput::Put { key, .. } => ("put", key),
                    KvInput::Append { key, .. } => ("append", key),
                };
                if f != event.f || *key != event.key {
                    return Err(ParseError::new(
                        number,
                        format!(
                            "this :ok is for :{} on key {:?}, but the call it completes (line {call_line}) \
                             is :{f} on key {key:?}",
                            event.f, event.key
                        ),
                    ));
                }
                let output = match event.f.as_str() {
                    "get" => KvOutput::Value(match event.value {
                        Value::Nil => String::new(),
                        _ => event.string_value(number)?,
                    }),
                    _ => KvOutput::Ok,
                };
                log.complete(number, event.process, output)?;
            }
            "info" => log.abandon(number, event.process)?,
            other => {
                return Err(ParseError::new(
                    number,
                    format!(":type :{other} is not part of the kv format; expected :invoke, :ok or :info"),
                ))
            }
        }
    }
    Ok(log.finish())
}

/// The fields of one line.
struct Event {
    process: u64,
    kind: String,
    f: String,
    key: String,
    value: Value,
}

impl Event {
    fn read(line: &str) -> Result<Event, String> {
        let entries = parse_map(line)?;
        let field = |name: &str| {
            entries
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
                .ok_or_else(|| format!("the event has no :{name}"))
        };
        let keyword = |name: &str| match field(name)? {
            Value::Keyword(k) => Ok(k),
            other => Err(format!(":{name} should be a keyword, found {}", other.shown())),
        };
        let process = match field("process")? {
            Value::Int(n) if n >= 0 => n as u64,
            other => {
                return Err(format!(":process should be a number of 0 or more, found {}", other.shown()))
            }
        };
        let kind = keyword("type")?;
        let f = keyword("f")?;
        if !matches!(f.as_str(), "get" | "put" | "append") {
            return Err(format!(":f :{f} is not a key/value operation; expected :get, :put or :append"));
        }
        let key = match field("key")? {
            Value::Str(s) => s,
            other => return Err(format!(":key should be a string, found {}", other.shown())),
        };
        let value = field("value").unwrap_or(Value::Nil);
        Ok(Event { process, kind, f, key, value })
    }

    fn string_value(&self, line: usize) -> Result<String, ParseError> {
        match &self.value {
            Value::Str(s) => Ok(s.clone()),
            other => Err(ParseError::new(
                line,
                format!(":value of an :{} should be a string, found {}", self.f, other.shown()),
            )),
        }
    }
}
