//! The five rules of primary/backup replication, one dedicated scenario each at least, then the
//! DSLabs scenarios, the guided interleavings built with labrpc's hold/release, at-most-once
//! under overlapping retries, and the size of what travels to the backup. Each test is a story
//! on a cluster of its own; failures say what was wanted and what came back, and print the
//! network's seed (`LAB_SEED=<seed>` repeats its fault decisions).
//!
//! Views are judged as the harness reads them (`SeenView`), and the submission's replies by
//! matching their variants, never through its `PartialEq`.
//!
//! Every thread a test starts is a scoped thread joined before the test ends. A clerk that must
//! stay blocked is stopped by killing its node; if the test fails first, the network is shut
//! down so that blocked clerks return and can be joined.

use labtests::graded;

use labrpc::time::{Duration, Instant};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use labrpc::{EventKind, Method, Network, RpcError};
use labtests::bounds::{OP_LIMIT, POLL, PROMPTLY, VIEW_CHANGE, WATCH};
use labtests::pb_harness::{check_appends, Clerk, Scenario, VS};
use labtests::seen::SeenView;
use pbservice::{Forward, ForwardArgs, Op, PbError, Request, RequestId, Stopped, Transfer};
use viewservice::{DEAD_AFTER, PING_INTERVAL};

/// The request id of a hand-made client.
fn hand_made(seq: u64) -> RequestId {
    RequestId { client: 0x5eed_0000_0000_0001, seq }
}

// ----- rule 1 --------------------------------------------------------------------------------

/// Rule 1: when primary and backup die together, a server that was idle all along is never made
/// primary, and nothing is served.
#[graded]
fn rule_1_idle_server_never_replaces_dead_primary_and_backup() {
    let lab = Scenario::begin("Rule 1: an idle server never replaces a dead primary and backup");
    lab.primary_and_backup("s1", "s2");
    lab.start_idle("s3");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "v");

    lab.kill("s1");
    lab.kill("s2");
    lab.threads(|threads| {
        let get = threads.spawn(|| clerk.get("k"));
        lab.stays_blocked(
            &get,
            WATCH.saturating_mul(3) / 2,
            "a Get while primary and backup are dead",
            || {
                let view = lab.view();
                assert!(
                    !view.is_primary("s3"),
                    "s3 was never primary or backup, yet the view service made it primary: {view}"
                );
                let believed =
                    lab.view_on("s3").expect("s3 was started and never killed, so it should be running");
                assert!(
                    !believed.is_primary("s3"),
                    "s3 was never primary or backup, yet it believes it is primary: {believed}"
                );
            },
        );
        let refusal = lab.execute_directly("s3", hand_made(1), Op::Get { key: "k".into() });
        assert!(
            matches!(refusal, Ok(Err(PbError::WrongServer))),
            "the idle s3 answered a Get with {refusal:?}"
        );
        lab.net.kill(clerk.name());
        let result = lab.join_within(get, PROMPTLY, "the blocked Get after its clerk was killed");
        assert!(result.is_err(), "the Get with no live primary returned {result:?}; it must never be served");
    });
}

/// Rule 1: a primary killed and restarted at once (fresh and empty, under the same name) is not
/// the primary of the next view, and its empty state never replaces its old backup's.
#[graded]
fn rule_1_restarted_primary_does_not_wipe_its_backup() {
    let lab = Scenario::begin("Rule 1: a primary restarted at once does not wipe its backup");
    lab.primary_and_backup("s1", "s2");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "precious");

    lab.kill("s1");
    lab.start("s1");
    // The view service must see that s1 restarted and promote s2; all the while s2 keeps the data.
    lab.poll("s2 to replace the restarted s1 as primary", VIEW_CHANGE, || {
        let kept = lab.value_on("s2", "k");
        assert_eq!(
            kept.as_deref(),
            Some("precious"),
            "the backup s2 now holds {kept:?} for \"k\", not \"precious\": the restarted, empty s1 replaced s2's state, \
             acting as primary of a view it held only in its previous life"
        );
        let view = lab.view();
        if view.is_primary("s2") {
            Ok(())
        } else {
            Err(format!("the view is still {view}, and the restarted s1 believes {:?}", lab.view_on("s1")))
        }
    });
    lab.settle("s2", Some("s1"), VIEW_CHANGE);
    lab.check(&clerk, "k", "precious");
    lab.assert_value_on("s1", "k", "precious");
}

/// Rule 1: a primary killed and restarted at once, while the view still names it primary and
/// its backup still believes that view, holds no data: it must not answer a client's Get from its
/// empty store. (Holding the restarted server's pings after its first one, and the backup's,
/// keeps both in the old view for as long as the test needs.)
#[graded]
fn rule_1_restarted_primary_never_answers_from_its_empty_store() {
    let lab = Scenario::begin("Rule 1: a restarted primary never answers from its empty store");
    let view = lab.primary_and_backup("s1", "s2");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "precious");

    // s2 keeps believing the current view: its pings wait on a held link.
    lab.net.hold("s2", VS);
    lab.kill("s1");
    lab.net.hold("s1", VS);
    lab.start("s1");
    // The restarted s1's first ping (with 0) reaches the view service, which answers with the
    // view that still names s1 primary; its later pings wait.
    let first = lab.held_calls("s1", VS, 1);
    lab.release(&first[0]);
    lab.wait(&format!("the restarted s1 to learn {view}"), VIEW_CHANGE, || match lab.view_on("s1") {
        Some(theirs) if theirs == view => Ok(()),
        theirs => Err(format!("s1 believes {theirs:?}")),
    })
    .unwrap_or_else(|e| panic!("{e}"));

    // A Get sent straight to s1: refusing it, or failing to reach its backup, is right; claiming
    // a value other than the service's is not.
    let reply = lab.execute_directly("s1", hand_made(1), Op::Get { key: "k".into() });
    assert!(
        !matches!(&reply, Ok(Ok(value)) if value != "precious"),
        "the restarted s1, which holds no data, answered a Get of \"k\" with {reply:?} (the service's value is \
         \"precious\"): a server that restarted lost its state and must not act as the primary its earlier life \
         was, even while the view and its backup still name it primary"
    );
    // The clerk, which knew s1 as primary, asks it again; whatever s1 says, the Get must return
    // the service's value once the view service and s2 may move on.
    lab.threads(|threads| {
        let get = threads.spawn(|| clerk.get("k"));
        let answered_early = lab.finishes_within(&get, PING_INTERVAL * 3);
        lab.net.unhold("s1", VS);
        lab.net.unhold("s2", VS);
        let value = lab.join_within(get, VIEW_CHANGE, "the clerk's Get while the restarted s1 was still named primary");
        assert!(
            matches!(value.as_deref(), Ok("precious")),
            "the clerk's Get of \"k\" returned {value:?} (answered before the view moved on: {answered_early}), \
             not \"precious\": the restarted s1, still named primary, answered from its empty store"
        );
    });

    // The view service has replaced the restarted s1, and nothing was lost.
    lab.settle("s2", Some("s1"), VIEW_CHANGE);
    lab.check(&clerk, "k", "precious");
}

