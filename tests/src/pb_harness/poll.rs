//! The polling helper every wait of the primary/backup harness goes through.

use labrpc::time::{Duration, Instant};

use labrpc::Network;

use crate::bounds::POLL;
use crate::health::assert_no_server_panicked;

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
            Err(_) => labrpc::time::sleep(POLL),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_as_soon_as_the_check_holds() {
        crate::in_this_mode(|| {
            let net = Network::new();
            let mut looks = 0;
            let started = Instant::now();
            let got = poll_until(&net, Duration::from_secs(10), || {
                looks += 1;
                if looks == 3 {
                    Ok(looks)
                } else {
                    Err(format!("look {looks}"))
                }
            });
            assert_eq!(got, Ok(3));
            assert!(started.elapsed() < Duration::from_secs(1), "it waited {:?}", started.elapsed());
            net.shutdown();
        });
    }

    #[test]
    fn on_time_out_says_what_it_saw_last_having_looked_at_least_once() {
        crate::in_this_mode(|| {
            let net = Network::new();
            let mut looks = 0;
            let got: Result<(), String> = poll_until(&net, Duration::ZERO, || {
                looks += 1;
                Err(format!("look {looks}"))
            });
            assert_eq!(got, Err("look 1".to_string()));
            let started = Instant::now();
            let got: Result<(), String> =
                poll_until(&net, POLL * 3, || Err(format!("{:?}", started.elapsed())));
            let waited = started.elapsed();
            assert!(got.is_err() && waited >= POLL * 3, "it gave up after {waited:?}: {got:?}");
            net.shutdown();
        });
    }
}
