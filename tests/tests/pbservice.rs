//! The primary/backup key/value service, end to end: the scenarios of the original lab (MIT 6.824,
//! Spring 2015, Lab 2 Part B), one `#[graded]` test each, told as stories. Each test prints what it is
//! about to show and the seed that repeats its fault decisions, and fails with a sentence saying
//! what was wanted and what came back.
//!
//! Timing follows the original: servers ping every [`PING_INTERVAL`], a server silent for
//! [`DEAD_PINGS`] intervals is dead, and waits keep the original's loop bounds (`DEAD_PINGS * 2`
//! or `* 3` ping intervals). Where the original sleeps a fixed time for something to happen, these
//! tests poll for it and go on as soon as it has.
//!
//! Every thread a test spawns is joined before the test ends. A clerk blocked on a system that can
//! no longer serve is stopped by killing its node (or, for a whole workload, by shutting the
//! network down), which makes it return `Stopped`.

use labtests::graded;

use std::ops::Deref;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use labreport::scenario::REPORT_SIZE_LIMIT;
use labtests::pb_harness::{check, Clerk, Cluster, VS};
use labtests::seen::SeenView;
use parking_lot::{Condvar, Mutex};
use pbservice::Stopped;
use viewservice::{DEAD_AFTER, DEAD_PINGS, PING_INTERVAL};

/// Ping rounds to wait for a view change that needs no death: the original's `DeadPings * 2`.
const ROUNDS_FOR_CHANGE: u32 = DEAD_PINGS * 2;

/// Ping rounds to wait for a view change that needs a server declared dead first (or a state
/// transfer after it): the original's `DeadPings * 3`.
const ROUNDS_FOR_DEATH: u32 = DEAD_PINGS * 3;

/// How long one request may take across one failure before the test calls it hung: a death
/// takes `DEAD_PINGS` intervals to notice, the view change and state transfer a few ticks more.
/// Twice the original's bound for a view change after a death.
const FAILOVER_BOUND: Duration = PING_INTERVAL.saturating_mul(DEAD_PINGS * 3 * 2);

/// How long the clients of a workload may still be busy once it stops before the test calls the
/// service stuck. A client waits at most one failover per request; this is several.
const HUNG_AFTER: Duration = Duration::from_secs(10);

// ----- the scenario ----------------------------------------------------------------------------

/// One scenario: a cluster of its own, and the story printed around it.
struct Scenario {
    cluster: Cluster,
    title: &'static str,
}

impl Deref for Scenario {
    type Target = Cluster;

    fn deref(&self) -> &Cluster {
        &self.cluster
    }
}

impl Scenario {
    /// A view service on a fresh network, no servers yet; prints "Test: `title` ...".
    fn begin(title: &'static str) -> Scenario {
        let cluster = Cluster::new(&[]);
        println!("Test: {title} ... (LAB_SEED={})", cluster.net.seed());
        Scenario { cluster, title }
    }

    /// Ends the story.
    fn passed(self) {
        println!("  ... Passed");
    }

