//! What `lab-explore` is asked to do, from its command line (`make explore` builds it).

use clap::Parser;

/// Runs one simulated scenario under many seeds, with random and PCT schedules (the network's
/// fault draws come from the same seed), on every core; stops at the first failure and prints
/// its seed, the command that replays it and its report page.
///
/// It builds the graded suites in simulation mode (`cargo test --no-run -p labtests --features
/// labtests/simulation`), chooses the one test NAME designates, and runs it in test processes,
/// one per core at a time, each running a share of the executions (200 at most). Execution I of
/// base seed B is the same everywhere: `SEED=B` repeats an exploration. Exits 0 only if every
/// execution passed.
#[derive(Parser, Debug, PartialEq, Eq)]
#[command(
    name = "lab-explore",
    override_usage = "make explore T=NAME [RUNS=N] [SEED=B] [JOBS=J]\n       lab-explore [OPTIONS] <NAME>"
)]
pub struct Args {
    /// The test: its name (`first_backup`), SUITE::NAME (`pbservice::first_backup`), or a part of
    /// its name that no other test's has.
    #[arg(value_name = "NAME")]
    pub name: String,

    /// How many executions, each with its own seed.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub runs: u64,

    /// The base seed every execution's seed is drawn from (a random one if not given, printed).
    #[arg(long, value_name = "B")]
    pub seed: Option<u64>,

    /// How many test processes run at once (the machine's cores if not given).
    #[arg(short = 'j', long, value_name = "J", value_parser = clap::value_parser!(u64).range(1..))]
    pub jobs: Option<u64>,
}

impl Args {
    /// The processes to start: `--jobs`, else one per core.
    pub fn jobs(&self) -> u64 {
        self.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<Args, String> {
        Args::try_parse_from(std::iter::once("lab-explore").chain(words.iter().copied()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_name_alone_explores_a_hundred_runs_on_every_core() {
        let args = parse(&["first_backup"]).unwrap();
        assert_eq!(args, Args { name: "first_backup".into(), runs: 100, seed: None, jobs: None });
        assert!(args.jobs() >= 1);
    }

    #[test]
    fn runs_seed_and_jobs_are_read() {
        let args =
            parse(&["--runs", "8", "--seed", "18446744073709551615", "-j", "3", "--", "-odd"]).unwrap();
        assert_eq!(args, Args { name: "-odd".into(), runs: 8, seed: Some(u64::MAX), jobs: Some(3) });
        assert_eq!(args.jobs(), 3);
    }

    #[test]
    fn bad_values_are_refused_saying_which() {
        assert!(parse(&["x", "--runs", "0"]).unwrap_err().contains("--runs"));
        assert!(parse(&["x", "--jobs", "0"]).unwrap_err().contains("--jobs"));
        assert!(parse(&["x", "--seed", "abc"]).unwrap_err().contains("--seed"));
        assert!(parse(&[]).unwrap_err().contains("<NAME>"));
    }
}