// ----- rule 2 --------------------------------------------------------------------------------

/// Rule 2: a primary whose backup is cut off cannot complete a Put; once the link is repaired
/// the Put completes, on both servers.
#[graded]
fn rule_2_put_waits_while_backup_is_cut_off_then_completes_after_repair() {
    let lab = Scenario::begin("Rule 2: a primary cut off from its backup cannot complete a Put");
    lab.primary_and_backup("s1", "s2");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "before");

    lab.net.cut("s1", "s2");
    lab.threads(|threads| {
        let put = threads.spawn(|| clerk.put("k", "after"));
        lab.stays_blocked(&put, WATCH, "the Put while s1 cannot reach its backup s2", || {
            lab.assert_value_on("s1", "k", "before");
            lab.assert_value_on("s2", "k", "before");
        });
        lab.net.repair("s1", "s2");
        let result = lab.join_within(put, VIEW_CHANGE, "the Put after the link was repaired");
        assert!(result.is_ok(), "the Put after the repair returned {result:?}");
    });
    lab.assert_value_on("s1", "k", "after");
    lab.assert_value_on("s2", "k", "after");
    lab.check(&clerk, "k", "after");
}

/// Rule 2: an Append to a primary cut off from its backup waits; when that primary dies, the
/// backup takes over and the Append completes exactly once.
#[graded]
fn rule_2_append_waits_while_backup_is_cut_off_then_completes_once_after_failover() {
    let lab = Scenario::begin("Rule 2: an Append waits for the backup, then completes once after failover");
    lab.primary_and_backup("s1", "s2");
    lab.start_idle("s3");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "a");

    lab.net.cut("s1", "s2");
    lab.threads(|threads| {
        let append = threads.spawn(|| clerk.append("k", "b"));
        lab.stays_blocked(&append, WATCH, "the Append while s1 cannot reach its backup s2", || {
            lab.assert_value_on("s1", "k", "a");
            lab.assert_value_on("s2", "k", "a");
        });
        lab.kill("s1");
        lab.settle("s2", Some("s3"), VIEW_CHANGE);
        let result = lab.join_within(append, VIEW_CHANGE, "the Append after s2 took over");
        assert!(result.is_ok(), "the Append after the failover returned {result:?}");
    });
    lab.check(&clerk, "k", "ab");
    lab.assert_value_on("s2", "k", "ab");
    lab.assert_value_on("s3", "k", "ab");
}

// ----- rule 3 --------------------------------------------------------------------------------

/// Rule 3: once the view has moved on, a forward in the name of the old primary, or for the old
/// view, is refused with WrongServer and changes nothing.
#[graded]
fn rule_3_backup_rejects_forward_from_stale_primary() {
    let lab = Scenario::begin("Rule 3: a backup rejects a forward from a stale primary");
    let old = lab.primary_and_backup("s1", "s2");
    lab.start_idle("s3");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "v");

    // s1's pings are lost: the view service moves on, while s1 still believes it is primary.
    lab.net.cut("s1", VS);
    let new = lab.settle("s2", Some("s3"), VIEW_CHANGE);
    assert_eq!(
        lab.view_on("s1"),
        Some(old.clone()),
        "s1, cut off from the view service, should still believe {old}"
    );

    let stale = lab.net.endpoint("s1");
    let forward = |viewnum: u64, primary: &str| ForwardArgs {
        viewnum,
        primary: primary.to_string(),
        request: Request { id: hand_made(1), op: Op::Append { key: "k".into(), value: "-stale".into() } },
    };
    let cases = [
        ("s3", forward(old.viewnum, "s1"), "s1's forward for its old view, to the new backup s3"),
        ("s3", forward(new.viewnum, "s1"), "a forward naming s1 primary of the current view, to s3"),
        ("s3", forward(old.viewnum, "s2"), "a forward from s2 for the old view, to s3"),
        (
            "s2",
            forward(old.viewnum, "s1"),
            "s1's forward for its old view, to its old backup s2 (now primary)",
        ),
    ];
    for (to, args, story) in cases {
        let reply = stale.call::<Forward>(to, &args);
        assert!(matches!(reply, Ok(Err(PbError::WrongServer))), "{story}: wanted WrongServer, got {reply:?}");
    }
    lab.assert_value_on("s2", "k", "v");
    lab.assert_value_on("s3", "k", "v");
    // The primary of the current view still gets its forwards accepted.
    lab.append(&clerk, "k", "+new");
    lab.assert_value_on("s2", "k", "v+new");
    lab.assert_value_on("s3", "k", "v+new");
}

// ----- rule 4 --------------------------------------------------------------------------------

/// Rule 4: a backup (and an idle server) answers a client's Get, Put or Append with
/// WrongServer, and applies nothing; the same request sent to the primary is served.
#[graded]
fn rule_4_backup_answers_client_request_with_wrong_server() {
    let lab = Scenario::begin("Rule 4: a non-primary rejects client requests");
    lab.primary_and_backup("s1", "s2");
    lab.start_idle("s3");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "v");

    let ops = [
        Op::Get { key: "k".into() },
        Op::Put { key: "k".into(), value: "direct".into() },
        Op::Append { key: "k".into(), value: "+direct".into() },
    ];
    for server in ["s2", "s3"] {
        for op in &ops {
            let reply = lab.execute_directly(server, hand_made(1), op.clone());
            assert!(
                matches!(reply, Ok(Err(PbError::WrongServer))),
                "{server} (not primary) answered {op} with {reply:?}"
            );
        }
    }
    lab.assert_value_on("s1", "k", "v");
    lab.assert_value_on("s2", "k", "v");
    assert_eq!(lab.value_on("s3", "k"), None, "the idle s3 should hold nothing");

    // The refused request was not recorded as done: under the same id, the primary serves it.
    let append = ops[2].clone();
    let reply = lab.execute_directly("s1", hand_made(1), append);
    assert!(
        matches!(&reply, Ok(Ok(value)) if value.is_empty()),
        "the primary s1 answered the Append with {reply:?}"
    );
    lab.assert_value_on("s1", "k", "v+direct");
    lab.assert_value_on("s2", "k", "v+direct");
}

// ----- rule 5 --------------------------------------------------------------------------------

