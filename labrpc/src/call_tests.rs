//! The call path when the machine refuses the network a worker thread: the network's thread
//! spawner is a seam only these tests replace.

use crate::thread::JoinHandle;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::core::Core;
use crate::error::RpcError;
use crate::method::{encode, Method};
use crate::node::Registered;
use crate::service::Service;

struct Bump;
impl Method for Bump {
    const NAME: &'static str = "Test.Bump";
    type Args = ();
    type Reply = u64;
}

/// A spawner that never starts a thread, as an operating system out of threads.
fn refuse(_body: Box<dyn FnOnce() + Send + 'static>) -> io::Result<JoinHandle<()>> {
    Err(io::Error::other("no threads left, for the test"))
}

/// A call that no worker could be started to deliver never ran: its caller hears
/// `RequestLost` (it used to hear `ReplyLost`, which says the handler may have run).
#[test]
fn a_call_no_worker_could_deliver_is_request_lost() {
    let core = Arc::new(Core::with_spawner(1, refuse));
    let runs = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&runs);
    let service = Service::new().handle::<Bump>(move |()| counter.fetch_add(1, Ordering::SeqCst) + 1);
    assert!(matches!(core.node("server").register(Arc::new(service)), Registered::Fresh(_)));
    let client = core.node("client");
    let life = client.current();
    let args = encode(&()).unwrap();
    let result = core.call(&client, &life, "server", Bump::NAME, args, None);
    assert_eq!(result, Err(RpcError::RequestLost { to: "server".into(), method: Bump::NAME }));
    assert_eq!(runs.load(Ordering::SeqCst), 0, "the handler did not run");
    core.shutdown();
}
