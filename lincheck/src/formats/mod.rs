//! Readers for history files written by others: the formats of the external linearizability data
//! (Porcupine's key/value logs, Jepsen's etcd logs), plus detection of those and the recorder's
//! own format, for the `lincheck` command and the data tests.
//!
//! This module is apart from the checker: the checker, the models and the recorder do not use
//! it, and it may grow a reader for another format without touching them.

mod edn;
mod etcd_log;
pub mod external_data;
mod kv_log;
mod log_builder;

use std::fmt;
use std::path::{Path, PathBuf};

pub use etcd_log::parse_etcd_log;
pub use kv_log::parse_kv_log;

use super::history::History;
use super::json;
use super::models::kv::{KvInput, KvModel, KvOutput};
use super::models::register::{RegisterInput, RegisterModel, RegisterOutput};
use super::parse_error::ParseError;

/// The formats this module reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The recorder's JSON Lines (see [`json`]).
    RecorderJson,
    /// A key/value log of EDN maps (see [`parse_kv_log`]).
    KvLog,
    /// A Jepsen etcd log (see [`parse_etcd_log`]).
    EtcdLog,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::RecorderJson => "recorder JSON",
            Format::KvLog => "key/value EDN log",
            Format::EtcdLog => "Jepsen etcd log",
        })
    }
}

/// Tells the format of a file from its text, or `None` if it is none of them.
pub fn detect(text: &str) -> Option<Format> {
    let first = text.lines().map(str::trim).find(|line| !line.is_empty())?;
    if json::looks_like_json_lines(text) {
        Some(Format::RecorderJson)
    } else if first.starts_with("{:") {
        Some(Format::KvLog)
    } else if text.contains("jepsen.util") {
        Some(Format::EtcdLog)
    } else {
        None
    }
}

/// A history read from a file, typed by its model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadedHistory {
    /// A key/value history, for [`KvModel`].
    Kv(History<KvInput, KvOutput>),
    /// A register history, for [`RegisterModel`].
    Register(History<RegisterInput, RegisterOutput>),
}

impl LoadedHistory {
    /// The name of the history's model: [`KvModel::NAME`] or [`RegisterModel::NAME`].
    pub fn model_name(&self) -> &'static str {
        match self {
            LoadedHistory::Kv(_) => KvModel::NAME,
            LoadedHistory::Register(_) => RegisterModel::NAME,
        }
    }

    /// The number of operations.
    pub fn len(&self) -> usize {
        match self {
            LoadedHistory::Kv(history) => history.len(),
            LoadedHistory::Register(history) => history.len(),
        }
    }

    /// True if the history has no operation.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A history read from a file, with the file's format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// The format it was read in.
    pub format: Format,
    /// The history.
    pub history: LoadedHistory,
}

/// Reads a history in any of the formats, telling which from the text.
pub fn parse(text: &str) -> Result<Loaded, ParseError> {
    let Some(format) = detect(text) else {
        if text.trim().is_empty() {
            return Err(ParseError::new(0, "the file is empty; expected a history"));
        }
        return Err(ParseError::new(
            1,
            "unknown format: expected the recorder's JSON Lines, a key/value log of EDN maps ({:process ...}) \
             or a Jepsen etcd log (INFO  jepsen.util - ...)",
        ));
    };
    let history = match format {
        Format::KvLog => LoadedHistory::Kv(parse_kv_log(text)?),
        Format::EtcdLog => LoadedHistory::Register(parse_etcd_log(text)?),
        Format::RecorderJson => match json::model_of(text)?.as_str() {
            KvModel::NAME => LoadedHistory::Kv(json::from_json_lines(text)?.1),
            RegisterModel::NAME => LoadedHistory::Register(json::from_json_lines(text)?.1),
            other => {
                return Err(ParseError::new(
                    1,
                    format!(
                        "the header names model {other:?}; known models are {:?} and {:?}",
                        KvModel::NAME,
                        RegisterModel::NAME
                    ),
                ))
            }
        },
    };
    Ok(Loaded { format, history })
}

/// Why a history file could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// The file is not a well-formed history.
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong and where.
        error: ParseError,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { path, error } => write!(f, "{}: cannot read the file: {error}", path.display()),
            LoadError::Parse { path, error } if error.line == 0 => {
                write!(f, "{}: {}", path.display(), error.message)
            }
            LoadError::Parse { path, error } => {
                write!(f, "{}:{}: {}", path.display(), error.line, error.message)
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// Reads and parses a history file.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let text =
        std::fs::read_to_string(path).map_err(|error| LoadError::Io { path: path.to_path_buf(), error })?;
    parse(&text).map_err(|error| LoadError::Parse { path: path.to_path_buf(), error })
}
