//! The recorder's file format: JSON Lines. The first line is a header naming the format and the
//! model; each further line is one operation:
//!
//! ```text
//! {"format":"labtests-history","version":1,"model":"kv"}
//! {"client":0,"call":1200,"return":5300,"input":{"op":"put","key":"a","value":"1"},"output":"ok"}
//! {"client":1,"call":1900,"return":6100,"input":{"op":"get","key":"a"},"output":{"value":"1"}}
//! {"client":2,"call":2500,"input":{"op":"append","key":"a","value":"2"}}
//! ```
//!
//! `call` and `return` are stamps; the header's optional `stamps` says what they count
//! (`nanoseconds` since the recorder started, the default; `line` numbers of a log; or `plain`
//! instants). An operation with neither `return` nor `output` never returned.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::history::{History, HistoryError, Operation, Outcome, Stamp, StampUnit};
use super::parse_error::ParseError;

/// The `format` field of the header line.
pub const FORMAT_NAME: &str = "labtests-history";
/// The version this code writes and reads.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    version: u32,
    model: String,
    #[serde(default = "recorder_stamps")]
    stamps: StampUnit,
}

fn recorder_stamps() -> StampUnit {
    StampUnit::Nanoseconds
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<I, O> {
    client: u64,
    call: u64,
    #[serde(rename = "return", default, skip_serializing_if = "Option::is_none")]
    ret: Option<u64>,
    input: I,
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    output: Option<O>,
}

/// Writes `history` in the recorder's format, naming `model` (such as `kv`) in the header.
pub fn to_json_lines<I: Serialize + Clone, O: Serialize + Clone>(
    history: &History<I, O>,
    model: &str,
) -> String {
    let header = Header {
        format: FORMAT_NAME.to_string(),
        version: FORMAT_VERSION,
        model: model.to_string(),
        stamps: history.stamp_unit(),
    };
    let mut text = serde_json::to_string(&header).expect("a header always serializes");
    text.push('\n');
    for op in history.operations() {
        let (ret, output) = match &op.outcome {
            Outcome::Returned { output, at } => (Some(at.0), Some(output.clone())),
            Outcome::Pending => (None, None),
        };
        let line = Line { client: op.client, call: op.call.0, ret, input: op.input.clone(), output };
        text.push_str(&serde_json::to_string(&line).expect("inputs and outputs serialize to JSON"));
        text.push('\n');
    }
    text
}

/// True if `text` starts like a file in the recorder's format.
pub fn looks_like_json_lines(text: &str) -> bool {
    first_line(text).is_some_and(|(_, line)| line.starts_with('{') && line.contains(FORMAT_NAME))
}

fn first_line(text: &str) -> Option<(usize, &str)> {
    text.lines().enumerate().map(|(i, line)| (i + 1, line.trim())).find(|(_, line)| !line.is_empty())
}

/// The model named in the header of a file in the recorder's format.
pub fn model_of(text: &str) -> Result<String, ParseError> {
    header(text).map(|header| header.model)
}

fn header(text: &str) -> Result<Header, ParseError> {
    let Some((number, line)) = first_line(text) else {
        return Err(ParseError::new(0, "the file is empty; expected a history in the recorder's format"));
    };
    let header: Header = serde_json::from_str(line).map_err(|e| {
        ParseError::new(
            number,
            format!(
                "expected the header {{\"format\":\"{FORMAT_NAME}\",\"version\":{FORMAT_VERSION},\"model\":...}}: {e}"
            ),
        )
    })?;
    if header.format != FORMAT_NAME {
        return Err(ParseError::new(
            number,
            format!("format is {:?}, expected {FORMAT_NAME:?}", header.format),
        ));
    }
    if header.version != FORMAT_VERSION {
        return Err(ParseError::new(
            number,
            format!(
                "format version {} cannot be read by this version, which reads version {FORMAT_VERSION}",
                header.version
            ),
        ));
    }
    Ok(header)
}

/// Reads a file in the recorder's format: the model named in its header, and the history.
pub fn from_json_lines<I: DeserializeOwned, O: DeserializeOwned>(
    text: &str,
) -> Result<(String, History<I, O>), ParseError> {
    let Header { model, stamps, .. } = header(text)?;
    let mut lines =
        text.lines().enumerate().map(|(i, line)| (i + 1, line.trim())).filter(|(_, l)| !l.is_empty());
    lines.next(); // the header
    let mut operations = Vec::new();
    let mut numbers = Vec::new();
    for (number, line) in lines {
        let parsed: Line<I, O> = serde_json::from_str(line)
            .map_err(|e| ParseError::new(number, format!("not an operation of a {model} history: {e}")))?;
        let outcome = match (parsed.ret, parsed.output) {
            (Some(at), Some(output)) if at >= parsed.call => Outcome::Returned { output, at: Stamp(at) },
            (Some(at), Some(_)) => {
                return Err(ParseError::new(
                    number,
                    format!("the operation returns at {at}, before its call at {}", parsed.call),
                ))
            }
            (None, None) => Outcome::Pending,
            (Some(_), None) => {
                return Err(ParseError::new(number, "the operation has a `return` stamp but no `output`"))
            }
            (None, Some(_)) => {
                return Err(ParseError::new(number, "the operation has an `output` but no `return` stamp"))
            }
        };
        numbers.push(number);
        operations.push(Operation {
            client: parsed.client,
            input: parsed.input,
            call: Stamp(parsed.call),
            outcome,
        });
    }
    // History::new sorts by call (stably); sort the line numbers alike to name the line at fault.
    let mut order: Vec<usize> = (0..operations.len()).collect();
    order.sort_by_key(|&i| operations[i].call);
    let line_of = |index: usize| numbers[order[index]];
    let history = History::new(operations)
        .map_err(|e| match e {
            HistoryError::Overlapping { client, first, second } => ParseError::new(
                line_of(second),
                format!(
                    "client {client} calls again while its call on line {} has not returned; \
                 a client makes one call at a time",
                    line_of(first)
                ),
            ),
            HistoryError::ReturnBeforeCall { operation, .. } => {
                ParseError::new(line_of(operation), "the operation returns before its call")
            }
            other => ParseError::new(0, other.to_string()),
        })?
        .with_stamp_unit(stamps);
    Ok((model, history))
}
