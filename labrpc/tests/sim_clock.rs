//! The simulation's virtual clock and scheduler (the `simulation` feature): time moves only when
//! every task is blocked or asleep, timed waits end by it, a seed replays a run's interleaving,
//! and a deadlock, a task outliving its scenario, a run past its time limit or one that stopped
//! advancing fails with what happened: the virtual time, each blocked task, what it waits for
//! and the line where it began to wait.
#![cfg(feature = "simulation")]

use std::sync::Arc;

use labrpc::sim::{self, SimConfig};
use labrpc::sync::{Condvar, Mutex};
use labrpc::thread;
use labrpc::time::{sleep, Duration, Instant};

/// What a run recorded, taken out of it (the run's closure must be `'static`).
type Log = Arc<std::sync::Mutex<Vec<String>>>;

fn run_logged(config: &SimConfig, scenario: impl Fn(&dyn Fn(String)) + Send + Sync + 'static) -> Vec<String> {
    let log: Log = Arc::default();
    let out = log.clone();
    sim::run(config, move || {
        out.lock().unwrap().clear();
        let record = |line: String| out.lock().unwrap().push(line);
        scenario(&record);
    })
    .expect("the run starts");
    let lines = log.lock().unwrap().clone();
    lines
}

fn millis(at: Instant, start: Instant) -> u128 {
    (at - start).as_millis()
}

/// Two tickers of 100 and 250 ms for 20 virtual seconds: every tick lands exactly on its period.
#[test]
fn tickers_tick_at_exact_virtual_times_and_twenty_seconds_pass_at_once() {
    let lines = run_logged(&SimConfig::new(7), |record| {
        let start = Instant::now();
        let ticks = Arc::new(Mutex::new(Vec::new()));
        let mut handles = Vec::new();
        for (name, period) in [("fast", 100u64), ("slow", 250)] {
            let ticks = ticks.clone();
            handles.push(
                thread::spawn(name, move || {
                    for _ in 0..20_000 / period {
                        sleep(Duration::from_millis(period));
                        ticks.lock().push((name, millis(Instant::now(), start)));
                    }
                })
                .unwrap(),
            );
        }
        for handle in handles {
            handle.join().unwrap();
        }
        for (name, at) in ticks.lock().iter() {
            record(format!("{name} {at}"));
        }
        record(format!("end {}", millis(Instant::now(), start)));
    });
    let fast: Vec<&String> = lines.iter().filter(|l| l.starts_with("fast ")).collect();
    let slow: Vec<&String> = lines.iter().filter(|l| l.starts_with("slow ")).collect();
    assert_eq!(fast.len(), 200);
    assert_eq!(slow.len(), 80);
    for (i, line) in fast.iter().enumerate() {
        assert_eq!(**line, format!("fast {}", (i + 1) * 100));
    }
    for (i, line) in slow.iter().enumerate() {
        assert_eq!(**line, format!("slow {}", (i + 1) * 250));
    }
    assert_eq!(lines.last().unwrap(), "end 20000");
}

/// A timed wait with nobody to notify it ends exactly at its deadline; one notified earlier ends
/// then, not timed out.
#[test]
fn a_timed_wait_ends_at_its_deadline_or_at_the_notification() {
    let lines = run_logged(&SimConfig::new(3), |record| {
        let start = Instant::now();
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let (lock, ready) = &*pair;
        let mut done = lock.lock();
        let result = ready.wait_for(&mut done, Duration::from_millis(300));
        record(format!("alone: timed_out={} at {}", result.timed_out(), millis(Instant::now(), start)));
        drop(done);

        let notifier = pair.clone();
        let handle = thread::spawn("notifier", move || {
            sleep(Duration::from_millis(40));
            *notifier.0.lock() = true;
            notifier.1.notify_all();
        })
        .unwrap();
        let mut done = lock.lock();
        let mut timed_out = false;
        while !*done && !timed_out {
            timed_out = ready.wait_for(&mut done, Duration::from_millis(1_000)).timed_out();
        }
        record(format!("notified: timed_out={timed_out} at {}", millis(Instant::now(), start)));
        drop(done);
        handle.join().unwrap();
    });
    assert_eq!(lines, ["alone: timed_out=true at 300", "notified: timed_out=false at 340"]);
}

