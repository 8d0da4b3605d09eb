//! `lincheck`: a linearizability checker, its models, the history recorder, the HTML timeline
//! and the `lincheck` command (`src/main.rs`).
//!
//! A history is linearizable if each operation can be given a single instant between its call
//! and its return at which it takes effect, such that the operations in that order are a legal
//! run of a sequential specification (a [`Model`]). [`check`] decides this on each independent
//! partition of the history (per key for the key/value model) in one of two ways:
//!
//! - **unique-append inference**, for a partition of appends carrying distinct values and reads
//!   of the whole value (the lab's workloads): each read names the appends it saw, in order, so
//!   the longest read gives the order of the appends, and the other reads, real time and calls
//!   that never returned are judged against it in about linear time (the idea of Elle's
//!   list-append analysis);
//! - **search**, for every other partition (and those whose reads spell appends in several
//!   ways), as Porcupine does: a backtracking search over call and return events (Wing & Gong)
//!   that remembers every (operations linearized, state) configuration it has explored (Lowe).
//!
//! Both give the same verdict; the inference only takes far less time and memory. The check
//! stops at the first partition with no linearization (an option decides them all), and a
//! search gives up, answering "unknown" with the limit's name, at a time limit, a number of
//! configurations, or a memory budget. Operations that never returned may take effect at any
//! time after their call, or never.
//!
//! ```
//! use std::collections::HashMap;
//! use std::convert::Infallible;
//! use lincheck::{check, CheckOptions, KvClerk, KvModel, KvRecorder, RecordingClerk, Verdict};
//!
//! // A store that answers every call at once: any history it gives is linearizable.
//! #[derive(Default)]
//! struct Store(HashMap<String, String>);
//! impl KvClerk for Store {
//!     type Error = Infallible;
//!     fn get(&mut self, key: &str) -> Result<String, Infallible> {
//!         Ok(self.0.get(key).cloned().unwrap_or_default())
//!     }
//!     fn put(&mut self, key: &str, value: &str) -> Result<(), Infallible> {
//!         self.0.insert(key.to_string(), value.to_string());
//!         Ok(())
//!     }
//!     fn append(&mut self, key: &str, value: &str) -> Result<(), Infallible> {
//!         self.0.entry(key.to_string()).or_default().push_str(value);
//!         Ok(())
//!     }
//! }
//!
//! let recorder = KvRecorder::new();
//! let mut clerk = RecordingClerk::new(Store::default(), &recorder);
//! clerk.put("a", "1").unwrap();
//! clerk.append("a", "2").unwrap();
//! assert_eq!(clerk.get("a").unwrap(), "12");
//!
//! let history = recorder.history();
//! let report = check(&KvModel, &history, &CheckOptions::default());
//! assert_eq!(report.verdict, Verdict::Linearizable, "{}", report.explain(&KvModel, &history));
//! ```
//!
//! Parts, one job each:
//! - [`history`]: operations, stamps and histories; [`recorder`] and [`clerk`] record them;
//! - [`model`]: the [`Model`] trait; [`models`]: the key/value and register models;
//! - [`checker`]: [`check`], its [`CheckOptions`] and its [`CheckReport`];
//! - [`json`]: the recorder's file format; [`formats`]: readers of other people's formats;
//! - [`timeline`]: the self-contained HTML timeline of a history and its check;
//! - [`verify`](mod@verify): the one call a scenario test makes.

pub mod checker;
pub mod clerk;
pub mod formats;
pub mod history;
pub mod json;
pub mod model;
pub mod models;
pub mod parse_error;
pub mod recorder;
pub mod timeline;
pub mod verify;

pub use checker::{
    check, CheckOptions, CheckReport, Limit, PartitionOutcome, PartitionResult, Verdict,
    DEFAULT_MAX_CONFIGURATIONS, DEFAULT_MAX_MEMORY,
};
pub use clerk::{KvClerk, KvRecorder, RecordingClerk};
pub use history::{History, HistoryBuilder, HistoryError, Operation, Outcome, Stamp, StampUnit};
pub use model::{AppendStep, Model, Partition};
pub use models::kv::{KvInput, KvModel, KvOutput};
pub use models::register::{RegisterInput, RegisterModel, RegisterOutput};
pub use parse_error::ParseError;
pub use recorder::{PendingCall, Recorder};
pub use verify::verify;
