//! The history recorder and the recording clerk, with fake in-memory clerks and with the
//! reference primary/backup service's own clerk: concurrent clients give a linearizable history,
//! a clerk that serves stale values gives a violation, and calls that fail or never return are
//! recorded as pending.

use std::collections::HashMap;
use std::convert::Infallible;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;

use parking_lot::Mutex;

use lincheck::json::{from_json_lines, to_json_lines};
use lincheck::{
    check, verify, CheckOptions, KvClerk, KvInput, KvModel, KvOutput, KvRecorder, RecordingClerk, StampUnit,
    Verdict,
};

/// A clerk of one shared in-memory store: every call is atomic, so any history is linearizable.
#[derive(Clone, Default)]
struct MemoryClerk {
    store: Arc<Mutex<HashMap<String, String>>>,
}

impl KvClerk for MemoryClerk {
    type Error = Infallible;

    fn get(&mut self, key: &str) -> Result<String, Infallible> {
        Ok(self.store.lock().get(key).cloned().unwrap_or_default())
    }

    fn put(&mut self, key: &str, value: &str) -> Result<(), Infallible> {
        self.store.lock().insert(key.to_string(), value.to_string());
        Ok(())
    }

    fn append(&mut self, key: &str, value: &str) -> Result<(), Infallible> {
        self.store.lock().entry(key.to_string()).or_default().push_str(value);
        Ok(())
    }
}

