//! The polling helper every wait of the primary/backup harness goes through.

use labrpc::time::{Duration, Instant};

use labrpc::Network;

use crate::bounds::{MOST_COUNTED_PER_PAUSE, POLL};
use crate::health::assert_no_server_panicked;

/// A wait that ran out: what its check saw last, and how long it lasted on the clock.
#[derive(Debug, PartialEq, Eq)]
pub struct TimedOut {
    /// The check's last explanation of what it saw instead.
    pub seen: String,
    /// How long the wait lasted on the clock: its bound, or longer if the machine held the
    /// test's thread off (see [`MOST_COUNTED_PER_PAUSE`]).
    pub lasted: Duration,
}

impl TimedOut {
    /// `waited {timeout:?} for {what}, but` what the check saw, and how long that took on the
    /// clock when the machine stretched the wait noticeably.
    pub fn explain(&self, what: &str, timeout: Duration) -> String {
        let mut said = format!("waited {timeout:?} for {what}, but {}", self.seen);
        if self.lasted > timeout + timeout / 4 + POLL {
            said += &format!(
                " (the wait lasted {:.1?} on the clock: the machine held the test off, and a pause \
                 between looks it held off counts as {MOST_COUNTED_PER_PAUSE:?})",
                self.lasted
            );
        }
        said
    }
}

/// Calls `check` every [`POLL`] until it answers `Ok`, and returns that answer; gives up once
/// `timeout` is used up, counting each check in full and each pause between checks as what it
/// took, at most [`MOST_COUNTED_PER_PAUSE`]. `check` explains with `Err` what it sees instead;
/// on time-out, the last explanation comes back. `check` runs at least once, and once more at
/// the end. At every look the test fails if a server thread on `net` panicked (see
/// [`super::health`]).
pub fn poll_until<T>(
    net: &Network,
    timeout: Duration,
    check: impl FnMut() -> Result<T, String>,
) -> Result<T, TimedOut> {
    poll_pausing(net, timeout, check, labrpc::time::sleep)
}

/// [`poll_until`], pausing with `pause` (a sleep: the tests make one the machine holds off).
fn poll_pausing<T>(
    net: &Network,
    timeout: Duration,
    mut check: impl FnMut() -> Result<T, String>,
    mut pause: impl FnMut(Duration),
) -> Result<T, TimedOut> {
    let started = Instant::now();
    let mut counted = Duration::ZERO;
    loop {
        let look = Instant::now();
        assert_no_server_panicked(net);
        match check() {
            Ok(value) => return Ok(value),
            Err(seen) if counted >= timeout => return Err(TimedOut { seen, lasted: started.elapsed() }),
            Err(_) => {}
        }
        counted += look.elapsed();
        let paused = Instant::now();
        // The last pause ends at the bound, not a poll past it.
        pause(POLL.min(timeout.saturating_sub(counted)));
        let took = paused.elapsed();
        if took > MOST_COUNTED_PER_PAUSE {
            log::debug!("a pause of a wait took {took:?}: the machine held the test off; it counts as {MOST_COUNTED_PER_PAUSE:?}");
        }
        counted += took.min(MOST_COUNTED_PER_PAUSE);
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
            let got = poll_until(&net, Duration::ZERO, || -> Result<(), String> {
                looks += 1;
                Err(format!("look {looks}"))
            });
            assert_eq!(got.map_err(|t| t.seen), Err("look 1".to_string()));
            let started = Instant::now();
            let got = poll_until(&net, POLL * 3, || -> Result<(), String> {
                Err(format!("{:?}", started.elapsed()))
            });
            let waited = started.elapsed();
            assert!(got.is_err() && waited >= POLL * 3, "it gave up after {waited:?}: {got:?}");
            net.shutdown();
        });
    }

    /// A machine that holds the test's thread off stretches the servers' rounds; the wait's
    /// bound stretches with it, as the original's round-counting loops do. Here every pause is
    /// held off (it lasts four polls where one was asked): the wait still looks as many times as
    /// on a quiet machine, so what happens after the bound on the clock, but within its looks, is
    /// seen.
    #[test]
    fn pauses_the_machine_held_off_count_at_most_two_polls_each() {
        crate::in_this_mode(|| {
            let held_off = |asked: Duration| labrpc::time::sleep(asked + POLL * 3);
            let net = Network::new();
            let started = Instant::now();
            let bound = POLL * 10;
            let mut looks = 0;
            let got = poll_pausing(
                &net,
                bound,
                || {
                    looks += 1;
                    // Four pauses of four polls each on the clock, counted as two polls each:
                    // past the bound on the clock, within it in looks.
                    if started.elapsed() >= bound + POLL * 6 {
                        Ok(looks)
                    } else {
                        Err(format!("look {looks}"))
                    }
                },
                held_off,
            );
            assert_eq!(got, Ok(5), "a wait counted held-off pauses at their full length");

            // The count still ends: a wait that never succeeds gives up after `bound` counted,
            // and its explanation says how long it lasted on the clock.
            let started = Instant::now();
            let got =
                poll_pausing(&net, bound, || -> Result<(), String> { Err("not yet".to_string()) }, held_off);
            let lasted = started.elapsed();
            let timed_out = got.expect_err("the check never holds");
            assert!(lasted >= bound * 2 && lasted < bound * 3, "it lasted {lasted:?}");
            let said = timed_out.explain("the view", bound);
            assert!(
                said.starts_with("waited 100ms for the view, but not yet (the wait lasted ")
                    && said.contains("the machine held the test off"),
                "{said}"
            );
            net.shutdown();
        });
    }

    /// A check that is slow because the code under test is (it holds the lock the check reads
    /// through) is the submission's time, not the machine's: it counts in full, so a service
    /// cannot buy itself a longer bound by being slow to answer the test's looks.
    #[test]
    fn a_slow_check_counts_in_full() {
        crate::in_this_mode(|| {
            let net = Network::new();
            let started = Instant::now();
            let bound = POLL * 10;
            let got = poll_until(&net, bound, || -> Result<(), String> {
                labrpc::time::sleep(POLL * 3);
                // Would hold after four looks of four polls each and a fifth check: past the
                // bound, on the clock and in looks.
                if started.elapsed() >= bound + POLL * 8 {
                    Ok(())
                } else {
                    Err("not yet".to_string())
                }
            });
            let lasted = started.elapsed();
            assert!(got.is_err(), "a slow check stretched the wait to {lasted:?}");
            assert!(lasted < bound + POLL * 6, "the wait lasted {lasted:?}");
            net.shutdown();
        });
    }
}
