//! The error of every history reader: which line is wrong, and how.

use std::fmt;

/// A history file that could not be read, with the line (counted from 1) at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The line at fault, counted from 1 (0: the file as a whole, such as an empty file).
    pub line: usize,
    /// What is wrong with it, and what was expected.
    pub message: String,
}

impl ParseError {
    /// An error on `line`.
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        ParseError { line, message: message.into() }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for ParseError {}
