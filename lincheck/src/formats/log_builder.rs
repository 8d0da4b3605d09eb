//! Matching the lines of an event log into operations, with errors that name the line.

use std::collections::HashMap;

use crate::history::{History, HistoryBuilder, Stamp, StampUnit};
use crate::parse_error::ParseError;

/// A [`HistoryBuilder`] for a log whose events are lines; each event is stamped with its line
/// number, so a report's stamps point into the file.
pub(super) struct LogBuilder<I, O> {
    builder: HistoryBuilder<I, O>,
    /// Per process: the line of its outstanding call.
    call_lines: HashMap<u64, usize>,
}

impl<I, O> LogBuilder<I, O> {
    pub(super) fn new() -> Self {
        LogBuilder { builder: HistoryBuilder::new(), call_lines: HashMap::new() }
    }

    /// The outstanding call of `process`, with its line; an error on `line` if it has none.
    pub(super) fn outstanding(&self, line: usize, process: u64) -> Result<(&I, usize), ParseError> {
        match (self.builder.outstanding_input(process), self.call_lines.get(&process)) {
            (Some(input), Some(&call_line)) => Ok((input, call_line)),
            _ => Err(ParseError::new(
                line,
                format!("process {process} completes a call but has no call outstanding"),
            )),
        }
    }

    pub(super) fn invoke(&mut self, line: usize, process: u64, input: I) -> Result<(), ParseError> {
        if let Some(&call_line) = self.call_lines.get(&process) {
            return Err(ParseError::new(
                line,
                format!(
                    "process {process} invokes again while its call on line {call_line} is outstanding; \
                     a process makes one call at a time"
                ),
            ));
        }
        self.builder
            .call(process, input, Stamp(line as u64))
            .map_err(|e| ParseError::new(line, e.to_string()))?;
        self.call_lines.insert(process, line);
        Ok(())
    }

    pub(super) fn complete(&mut self, line: usize, process: u64, output: O) -> Result<(), ParseError> {
        self.outstanding(line, process)?;
        self.builder
            .ret(process, output, Stamp(line as u64))
            .map_err(|e| ParseError::new(line, e.to_string()))?;
        self.call_lines.remove(&process);
        Ok(())
    }

    /// The outstanding call of `process` will never return.
    pub(super) fn abandon(&mut self, line: usize, process: u64) -> Result<(), ParseError> {
        self.outstanding(line, process)?;
        self.builder.abandon(process).map_err(|e| ParseError::new(line, e.to_string()))?;
        self.call_lines.remove(&process);
        Ok(())
    }

    pub(super) fn finish(self) -> History<I, O> {
        self.builder.finish().with_stamp_unit(StampUnit::Line)
    }
}
