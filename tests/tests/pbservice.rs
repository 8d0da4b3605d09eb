//! The primary/backup key/value service, end to end: the scenarios of the original lab (MIT 6.824,
//! Spring 2015, Lab 2 Part B), one `#[graded]` test each, told as stories. Each test prints what it is
//! about to show and the seed that repeats its fault decisions, and fails with a sentence saying
//! what was wanted and what came back.
//!
//! Timing follows the original: servers ping every [`PING_INTERVAL`], a server silent for
//! `DEAD_PINGS` intervals is dead, and waits keep the original's loop bounds (`DEAD_PINGS * 2`
//! or `* 3` ping intervals; see `labtests::bounds`). Where the original sleeps a fixed time for
//! something to happen, these tests poll for it and go on as soon as it has.
//!
//! Every thread a test spawns is joined before the test ends. A clerk blocked on a system that can
//! no longer serve is stopped by killing its node (or, for a whole workload, by shutting the
//! network down), which makes it return `Stopped`.

use labtests::graded;

use labrpc::time::{Duration, Instant};
use std::collections::HashMap;

use labreport::scenario::REPORT_SIZE_LIMIT;
use labtests::bounds::{FAILOVER_BOUND, HUNG_AFTER, ROUNDS_FOR_CHANGE, ROUNDS_FOR_DEATH, VIEW_CHANGE};
use labtests::pb_harness::threads::join;
use labtests::pb_harness::{check_appends, element, elements, Clerk, Scenario, Stop, VS};
use labtests::seen::SeenView;
use rand::RngExt;
use viewservice::{DEAD_AFTER, PING_INTERVAL};

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

// ----- the original TestBasicFail, one scenario at a time --------------------------------------

/// A lone primary with no backup serves Put, Get and Append, an Append to a missing key too.
#[graded]
fn single_primary_no_backup() {
    let s = Scenario::begin("Single primary, no backup");
    s.start_first_primary("s1");
    let ck = s.clerk();

    s.put(&ck, "111", "v1");
    s.check(&ck, "111", "v1");
    s.put(&ck, "2", "v2");
    s.check(&ck, "2", "v2");
    s.put(&ck, "1", "v1a");
    s.check(&ck, "1", "v1a");
    s.check(&ck, "never-written", "");

    s.append(&ck, "ak", "hello");
    s.check(&ck, "ak", "hello");
    s.put(&ck, "ak", "xx");
    s.append(&ck, "ak", "yy");
    s.check(&ck, "ak", "xxyy");
}

/// A server that joins as backup receives the primary's whole state, then every later write.
#[graded]
fn backup_joins_and_receives_state() {
    let s = Scenario::begin("Add a backup");
    s.start_first_primary("s1");
    let ck = s.clerk();
    s.put(&ck, "1", "v1a");
    s.append(&ck, "ak", "hello");

    s.start("s2");
    s.wait_view("s2 to join as backup of s1", ROUNDS_FOR_CHANGE, |v| v.is_primary("s1") && v.is_backup("s2"));
    // Right away, before the backup has necessarily been initialized.
    s.put(&ck, "3", "33");
    s.check(&ck, "3", "33");

    s.poll("s2 to receive the primary's state and the Put", PING_INTERVAL * ROUNDS_FOR_DEATH, || {
        s.holds("s2", &[("1", "v1a"), ("ak", "hello"), ("3", "33")])
    });
    s.put(&ck, "4", "44");
    s.check(&ck, "4", "44");
    // The primary replies only once the backup accepted the write.
    s.assert_holds("s2", &[("4", "44")]);
    s.assert_replicas_agree("s1", "s2", &["1", "ak", "3", "4"]);
}