/// Unwraps the result of a clerk that cannot fail.
fn done<T>(result: Result<T, Infallible>) -> T {
    match result {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

/// A clerk that remembers what it read and serves reads from that cache: a stale-read bug.
struct CachingClerk {
    inner: MemoryClerk,
    cache: HashMap<String, String>,
}

impl KvClerk for CachingClerk {
    type Error = Infallible;

    fn get(&mut self, key: &str) -> Result<String, Infallible> {
        if let Some(value) = self.cache.get(key) {
            return Ok(value.clone());
        }
        let value = self.inner.get(key)?;
        self.cache.insert(key.to_string(), value.clone());
        Ok(value)
    }

    fn put(&mut self, key: &str, value: &str) -> Result<(), Infallible> {
        self.inner.put(key, value)
    }

    fn append(&mut self, key: &str, value: &str) -> Result<(), Infallible> {
        self.inner.append(key, value)
    }
}

/// Concurrent clients appending and reading through recording clerks give a linearizable
/// history with every call recorded, in stamps that increase.
#[test]
fn concurrent_clients_record_a_linearizable_history() {
    let recorder = KvRecorder::new();
    let store = MemoryClerk::default();
    let clients = 4;
    let per_client = 50;
    thread::scope(|scope| {
        for c in 0..clients {
            let mut clerk = RecordingClerk::new(store.clone(), &recorder);
            scope.spawn(move || {
                for i in 0..per_client {
                    let key = format!("k{}", i % 3);
                    match i % 4 {
                        0 => done(clerk.put(&key, &format!("p{c}.{i};"))),
                        1 | 2 => done(clerk.append(&key, &format!("a{c}.{i};"))),
                        _ => drop(done(clerk.get(&key))),
                    }
                }
            });
        }
    });
    let history = recorder.history();
    assert_eq!(history.len(), clients * per_client);
    assert_eq!(history.clients(), (0..clients as u64).collect::<Vec<_>>());
    assert_eq!(history.stamp_unit(), StampUnit::Nanoseconds);
    let mut stamps: Vec<u64> = Vec::new();
    for op in history.operations() {
        let returned = op.returned_at().expect("every call returned");
        assert!(returned > op.call, "a return is stamped after its call");
        stamps.extend([op.call.0, returned.0]);
    }
    let count = stamps.len();
    stamps.sort_unstable();
    stamps.dedup();
    assert_eq!(stamps.len(), count, "no two events share a stamp");
    let report = check(&KvModel, &history, &CheckOptions::default());
    assert_eq!(report.verdict, Verdict::Linearizable, "{}", report.explain(&KvModel, &history));
}

/// What the wrapper returns is what the clerk returned, and the history says the same.
#[test]
fn the_wrapper_passes_calls_through_and_records_them() {
    let recorder = KvRecorder::new();
    let mut clerk = RecordingClerk::new(MemoryClerk::default(), &recorder);
    assert_eq!(done(clerk.get("a")), "");
    done(clerk.put("a", "1"));
    done(clerk.append("a", "2"));
    assert_eq!(done(clerk.get("a")), "12");
    let recorded: Vec<(KvInput, Option<KvOutput>)> =
        recorder.history().operations().iter().map(|op| (op.input.clone(), op.output().cloned())).collect();
    assert_eq!(
        recorded,
        vec![
            (KvInput::Get { key: "a".into() }, Some(KvOutput::Value("".into()))),
            (KvInput::Put { key: "a".into(), value: "1".into() }, Some(KvOutput::Ok)),
            (KvInput::Append { key: "a".into(), value: "2".into() }, Some(KvOutput::Ok)),
            (KvInput::Get { key: "a".into() }, Some(KvOutput::Value("12".into()))),
        ]
    );
    assert_eq!(clerk.client(), 0);
    assert_eq!(
        RecordingClerk::new(MemoryClerk::default(), &recorder).client(),
        1,
        "each wrapper is a new client"
    );
}

/// A clerk that serves a stale cached value produces a history the checker rejects, and the
/// report names the stale read.
#[test]
fn a_stale_reading_clerk_is_caught() {
    let recorder = KvRecorder::new();
    let store = MemoryClerk::default();
    let mut reader =
        RecordingClerk::new(CachingClerk { inner: store.clone(), cache: HashMap::new() }, &recorder);
    let mut writer = RecordingClerk::new(store, &recorder);
    done(writer.put("x", "old"));
    assert_eq!(done(reader.get("x")), "old");
    done(writer.put("x", "new"));
    assert_eq!(done(reader.get("x")), "old", "the cache serves the stale value");
    let history = recorder.history();
    let report = check(&KvModel, &history, &CheckOptions::default());
    assert_eq!(report.verdict, Verdict::NotLinearizable);
    let text = report.explain(&KvModel, &history);
    assert!(
        text.contains("None of these can take effect next:\n       client 0: get(\"x\") -> \"old\""),
        "{text}"
    );

    // What a scenario test does: fail with the explanation and the timeline's path.
    let dir =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("verify-{}", std::process::id()));
    let failure = verify(&KvModel, &history, &CheckOptions::default(), &dir, "stale read/cache").unwrap_err();
    let page = dir.join("stale_read_cache.html");
    assert!(failure.starts_with("the history of this test is not linearizable."), "{failure}");
    assert!(failure.contains(&format!("Open {} in a browser", page.display())), "{failure}");
    assert!(std::fs::read_to_string(&page).is_ok_and(|html| html.contains("stale read/cache")), "{failure}");
    let fine = lincheck::History::new(history.operations()[..3].to_vec()).expect("well-formed");
    assert!(verify(&KvModel, &fine, &CheckOptions::default(), &dir, "fine").is_ok());
    assert!(!dir.join("fine.html").exists(), "no timeline for a linearizable history");
    let _ = std::fs::remove_dir_all(dir);
}

/// A clerk whose call is stuck when the history is taken, or that panics, leaves a pending
/// operation; a stuck call that later returns is complete in a later history.
#[test]
fn unfinished_calls_are_pending() {
    /// A clerk whose put waits for a signal.
    struct GatedClerk {
        inner: MemoryClerk,
        entered: mpsc::Sender<()>,
        release: mpsc::Receiver<()>,
    }
    impl KvClerk for GatedClerk {
        type Error = String;
        fn get(&mut self, _key: &str) -> Result<String, String> {
            Err("this clerk's get gives up".to_string())
        }
        fn put(&mut self, key: &str, value: &str) -> Result<(), String> {
            self.entered.send(()).expect("the test listens");
            self.release.recv().expect("the test releases the call");
            done(self.inner.put(key, value));
            Ok(())
        }
        fn append(&mut self, _key: &str, _value: &str) -> Result<(), String> {
            panic!("this clerk's append panics (as a test's clerk may when the test gives up)");
        }
    }

    let recorder = KvRecorder::new();
    let (entered_tx, entered_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    let store = MemoryClerk::default();
    let mut clerk = RecordingClerk::new(
        GatedClerk { inner: store.clone(), entered: entered_tx, release: release_rx },
        &recorder,
    );
    let stuck = thread::spawn(move || {
        clerk.put("k", "v").expect("the put completes once released");
        clerk
    });
    entered_rx.recv().expect("the put starts");
    let during = recorder.history();
    assert_eq!(during.len(), 1);
    assert!(during.operations()[0].is_pending(), "a call in flight is pending");
    assert_eq!(check(&KvModel, &during, &CheckOptions::default()).verdict, Verdict::Linearizable);

    release_tx.send(()).expect("the put waits");
    let mut clerk = stuck.join().expect("the put returns");
    let panicked = catch_unwind(AssertUnwindSafe(|| clerk.append("k", "w")));
    assert!(panicked.is_err());
    assert_eq!(clerk.get("k"), Err("this clerk's get gives up".to_string()), "the error is passed on");
    let after = recorder.history();
    assert_eq!(after.len(), 3);
    assert!(!after.operations()[0].is_pending(), "the put returned");
    assert!(after.operations()[1].is_pending(), "the append that panicked stays pending");
    assert!(after.operations()[2].is_pending(), "the get that failed stays pending");

    // The pending append may have taken effect (a reader that sees it is fine) or not.
    let mut reader = RecordingClerk::new(store, &recorder);
    assert_eq!(done(reader.get("k")), "v");
    let history = recorder.history();
    assert_eq!(check(&KvModel, &history, &CheckOptions::default()).verdict, Verdict::Linearizable);
}

/// A recorded history survives the recorder's file format unchanged, pending calls included.
#[test]
fn recorded_histories_round_trip_through_json() {
    let recorder = KvRecorder::new();
    let mut clerk = RecordingClerk::new(MemoryClerk::default(), &recorder);
    done(clerk.put("a", "quote \" and newline \n and </script>"));
    done(clerk.get("a"));
    let pending = recorder.call(7, KvInput::Append { key: "a".into(), value: "x".into() });
    let history = recorder.history();
    drop(pending);
    let text = to_json_lines(&history, KvModel::NAME);
    assert_eq!(text.lines().count(), 4, "a header and three operations:\n{text}");
    let (model, read) = from_json_lines::<KvInput, KvOutput>(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(model, KvModel::NAME);
    assert_eq!(read, history);
    assert_eq!(read.stamp_unit(), StampUnit::Nanoseconds);
}

/// The lab's clerk (owned or borrowed) as a [`KvClerk`]. It retries until the operation is done
/// and fails only when it can no longer reach anyone.
struct LabClerk<C>(C);

impl<C: std::borrow::Borrow<pbservice::Clerk>> KvClerk for LabClerk<C> {
    type Error = pbservice::Stopped;

    fn get(&mut self, key: &str) -> Result<String, pbservice::Stopped> {
        self.0.borrow().get(key)
    }

    fn put(&mut self, key: &str, value: &str) -> Result<(), pbservice::Stopped> {
        self.0.borrow().put(key, value)
    }

    fn append(&mut self, key: &str, value: &str) -> Result<(), pbservice::Stopped> {
        self.0.borrow().append(key, value)
    }
}

/// The reference service's clerk plugs in: three recorded clients on a primary and a backup,
/// the primary killed halfway, give a linearizable history; after the network shuts down, a
/// call fails, is passed on as an error and stays pending.
#[test]
fn the_reference_clerk_records_a_linearizable_history() {
    let _ = env_logger::builder().is_test(true).try_init();
    let net = labrpc::Network::with_seed(4);
    let vs = viewservice::start_server(&net, "vs").expect("the view service starts");
    let s1 = pbservice::start_server(&net, "vs", "s1").expect("s1 starts");
    let s2 = pbservice::start_server(&net, "vs", "s2").expect("s2 starts");
    let recorder = KvRecorder::new();
    let writer = pbservice::Clerk::new(&net, "vs");
    // Wait for a primary and a backup, so that killing the primary leaves a server with the data.
    let mut probe = RecordingClerk::new(LabClerk(&writer), &recorder);
    probe.put("k0", "start;").expect("the service answers");
    let deadline = std::time::Instant::now() + 20 * viewservice::PING_INTERVAL;
    let primary = loop {
        let view = s1.view();
        if let (Some(primary), Some(_)) = (view.primary.clone(), view.backup.clone()) {
            break primary;
        }
        assert!(std::time::Instant::now() < deadline, "a backup should join; the view is {view:?}");
        std::thread::sleep(viewservice::PING_INTERVAL);
    };
    let (doomed, survivor) = if primary == "s1" { (&s1, &s2) } else { (&s2, &s1) };
    thread::scope(|scope| {
        for c in 0..3 {
            let mut clerk = RecordingClerk::new(LabClerk(pbservice::Clerk::new(&net, "vs")), &recorder);
            scope.spawn(move || {
                for i in 0..12 {
                    let key = format!("k{}", i % 2);
                    if i % 3 == 2 {
                        clerk.get(&key).expect("the service answers");
                    } else {
                        clerk.append(&key, &format!("{c}.{i};")).expect("the service answers");
                    }
                }
            });
        }
        scope.spawn(|| {
            std::thread::sleep(viewservice::PING_INTERVAL);
            doomed.kill();
        });
    });
    let history = recorder.history();
    assert_eq!(history.len(), 1 + 3 * 12);
    let report = check(&KvModel, &history, &CheckOptions::default());
    assert_eq!(report.verdict, Verdict::Linearizable, "{}", report.explain(&KvModel, &history));

    net.shutdown();
    assert!(probe.get("k0").is_err(), "a clerk on a shut-down network stops");
    let last = recorder.history();
    assert!(last.operations().last().is_some_and(|op| op.is_pending()), "the failed call is pending");
    survivor.kill();
    vs.kill();
}
