//! Why a submission's build failed (see [`crate::compile`], which produces it).

use std::fmt;
use std::time::Duration;

/// Why the build failed.
#[derive(Debug, Clone)]
pub enum BuildError {
    /// The submission uses what graded code may not (files, processes, the environment, sockets,
    /// raw descriptors, unsafe code): clippy's errors, already trimmed.
    Forbidden {
        /// The errors as clippy rendered them.
        diagnostics: String,
        /// What is forbidden and why, one sentence each.
        hints: Vec<String>,
    },
    /// The submission does not compile: the compiler's errors, already trimmed.
    Compile {
        /// The errors as rustc rendered them.
        diagnostics: String,
        /// Advice for the most likely causes, one sentence each.
        hints: Vec<String>,
    },
    /// The build took longer than allowed.
    TimedOut(Duration),
    /// `cargo` could not be run, or did not produce a graded binary.
    Tooling(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Compile { diagnostics, hints } | BuildError::Forbidden { diagnostics, hints } => {
                let headline = match self {
                    BuildError::Forbidden { .. } => "the submission uses what graded code may not:",
                    _ => "the submission does not compile:",
                };
                writeln!(f, "{headline}")?;
                writeln!(f, "{diagnostics}")?;
                for hint in hints {
                    writeln!(f, "hint: {hint}")?;
                }
                Ok(())
            }
            BuildError::TimedOut(limit) => {
                write!(f, "the build took longer than {}s and was stopped", limit.as_secs())
            }
            BuildError::Tooling(message) => write!(f, "could not build: {message}"),
        }
    }
}

impl std::error::Error for BuildError {}
