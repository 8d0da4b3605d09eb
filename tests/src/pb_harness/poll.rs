//! The polling helper every wait of the primary/backup harness goes through.

use std::thread;
use std::time::{Duration, Instant};

use labrpc::Network;

use super::health::assert_no_server_panicked;
use crate::bounds::POLL;

/// Calls `check` every [`POLL`] until it answers `Ok`, for at most `timeout`, and returns that
/// answer. `check` explains with `Err` what it sees instead; on time-out, the last explanation
/// comes back. `check` runs at least once, and once more at the deadline. At every look the test
/// fails if a server thread on `net` panicked (see [`super::health`]).
pub fn poll_until<T>(
    net: &Network,
    timeout: Duration,
    mut check: impl FnMut() -> Result<T, String>,
) -> Result<T, String> {
    let deadline = Instant::now() + timeout;
    loop {
        assert_no_server_panicked(net);
        match check() {
            Ok(value) => return Ok(value),
            Err(seen) if Instant::now() >= deadline => return Err(seen),
            Err(_) => thread::sleep(POLL),
        }
    }
}