/// Rule 5: operations that arrive while the state transfer to a new backup is held wait for it,
/// and afterwards every one of them is on the new backup.
#[graded]
fn rule_5_operations_during_state_transfer_reach_new_backup() {
    let lab = Scenario::begin("Rule 5: every operation is before or after the state transfer");
    lab.primary_alone("s1");
    let clerk = lab.clerk();
    for key in ["k0", "k1", "shared"] {
        lab.put(&clerk, key, "before");
    }

    lab.net.declare("s2");
    lab.net.hold("s1", "s2");
    lab.start("s2");
    let held = lab.held_calls("s1", "s2", 1);
    assert_eq!(
        held[0].method,
        Transfer::NAME,
        "the first call s1 makes to its new backup s2 should be the state transfer"
    );

    let clerks: Vec<Clerk> = (0..4).map(|_| lab.clerk()).collect();
    let delivered = lab.net.rpc_count("s1");
    lab.threads(|threads| {
        let calls = [
            threads.spawn(|| clerks[0].put("k0", "during")),
            threads.spawn(|| clerks[1].append("k1", "+during")),
            threads.spawn(|| clerks[2].append("shared", "[c2]")),
            threads.spawn(|| clerks[3].append("shared", "[c3]")),
        ];
        lab.poll("the four requests to reach s1", VIEW_CHANGE, || {
            let arrived = lab.net.rpc_count("s1") - delivered;
            if arrived >= 4 {
                Ok(())
            } else {
                Err(format!("only {arrived} have"))
            }
        });
        for call in &calls {
            lab.stays_blocked(
                call,
                PING_INTERVAL * 3,
                "an operation issued during the held state transfer",
                || {
                    let held = lab.net.held("s1", "s2");
                    assert_eq!(
                        held.len(),
                        1,
                        "only the state transfer may be on its way to s2, but these are: {held:?}"
                    );
                    assert_eq!(
                        lab.value_on("s2", "k0"),
                        None,
                        "s2 holds data before the transfer reached it"
                    );
                },
            );
        }
        lab.net.unhold("s1", "s2");
        for call in calls {
            let result = lab.join_within(call, VIEW_CHANGE, "an operation issued during the state transfer");
            assert!(result.is_ok(), "an operation issued during the state transfer returned {result:?}");
        }
    });

    for (key, wanted) in [("k0", "during"), ("k1", "before+during")] {
        lab.assert_value_on("s1", key, wanted);
        lab.assert_value_on("s2", key, wanted);
    }
    let shared = lab.value_on("s2", "shared");
    assert!(
        matches!(shared.as_deref(), Some("before[c2][c3]" | "before[c3][c2]")),
        "s2 holds {shared:?} for \"shared\", expected both appends after \"before\""
    );
    lab.assert_replicas_agree("s1", "s2", &["k0", "k1", "shared"]);
}

/// Rule 5: a state transfer that arrives late, after the primary gave up on it, sent the state
/// again and went on serving, must not undo the writes the backup accepted in between. (The
/// first transfer is held and abandoned: the primary hears its reply was lost while the request
/// still reaches the backup, last.)
#[graded]
fn rule_5_late_duplicate_state_transfer_never_undoes_later_writes() {
    let lab = Scenario::begin("Rule 5: a late duplicate state transfer never undoes later writes");
    lab.primary_alone("s1");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "before");

    lab.net.declare("s2");
    lab.net.hold("s1", "s2");
    lab.start("s2");
    let first = lab.held_calls("s1", "s2", 1);
    assert_eq!(
        first[0].method,
        Transfer::NAME,
        "the first call s1 makes to its new backup s2 should be the state transfer"
    );
    // s1 hears that its first transfer's reply was lost, and sends the state again.
    lab.abandon(&first[0]);
    let again = lab.held_calls("s1", "s2", 2);
    assert_eq!(again[1].method, Transfer::NAME, "after a lost transfer, s1 should send its state again");
    lab.release(&again[1]);

    // The backup holds the state; an Append goes through it (its forward released as it comes).
    lab.threads(|threads| {
        let append = threads.spawn(|| clerk.append("k", "+after"));
        let forwards = lab.held_calls("s1", "s2", 2);
        assert_eq!(forwards[1].method, Forward::NAME, "s1 should forward the Append to its backup s2");
        lab.release(&forwards[1]);
        let result = lab.join_within(append, VIEW_CHANGE, "the Append after the state transfer");
        assert!(result.is_ok(), "the Append after the state transfer returned {result:?}");
    });
    lab.assert_value_on("s2", "k", "before+after");

    // Now the first transfer, with the state from before the Append, reaches s2.
    let delivered = lab.net.rpc_count("s2");
    lab.net.unhold("s1", "s2");
    lab.poll("the late state transfer to reach s2", VIEW_CHANGE, || {
        if lab.net.rpc_count("s2") > delivered {
            Ok(())
        } else {
            Err("it has not".to_string())
        }
    });
    lab.assert_value_on("s2", "k", "before+after");
    // And the backup serves what it holds once the primary is gone.
    lab.kill("s1");
    lab.settle("s2", None, VIEW_CHANGE);
    lab.check(&clerk, "k", "before+after");
}

// ----- DSLabs scenarios ---------------------------------------------------------------------

/// A clerk blocked on a system whose servers are all dead can be abandoned: killing its node
/// makes the call return `Err(Stopped)` at once.
#[graded]
fn blocked_clerk_is_abandoned_cleanly() {
    let lab = Scenario::begin("A clerk blocked on a dead system can be abandoned cleanly");
    lab.primary_and_backup("s1", "s2");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "v");
    lab.kill("s1");
    lab.kill("s2");

    lab.threads(|threads| {
        let get = threads.spawn(|| (clerk.get("k"), Instant::now()));
        lab.stays_blocked(&get, PING_INTERVAL * 5, "a Get with every server dead", || {});
        let killed = Instant::now();
        lab.net.kill(clerk.name());
        let (result, returned) = lab.join_within(get, PROMPTLY, "the Get of a killed clerk");
        assert!(
            matches!(result, Err(Stopped { cause: RpcError::CallerDead { .. } })),
            "the Get of a killed clerk returned {result:?}, expected Err(Stopped) because its node was killed"
        );
        let after = returned.saturating_duration_since(killed);
        assert!(after < PROMPTLY, "the killed clerk's Get returned only {after:?} after the kill");
    });
}

/// After every server has died, a freshly started server is never made primary, and nothing is
/// served.
#[graded]
fn fresh_server_after_all_died_serves_nothing() {
    let lab = Scenario::begin("Kill all servers, start a fresh one: nothing is served");
    lab.primary_and_backup("s1", "s2");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "v");
    lab.kill("s1");
    lab.kill("s2");
    lab.start("s3");

    lab.threads(|threads| {
        let get = threads.spawn(|| clerk.get("k"));
        lab.stays_blocked(
            &get,
            WATCH.saturating_mul(3) / 2,
            "a Get after every server that held data died",
            || {
                let view = lab.view();
                assert!(!view.is_primary("s3"), "the fresh s3 was made primary: {view}");
            },
        );
        let refusal = lab.execute_directly("s3", hand_made(1), Op::Get { key: "k".into() });
        assert!(
            matches!(refusal, Ok(Err(PbError::WrongServer))),
            "the fresh s3 answered a Get with {refusal:?}"
        );
        lab.net.kill(clerk.name());
        let result = lab.join_within(get, PROMPTLY, "the blocked Get after its clerk was killed");
        assert!(result.is_err(), "the Get returned {result:?}, but no server holding data is alive");
    });
}

