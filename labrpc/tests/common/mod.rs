//! Methods and small servers shared by labrpc's own tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use labrpc::{Method, Network, Service};

/// `Test.Echo`: replies with its argument.
pub struct Echo;
impl Method for Echo {
    const NAME: &'static str = "Test.Echo";
    type Args = String;
    type Reply = String;
}

/// `Test.Add`: adds a pair.
pub struct Add;
impl Method for Add {
    const NAME: &'static str = "Test.Add";
    type Args = (i64, i64);
    type Reply = i64;
}

/// `Test.Bump`: counts how often the handler ran; replies with the new count.
pub struct Bump;
impl Method for Bump {
    const NAME: &'static str = "Test.Bump";
    type Args = ();
    type Reply = u64;
}

/// `Test.Blob`: takes bytes, replies with their length.
pub struct Blob;
impl Method for Blob {
    const NAME: &'static str = "Test.Blob";
    type Args = Vec<u8>;
    type Reply = u64;
}

/// A server answering Echo and Add, registered as `name`.
pub fn start_echo(net: &Network, name: &str) {
    let service = Service::new()
        .handle::<Echo>(|text| text)
        .handle::<Add>(|(a, b)| a + b)
        .handle::<Blob>(|bytes| bytes.len() as u64);
    net.register(name, service).expect("register echo server");
}

/// A server answering Bump; returns the count of handler runs.
pub fn start_counter(net: &Network, name: &str) -> Arc<AtomicU64> {
    let runs = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&runs);
    let service = Service::new().handle::<Bump>(move |()| counter.fetch_add(1, Ordering::SeqCst) + 1);
    net.register(name, service).expect("register counter server");
    runs
}

/// Polls `condition` until it holds or `timeout` passes; says whether it held.
pub fn eventually(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Starts env_logger once per test binary so `RUST_LOG=debug` shows the network's story.
pub fn init_log() {
    let _ = env_logger::builder().is_test(true).try_init();
}
