//! How far an exploration has got: a progress bar on a terminal, a line now and then elsewhere
//! (both on stderr): executions done of all, executions per second, time left.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a plain progress line is printed.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// Shows the progress of an exploration of `total` executions.
pub struct Progress {
    total: u64,
    started: Instant,
    shown: Shown,
}

enum Shown {
    Bar(ProgressBar),
    Plain { last: Instant },
}

impl Progress {
    /// Starts showing: a bar if `terminal`, plain lines if not.
    pub fn start(total: u64, terminal: bool) -> Progress {
        let started = Instant::now();
        let shown = if terminal {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style =
                ProgressStyle::with_template("{elapsed:>4} [{wide_bar}] {pos}/{len} executions, {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message("starting");
            bar.enable_steady_tick(Duration::from_millis(500));
            Shown::Bar(bar)
        } else {
            Shown::Plain { last: started }
        };
        Progress { total, started, shown }
    }

    /// `done` executions have passed.
    pub fn update(&mut self, done: u64) {
        let rate = rate(done, self.started.elapsed());
        match &mut self.shown {
            Shown::Bar(bar) => {
                bar.set_position(done);
                bar.set_message(speed(done, self.total, rate));
            }
            Shown::Plain { last } if last.elapsed() >= PLAIN_EVERY => {
                *last = Instant::now();
                eprintln!("explore: {done}/{} executions, {}", self.total, speed(done, self.total, rate));
            }
            Shown::Plain { .. } => {}
        }
    }

    /// Stops showing (the bar is cleared); returns how long the exploration took.
    pub fn finish(self) -> Duration {
        if let Shown::Bar(bar) = &self.shown {
            bar.finish_and_clear();
        }
        self.started.elapsed()
    }
}

/// Executions per second.
pub fn rate(done: u64, elapsed: Duration) -> f64 {
    done as f64 / elapsed.as_secs_f64().max(1e-3)
}

/// `12.3/s, about 40 s left`.
fn speed(done: u64, total: u64, rate: f64) -> String {
    if done == 0 || rate <= 0.0 {
        return "starting".to_string();
    }
    let left = Duration::from_secs_f64((total.saturating_sub(done)) as f64 / rate);
    format!("{rate:.1}/s, about {} left", duration(left))
}

/// A duration as a person reads it: `0.04 s`, `4.2 s`, `42 s`, `3 min 5 s`, `2 h 1 min`.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0 => format!("{:.2} s", d.as_secs_f64()),
        1..=9 => format!("{:.1} s", d.as_secs_f64()),
        10..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_says_them() {
        assert_eq!(duration(Duration::from_millis(42)), "0.04 s");
        assert_eq!(duration(Duration::from_millis(4200)), "4.2 s");
        assert_eq!(duration(Duration::from_secs(42)), "42 s");
        assert_eq!(duration(Duration::from_secs(185)), "3 min 5 s");
        assert_eq!(duration(Duration::from_secs(7260)), "2 h 1 min");
    }

    #[test]
    fn speed_says_the_rate_and_the_time_left() {
        assert_eq!(speed(0, 100, 0.0), "starting");
        assert_eq!(speed(50, 100, 10.0), "10.0/s, about 5.0 s left");
        assert_eq!(speed(99, 100, 10.0), "10.0/s, about 0.10 s left");
        assert!((rate(30, Duration::from_secs(3)) - 10.0).abs() < 1e-9);
    }
}