/// The backup dies and an idle server becomes backup; then the primary dies and that new backup
/// takes over. Every write, from before, between and after, is kept.
#[graded]
fn fail_to_new_backup_then_to_it_as_primary_keeps_every_write() {
    let lab = Scenario::begin("Fail to a new backup, then to it as primary, keeping every write");
    lab.primary_and_backup("s1", "s2");
    lab.start_idle("s3");
    let clerk = lab.clerk();
    lab.put(&clerk, "a", "1");
    lab.append(&clerk, "log", "1");

    lab.kill("s2");
    // Right after the backup died: the primary must not hang, and the write must survive.
    lab.put(&clerk, "b", "2");
    lab.settle("s1", Some("s3"), VIEW_CHANGE);
    lab.append(&clerk, "log", "2");

    lab.kill("s1");
    lab.settle("s3", None, VIEW_CHANGE);
    lab.append(&clerk, "log", "3");
    for (key, wanted) in [("a", "1"), ("b", "2"), ("log", "123")] {
        lab.check(&clerk, key, wanted);
        lab.assert_value_on("s3", key, wanted);
    }
}

/// Three clerks Put and Append concurrently to shared keys over a lossy network; afterwards the
/// replicas agree, every Append is there exactly once and in its clerk's order, and the backup
/// serves the same values after the primary fails.
#[graded]
fn concurrent_puts_and_appends_with_message_loss_then_failover() {
    const CLERKS: usize = 3;
    const OPS: usize = 16;
    let lab = Scenario::begin("Concurrent Puts and Appends with message loss, then failover");
    lab.primary_and_backup("s1", "s2");
    lab.start_idle("s3");
    let keys = ["p0", "p1", "p2", "log"];
    // What clerk `c` appends as its operation `op` (the odd ones are Appends).
    let element = |c: usize, op: usize| format!("{c}.{op};");

    let clerks: Vec<Clerk> = (0..CLERKS).map(|_| lab.clerk()).collect();
    lab.net.set_network_unreliable(true);
    let results: Vec<Result<(), Stopped>> = lab.threads(|threads| {
        let calls: Vec<_> = clerks
            .iter()
            .enumerate()
            .map(|(c, clerk)| {
                threads.spawn(move || {
                    for op in 0..OPS {
                        if op % 2 == 0 {
                            clerk.put(&format!("p{}", op % 3), &format!("{c}.{op}"))?;
                        } else {
                            clerk.append("log", &element(c, op))?;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        calls.into_iter().map(|call| lab.join_within(call, VIEW_CHANGE * 6, "a clerk's workload")).collect()
    });
    lab.net.set_network_unreliable(false);
    for (c, result) in results.iter().enumerate() {
        assert!(result.is_ok(), "clerk {c} did not finish its workload: {result:?}");
    }

    // Lost pings may have made the view service fail s1 over to s2 meanwhile, which is fine:
    // compare the replicas of whatever view the service settled on.
    let view = lab
        .wait_for_view("a primary with a backup", VIEW_CHANGE, |v| v.primary.is_some() && v.backup.is_some())
        .unwrap_or_else(|e| panic!("{e}"));
    let (primary, backup) =
        (view.primary.clone().unwrap_or_default(), view.backup.clone().unwrap_or_default());
    lab.settle(&primary, Some(&backup), VIEW_CHANGE);
    lab.assert_replicas_agree(&primary, &backup, &keys);
    let log = lab.value_on(&primary, "log").unwrap_or_default();
    let appended: Vec<Vec<String>> =
        (0..CLERKS).map(|c| (0..OPS).filter(|op| op % 2 == 1).map(|op| element(c, op)).collect()).collect();
    check_appends(&log, &appended)
        .unwrap_or_else(|e| panic!("the primary {primary}'s \"log\" is wrong: {e}"));
    let before: BTreeMap<&str, Option<String>> =
        keys.iter().map(|k| (*k, lab.value_on(&primary, k))).collect();

    lab.kill(&primary);
    let spare = ["s1", "s2", "s3"].into_iter().find(|s| *s != primary && *s != backup).unwrap_or("s3");
    lab.settle(&backup, Some(spare), VIEW_CHANGE);
    let clerk = lab.clerk();
    for (key, wanted) in &before {
        lab.check(&clerk, key, wanted.as_deref().unwrap_or(""));
    }
    lab.assert_replicas_agree(&backup, spare, &keys);
}

/// Servers crash one after another (primary, then backup, ...) and restart empty, while two
/// clerks keep writing and reading their own keys: every read sees the clerk's last write, and
/// no operation waits 5 s or more.
#[graded]
fn repeated_crashes_keep_client_waits_under_five_seconds() {
    const ROUNDS: usize = 4;
    const LONGEST_WAIT: Duration = Duration::from_secs(5);
    let lab = Scenario::begin("Repeated crashes: no client waits 5 s or more");
    let servers = ["s1", "s2", "s3"];
    lab.primary_and_backup("s1", "s2");
    lab.start_idle("s3");
    let clerks: Vec<Clerk> = (0..2).map(|_| lab.clerk()).collect();
    let stop = AtomicBool::new(false);

    let outcomes = lab.threads(|threads| {
        let workers: Vec<_> = clerks
            .iter()
            .enumerate()
            .map(|(c, clerk)| {
                let stop = &stop;
                threads.spawn(move || -> Result<Workload, Stopped> {
                    let key = format!("c{c}");
                    let mut done = Workload::default();
                    while !stop.load(Ordering::Relaxed) {
                        let value = format!("{}", done.writes);
                        let started = Instant::now();
                        clerk.put(&key, &value)?;
                        done.longest = done.longest.max(started.elapsed());
                        let started = Instant::now();
                        let read = clerk.get(&key)?;
                        done.longest = done.longest.max(started.elapsed());
                        if read != value {
                            done.stale_reads.push(format!("read {read:?} after writing {value:?}"));
                        }
                        done.writes += 1;
                    }
                    Ok(done)
                })
            })
            .collect();

        for round in 0..ROUNDS {
            let view = lab.view();
            let (Some(primary), Some(backup)) = (view.primary.clone(), view.backup.clone()) else {
                panic!("round {round} wanted a view with a primary and a backup, but the view is {view}");
            };
            let idle = servers.iter().find(|s| !view.is_primary(s) && !view.is_backup(s));
            let idle = idle.unwrap_or_else(|| panic!("{view} leaves none of {servers:?} idle"));
            lab.settle(&primary, Some(&backup), VIEW_CHANGE);
            if round % 2 == 0 {
                lab.kill(&primary);
                lab.settle(&backup, Some(idle), VIEW_CHANGE);
                lab.start(&primary);
            } else {
                lab.kill(&backup);
                lab.settle(&primary, Some(idle), VIEW_CHANGE);
                lab.start(&backup);
            }
        }
        stop.store(true, Ordering::Relaxed);
        workers.into_iter().map(|w| lab.join_within(w, VIEW_CHANGE, "a clerk's workload")).collect::<Vec<_>>()
    });

    for (c, outcome) in outcomes.into_iter().enumerate() {
        let done = outcome.unwrap_or_else(|e| panic!("clerk {c} stopped: {e}"));
        assert!(done.writes > 0, "clerk {c} completed no write during {ROUNDS} crashes");
        assert!(done.stale_reads.is_empty(), "clerk {c} read stale values: {:?}", done.stale_reads);
        assert!(
            done.longest < LONGEST_WAIT,
            "clerk {c}'s longest operation took {:?}; it must stay under {LONGEST_WAIT:?}",
            done.longest
        );
    }
}

/// What one clerk of the crash test did.
#[derive(Default)]
struct Workload {
    writes: usize,
    longest: Duration,
    stale_reads: Vec<String>,
}

/// A write accepted while the primary had no backup reaches the next backup in the state
/// transfer, and survives the failover to it.
#[graded]
fn write_while_primary_alone_survives_transfer_and_failover() {
    let lab = Scenario::begin("A write accepted by a lone primary survives the transfer and the failover");
    lab.primary_alone("s1");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "alone");
    lab.append(&clerk, "k", "+1");

    lab.start("s2");
    lab.settle("s1", Some("s2"), VIEW_CHANGE);
    lab.assert_value_on("s2", "k", "alone+1");

    lab.start_idle("s3");
    lab.kill("s1");
    lab.settle("s2", Some("s3"), VIEW_CHANGE);
    lab.check(&clerk, "k", "alone+1");
    lab.assert_value_on("s3", "k", "alone+1");
}

/// A write accepted while the primary was alone survives the state transfer to the first backup
/// and then three successive failovers, each to the backup of the moment, with a fresh (or
/// restarted) server becoming the next backup each time.
#[graded]
fn write_while_primary_alone_survives_transfer_and_successive_failovers() {
    let lab = Scenario::begin("A write accepted by a lone primary survives the transfer and three failovers");
    lab.primary_alone("s1");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "alone");

    lab.start("s2");
    lab.settle("s1", Some("s2"), VIEW_CHANGE);
    // Each round: the primary dies, its backup takes over, and a new backup gets the state.
    let mut value = String::from("alone");
    for (dead, primary, next) in [("s1", "s2", "s3"), ("s2", "s3", "s1"), ("s3", "s1", "s2")] {
        lab.kill(dead);
        lab.settle(primary, None, VIEW_CHANGE);
        lab.check(&clerk, "k", &value);
        value.push_str(&format!("+{primary}"));
        lab.append(&clerk, "k", &format!("+{primary}"));
        lab.start(next);
        lab.settle(primary, Some(next), VIEW_CHANGE);
    }
    lab.check(&clerk, "k", "alone+s2+s3+s1");
    lab.assert_value_on("s2", "k", "alone+s2+s3+s1");
}

/// A Get whose forward to the backup is held while the view service fails the primary over is
/// released only after a newer Put completed through the new primary: the old primary cannot
/// answer the Get (its old backup, now primary, refuses the stale forward), so the Get returns
/// the newer value.
#[graded]
fn get_forward_held_across_failover_returns_the_newer_value() {
    let lab = Scenario::begin("A Get whose forward is held across a failover returns the newer value");
    lab.primary_and_backup("s1", "s2");
    lab.start_idle("s3");
    let (setup, reader) = (lab.clerk(), lab.clerk());
    lab.put(&setup, "k", "old");
    lab.check(&reader, "k", "old");

    lab.net.hold("s1", "s2");
    lab.threads(|threads| {
        let get = threads.spawn(|| reader.get("k"));
        let held = lab.held_calls("s1", "s2", 1);
        assert_eq!(
            held[0].method,
            Forward::NAME,
            "the first call held on s1 -> s2 should be the Get's forward"
        );
        // s1 falls silent to the view service, which makes s2 primary and s3 its backup.
        lab.net.cut("s1", VS);
        lab.settle("s2", Some("s3"), VIEW_CHANGE);
        // A clerk that asks the view service first: s1 is busy with the held Get.
        let writer = lab.clerk();
        lab.put(&writer, "k", "new");
        // The forward reaches s2 only now, from a primary of a view that is over.
        lab.net.unhold("s1", "s2");
        let got = lab.join_within(get, OP_LIMIT, "the Get whose forward was held across the failover");
        assert_eq!(
            got.as_deref().ok(),
            Some("new"),
            "the Get returned {got:?} after the newer Put completed: the old primary s1 must not answer once \
             its backup has moved on (rules 2 and 3), so the Get must end at s2 with \"new\""
        );
    });
}

// ----- guided interleavings -----------------------------------------------------------------

/// Two clerks Append concurrently while the link to the backup is held: until the first
/// forward is released the second never reaches the backup, and both servers end with the
/// appends in the order the primary chose.
#[graded]
fn forwards_reach_backup_in_primary_order() {
    let lab = Scenario::begin("Forwards reach the backup in the order the primary ordered them");
    lab.primary_and_backup("s1", "s2");
    let (first, second) = (lab.clerk(), lab.clerk());
    lab.put(&first, "k", "<");
    lab.check(&second, "k", "<");

    lab.net.hold("s1", "s2");
    let delivered = lab.net.rpc_count("s1");
    lab.threads(|threads| {
        let a = threads.spawn(|| first.append("k", "A"));
        let held = lab.held_calls("s1", "s2", 1);
        let held_a = held[0].clone();
        assert_eq!(held_a.method, Forward::NAME, "the first call held on s1 -> s2 should be A's forward");

        let b = threads.spawn(|| second.append("k", "B"));
        lab.poll("B's Append to reach s1", VIEW_CHANGE, || {
            let arrived = lab.net.rpc_count("s1") - delivered;
            if arrived >= 2 {
                Ok(())
            } else {
                Err(format!("{arrived} of the two Appends have"))
            }
        });
        lab.stays_blocked(&b, PING_INTERVAL * 3, "B's Append while A's forward is held", || {
            let held = lab.net.held("s1", "s2");
            assert_eq!(
                held,
                vec![held_a.clone()],
                "while A's forward is held, B's must not be on its way to s2"
            );
        });

        lab.release(&held_a);
        let result = lab.join_within(a, VIEW_CHANGE, "A's Append after its forward was released");
        assert!(result.is_ok(), "A's Append returned {result:?} after its forward was released");
        let held = lab.held_calls("s1", "s2", 1);
        assert_ne!(held[0].id, held_a.id, "A's forward was released, yet it is still held");
        lab.net.unhold("s1", "s2");
        let result = lab.join_within(b, VIEW_CHANGE, "B's Append after its forward was released");
        assert!(result.is_ok(), "B's Append returned {result:?} after its forward was released");
    });
    lab.assert_value_on("s1", "k", "<AB");
    lab.assert_value_on("s2", "k", "<AB");
    lab.check(&first, "k", "<AB");
}

/// A forward held while the view moves on is released after the new primary's newer forward
/// was accepted: the old backup refuses it, and the stale Append appears nowhere.
#[graded]
fn stale_forward_released_after_newer_one_is_refused() {
    let lab = Scenario::begin("A stale forward released after a newer one is refused");
    lab.primary_and_backup("s1", "s2");
    lab.start_idle("s3");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "v");

    lab.net.set_tracing(true);
    lab.net.hold("s1", "s2");
    let abandoned = lab.clerk();
    let stale = lab.threads(|threads| {
        let append = threads.spawn(|| abandoned.append("k", "+stale"));
        let held = lab.held_calls("s1", "s2", 1);
        // Only the forward stays in flight: its clerk gives up.
        lab.net.kill(abandoned.name());
        let result = lab.join_within(append, PROMPTLY, "the Append of a killed clerk");
        assert!(result.is_err(), "the Append whose forward is held returned {result:?}");
        held[0].clone()
    });

    // s1 is cut off from the view service: s2 takes over, with s3 as its backup.
    lab.net.cut("s1", VS);
    lab.settle("s2", Some("s3"), VIEW_CHANGE);
    // A fresh clerk: `clerk` still caches s1, which would keep it waiting behind the held forward.
    let clerk = lab.clerk();
    lab.append(&clerk, "k", "+new");
    lab.assert_value_on("s3", "k", "v+new");

    lab.release(&stale);
    lab.poll("s2 to answer the released stale forward", VIEW_CHANGE, || {
        let answered = lab.net.trace().iter().any(|event| {
            matches!(&event.what,
                EventKind::Reply { id, .. } | EventKind::ReplyLost { id, .. } | EventKind::Failed { id, .. }
                    if *id == stale.id)
        });
        if answered {
            Ok(())
        } else {
            Err(format!("call #{} has no answer in the trace", stale.id))
        }
    });
    lab.assert_value_on("s2", "k", "v+new");
    lab.assert_value_on("s3", "k", "v+new");
    lab.check(&clerk, "k", "v+new");
}

/// The backup applies a forwarded Put but its acceptance is lost; before that clerk's retry
/// reaches the primary, another clerk's Put to the same key goes through. The two Puts overlap,
/// so either order is right, but primary and backup must end with the same one.
#[graded]
fn forward_whose_acceptance_is_lost_leaves_replicas_identical() {
    let lab = Scenario::begin("A forward whose acceptance is lost does not split the replicas");
    lab.primary_and_backup("s1", "s2");
    let (a, b) = (lab.clerk(), lab.clerk());
    lab.put(&a, "k", "0");
    lab.check(&b, "k", "0");

    lab.net.set_tracing(true);
    lab.net.hold("s1", "s2");
    lab.threads(|threads| {
        let put_a = threads.spawn(|| a.put("k", "A"));
        let held = lab.held_calls("s1", "s2", 1);
        let forward = held[0].id;
        // s2's acceptance of A's forward will be lost, and A's retries cannot reach s1 for now.
        lab.net.cut("s2", "s1");
        lab.net.cut(a.name(), "s1");
        lab.net.unhold("s1", "s2");
        lab.poll("the acceptance of A's forward to be lost", VIEW_CHANGE, || {
            let lost = lab
                .net
                .trace()
                .iter()
                .any(|e| matches!(&e.what, EventKind::ReplyLost { id, .. } if *id == forward));
            if lost {
                Ok(())
            } else {
                Err(format!(
                    "s2 holds {:?} and the reply to call #{forward} was not lost",
                    lab.value_on("s2", "k")
                ))
            }
        });
        lab.assert_value_on("s2", "k", "A");
        lab.assert_value_on("s1", "k", "0");

        lab.net.repair("s2", "s1");
        lab.put(&b, "k", "B");
        lab.net.repair(a.name(), "s1");
        let result = lab.join_within(put_a, OP_LIMIT, "A's Put once it can reach s1 again");
        assert!(result.is_ok(), "A's Put returned {result:?}");
    });
    let (on_s1, on_s2) = (lab.value_on("s1", "k"), lab.value_on("s2", "k"));
    assert_eq!(
        on_s1, on_s2,
        "after the overlapping Puts of A and B, the primary s1 holds {on_s1:?} but the backup s2 holds {on_s2:?}: \
         s2 applied A's Put before B's (its acceptance was lost), s1 applied it after B's when A retried"
    );
}

// ----- restarts the view service cannot see ------------------------------------------------

/// Releases every call held on `from -> to` as it arrives, except `kept`, which stays held for
/// good (a message delayed forever), until `stop` is set or the network shuts down (as it does
/// when the test fails). Runs on a thread of the test.
fn release_all_but(net: &Network, from: &str, to: &str, kept: u64, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) && !net.is_shut_down() {
        for call in net.held(from, to) {
            if call.id != kept {
                let _ = net.release(call.id);
            }
        }
        labrpc::time::sleep(POLL);
    }
}

/// With `server -> vs` held, releases `server`'s pings one at a time until it has learned a view
/// for which `learned` holds, and returns the id of the ping it sends next, still held.
fn release_pings_until(lab: &Scenario, server: &str, learned: impl Fn(&SeenView) -> bool) -> u64 {
    loop {
        let held = lab.held_calls(server, VS, 1);
        if lab.view_on(server).is_some_and(|v| learned(&v)) {
            return held[0].id;
        }
        lab.release(&held[0]);
        lab.wait_until_learned(server);
    }
}

/// Watches a Get of `key` for `WATCH`: the only right answer is `written` (which the service may
/// have lost for good, and then must not answer at all). Stops the clerk afterwards.
fn never_answers_other_than(lab: &Scenario, clerk: &Clerk, key: &str, written: &str, story: &str) {
    lab.threads(|threads| {
        let get = threads.spawn(|| clerk.get(key));
        if !lab.finishes_within(&get, WATCH) {
            lab.net.kill(clerk.name());
        }
        let got = lab.join_within(get, PROMPTLY, "the watched Get");
        if let Ok(value) = got {
            assert_eq!(
                value, written,
                "Get({key:?}) returned {value:?}, but {written:?} was written and acknowledged: {story}"
            );
        }
    });
}

/// A lone first primary that restarts never serves an empty store. s1 is alone in an
/// acknowledged view 1; a Put completes; s1 restarts empty. The view service sees the restart,
/// but with no backup it cannot replace s1, so view 1 stays. The new s1 is primary of view 1
/// again, yet it is not the service's first primary: it must serve nothing.
#[graded]
fn restarted_lone_primary_never_serves_an_empty_store() {
    let lab = Scenario::begin("A lone primary that restarts never serves an empty store");
    lab.primary_alone("s1");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "precious");

    lab.kill("s1");
    lab.start("s1");
    lab.wait_until_learned("s1");
    never_answers_other_than(
        &lab,
        &clerk,
        "k",
        "precious",
        "the restarted s1 took itself for the first primary of the service and served its empty store",
    );
}

/// A first primary that served before the view service heard its acknowledgement, then
/// restarted, never serves an empty store. s1's first ping makes it primary of view 1 and its second teaches it view 1; its
/// acknowledgement (Ping(1)) is held for good, so the view service only ever hears 0 from s1
/// and cannot see the restart. A Put completes in view 1; s1 restarts; its new life is primary
/// of view 1 again, and must serve nothing.
#[graded]
fn first_primary_restarted_before_its_ack_was_heard_never_serves_an_empty_store() {
    let lab =
        Scenario::begin("A first primary restarted before its acknowledgement was heard serves nothing");
    lab.net.declare("s1");
    lab.net.hold("s1", VS);
    lab.start("s1");
    let first = lab.held_calls("s1", VS, 1);
    lab.release(&first[0]);
    lab.wait_for_view("s1 to be made primary of view 1", VIEW_CHANGE, |v| {
        v.viewnum == 1 && v.is_primary("s1")
    })
    .unwrap_or_else(|e| panic!("{e}"));
    // s1's next ping (still carrying 0) teaches it view 1; the one after is its acknowledgement.
    let ack = release_pings_until(&lab, "s1", |v| v.viewnum == 1);
    let (writer, reader) = (lab.clerk(), lab.clerk());
    let stop = AtomicBool::new(false);
    lab.threads(|threads| {
        // A solution may serve this Put in view 1 at once, or wait until the view service has
        // heard from s1: both are right, and decide what the new life may answer.
        let put = threads.spawn(|| writer.put("k", "precious"));
        let acknowledged = lab.finishes_within(&put, WATCH);

        lab.kill("s1");
        lab.start("s1");
        // Every later ping is delivered; the first life's acknowledgement never is.
        threads.spawn(|| release_all_but(&lab.net, "s1", VS, ack, &stop));
        lab.wait_until_learned("s1");
        if acknowledged {
            never_answers_other_than(
                &lab,
                &reader,
                "k",
                "precious",
                "the restarted s1 took itself for the first primary and served its empty store",
            );
        }
        stop.store(true, Ordering::SeqCst);
        lab.net.kill(writer.name());
        let put = lab.join_within(put, PROMPTLY, "the Put after its clerk was killed");
        assert!(!acknowledged || put.is_ok(), "the Put returned {put:?} after it had completed");
    });
}

/// A backup that restarts without the view service noticing does not block the service.
/// s2's first ping reaches the view service but its reply is lost, so s2 is named backup of
/// view 2 having only pinged 0; it then learns view 2, and its Ping(2) is held for good. s2
/// restarts; its new life learns view 2 again. With both servers alive and the network
/// delivering everything else, a Put must complete, and the new s2 must end up with the data.
#[graded]
fn backup_restarted_unseen_by_the_view_service_does_not_block_the_service() {
    let lab = Scenario::begin("A backup restarted unseen by the view service does not block the service");
    lab.primary_alone("s1");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "before");

    lab.net.declare("s2");
    lab.net.hold("s2", VS);
    lab.start("s2");
    // s2's first ping reaches the view service; its reply is lost.
    let first = lab.held_calls("s2", VS, 1);
    lab.net.cut(VS, "s2");
    lab.release(&first[0]);
    lab.wait_for_view("s2 to be made backup", VIEW_CHANGE, |v| v.is_backup("s2"))
        .unwrap_or_else(|e| panic!("{e}"));
    lab.net.repair(VS, "s2");
    // Its next ping (still 0) teaches it view 2; the one after carries 2 and is held for good.
    let known = release_pings_until(&lab, "s2", |v| v.is_backup("s2"));
    // s1 offers s2, which now knows view 2, its state: whether s2 takes it is up to s2. Either
    // s1 already acknowledged view 2 (s2 took it), or another offer arrives (s2 receives no
    // other call).
    let offers = lab.net.rpc_count("s2");
    lab.poll("s1 to offer s2 its state", VIEW_CHANGE, || {
        if lab.vs.is_acked() || lab.net.rpc_count("s2") > offers {
            Ok(())
        } else {
            Err(format!("s1 has not acknowledged {} and s2 received no call", lab.view()))
        }
    });

    lab.kill("s2");
    lab.start("s2");
    let stop = AtomicBool::new(false);
    lab.threads(|threads| {
        threads.spawn(|| release_all_but(&lab.net, "s2", VS, known, &stop));
        lab.put(&clerk, "k", "after");
        lab.check(&clerk, "k", "after");
        lab.poll("the restarted s2 to hold the data as backup", VIEW_CHANGE, || {
            let (view, held) = (lab.view(), lab.value_on("s2", "k"));
            if view.is_backup("s2") && held.as_deref() == Some("after") {
                Ok(())
            } else {
                Err(format!("the view is {view} and s2 holds {held:?}"))
            }
        });
        stop.store(true, Ordering::SeqCst);
    });
}

