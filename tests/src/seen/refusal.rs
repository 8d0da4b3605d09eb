//! A refused ping, as the harness read it.

use viewservice::PingError;

/// A `viewservice::PingError`, read by matching its variants: a refusal is compared with the
/// one a test wants through this, never through the submission's `PartialEq`.
///
/// ```
/// use labtests::seen::SeenRefusal;
/// use viewservice::PingError;
///
/// let refusal = SeenRefusal::of(&PingError::ViewnumAhead { got: 5, current: 1 });
/// assert_eq!(refusal, SeenRefusal::ViewnumAhead { got: 5, current: 1 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeenRefusal {
    /// The ping carried an empty server name.
    EmptyName,
    /// The ping claimed view `got`, but the current view was `current`.
    ViewnumAhead {
        /// The viewnum the ping carried.
        got: u64,
        /// The view service's current viewnum.
        current: u64,
    },
}

impl SeenRefusal {
    /// Reads `error`.
    pub fn of(error: &PingError) -> SeenRefusal {
        match error {
            PingError::EmptyName => SeenRefusal::EmptyName,
            PingError::ViewnumAhead { got, current } => {
                SeenRefusal::ViewnumAhead { got: *got, current: *current }
            }
        }
    }
}
