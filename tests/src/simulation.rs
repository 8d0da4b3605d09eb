//! Graded scenarios in simulation mode (the `simulation` feature): each runs inside one
//! simulated run of labrpc, its threads tasks of a scheduler seeded with `LAB_SEED` (or a fresh
//! seed, printed when the scenario fails), on a virtual clock. The seed also seeds the scenario's
//! networks, so one number replays the schedule, the faults and the time. With `LAB_LEAK_CHECK=1`
//! each runs twice on its schedule, and fails if something outside the simulation changed the
//! second run (`make test` does this once, after the simulated suites).

use std::sync::Arc;

use labrpc::sim::{self, SimConfig};

/// `scenario`, wrapped to run simulated each time it is called.
pub fn simulated(scenario: impl Fn() + Send + Sync + 'static) -> impl Fn() {
    let scenario = Arc::new(scenario);
    move || {
        let seed = seed();
        let run = Arc::clone(&scenario);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let mut config = SimConfig::new(seed);
            config.leak_check = sim::leak_check_requested();
            sim::run(&config, move || run()).unwrap_or_else(|error| panic!("{error}"))
        }));
        if let Err(failure) = outcome {
            let test = std::thread::current().name().unwrap_or("NAME").to_string();
            eprintln!(
                "simulated run failed, seed {seed}: replay it exactly with {}",
                labreport::scenario::rerun_command(seed, &test)
            );
            std::panic::resume_unwind(failure);
        }
    }
}

/// `LAB_SEED` if set (a malformed value fails the test), else a fresh random seed.
fn seed() -> u64 {
    match std::env::var(labrpc::SEED_ENV) {
        Ok(value) => value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{}={value:?} is not a seed: give a whole number", labrpc::SEED_ENV)),
        Err(_) => rand::random(),
    }
}