// ----- at-most-once -------------------------------------------------------------------------

/// With replies from the primary lost at once while its handler still runs (and forwards slowed
/// so the handler outlasts the clerk's retry pause), every retry overlaps its original, yet each
/// Append is applied once, on both servers.
#[graded]
fn retry_overlapping_original_is_applied_once() {
    const MIN_APPENDS: usize = 20;
    const MIN_LOST_REPLIES: u64 = 3;
    const MAX_APPENDS: usize = 150;
    let lab = Scenario::begin("A retry that arrives while the original still runs is applied once");
    lab.primary_and_backup("s1", "s2");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "");

    // Each forward waits 40 ms at s2: longer than the clerk's 20 ms pause before a retry.
    lab.net.set_ingress_delay("s2", Some(Duration::from_millis(40)));
    lab.net.set_unreliable("s1", true);
    let delivered = lab.net.rpc_count("s1");
    let mut wanted = String::new();
    let mut appends = 0;
    let mut lost = 0;
    while appends < MIN_APPENDS || (lost < MIN_LOST_REPLIES && appends < MAX_APPENDS) {
        let element = format!("{appends} ");
        lab.append(&clerk, "k", &element);
        wanted.push_str(&element);
        appends += 1;
        // Every call delivered beyond one per Append ran a second time: its first reply was lost.
        lost = lab.net.rpc_count("s1") - delivered - appends as u64;
    }
    lab.net.set_unreliable("s1", false);
    lab.net.set_ingress_delay("s2", None);
    assert!(
        lost >= MIN_LOST_REPLIES,
        "only {lost} replies were lost in {appends} Appends; the test needs overlapping retries"
    );

    lab.check(&clerk, "k", &wanted);
    lab.assert_value_on("s1", "k", &wanted);
    lab.assert_value_on("s2", "k", &wanted);
}