/// Tasks woken at one instant run in the order the seed's schedule picks: the same seed gives the
/// same order every time, and other seeds other orders.
fn racing_order(seed: u64) -> Vec<String> {
    run_logged(&SimConfig::new(seed), |record| {
        let order = Arc::new(Mutex::new(String::new()));
        let handles: Vec<_> = ["a", "b", "c", "d"]
            .into_iter()
            .map(|name| {
                let order = order.clone();
                thread::spawn(name, move || {
                    for _ in 0..3 {
                        sleep(Duration::from_millis(10));
                        order.lock().push_str(name);
                    }
                })
                .unwrap()
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        record(order.lock().clone());
    })
}

#[test]
fn a_seed_replays_the_order_of_simultaneous_wakeups_and_other_seeds_vary_it() {
    let first = racing_order(11);
    assert_eq!(first, racing_order(11), "the same seed must replay the same order");
    let others: std::collections::BTreeSet<Vec<String>> = (0..20).map(racing_order).collect();
    assert!(others.len() > 5, "20 seeds gave only {} orders: {others:?}", others.len());
}

fn panic_message(outcome: std::thread::Result<()>) -> String {
    let payload = outcome.expect_err("the run must fail");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn a_deadlock_fails_the_run_naming_the_blocked_tasks() {
    let outcome = std::panic::catch_unwind(|| {
        sim::run(&SimConfig::new(1), || {
            let pair = Arc::new((Mutex::new(()), Condvar::new()));
            let waiter = pair.clone();
            let handle = thread::spawn("forever-waiter", move || {
                let mut guard = waiter.0.lock();
                waiter.1.wait(&mut guard);
            })
            .unwrap();
            handle.join().unwrap();
        })
        .unwrap();
    });
    let message = panic_message(outcome);
    assert!(message.contains("deadlock at virtual time 0ns"), "{message}");
    let file = file!();
    assert!(
        message.contains(&format!("forever-waiter waits on a condition variable at {file}:")),
        "{message}"
    );
    assert!(message.contains(&format!("main-thread waits for a thread to finish at {file}:")), "{message}");
}

/// Two tasks each holding the lock the other wants, after a virtual second: the deadlock report
/// names both, the lock each waits for (by the line that locks it) and the time.
#[test]
fn a_lock_order_deadlock_names_each_task_and_the_line_it_waits_at() {
    let outcome = std::panic::catch_unwind(|| {
        sim::run(&SimConfig::new(3), || {
            let (a, b) = (Arc::new(Mutex::new(())), Arc::new(Mutex::new(())));
            let gate = Arc::new((Mutex::new(0), Condvar::new()));
            let mut handles = Vec::new();
            for (name, first, second) in
                [("a-then-b", a.clone(), b.clone()), ("b-then-a", b.clone(), a.clone())]
            {
                let gate = gate.clone();
                handles.push(
                    thread::spawn(name, move || {
                        sleep(Duration::from_secs(1));
                        let _first = first.lock();
                        // Both hold their first lock before either asks for its second.
                        let mut holding = gate.0.lock();
                        *holding += 1;
                        gate.1.notify_all();
                        while *holding < 2 {
                            gate.1.wait(&mut holding);
                        }
                        drop(holding);
                        let _second = second.lock();
                    })
                    .unwrap(),
                );
            }
            for handle in handles {
                handle.join().unwrap();
            }
        })
        .unwrap();
    });
    let message = panic_message(outcome);
    assert!(message.contains("deadlock at virtual time 1s"), "{message}");
    for name in ["a-then-b", "b-then-a"] {
        assert!(message.contains(&format!("{name} waits to lock a mutex at {}:", file!())), "{message}");
    }
}

/// A lock held forever while a ticker keeps time moving: no deadlock, so the run ends at its
/// virtual-time limit, naming the task stuck on the lock and where.
#[test]
fn a_lock_held_forever_beside_a_ticker_fails_at_the_time_limit_naming_the_stuck_task() {
    let mut config = SimConfig::new(5);
    config.time_limit = Duration::from_secs(3);
    let outcome = std::panic::catch_unwind(move || {
        sim::run(&config, || {
            let lock = Arc::new(Mutex::new(()));
            let _held = lock.lock();
            let stuck = lock.clone();
            let handler = thread::spawn("handler", move || drop(stuck.lock())).unwrap();
            loop {
                sleep(Duration::from_millis(100));
                if handler.is_finished() {
                    break;
                }
            }
        })
        .unwrap();
    });
    let message = panic_message(outcome);
    assert!(message.contains("virtual-time limit of 3s"), "{message}");
    assert!(message.contains(&format!("handler waits to lock a mutex at {}:", file!())), "{message}");
}

/// A loop that never blocks nor sleeps: virtual time cannot pass, and the run says so long
/// before its step limit, naming the spinning task.
#[test]
fn a_busy_loop_fails_as_a_run_that_stopped_advancing() {
    let mut config = SimConfig::new(9);
    config.stall_steps = 10_000;
    let outcome = std::panic::catch_unwind(move || {
        sim::run(&config, || {
            sleep(Duration::from_millis(250));
            thread::spawn("spinner", || loop {
                thread::yield_now();
            })
            .unwrap()
            .join()
            .unwrap();
        })
        .unwrap();
    });
    let message = panic_message(outcome);
    assert!(message.contains("stopped advancing at virtual time 250ms"), "{message}");
    assert!(message.contains("spinner"), "{message}");
}

#[test]
fn a_task_still_asleep_when_the_scenario_returns_fails_the_run() {
    let outcome = std::panic::catch_unwind(|| {
        sim::run(&SimConfig::new(1), || {
            thread::spawn("leftover-ticker", || loop {
                sleep(Duration::from_millis(100));
            })
            .unwrap();
        })
        .unwrap();
    });
    let message = panic_message(outcome);
    assert!(message.contains("outlived its test"), "{message}");
    assert!(message.contains("leftover-ticker"), "{message}");
}

#[test]
fn a_run_past_its_virtual_time_limit_fails_with_the_limit() {
    let mut config = SimConfig::new(1);
    config.time_limit = Duration::from_secs(5);
    let outcome = std::panic::catch_unwind(move || {
        sim::run(&config, || sleep(Duration::from_secs(6))).unwrap();
    });
    let message = panic_message(outcome);
    assert!(message.contains("virtual-time limit of 5s"), "{message}");
}