/// Clerks cache the primary: 100 Puts cost the view service hardly more than the servers' pings.
#[graded]
fn clerks_cache_the_primary() {
    let s = Scenario::begin("Count RPCs to viewserver");
    s.start_first_primary("s1");
    s.start_backup("s1", "s2");
    let ck = s.clerk();
    s.put(&ck, "warm-up", "learn the primary once");

    let before = s.vs.rpc_count();
    let started = Instant::now();
    for i in 0..100 {
        s.put(&ck, &format!("xk{i}"), &i.to_string());
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
}

/// When the primary dies, its backup takes over and serves everything written before.
#[graded]
fn backup_serves_after_primary_failure() {
    let s = Scenario::begin("Primary failure");
    s.start_first_primary("s1");
    let ck = s.clerk();
    s.put(&ck, "1", "v1a");
    s.start_backup("s1", "s2");
    s.put(&ck, "3", "33");
    s.put(&ck, "4", "44");

    s.kill("s1");
    s.wait_view("the backup s2 to take over from the dead s1", ROUNDS_FOR_CHANGE, |v| v.is_primary("s2"));
    s.check(&ck, "1", "v1a");
    s.check(&ck, "3", "33");
    s.check(&ck, "4", "44");
}

/// After the last server with the data dies, a fresh empty one never serves: a Get never returns.
#[graded]
fn new_server_does_not_serve_after_last_dies() {
    let s = Scenario::begin("Kill last server, new one should not be active");
    s.start_first_primary("s1");
    s.start_backup("s1", "s2");
    let ck = s.clerk();
    s.put(&ck, "1", "v1a");
    s.kill("s1");
    s.wait_view("the backup s2 to take over from the dead s1", ROUNDS_FOR_CHANGE, |v| v.is_primary("s2"));
    s.settle_on("s2", None);

    s.kill("s2");
    s.start("s3");
    // A wrong view service would promote s3 once s2 is declared dead (DEAD_PINGS intervals), and
    // s3 would serve from its next tick. Watch for four times that: the original watches 3 s.
    let window = DEAD_AFTER * 4;
    let (returned, promoted, outcome) = s.threads(|threads| {
        let getter = threads.spawn(|| ck.get("1"));
        // Watch until s3 is promoted or the Get returns (either fails the test), or the window ends.
        let promoted = s
            .wait("the window to end", window, || match s.view() {
                view if view.is_primary("s3") => Ok(Some(view)),
                _ if getter.is_finished() => Ok(None),
                _ => Err(String::new()),
            })
            .unwrap_or(None);
        let returned = getter.is_finished();
        // Stop the clerk, blocked on a system that cannot serve.
        s.net.kill(ck.name());
        (returned, promoted, join(getter))
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
        s.append(&ck, "counter", &v);
        expected.push_str(&v);
    }
    let got = s.get(&ck, "counter");
    assert!(
        got == expected,
        "wanted 100 Appends through an unreliable server to give {expected:?}, but Get returned {got:?}"
    );
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
    s.put(&ck, "a", "aa");
    s.put(&ck, "b", "bb");
    s.put(&ck, "c", "cc");
    s.check(&ck, "a", "aa");
    s.check(&ck, "b", "bb");
    s.check(&ck, "c", "cc");

    s.kill("s2");
    s.finish_within(&ck, FAILOVER_BOUND, "Put(\"a\", \"aaa\") right after the backup died", |ck| {
        ck.put("a", "aaa")
    });
    s.check(&ck, "a", "aaa");

    let v2 = s.wait_view("a new view with a primary and a backup", ROUNDS_FOR_DEATH, |v| {
        v.viewnum > v1.viewnum && v.primary.is_some() && v.backup.is_some()
    });
    assert!(
        v2.is_primary("s1") && v2.is_backup("s3"),
        "wanted s1 to stay primary with the idle s3 as its new backup, but the view is {v2}"
    );
    s.settle_on("s1", Some("s3"));
    s.poll("the new backup s3 to receive the primary's state", PING_INTERVAL * ROUNDS_FOR_DEATH, || {
        s.holds("s3", &[("a", "aaa"), ("b", "bb"), ("c", "cc")])
    });
    s.check(&ck, "a", "aaa");
}

/// A Put right after the primary dies completes: the clerk fails over to the promoted backup.
#[graded]
fn put_right_after_primary_failure() {
    let s = Scenario::begin("Put() immediately after primary failure");
    s.start_first_primary("s1");
    let v1 = s.start_backup("s1", "s2");
    s.start("s3");
    let ck = s.clerk();
    s.put(&ck, "a", "aaa");
    s.put(&ck, "b", "bb");
    s.put(&ck, "c", "cc");

    s.kill("s1");
    s.finish_within(&ck, FAILOVER_BOUND, "Put(\"b\", \"bbb\") right after the primary died", |ck| {
        ck.put("b", "bbb")
    });
    s.check(&ck, "b", "bbb");

    let v2 = s.wait_view("a new view with a primary", ROUNDS_FOR_DEATH, |v| {
        v.viewnum > v1.viewnum && v.primary.is_some()
    });
    assert!(v2.is_primary("s2"), "wanted the backup s2 to take over from the dead s1, but the view is {v2}");
    s.check(&ck, "a", "aaa");
    s.check(&ck, "b", "bbb");
    s.check(&ck, "c", "cc");
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
        s.put(&ck, "0", "x");
        s.put(&ck, "1", "x");
    }

    s.workload(
        CLIENTS,
        Duration::from_secs(5),
        |_| {},
        |i, ck, stop| {
            let mut rng = s.rng(i as u64);
            while !stop.is_stopped() {
                let (key, value) = (rng.random_range(0..KEYS).to_string(), rng.random::<u32>().to_string());
                ck.put(&key, &value).map_err(|e| format!("client {i}: Put({key:?}) did not finish: {e}"))?;
            }
            Ok(())
        },
    );

    // Read from the primary.
    let ck = s.clerk();
    let values: Vec<String> = (0..KEYS)
        .map(|k| {
            let value = s.get(&ck, &k.to_string());
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
        let got = s.get(&ck, &k.to_string());
        assert!(
            &got == wanted,
            "wanted Get(\"{k}\") from the promoted backup {backup} to return {wanted:?}, as the primary \
             {primary} did, but it returned {got:?}: primary and backup applied the Puts in different orders"
        );
    }
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

    let counts = s.workload(
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
    let primary_value = s.get(&ck, "k");
    check_appends(&primary_value, &elements(&counts))
        .unwrap_or_else(|e| panic!("the primary {primary}'s value is wrong: {e}"));

    // Kill the primary so the backup can be checked.
    s.kill(&primary);
    s.wait_view(
        &format!("the backup {backup} to take over from the dead {primary}"),
        ROUNDS_FOR_CHANGE,
        |v| v.is_primary(&backup),
    );
    let backup_value = s.get(&ck, "k");
    check_appends(&backup_value, &elements(&counts))
        .unwrap_or_else(|e| panic!("the promoted backup {backup}'s value is wrong: {e}"));
    assert!(
        backup_value == primary_value,
        "wanted the promoted backup {backup} to hold the value the primary {primary} served, \
         {primary_value:?}, but it holds {backup_value:?}: they applied the Appends in different orders"
    );
}

// ----- TestRepeatedCrash, TestRepeatedCrashUnreliable -------------------------------------------

/// How long the crash loops run, as in the original.
const CRASH_LOOP_TIME: Duration = Duration::from_secs(20);

/// The random stream of the crash loop (the clients' streams are their indices).
const CRASH_LOOP_STREAM: u64 = 1000;

/// Every second or so, kills a random one of `servers` and restarts it a second later (fresh and
/// empty), as the original's crash loop does, until `stop`. A server it killed is always restarted
/// before it returns, so the service can serve the final checks.
fn crash_and_restart(s: &Scenario, servers: &[&str], stop: &Stop, unreliable: bool) {
    let mut rng = s.rng(CRASH_LOOP_STREAM);
    // Long enough for a new view to form and the backup to be initialized, as in the original.
    let pause = DEAD_AFTER * 2;
    while !stop.is_stopped() {
        let victim = servers[rng.random_range(0..servers.len())];
        // A primary that dies before acknowledging its view leaves the service stuck by design;
        // like the original's pauses, wait for the view to settle (a busy machine may take longer).
        if let Err(e) = s.wait_until_acked(VIEW_CHANGE) {
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
    let got = s.finish_within(&ck, FAILOVER_BOUND * 2, "a final Put and Get after the crashes", |ck| {
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

    s.workload(
        CLIENTS,
        CRASH_LOOP_TIME,
        |stop| crash_and_restart(&s, &servers, stop, false),
        |i, ck, stop| {
            let mut rng = s.rng(i as u64);
            let mut data = HashMap::new();
            while !stop.is_stopped() {
                let key = (i as u64 * 1_000_000 + rng.random_range(0..10)).to_string();
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
                let value = rng.random::<u32>().to_string();
                ck.put(&key, &value).map_err(|e| format!("client {i}: Put({key:?}) did not finish: {e}"))?;
                data.insert(key, value);
                // Without a pause, the servers' tick threads get too little time to ping.
                labrpc::time::sleep(Duration::from_millis(10));
            }
            Ok(())
        },
    );
    println!("  ... Put/Gets done ...");
    final_put_get(&s);
}

/// Servers crash and restart for 20 s while two clients Append to one key, unreliably: none lost or doubled.
#[graded]
fn repeated_crash_restart_unreliable() {
    const CLIENTS: usize = 2;
    let s = Scenario::begin("Repeated failures/restarts with concurrent updates to same key; unreliable");
    let servers = three_servers(&s, true);

    let counts = s.workload(
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
                labrpc::time::sleep(Duration::from_millis(10));
            }
            Ok(n)
        },
    );
    println!("  ... Appends done ...");

    let ck = s.clerk();
    let value = s.finish_within(&ck, FAILOVER_BOUND * 2, "Get(\"0\") after the crashes", |ck| ck.get("0"));
    check_appends(&value, &elements(&counts)).unwrap_or_else(|e| panic!("after the crashes, {e}"));
    final_put_get(&s);
    // The longest scenario's failure report must still open quickly in a browser.
    let page = s.diagnostics().report_page().len();
    assert!(
        page < REPORT_SIZE_LIMIT,
        "the report of 20 s of crashes weighs {page} bytes, over {REPORT_SIZE_LIMIT}"
    );
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
    s.put(ck1, "a", "1");
    s.check(ck1, "a", "1");

    // s1 can no longer talk to the view service, so the view will change without s1 knowing.
    s.net.cut("s1", VS);
    // Client requests reach s1 only after `delay`: after s1 stopped being primary.
    s.net.set_ingress_delay("s1", Some(delay));
}

/// Runs `ck1.get("a")` in the background (it goes to s1, its cached primary, through the delay),
/// runs `meanwhile`, then waits at most `patience` for the Get, and fails if it returned the stale
/// "1". A Get still blocked then is stopped, which the original also accepts.
fn stale_get_check(s: &Scenario, ck1: &Clerk, patience: Duration, fresh: &str, meanwhile: impl FnOnce()) {
    let (returned, outcome) = s.threads(|threads| {
        let getter = threads.spawn(|| ck1.get("a"));
        meanwhile();
        let returned = s.finishes_within(&getter, patience);
        if !returned {
            s.net.kill(ck1.name());
        }
        (returned, join(getter))
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
        s.put(&ck2, "a", "111");
        s.check(&ck2, "a", "111");
    });

    s.check(&s.clerk(), "a", "111");
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
        s.put(&ck2, "a", "2");
        s.check(&ck2, "a", "2");
        s.kill("s2");
    });

    s.check(&ck2, "a", "2");
}
