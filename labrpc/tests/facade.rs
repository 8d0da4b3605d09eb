//! The facade in the plain build (real threads and time): the same calls the simulation's tests
//! make (`tests/sim_clock.rs`) mean the same here.
#![cfg(not(feature = "simulation"))]

use std::sync::Arc;

use labrpc::sync::{Condvar, Mutex};
use labrpc::thread;
use labrpc::time::{sleep, Duration, Instant};

#[test]
fn a_timed_wait_ends_at_its_deadline_or_at_the_notification() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let (lock, ready) = &*pair;
    let start = Instant::now();
    let mut done = lock.lock();
    assert!(ready.wait_for(&mut done, Duration::from_millis(30)).timed_out());
    assert!(start.elapsed() >= Duration::from_millis(30));
    drop(done);

    let notifier = pair.clone();
    let handle = thread::spawn("notifier", move || {
        sleep(Duration::from_millis(5));
        *notifier.0.lock() = true;
        notifier.1.notify_all();
    })
    .unwrap();
    let mut done = lock.lock();
    let mut timed_out = false;
    while !*done && !timed_out {
        timed_out = ready.wait_for(&mut done, Duration::from_secs(30)).timed_out();
    }
    assert!(!timed_out && *done);
    drop(done);
    handle.join().unwrap();
}

#[test]
fn a_thread_has_its_name_and_returns_its_result() {
    let handle = thread::spawn("named", || std::thread::current().name().map(str::to_string)).unwrap();
    assert_eq!(handle.join().unwrap().as_deref(), Some("named"));
}

#[test]
fn instants_order_and_subtract_without_panicking() {
    let earlier = Instant::now();
    let later = earlier + Duration::from_millis(5);
    assert!(later > earlier);
    assert_eq!(later - earlier, Duration::from_millis(5));
    assert_eq!(earlier - later, Duration::ZERO);
    assert_eq!(earlier.checked_sub(Duration::from_secs(u64::MAX)), None);
}

#[test]
fn a_lock_is_free_again_once_its_guard_is_dropped() {
    let lock = Mutex::new(1);
    let guard = lock.lock();
    assert!(lock.try_lock().is_none());
    drop(guard);
    *lock.try_lock().expect("free") += 1;
    assert_eq!(lock.into_inner(), 2);
}