/// The primary applies an Append but its reply never reaches the clerk; the primary dies, and
/// the clerk's retry at the promoted backup is recognised as done (the duplicate table was
/// replicated), so the Append is applied once.
#[graded]
fn retry_at_promoted_backup_is_applied_once() {
    let lab = Scenario::begin("A retry at the newly promoted primary is applied once");
    lab.primary_and_backup("s1", "s2");
    lab.start_idle("s3");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "a");

    // Replies from s1 to this clerk are lost.
    lab.net.cut("s1", clerk.name());
    lab.threads(|threads| {
        let append = threads.spawn(|| clerk.append("k", "b"));
        lab.poll("s1 and s2 to apply the Append", VIEW_CHANGE, || {
            let (on_s1, on_s2) = (lab.value_on("s1", "k"), lab.value_on("s2", "k"));
            if on_s1.as_deref() == Some("ab") && on_s2.as_deref() == Some("ab") {
                Ok(())
            } else {
                Err(format!("s1 holds {on_s1:?} and s2 holds {on_s2:?}"))
            }
        });
        assert!(!append.is_finished(), "the clerk heard back from s1, whose replies to it are cut");
        lab.kill("s1");
        lab.settle("s2", Some("s3"), VIEW_CHANGE);
        let result = lab.join_within(append, VIEW_CHANGE, "the Append retried at s2");
        assert!(result.is_ok(), "the Append retried at the promoted s2 returned {result:?}");
    });
    lab.check(&clerk, "k", "ab");
    lab.assert_value_on("s2", "k", "ab");
    lab.assert_value_on("s3", "k", "ab");
}