    /// Waits at most `rounds` ping intervals for the view service's view to satisfy `wanted`
    /// (described by `what`), and returns it.
    #[track_caller]
    fn wait_view(&self, what: &str, rounds: u32, wanted: impl Fn(&SeenView) -> bool) -> SeenView {
        self.wait_for_view(what, PING_INTERVAL * rounds, wanted).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Waits until `primary` and `backup` hold the view, both know it, and the primary has had
    /// time to acknowledge it (after the state transfer): only then may a test kill the primary.
    #[track_caller]
    fn settle_on(&self, primary: &str, backup: Option<&str>) -> SeenView {
        self.settle(primary, backup, PING_INTERVAL * ROUNDS_FOR_DEATH)
    }

    /// Starts `name` on an empty view service and waits for it to become the first primary.
    #[track_caller]
    fn start_first_primary(&self, name: &str) -> SeenView {
        self.start(name);
        self.wait_view(&format!("{name} to become the first primary"), ROUNDS_FOR_CHANGE, |v| {
            v.is_primary(name)
        });
        self.settle_on(name, None)
    }

    /// Starts `backup`, waits for it to join `primary` as backup, and lets the view settle.
    #[track_caller]
    fn start_backup(&self, primary: &str, backup: &str) -> SeenView {
        self.start(backup);
        self.wait_view(&format!("{backup} to join as backup of {primary}"), ROUNDS_FOR_CHANGE, |v| {
            v.is_primary(primary) && v.is_backup(backup)
        });
        self.settle_on(primary, Some(backup))
    }

    /// Polls `holds` until it is `Ok`, for at most `rounds` ping intervals; fails with its last
    /// complaint.
    #[track_caller]
    fn eventually(&self, rounds: u32, holds: impl Fn() -> Result<(), String>) {
        let deadline = Instant::now() + PING_INTERVAL * rounds;
        loop {
            match holds() {
                Ok(()) => return,
                Err(complaint) if Instant::now() >= deadline => {
                    panic!("{complaint} (still so after {:?})", PING_INTERVAL * rounds)
                }
                Err(_) => thread::sleep(PING_INTERVAL / 5),
            }
        }
    }

    /// Fails unless server `name` holds `expected` for every `(key, expected)` in `pairs`.
    #[track_caller]
    fn assert_holds(&self, name: &str, pairs: &[(&str, &str)]) {
        if let Err(complaint) = self.holds(name, pairs) {
            panic!("{complaint}");
        }
    }

    /// Whether server `name` holds `expected` for every `(key, expected)` in `pairs`.
    fn holds(&self, name: &str, pairs: &[(&str, &str)]) -> Result<(), String> {
        for (key, expected) in pairs {
            let got = self.value_on(name, key);
            if got.as_deref() != Some(*expected) {
                return Err(format!("wanted {name} to hold {expected:?} for {key:?}, but it holds {got:?}"));
            }
        }
        Ok(())
    }
}

impl Drop for Scenario {
    fn drop(&mut self) {
        if thread::panicking() {
            println!(
                "  ... Failed: {} (LAB_SEED={} repeats its fault decisions)",
                self.title,
                self.net.seed()
            );
        }
    }
}

// ----- small helpers ---------------------------------------------------------------------------

/// The name of the primary of `view`, which must have one.
#[track_caller]
fn primary_of(view: &SeenView) -> String {
    view.primary.clone().unwrap_or_else(|| panic!("wanted a primary, but the view is {view}"))
}

/// The name of the backup of `view`, which must have one.
#[track_caller]
fn backup_of(view: &SeenView) -> String {
    view.backup.clone().unwrap_or_else(|| panic!("wanted a backup, but the view is {view}"))
}

/// Puts through `clerk`, failing with a sentence if the clerk stopped.
#[track_caller]
fn put(clerk: &Clerk, key: &str, value: &str) {
    clerk.put(key, value).unwrap_or_else(|e| panic!("Put({key:?}, {value:?}) did not finish: {e}"));
}

/// Appends through `clerk`, failing with a sentence if the clerk stopped.
#[track_caller]
fn append(clerk: &Clerk, key: &str, value: &str) {
    clerk.append(key, value).unwrap_or_else(|e| panic!("Append({key:?}, {value:?}) did not finish: {e}"));
}

/// Gets through `clerk`, failing with a sentence if the clerk stopped.
#[track_caller]
fn get(clerk: &Clerk, key: &str) -> String {
    clerk.get(key).unwrap_or_else(|e| panic!("Get({key:?}) did not finish: {e}"))
}

/// Runs `op` with `clerk` on a thread of its own and waits at most `limit` for it. A clerk that has
/// not returned by then is stopped (its node is killed) and the test fails, saying `what` was
/// wanted.
#[track_caller]
fn finish_within<T: Send>(
    s: &Scenario,
    clerk: &Clerk,
    limit: Duration,
    what: &str,
    op: impl FnOnce(&Clerk) -> Result<T, Stopped> + Send,
) -> T {
    let (outcome, finished) = thread::scope(|scope| {
        let (done_tx, done_rx) = mpsc::channel();
        let worker = scope.spawn(move || {
            let outcome = op(clerk);
            let _ = done_tx.send(());
            outcome
        });
        let finished = done_rx.recv_timeout(limit).is_ok();
        if !finished {
            s.net.kill(clerk.name());
        }
        let outcome = worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (outcome, finished)
    });
    assert!(finished, "wanted {what} within {limit:?}, but it had not returned by then");
    outcome.unwrap_or_else(|e| panic!("wanted {what}, but {e}"))
}

/// A tiny deterministic generator (a 64-bit LCG with Knuth's MMIX constants), seeded from the
/// network's seed, so that `LAB_SEED` repeats a run's workload choices as well as its faults.
struct Lcg(u64);

impl Lcg {
    /// The generator for `stream` (a client's or the killer's index) under `seed`.
    fn new(seed: u64, stream: u64) -> Lcg {
        let mut lcg = Lcg(seed ^ stream.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        lcg.next();
        lcg
    }

    /// The next 31 random bits.
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number below `n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The element client `client` appends as its `n`th, as in the original: `"x client n y"`.
fn element(client: usize, n: usize) -> String {
    format!("x {client} {n} y")
}

/// Checks the result of concurrent appends (the original's `checkAppends`): each client's
/// elements `0..counts[client]` are all present, each exactly once, in that client's order, and
/// nothing else is there.
fn check_appends(value: &str, counts: &[usize]) -> Result<(), String> {
    let mut expected_len = 0;
    for (client, &count) in counts.iter().enumerate() {
        let mut last: Option<usize> = None;
        for n in 0..count {
            let wanted = element(client, n);
            expected_len += wanted.len();
            let Some(at) = value.find(&wanted) else {
                return Err(format!("client {client}'s append {wanted:?} is missing from {}", shown(value)));
            };
            if let Some(again) = value.rfind(&wanted).filter(|&again| again != at) {
                return Err(format!(
                    "client {client}'s append {wanted:?} is there twice, at bytes {at} and {again} of {}",
                    shown(value)
                ));
            }
            if let Some(before) = last.filter(|&before| at <= before) {
                return Err(format!(
                    "client {client}'s append {wanted:?} (at byte {at}) comes before its append {:?} (at \
                     byte {before}) in {}",
                    element(client, n - 1),
                    shown(value)
                ));
            }
            last = Some(at);
        }
    }
    if value.len() != expected_len {
        return Err(format!(
            "wanted only the {} appended elements ({expected_len} bytes), but the value is {}",
            counts.iter().sum::<usize>(),
            shown(value)
        ));
    }
    Ok(())
}

/// A value as a failure message shows it: whole if short, else its length and both ends.
fn shown(value: &str) -> String {
    const ENDS: usize = 100;
    let chars = value.chars().count();
    if chars <= 3 * ENDS {
        return format!("{value:?}");
    }
    let head: String = value.chars().take(ENDS).collect();
    let tail: String = value.chars().skip(chars - ENDS).collect();
    format!("a {}-byte value {head:?} ... {tail:?}", value.len())
}

// ----- workloads -------------------------------------------------------------------------------

/// The stop signal of a workload: set when its time is up or when one of its threads failed
/// (whose complaint it keeps).
#[derive(Default)]
struct Stop {
    state: Mutex<StopState>,
    changed: Condvar,
}

#[derive(Default)]
struct StopState {
    stopped: bool,
    failure: Option<String>,
}

impl Stop {
    /// Stops everything (time is up).
    fn stop(&self) {
        self.state.lock().stopped = true;
        self.changed.notify_all();
    }

    /// Whether the workload is over.
    fn is_stopped(&self) -> bool {
        self.state.lock().stopped
    }

    /// Records `complaint` (the first one wins) and stops everything.
    fn fail(&self, complaint: String) {
        let mut state = self.state.lock();
        state.failure.get_or_insert(complaint);
        state.stopped = true;
        self.changed.notify_all();
    }

    /// The first complaint, if a thread failed.
    fn failure(&self) -> Option<String> {
        self.state.lock().failure.clone()
    }

    /// Sleeps for `duration` or until stopped; returns whether it is still running.
    fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        let mut state = self.state.lock();
        while !state.stopped && Instant::now() < deadline {
            self.changed.wait_until(&mut state, deadline);
        }
        !state.stopped
    }
}

/// Shuts the network down if the test fails while threads of its own run, so that clerks blocked
/// in those threads return and the threads can be joined: the failure is reported, not a hang.
struct ShutdownOnPanic<'a>(&'a Scenario);

impl Drop for ShutdownOnPanic<'_> {
    fn drop(&mut self) {
        if thread::panicking() {
            self.0.net.shutdown();
        }
    }
}

/// Runs `clients` client threads, each with a clerk of its own, for at most `run_for` (or until
/// they all finish, or one fails), while `background` (a crash-and-restart loop, say) runs beside
/// them until the stop. Then waits at most [`HUNG_AFTER`] for the clients to finish their last
/// request, joins every thread, and returns each client's result. A client that fails, or is still
/// blocked after that, fails the test.
#[track_caller]
fn workload<R: Send>(
    s: &Scenario,
    clients: usize,
    run_for: Duration,
    background: impl FnOnce(&Stop) + Send,
    client: impl Fn(usize, &Clerk, &Stop) -> Result<R, String> + Sync,
) -> Vec<R> {
    let stop = Stop::default();
    let (results, hung) = thread::scope(|scope| {
        let _guard = ShutdownOnPanic(s);
        let (stop, client) = (&stop, &client);
        let background = scope.spawn(move || background(stop));
        let (done_tx, done_rx) = mpsc::channel();
        let workers: Vec<_> = (0..clients)
            .map(|i| {
                let done_tx = done_tx.clone();
                scope.spawn(move || {
                    let clerk = s.clerk();
                    let result = client(i, &clerk, stop);
                    if let Err(complaint) = &result {
                        stop.fail(complaint.clone());
                    }
                    let _ = done_tx.send(i);
                    result
                })
            })
            .collect();
        drop(done_tx);

        let mut running: Vec<bool> = vec![true; clients];
        let mut deadline = Instant::now() + run_for;
        let (mut stopping, mut hung) = (false, false);
        while running.contains(&true) && !hung {
            match done_rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(i) => running[i] = false,
                Err(RecvTimeoutError::Disconnected) => break,
                // Time is up: the clients finish their current request and stop.
                Err(RecvTimeoutError::Timeout) if !stopping => stop.stop(),
                // They did not: the service is stuck.
                Err(RecvTimeoutError::Timeout) => hung = true,
            }
            // Stopped (time up, or a client failed): from now on, allow HUNG_AFTER.
            if !stopping && stop.is_stopped() {
                stopping = true;
                deadline = Instant::now() + HUNG_AFTER;
            }
        }
        stop.stop();
        let earlier = stop.failure();
        background.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        if hung {
            // Frees the blocked clerks: they return `Stopped`.
            s.net.shutdown();
        }
        let results: Vec<Result<R, String>> = workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect();
        let blocked: Vec<usize> = (0..clients).filter(|&i| running[i]).collect();
        (results, hung.then_some((blocked, earlier)))
    });
    if let Some((blocked, earlier)) = hung {
        panic!(
            "wanted every client to finish its last request within {HUNG_AFTER:?} after the workload \
             stopped, but clients {blocked:?} were still blocked: the service stopped serving.{}",
            earlier.map_or_else(String::new, |f| format!(" Before that: {f}"))
        );
    }
    if let Some(failure) = stop.failure() {
        panic!("{failure}");
    }
    results.into_iter().map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect()
}

/// Every second or so, kills a random one of `servers` and restarts it a second later (fresh and
/// empty), as the original's crash loop does, until `stop`. A server it killed is always restarted
/// before it returns, so the service can serve the final checks.
fn crash_and_restart(s: &Scenario, servers: &[&str], stop: &Stop, unreliable: bool) {
    let mut rng = Lcg::new(s.net.seed(), 1000);
    // Long enough for a new view to form and the backup to be initialized, as in the original.
    let pause = DEAD_AFTER * 2;
    while !stop.is_stopped() {
        let victim = servers[rng.below(servers.len() as u64) as usize];
        // A primary that dies before acknowledging its view leaves the service stuck by design;
        // like the original's pauses, wait for the view to settle (a busy machine may take longer).
        if let Err(e) = s.wait_until_acked(DEAD_AFTER * 10) {
            log::warn!("crash loop: {e}; killing anyway");
        }
        log::info!("crash loop: killing {victim}");
        s.kill(victim);
        stop.sleep(pause);
        if s.net.is_shut_down() {
            return;
        }
        log::info!("crash loop: restarting {victim}");
        s.start(victim);
        if unreliable {
            s.net.set_unreliable(victim, true);
        }
        stop.sleep(pause);
    }
}

// ----- the original TestBasicFail, one scenario at a time --------------------------------------

/// A lone primary with no backup serves Put, Get and Append, an Append to a missing key too.
#[graded]
fn single_primary_no_backup() {
    let s = Scenario::begin("Single primary, no backup");
    s.start_first_primary("s1");
    let ck = s.clerk();

    put(&ck, "111", "v1");
    check(&ck, "111", "v1");
    put(&ck, "2", "v2");
    check(&ck, "2", "v2");
    put(&ck, "1", "v1a");
    check(&ck, "1", "v1a");
    check(&ck, "never-written", "");

    append(&ck, "ak", "hello");
    check(&ck, "ak", "hello");
    put(&ck, "ak", "xx");
    append(&ck, "ak", "yy");
    check(&ck, "ak", "xxyy");
    s.passed();
}

/// A server that joins as backup receives the primary's whole state, then every later write.
#[graded]
fn backup_joins_and_receives_state() {
    let s = Scenario::begin("Add a backup");
    s.start_first_primary("s1");
    let ck = s.clerk();
    put(&ck, "1", "v1a");
    append(&ck, "ak", "hello");

    s.start("s2");
    s.wait_view("s2 to join as backup of s1", ROUNDS_FOR_CHANGE, |v| v.is_primary("s1") && v.is_backup("s2"));
    // Right away, before the backup has necessarily been initialized.
    put(&ck, "3", "33");
    check(&ck, "3", "33");

    s.eventually(ROUNDS_FOR_DEATH, || s.holds("s2", &[("1", "v1a"), ("ak", "hello"), ("3", "33")]));
    put(&ck, "4", "44");
    check(&ck, "4", "44");
    // The primary replies only once the backup accepted the write.
    s.assert_holds("s2", &[("4", "44")]);
    s.assert_replicas_agree("s1", "s2", &["1", "ak", "3", "4"]);
    s.passed();
}

/// Clerks cache the primary: 100 Puts cost the view service hardly more than the servers' pings.
#[graded]
fn clerks_cache_the_primary() {
    let s = Scenario::begin("Count RPCs to viewserver");
    s.start_first_primary("s1");
    s.start_backup("s1", "s2");
    let ck = s.clerk();
    put(&ck, "warm-up", "learn the primary once");

    let before = s.vs.rpc_count();
    let started = Instant::now();
    for i in 0..100 {
        put(&ck, &format!("xk{i}"), &i.to_string());
    }
    let made = s.vs.rpc_count() - before;
    let elapsed = started.elapsed();
    // Two servers tick()ing once per ping interval, as the original allows, plus 20.
    let allowed = 2 * (elapsed.as_nanos() / PING_INTERVAL.as_nanos()) as u64 + 20;
    assert!(
        made <= allowed,
        "wanted at most {allowed} RPCs to the view service during 100 Puts taking {elapsed:?} (two \
         servers pinging every {PING_INTERVAL:?}, plus 20), but it received {made}: clerks must cache \
         the primary and ask the view service only after a failure"
    );
    s.passed();
}

/// When the primary dies, its backup takes over and serves everything written before.
#[graded]
fn backup_serves_after_primary_failure() {
    let s = Scenario::begin("Primary failure");
    s.start_first_primary("s1");
    let ck = s.clerk();
    put(&ck, "1", "v1a");
    s.start_backup("s1", "s2");
    put(&ck, "3", "33");
    put(&ck, "4", "44");

    s.kill("s1");
    s.wait_view("the backup s2 to take over from the dead s1", ROUNDS_FOR_CHANGE, |v| v.is_primary("s2"));
    check(&ck, "1", "v1a");
    check(&ck, "3", "33");
    check(&ck, "4", "44");
    s.passed();
}

/// After the last server with the data dies, a fresh empty one never serves: a Get never returns.
#[graded]
fn new_server_does_not_serve_after_last_dies() {
    let s = Scenario::begin("Kill last server, new one should not be active");
    s.start_first_primary("s1");
    s.start_backup("s1", "s2");
    let ck = s.clerk();
    put(&ck, "1", "v1a");
    s.kill("s1");
    s.wait_view("the backup s2 to take over from the dead s1", ROUNDS_FOR_CHANGE, |v| v.is_primary("s2"));
    s.settle_on("s2", None);

    s.kill("s2");
    s.start("s3");
    // A wrong view service would promote s3 once s2 is declared dead (DEAD_PINGS intervals), and
    // s3 would serve from its next tick. Watch for four times that: the original watches 3 s.
    let window = DEAD_AFTER * 4;
    let (returned, promoted, outcome) = thread::scope(|scope| {
        let (done_tx, done_rx) = mpsc::channel();
        let ck = &ck;
        let getter = scope.spawn(move || {
            let outcome = ck.get("1");
            let _ = done_tx.send(());
            outcome
        });
        let deadline = Instant::now() + window;
        let (mut returned, mut promoted) = (false, None);
        while Instant::now() < deadline && !returned && promoted.is_none() {
            returned = done_rx.recv_timeout(PING_INTERVAL / 2).is_ok();
            promoted = Some(s.view()).filter(|v| v.is_primary("s3"));
        }
        // Stop the clerk, blocked on a system that cannot serve.
        s.net.kill(ck.name());
        let outcome = getter.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (returned, promoted, outcome)
    });
    if let Some(view) = promoted {
        panic!("wanted the fresh server s3 never to become primary, but the view service made it so: {view}");
    }
    assert!(
        !returned,
        "wanted Get(\"1\") not to return while no initialized server is left, but it returned {outcome:?}"
    );
    assert!(
        outcome.is_err(),
        "wanted the Get to end only because its clerk was stopped, but it returned {outcome:?}"
    );
    s.passed();
}

// ----- TestAtMostOnce ---------------------------------------------------------------------------

/// Through an unreliable server (lost requests and replies), 100 Appends apply exactly once each.
#[graded]
fn at_most_once_append_unreliable() {
    let s = Scenario::begin("at-most-once Append; unreliable");
    s.start("s1");
    s.net.set_unreliable("s1", true);
    s.wait_view("s1 to become the first primary", ROUNDS_FOR_CHANGE, |v| v.is_primary("s1"));
    s.settle_on("s1", None);

    let ck = s.clerk();
    let mut expected = String::new();
    for i in 0..100 {
        let v = i.to_string();
        append(&ck, "counter", &v);
        expected.push_str(&v);
    }
    let got = get(&ck, "counter");
    assert!(
        got == expected,
        "wanted 100 Appends through an unreliable server to give {expected:?}, but Get returned {got:?}"
    );
    s.passed();
}

// ----- TestFailPut ------------------------------------------------------------------------------

/// A Put right after the backup dies completes, and the idle server replacing it gets the state.
#[graded]
fn put_right_after_backup_failure() {
    let s = Scenario::begin("Put() immediately after backup failure");
    s.start_first_primary("s1");
    let v1 = s.start_backup("s1", "s2");
    s.start("s3");
    let ck = s.clerk();
    put(&ck, "a", "aa");
    put(&ck, "b", "bb");
    put(&ck, "c", "cc");
    check(&ck, "a", "aa");
    check(&ck, "b", "bb");
    check(&ck, "c", "cc");

    s.kill("s2");
    finish_within(&s, &ck, FAILOVER_BOUND, "Put(\"a\", \"aaa\") right after the backup died", |ck| {
        ck.put("a", "aaa")
    });
    check(&ck, "a", "aaa");

    let v2 = s.wait_view("a new view with a primary and a backup", ROUNDS_FOR_DEATH, |v| {
        v.viewnum > v1.viewnum && v.primary.is_some() && v.backup.is_some()
    });
    assert!(
        v2.is_primary("s1") && v2.is_backup("s3"),
        "wanted s1 to stay primary with the idle s3 as its new backup, but the view is {v2}"
    );
    s.settle_on("s1", Some("s3"));
    s.eventually(ROUNDS_FOR_DEATH, || s.holds("s3", &[("a", "aaa"), ("b", "bb"), ("c", "cc")]));
    check(&ck, "a", "aaa");
    s.passed();
}

/// A Put right after the primary dies completes: the clerk fails over to the promoted backup.
#[graded]
fn put_right_after_primary_failure() {
    let s = Scenario::begin("Put() immediately after primary failure");
    s.start_first_primary("s1");
    let v1 = s.start_backup("s1", "s2");
    s.start("s3");
    let ck = s.clerk();
    put(&ck, "a", "aaa");
    put(&ck, "b", "bb");
    put(&ck, "c", "cc");

    s.kill("s1");
    finish_within(&s, &ck, FAILOVER_BOUND, "Put(\"b\", \"bbb\") right after the primary died", |ck| {
        ck.put("b", "bbb")
    });
    check(&ck, "b", "bbb");

    let v2 = s.wait_view("a new view with a primary", ROUNDS_FOR_DEATH, |v| {
        v.viewnum > v1.viewnum && v.primary.is_some()
    });
    assert!(v2.is_primary("s2"), "wanted the backup s2 to take over from the dead s1, but the view is {v2}");
    check(&ck, "a", "aaa");
    check(&ck, "b", "bbb");
    check(&ck, "c", "cc");
    s.passed();
}

// ----- TestConcurrentSame, TestConcurrentSameUnreliable -----------------------------------------

/// Three clients Put random values to the same two keys for 5 s; then the primary is killed, and
/// the promoted backup must hold exactly the values the primary served: both applied the Puts in
/// the same order.
fn concurrent_puts(title: &'static str, unreliable: bool) {
    const CLIENTS: usize = 3;
    const KEYS: u64 = 2;
    let s = Scenario::begin(title);
    s.start_first_primary("s1");
    s.start("s2");
    if unreliable {
        s.net.set_unreliable("s1", true);
        s.net.set_unreliable("s2", true);
    }
    s.wait_view("s2 to join as backup of s1", ROUNDS_FOR_CHANGE, |v| v.is_primary("s1") && v.is_backup("s2"));
    let view1 = s.settle_on("s1", Some("s2"));
    let (primary, backup) = (primary_of(&view1), backup_of(&view1));
    if unreliable {
        let ck = s.clerk();
        put(&ck, "0", "x");
        put(&ck, "1", "x");
    }

    let seed = s.net.seed();
    workload(
        &s,
        CLIENTS,
        Duration::from_secs(5),
        |_| {},
        |i, ck, stop| {
            let mut rng = Lcg::new(seed, i as u64);
            while !stop.is_stopped() {
                let (key, value) = (rng.below(KEYS).to_string(), rng.next().to_string());
                ck.put(&key, &value).map_err(|e| format!("client {i}: Put({key:?}) did not finish: {e}"))?;
            }
            Ok(())
        },
    );

    // Read from the primary.
    let ck = s.clerk();
    let values: Vec<String> = (0..KEYS)
        .map(|k| {
            let value = get(&ck, &k.to_string());
            assert!(
                !value.is_empty(),
                "wanted Get(\"{k}\") from the primary to return a value, but it was empty"
            );
            value
        })
        .collect();

    // Kill the primary, and read from the old backup.
    s.kill(&primary);
    s.wait_view(
        &format!("the backup {backup} to take over from the dead {primary}"),
        ROUNDS_FOR_CHANGE,
        |v| v.is_primary(&backup),
    );
    for (k, wanted) in values.iter().enumerate() {
        let got = get(&ck, &k.to_string());
        assert!(
            &got == wanted,
            "wanted Get(\"{k}\") from the promoted backup {backup} to return {wanted:?}, as the primary \
             {primary} did, but it returned {got:?}: primary and backup applied the Puts in different orders"
        );
    }
    s.passed();
}

/// Three clients Put to two keys for 5 s; after failover the backup serves the primary's values.
#[graded]
fn concurrent_puts_same_keys() {
    concurrent_puts("Concurrent Put()s to the same key", false);
}

/// Three clients Put to two keys via unreliable servers; the promoted backup serves the same values.
#[graded]
fn concurrent_puts_same_keys_unreliable() {
    concurrent_puts("Concurrent Put()s to the same key; unreliable", true);
}

// ----- TestConcurrentSameAppend -----------------------------------------------------------------

/// Three clients Append to one key: each element once, in client order, the same on both replicas.
#[graded]
fn concurrent_appends_same_key() {
    const CLIENTS: usize = 3;
    const APPENDS: usize = 50;
    let s = Scenario::begin("Concurrent Append()s to the same key");
    s.start_first_primary("s1");
    let view1 = s.start_backup("s1", "s2");
    let (primary, backup) = (primary_of(&view1), backup_of(&view1));

    let counts = workload(
        &s,
        CLIENTS,
        HUNG_AFTER,
        |_| {},
        |i, ck, _| {
            for n in 0..APPENDS {
                ck.append("k", &element(i, n))
                    .map_err(|e| format!("client {i}: Append of element {n} did not finish: {e}"))?;
            }
            Ok(APPENDS)
        },
    );

    let ck = s.clerk();
    let primary_value = get(&ck, "k");
    check_appends(&primary_value, &counts)
        .unwrap_or_else(|e| panic!("the primary {primary}'s value is wrong: {e}"));

    // Kill the primary so the backup can be checked.
    s.kill(&primary);
    s.wait_view(
        &format!("the backup {backup} to take over from the dead {primary}"),
        ROUNDS_FOR_CHANGE,
        |v| v.is_primary(&backup),
    );
    let backup_value = get(&ck, "k");
    check_appends(&backup_value, &counts)
        .unwrap_or_else(|e| panic!("the promoted backup {backup}'s value is wrong: {e}"));
    assert!(
        backup_value == primary_value,
        "wanted the promoted backup {backup} to hold the value the primary {primary} served, \
         {primary_value:?}, but it holds {backup_value:?}: they applied the Appends in different orders"
    );
    s.passed();
}

// ----- TestRepeatedCrash, TestRepeatedCrashUnreliable -------------------------------------------

/// How long the crash loops run, as in the original.
const CRASH_LOOP_TIME: Duration = Duration::from_secs(20);

/// Starts three servers and waits for a primary and a backup initialized by it.
#[track_caller]
fn three_servers(s: &Scenario, unreliable: bool) -> [&'static str; 3] {
    let servers = ["s1", "s2", "s3"];
    for name in servers {
        s.start(name);
        if unreliable {
            s.net.set_unreliable(name, true);
        }
    }
    let view = s
        .wait_view("a primary and a backup", ROUNDS_FOR_DEATH, |v| v.primary.is_some() && v.backup.is_some());
    s.settle_on(&primary_of(&view), view.backup.as_deref());
    servers
}

/// A last Put and Get through a fresh clerk, once the crashes have stopped.
#[track_caller]
fn final_put_get(s: &Scenario) {
    let ck = s.clerk();
    let got = finish_within(s, &ck, FAILOVER_BOUND * 2, "a final Put and Get after the crashes", |ck| {
        ck.put("aaa", "bbb")?;
        ck.get("aaa")
    });
    assert!(
        got == "bbb",
        "wanted the final Get(\"aaa\") to return \"bbb\", just put, but it returned {got:?}"
    );
}

/// Servers crash and restart every second for 20 s; each client's Gets see its own last Puts.
#[graded]
fn repeated_crash_restart() {
    const CLIENTS: usize = 2;
    let s = Scenario::begin("Repeated failures/restarts");
    let servers = three_servers(&s, false);
    let seed = s.net.seed();

    workload(
        &s,
        CLIENTS,
        CRASH_LOOP_TIME,
        |stop| crash_and_restart(&s, &servers, stop, false),
        |i, ck, stop| {
            let mut rng = Lcg::new(seed, i as u64);
            let mut data = std::collections::HashMap::new();
            while !stop.is_stopped() {
                let key = (i as u64 * 1_000_000 + rng.below(10)).to_string();
                if let Some(wanted) = data.get(&key) {
                    let got =
                        ck.get(&key).map_err(|e| format!("client {i}: Get({key:?}) did not finish: {e}"))?;
                    if &got != wanted {
                        return Err(format!(
                            "client {i} wanted Get({key:?}) to return {wanted:?}, its own last Put, but it \
                             returned {got:?}"
                        ));
                    }
                }
                let value = rng.next().to_string();
                ck.put(&key, &value).map_err(|e| format!("client {i}: Put({key:?}) did not finish: {e}"))?;
                data.insert(key, value);
                // Without a pause, the servers' tick threads get too little time to ping.
                thread::sleep(Duration::from_millis(10));
            }
            Ok(())
        },
    );
    println!("  ... Put/Gets done ...");
    final_put_get(&s);
    s.passed();
}

/// Servers crash and restart for 20 s while two clients Append to one key, unreliably: none lost or doubled.
#[graded]
fn repeated_crash_restart_unreliable() {
    const CLIENTS: usize = 2;
    let s = Scenario::begin("Repeated failures/restarts with concurrent updates to same key; unreliable");
    let servers = three_servers(&s, true);

    let counts = workload(
        &s,
        CLIENTS,
        CRASH_LOOP_TIME,
        |stop| crash_and_restart(&s, &servers, stop, true),
        |i, ck, stop| {
            let mut n = 0;
            while !stop.is_stopped() {
                ck.append("0", &element(i, n))
                    .map_err(|e| format!("client {i}: Append of element {n} did not finish: {e}"))?;
                n += 1;
                // Without a pause, the servers' tick threads get too little time to ping.
                thread::sleep(Duration::from_millis(10));
            }
            Ok(n)
        },
    );
    println!("  ... Appends done ...");

    let ck = s.clerk();
    let value = finish_within(&s, &ck, FAILOVER_BOUND * 2, "Get(\"0\") after the crashes", |ck| ck.get("0"));
    check_appends(&value, &counts).unwrap_or_else(|e| panic!("after the crashes, {e}"));
    final_put_get(&s);
    // The longest scenario's failure report must still open quickly in a browser.
    let page = s.diagnostics().report_page().len();
    assert!(
        page < REPORT_SIZE_LIMIT,
        "the report of 20 s of crashes weighs {page} bytes, over {REPORT_SIZE_LIMIT}"
    );
    s.passed();
}

// ----- TestPartition1, TestPartition2 -----------------------------------------------------------

/// Sets up the partition scenarios: s1 primary and s2 backup, "a" = "1" written, then s1 cut off
/// from the view service while clients still reach it, but only through a delaying proxy.
fn partitioned_primary(s: &Scenario, ck1: &Clerk, delay: Duration) {
    s.start_first_primary("s1");
    let v1 = s.start_backup("s1", "s2");
    assert!(
        v1.is_primary("s1") && v1.is_backup("s2"),
        "wanted s1 primary with backup s2, but the view is {v1}"
    );
    put(ck1, "a", "1");
    check(ck1, "a", "1");

    // s1 can no longer talk to the view service, so the view will change without s1 knowing.
    s.net.cut("s1", VS);
    // Client requests reach s1 only after `delay`: after s1 stopped being primary.
    s.net.set_ingress_delay("s1", Some(delay));
}

/// Runs `ck1.get("a")` in the background (it goes to s1, its cached primary, through the delay),
/// runs `meanwhile`, then waits at most `patience` for the Get, and fails if it returned the stale
/// "1". A Get still blocked then is stopped, which the original also accepts.
fn stale_get_check(s: &Scenario, ck1: &Clerk, patience: Duration, fresh: &str, meanwhile: impl FnOnce()) {
    let (returned, outcome) = thread::scope(|scope| {
        let _guard = ShutdownOnPanic(s);
        let (done_tx, done_rx) = mpsc::channel();
        let getter = scope.spawn(move || {
            let outcome = ck1.get("a");
            let _ = done_tx.send(());
            outcome
        });
        meanwhile();
        let returned = done_rx.recv_timeout(patience).is_ok();
        if !returned {
            s.net.kill(ck1.name());
        }
        let outcome = getter.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (returned, outcome)
    });
    if returned {
        match outcome {
            Ok(value) if value == "1" => panic!(
                "wanted the partitioned old primary s1 not to answer Get(\"a\") with its stale \"1\" after \
                 the backup took over, but the Get returned \"1\" (the current value is {fresh:?})"
            ),
            Ok(value) => assert!(
                value == fresh,
                "wanted the delayed Get(\"a\") to return {fresh:?} if it returned at all, but it returned \
                 {value:?}"
            ),
            Err(e) => panic!("wanted the delayed Get(\"a\") to return {fresh:?} or keep waiting, but {e}"),
        }
    }
}

/// An old primary cut off from the view service does not answer a delayed Get with a stale value.
#[graded]
fn partitioned_old_primary_does_not_serve_gets() {
    let s = Scenario::begin("Old primary does not serve Gets");
    let ck1 = s.clerk();
    partitioned_primary(&s, &ck1, Duration::from_secs(4));

    stale_get_check(&s, &ck1, Duration::from_secs(5), "111", || {
        s.wait_view("s2 to take over from the partitioned s1", ROUNDS_FOR_DEATH, |v| v.is_primary("s2"));
        // Let s2 learn the new view, so it is the one serving the next Put.
        s.settle_on("s2", None);
        let ck2 = s.clerk();
        put(&ck2, "a", "111");
        check(&ck2, "a", "111");
    });

    check(&s.clerk(), "a", "111");
    s.passed();
}

/// A partitioned old primary whose backup died does not complete a delayed Get from its own state.
#[graded]
fn partitioned_old_primary_does_not_complete_gets() {
    let s = Scenario::begin("Partitioned old primary does not complete Gets");
    let ck1 = s.clerk();
    partitioned_primary(&s, &ck1, Duration::from_secs(5));
    let ck2 = s.clerk();

    stale_get_check(&s, &ck1, Duration::from_secs(6), "2", || {
        s.wait_view("s2 to take over from the partitioned s1", ROUNDS_FOR_DEATH, |v| v.is_primary("s2"));
        s.start("s3");
        s.wait_view("s3 to join as backup of s2", ROUNDS_FOR_DEATH, |v| {
            v.is_primary("s2") && v.is_backup("s3")
        });
        s.settle_on("s2", Some("s3"));
        put(&ck2, "a", "2");
        check(&ck2, "a", "2");
        s.kill("s2");
    });

    check(&ck2, "a", "2");
    s.passed();
}
