//! No thread survives its network. This binary holds a single test, because it counts the
//! threads of the whole process.

mod common;

use std::time::Duration;

use common::{eventually, start_echo, Echo};
use labrpc::Network;

fn process_threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let line = status.lines().find(|l| l.starts_with("Threads:")).expect("a Threads: line");
    line["Threads:".len()..].trim().parse().expect("a thread count")
}

/// Puts a burst of concurrent calls through a fresh network, so it grows workers.
fn busy_network() -> Network {
    let net = Network::with_seed(12);
    start_echo(&net, "server");
    std::thread::scope(|s| {
        for i in 0..32 {
            let client = net.endpoint(&format!("c{i}"));
            s.spawn(move || {
                for _ in 0..50 {
                    client.call::<Echo>("server", &"x".into()).unwrap();
                }
            });
        }
    });
    assert!(net.worker_threads() >= 1);
    net
}

#[test]
fn shutdown_and_dropping_the_last_handle_end_every_thread() {
    common::init_log();
    let baseline = process_threads();

    let net = busy_network();
    let workers = net.worker_threads();
    assert!(process_threads() > baseline, "the network runs worker threads");
    net.shutdown();
    assert!(
        eventually(Duration::from_secs(5), || process_threads() == baseline),
        "after shutdown {} threads remain, baseline {baseline} ({workers} workers before)",
        process_threads()
    );

    let net = busy_network();
    let clone = net.clone();
    drop(net);
    assert!(!clone.is_shut_down(), "a clone keeps the network up");
    drop(clone);
    assert!(
        eventually(Duration::from_secs(5), || process_threads() == baseline),
        "after dropping the last handle {} threads remain, baseline {baseline}",
        process_threads()
    );
}