/// A write applied by a lone primary whose reply was lost, retried only after a new backup got
/// the state and took over, is applied once: the duplicate table travels in the transfer.
#[graded]
fn retry_after_transfer_and_failover_is_applied_once() {
    let lab = Scenario::begin("The duplicate table travels with the state transfer");
    lab.primary_alone("s1");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "a");

    // Replies from s1 to this clerk are lost: it keeps retrying an Append that s1 applied.
    lab.net.cut("s1", clerk.name());
    lab.threads(|threads| {
        let append = threads.spawn(|| clerk.append("k", "b"));
        lab.poll("s1 to apply the Append", VIEW_CHANGE, || match lab.value_on("s1", "k") {
            Some(v) if v == "ab" => Ok(()),
            other => Err(format!("s1 holds {other:?}")),
        });
        // A backup joins and receives s1's state, duplicate table included; then s1 dies.
        lab.start("s2");
        lab.settle("s1", Some("s2"), VIEW_CHANGE);
        lab.assert_value_on("s2", "k", "ab");
        assert!(!append.is_finished(), "the clerk heard back from s1, whose replies to it are cut");
        lab.kill("s1");
        lab.settle("s2", None, VIEW_CHANGE);
        let result = lab.join_within(append, VIEW_CHANGE, "the Append retried at s2");
        assert!(result.is_ok(), "the Append retried at the promoted s2 returned {result:?}");
    });
    lab.check(&clerk, "k", "ab");
}

