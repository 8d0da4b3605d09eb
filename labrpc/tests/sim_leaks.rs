//! The leak check of simulation mode (`SimConfig::leak_check`, `LAB_LEAK_CHECK=1`): a scenario
//! that lets something outside the simulation decide what runs (a value kept from an earlier
//! run, a `HashMap`'s order, the wall clock, an operating-system thread) fails with a sentence
//! saying so and naming the tasks that could run; a scenario on the facade alone passes. The
//! same leaky scenarios pass without the check: that is why it exists.
#![cfg(feature = "simulation")]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use labrpc::sim::{self, SimConfig, LEAK_FOUND};
use labrpc::sync::Mutex;
use labrpc::thread;
use labrpc::time::{sleep, Duration};

fn run(leak_check: bool, scenario: impl Fn() + Send + Sync + 'static) -> Result<(), String> {
    let mut config = SimConfig::new(11);
    config.leak_check = leak_check;
    let run = std::panic::AssertUnwindSafe(move || sim::run(&config, scenario).expect("the run starts"));
    std::panic::catch_unwind(run).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

/// Passes unchecked; fails checked, saying it is a leak and naming the tasks that could run.
fn caught(what: &str, scenario: impl Fn() + Clone + Send + Sync + 'static) {
    run(false, scenario.clone()).unwrap_or_else(|message| panic!("{what}: fails even unchecked: {message}"));
    let message = run(true, scenario).expect_err(&format!("{what}: the leak check passed it"));
    assert!(message.contains(LEAK_FOUND), "{what}: {message}");
    let named = message.split("The tasks that could run then: ").nth(1).unwrap_or("none");
    assert!(
        named.starts_with("main-thread") || named.starts_with("worker"),
        "{what}: the tasks are not named: {message}"
    );
}

/// Starts `count` workers, each sleeping its own number of milliseconds, and waits for them.
fn workers(delays: impl IntoIterator<Item = u64>) {
    let handles: Vec<_> = delays
        .into_iter()
        .map(|ms| thread::spawn(&format!("worker-{ms}"), move || sleep(Duration::from_millis(ms))).unwrap())
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
}

#[test]
fn a_value_kept_from_the_first_run_is_a_leak() {
    // Shared by both runs of the schedule, as a static would be.
    let runs = Arc::new(AtomicUsize::new(0));
    caught("a counter kept between runs", move || {
        let extra = runs.fetch_add(1, Ordering::SeqCst);
        workers(1..=2 + extra as u64);
    });
}

#[test]
fn a_hash_maps_order_is_a_leak() {
    caught("HashMap order", || {
        let delays: HashMap<u64, ()> = (1..=16).map(|ms| (ms, ())).collect();
        workers(delays.into_keys());
    });
}

#[test]
fn the_wall_clock_is_a_leak() {
    caught("the wall clock", || {
        workers([3]);
        // Yields for as long as 2 real milliseconds take: a different number each run.
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_millis(2) {
            thread::yield_now();
        }
        workers([1, 2]);
    });
}

#[test]
fn an_operating_system_thread_is_a_leak() {
    caught("an OS thread", || {
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let os = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(2));
            flag.store(true, Ordering::SeqCst);
        });
        while !done.load(Ordering::SeqCst) {
            thread::yield_now();
        }
        os.join().unwrap();
        workers([1, 2]);
    });
}

#[test]
fn a_scenario_on_the_facade_alone_passes_the_check() {
    run(true, || {
        let ticks = Arc::new(Mutex::new(0));
        let counter = ticks.clone();
        let ticker = thread::spawn("ticker", move || {
            for _ in 0..50 {
                sleep(Duration::from_millis(100));
                *counter.lock() += 1;
            }
        })
        .unwrap();
        workers([5, 250, 1_000]);
        ticker.join().unwrap();
        assert_eq!(*ticks.lock(), 50);
        // Drawn from the run's seed: the same in both runs.
        workers([1 + labrpc::random::random_u64() % 10]);
    })
    .unwrap_or_else(|message| panic!("a clean scenario failed the leak check: {message}"));
}