/// A primary whose state transfer to a new backup keeps failing never acknowledges the view,
/// so when it dies the view service must not promote that empty backup: no data is lost, and
/// the service waits instead.
#[graded]
fn primary_dying_before_its_transfer_leaves_no_empty_primary() {
    let lab = Scenario::begin("A backup that never got the state is never promoted");
    lab.primary_alone("s1");
    let clerk = lab.clerk();
    lab.put(&clerk, "k", "precious");

    // Every transfer from s1 to s2 fails, while both keep pinging the view service.
    lab.net.declare("s2");
    lab.net.cut("s1", "s2");
    lab.start("s2");
    lab.wait_for_view("s2 to become backup", VIEW_CHANGE, |v| v.is_backup("s2"))
        .unwrap_or_else(|e| panic!("{e}"));
    // Time enough for a primary that acknowledges too early to do so.
    labrpc::time::sleep(PING_INTERVAL * 3);
    lab.kill("s1");
    let deadline = Instant::now() + DEAD_AFTER * 3;
    while Instant::now() < deadline {
        let view = lab.view();
        assert!(
            !view.is_primary("s2"),
            "{view} made s2 primary although s1 died before s2 received its state: the data is lost"
        );
        labrpc::time::sleep(PING_INTERVAL / 2);
    }
    assert_eq!(lab.value_on("s2", "k"), None, "s2 cannot hold the data: every transfer to it failed");
}

// ----- what travels to the backup -----------------------------------------------------------

/// A 1-byte Append to a 100 KiB value sends the backup far less than 100 KiB: the primary
/// forwards the argument, not the resulting value.
#[graded]
fn append_forwards_argument_not_value() {
    const BIG: usize = 100 * 1024;
    const SMALL: u64 = 1024;
    let lab = Scenario::begin("Append forwards its argument, not the value");
    lab.primary_and_backup("s1", "s2");
    let clerk = lab.clerk();

    let at_start = lab.net.link_bytes("s1", "s2");
    lab.put(&clerk, "big", &"x".repeat(BIG));
    let after_put = lab.net.link_bytes("s1", "s2");
    assert!(
        after_put - at_start >= BIG as u64,
        "the Put of {BIG} bytes sent only {} bytes from s1 to s2; the byte count does not see forwards",
        after_put - at_start
    );
    lab.append(&clerk, "big", "y");
    let sent = lab.net.link_bytes("s1", "s2") - after_put;
    assert!(
        sent < SMALL,
        "a 1-byte Append to a {BIG}-byte value sent {sent} bytes to the backup; it should forward the argument (< {SMALL} bytes)"
    );
    let on_backup = lab.value_on("s2", "big").unwrap_or_default();
    assert!(
        on_backup.len() == BIG + 1 && on_backup.ends_with('y'),
        "s2 holds {} bytes for \"big\" ending in {:?}, expected {} bytes ending in 'y'",
        on_backup.len(),
        on_backup.chars().last(),
        BIG + 1
    );
}

/// A state of 10,000 keys reaches a new backup whole, and then the next backup after a
/// failover.
#[graded]
fn large_state_transfers_to_new_backup() {
    const KEYS: usize = 10_000;
    const WRITERS: usize = 4;
    let lab = Scenario::begin("A large state (10,000 keys) transfers correctly");
    lab.primary_alone("s1");
    let value = |i: usize| format!("value-{i}-{}", "v".repeat(i % 17));

    let clerks: Vec<Clerk> = (0..WRITERS).map(|_| lab.clerk()).collect();
    let results: Vec<Result<(), Stopped>> = lab.threads(|threads| {
        let writers: Vec<_> = clerks
            .iter()
            .enumerate()
            .map(|(w, clerk)| {
                threads.spawn(move || {
                    (w..KEYS).step_by(WRITERS).try_for_each(|i| clerk.put(&format!("key-{i}"), &value(i)))
                })
            })
            .collect();
        writers.into_iter().map(|w| lab.join_within(w, VIEW_CHANGE * 12, "a writer of 2,500 keys")).collect()
    });
    assert!(results.iter().all(Result::is_ok), "not every key was written: {results:?}");

    // The transfer replaces the whole state at once; a big one may land after `settle` returns.
    let holds_everything = |server: &str| {
        lab.poll(&format!("{server} to hold all {KEYS} keys"), VIEW_CHANGE, || {
            let wrong: Vec<usize> =
                (0..KEYS).filter(|&i| lab.value_on(server, &format!("key-{i}")) != Some(value(i))).collect();
            if wrong.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "it holds a wrong or missing value for {} of them, the first ones key-{:?}",
                    wrong.len(),
                    &wrong[..wrong.len().min(5)]
                ))
            }
        })
    };
    lab.start("s2");
    lab.settle("s1", Some("s2"), VIEW_CHANGE);
    holds_everything("s2");

    lab.start_idle("s3");
    lab.kill("s1");
    lab.settle("s2", Some("s3"), VIEW_CHANGE);
    holds_everything("s3");
    let clerk = lab.clerk();
    for i in [0, KEYS / 2, KEYS - 1] {
        lab.check(&clerk, &format!("key-{i}"), &value(i));
    }
}
