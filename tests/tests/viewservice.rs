//! The view service, end to end: servers ping the view service under test over `labrpc`, in real
//! time. Each test is one scenario of the original lab (or of the lecture), told as a story.
//! Every view any server is told goes through the test's `ViewLog`, which checks rule 1 (and that
//! view numbers mean one view and never go backwards) on each of them. The views a test judges
//! are `SeenView`s, the harness's own reading of the view service's answers.

use labtests::graded;

use labtests::seen::SeenView;
use labtests::vs_harness::{
    Pinging::{Fixed, GetOnly, Latest, Zero},
    TestServer, VsTest, PINGS_FOR_CHANGE, PINGS_FOR_DEATH,
};
use viewservice::{PingError, DEAD_PINGS};

/// The prologue several stories share: with s1 primary and s2 backup in view 2, the idle s3
/// pings along for a few rounds and the view stays put.
fn s3_waits_idle(lab: &VsTest, s1: &TestServer, s2: &TestServer, s3: &TestServer) {
    lab.ping_while(
        "the view to stay view 2 while s3 waits idle",
        3,
        &[(s3, Zero), (s1, Latest), (s2, Latest)],
        |v| v.viewnum == 2,
    );
}

/// `server` restarts and relearns the view at once: one ping with 0, then straight away one with
/// the viewnum that reply told it, before the view service's next tick. Returns that viewnum.
fn restart_and_relearn_at_once(server: &TestServer) -> u64 {
    let told = server.ping(0);
    server.ping(told.viewnum);
    told.viewnum
}

/// Before any server pings, the view is the empty view 0, and ticks alone do not change it.
#[graded]
fn empty_view_at_start() {
    labtests::init_log();
    let lab = VsTest::start("Empty view at start");
    lab.check(None, None, 0);
    lab.ping_while("the view to stay empty while nobody pings", 3, &[], |v| v.viewnum == 0);
    lab.check(None, None, 0);
    lab.finish();
}

/// The first server to ping becomes primary of view 1, with no backup.
#[graded]
fn first_primary() {
    labtests::init_log();
    let lab = VsTest::start("First primary");
    let s1 = lab.server("s1");
    lab.ping_until("s1 to become the first primary", PINGS_FOR_CHANGE, &[(&s1, Zero)], |v| {
        v.is_primary("s1")
    });
    lab.check(Some("s1"), None, 1);
    lab.finish();
}

/// Once the primary has acknowledged view 1, the next server to ping becomes backup in view 2.
#[graded]
fn first_backup() {
    labtests::init_log();
    let lab = VsTest::start("First backup");
    let (s1, s2) = (lab.server("s1"), lab.server("s2"));
    lab.start_primary(&s1);
    lab.ping_until("s2 to become backup", PINGS_FOR_CHANGE, &[(&s1, Fixed(1)), (&s2, Zero)], |v| {
        v.is_backup("s2")
    });
    lab.check(Some("s1"), Some("s2"), 2);
    lab.finish();
}

/// When the primary stops pinging, its backup takes over, with no backup of its own.
#[graded]
fn backup_takes_over_when_primary_fails() {
    labtests::init_log();
    let lab = VsTest::start("Backup takes over if primary fails");
    let (s1, s2) = (lab.server("s1"), lab.server("s2"));
    lab.start_primary_and_backup(&s1, &s2);
    // s1 crashes: from now on only s2 pings.
    lab.ping_until("s2 to take over as primary, with no backup", PINGS_FOR_DEATH, &[(&s2, Latest)], |v| {
        v.is_primary("s2") && v.backup.is_none()
    });
    lab.check(Some("s2"), None, 3);
    lab.finish();
}

/// A crashed primary that restarts (pinging 0) comes back as the backup of the one that replaced it.
#[graded]
fn restarted_server_becomes_backup() {
    labtests::init_log();
    let lab = VsTest::start("Restarted server becomes backup");
    let (s1, s2) = (lab.server("s1"), lab.server("s2"));
    lab.start_primary_and_backup(&s1, &s2);
    lab.ping_until("s2 to take over from the crashed s1", PINGS_FOR_DEATH, &[(&s2, Latest)], |v| {
        v.is_primary("s2")
    });
    lab.check(Some("s2"), None, 3);
    // s1 restarts, with no state: it pings 0.
    lab.ping_until(
        "the restarted s1 to become backup of s2",
        PINGS_FOR_CHANGE,
        &[(&s1, Zero), (&s2, Latest)],
        |v| v.is_backup("s1"),
    );
    lab.check(Some("s2"), Some("s1"), 4);
    lab.finish();
}

/// With an idle third server waiting, a failed primary is replaced by its backup and the idle
/// server becomes backup in one single view change: there is no view without a backup in between.
#[graded]
fn idle_third_server_becomes_backup_when_primary_fails() {
    labtests::init_log();
    let lab = VsTest::start("Idle third server becomes backup if primary fails");
    let (s1, s2, s3) = (lab.server("s1"), lab.server("s2"), lab.server("s3"));
    lab.start_primary_and_backup(&s1, &s2);
    s3_waits_idle(&lab, &s1, &s2, &s3);
    // s1 crashes.
    lab.ping_until(
        "s2 to be primary with s3 as backup",
        PINGS_FOR_DEATH,
        &[(&s3, Zero), (&s2, Latest)],
        |v| v.is_primary("s2"),
    );
    lab.check(Some("s2"), Some("s3"), 3);
    lab.finish();
}

/// A primary that crashes and restarts at once keeps pinging, but with 0: the view service must
/// treat it as dead and promote the backup.
#[graded]
fn restarted_primary_is_treated_as_dead() {
    labtests::init_log();
    let lab = VsTest::start("Restarted primary treated as dead");
    let (s1, s2) = (lab.server("s1"), lab.server("s2"));
    lab.start_primary_and_backup(&s1, &s2);
    let view = lab.ping_until(
        "the view service to replace the restarted primary s1",
        PINGS_FOR_CHANGE,
        &[(&s1, Zero), (&s2, Latest)],
        |v| !v.is_primary("s1"),
    );
    assert!(
        view.viewnum == 3 && view.is_primary("s2"),
        "wanted view 3 with the backup s2 as primary after s1 restarted, but got {view}"
    );
    lab.finish();
}

/// A backup that stops pinging is removed from the view.
#[graded]
fn dead_backup_is_removed() {
    labtests::init_log();
    let lab = VsTest::start("Dead backup is removed from view");
    let (s1, s2) = (lab.server("s1"), lab.server("s2"));
    lab.start_primary_and_backup(&s1, &s2);
    // s2 crashes.
    lab.ping_until("the dead backup s2 to be removed", PINGS_FOR_DEATH, &[(&s1, Latest)], |v| {
        v.backup.is_none()
    });
    lab.check(Some("s1"), None, 3);
    lab.finish();
}

/// The view service does not move past a view its primary never acknowledged, even once that
/// primary looks dead: the primary might still be serving the view before.
#[graded]
fn view_service_waits_for_primary_ack() {
    labtests::init_log();
    let lab = VsTest::start("Viewserver waits for primary to ack view");
    let (s1, s2) = (lab.server("s1"), lab.server("s2"));
    lab.start_primary(&s1);
    // s1 keeps pinging 1: it never takes in view 2.
    lab.ping_until("s2 to become backup", PINGS_FOR_CHANGE, &[(&s1, Fixed(1)), (&s2, Zero)], |v| {
        v.is_backup("s2")
    });
    lab.check(Some("s1"), Some("s2"), 2);
    // s1 crashes without having acknowledged view 2. s2 is alive, but must not be promoted.
    lab.ping_while(
        "the view to stay view 2 while its primary s1 has not acknowledged it",
        PINGS_FOR_DEATH,
        &[(&s2, Latest)],
        |v| v.viewnum == 2,
    );
    lab.check(Some("s1"), Some("s2"), 2);
    lab.finish();
}

/// When the primary and backup both die, an idle server that was never backup has none of the
/// data: it must never be made primary.
#[graded]
fn uninitialized_server_is_never_promoted() {
    labtests::init_log();
    let lab = VsTest::start("Uninitialized server can't become primary");
    let (s1, s2, s3) = (lab.server("s1"), lab.server("s2"), lab.server("s3"));
    lab.start_primary_and_backup(&s1, &s2);
    s3_waits_idle(&lab, &s1, &s2, &s3);
    // s1 and s2 crash; only s3 keeps pinging.
    lab.ping_while("s3, never a backup, not to be made primary", PINGS_FOR_DEATH, &[(&s3, Zero)], |v| {
        !v.is_primary("s3")
    });
    let view = lab.view();
    assert!(view.primary.is_some(), "wanted the view service to keep a primary, but got {view}");
    lab.finish();
}

/// A backup that has pinged only 0 never learned it was backup (it may hold none of the
/// primary's state): when the primary dies it must not be promoted.
#[graded]
fn backup_that_never_learned_a_view_is_not_promoted() {
    labtests::init_log();
    let lab = VsTest::start("Backup that never learned a view is not promoted");
    let (s1, s2) = (lab.server("s1"), lab.server("s2"));
    lab.start_primary(&s1);
    lab.ping_until("s2 to become backup", PINGS_FOR_CHANGE, &[(&s1, Latest), (&s2, Zero)], |v| {
        v.is_backup("s2")
    });
    s1.ack();
    lab.check(Some("s1"), Some("s2"), 2);
    // s1 crashes; s2 is alive but still pings 0.
    lab.ping_while(
        "s2, which never pinged a view number, not to be promoted",
        PINGS_FOR_DEATH,
        &[(&s2, Zero)],
        |v| !v.is_primary("s2"),
    );
    lab.check(Some("s1"), Some("s2"), 2);
    lab.finish();
}

/// A server that pings while the first primary has not yet acknowledged view 1 waits; it joins as
/// backup only once the primary acks.
#[graded]
fn backup_pings_before_primary_acks() {
    labtests::init_log();
    let lab = VsTest::start("Backup pings before the primary acks");
    let (s1, s2) = (lab.server("s1"), lab.server("s2"));
    lab.ping_until("s1 to become the first primary", PINGS_FOR_CHANGE, &[(&s1, Zero)], |v| {
        v.is_primary("s1")
    });
    // s1 is primary of view 1 but still pings 0, as if not done starting up.
    lab.ping_while(
        "the view to stay view 1 until s1 acknowledges it",
        PINGS_FOR_CHANGE,
        &[(&s1, Zero), (&s2, Zero)],
        |v| v.viewnum == 1 && v.backup.is_none(),
    );
    // s1 acknowledges view 1: now s2 can join.
    lab.ping_until(
        "s2 to join as backup once s1 acked view 1",
        PINGS_FOR_CHANGE,
        &[(&s1, Fixed(1)), (&s2, Zero)],
        |v| v.is_backup("s2"),
    );
    lab.check(Some("s1"), Some("s2"), 2);
    lab.finish();
}

/// An idle server that stopped pinging is dead: it does not fill the backup slot when one opens.
#[graded]
fn dead_idle_server_never_becomes_backup() {
    labtests::init_log();
    let lab = VsTest::start("Dead idle server never becomes backup");
    let (s1, s2, s3) = (lab.server("s1"), lab.server("s2"), lab.server("s3"));
    lab.start_primary_and_backup(&s1, &s2);
    // s3 pings once, idle, and crashes. s1 and s2 ping one interval longer, so that by the time
    // s2 counts as dead, s3 has been silent longer still.
    s3.ping(0);
    lab.ping_while("the view to stay view 2", 2, &[(&s1, Latest), (&s2, Latest)], |v| v.viewnum == 2);
    // The backup s2 crashes too. Its slot opens, but the only idle server is dead.
    lab.ping_until("the dead backup s2 to be removed", PINGS_FOR_DEATH, &[(&s1, Latest)], |v| {
        !v.is_backup("s2")
    });
    lab.check(Some("s1"), None, 3);
    lab.ping_while("no backup while the only idle server is dead", DEAD_PINGS, &[(&s1, Latest)], |v| {
        v.backup.is_none()
    });
    lab.check(Some("s1"), None, 3);
    lab.finish();
}

/// Through a run of changes (restarts of the primary, of the backup, then of the new primary),
/// view numbers go up by one at each change and every view differs from the one before.
#[graded]
fn consecutive_views_differ_and_numbers_never_skip() {
    labtests::init_log();
    let lab = VsTest::start("Consecutive views differ and numbers never skip");
    let (s1, s2, s3) = (lab.server("s1"), lab.server("s2"), lab.server("s3"));
    lab.start_primary_and_backup(&s1, &s2);
    s3_waits_idle(&lab, &s1, &s2, &s3);
    // The primary s1 restarts: its backup s2 takes over, with the idle s3 as backup.
    lab.ping_until(
        "the view service to replace the restarted primary s1",
        PINGS_FOR_CHANGE,
        &[(&s1, Zero), (&s2, Latest), (&s3, Latest)],
        |v| !v.is_primary("s1"),
    );
    lab.check(Some("s2"), Some("s3"), 3);
    // The backup s3 restarts: it is replaced (by s1, idle again).
    let view = lab.ping_until(
        "the view service to replace the restarted backup s3",
        PINGS_FOR_CHANGE,
        &[(&s1, Latest), (&s2, Latest), (&s3, Zero)],
        |v| v.viewnum > 3 && !v.is_backup("s3"),
    );
    assert!(
        view.viewnum == 4 && view.is_primary("s2"),
        "wanted view 4 with s2 still primary, but got {view}"
    );
    // The primary s2 acknowledges view 4, then restarts: its backup takes over.
    s2.ack();
    let view = lab.ping_until(
        "the view service to replace the restarted primary s2",
        PINGS_FOR_CHANGE,
        &[(&s1, Latest), (&s2, Zero), (&s3, Latest)],
        |v| !v.is_primary("s2"),
    );
    assert!(view.viewnum == 5, "wanted view 5 after four changes, but got {view}");
    let last = lab.view();
    let direct = SeenView::of(&lab.vs().view());
    assert!(
        last == direct,
        "wanted Get and the view service's own state to agree, but Get said {last} and the state {direct}"
    );
    if let Err(problem) = lab.log().check_history() {
        panic!("{problem}. Views seen: {}.", lab.log().summary());
    }
    lab.finish();
}

/// A backup that restarts (pings 0 after having known a view) is replaced by an idle server.
#[graded]
fn restarted_backup_is_replaced() {
    labtests::init_log();
    let lab = VsTest::start("Restarted backup is replaced");
    let (s1, s2, s3) = (lab.server("s1"), lab.server("s2"), lab.server("s3"));
    lab.start_primary_and_backup(&s1, &s2);
    s3_waits_idle(&lab, &s1, &s2, &s3);
    // s2 restarts: it pings 0.
    lab.ping_until(
        "the restarted backup s2 to be replaced",
        PINGS_FOR_CHANGE,
        &[(&s3, Zero), (&s1, Latest), (&s2, Zero)],
        |v| !v.is_backup("s2"),
    );
    lab.check(Some("s1"), Some("s3"), 3);
    lab.finish();
}

/// A primary that restarts and relearns the view at once (it pings 0, then straight away the
/// viewnum that reply told it, before the view service's next tick) has still lost its state:
/// its backup takes over, in a view without it.
#[graded]
fn restarted_primary_that_relearns_the_view_is_still_replaced() {
    labtests::init_log();
    let lab = VsTest::start("Restarted primary that relearns the view at once is still replaced");
    let (s1, s2) = (lab.server("s1"), lab.server("s2"));
    lab.start_primary_and_backup(&s1, &s2);
    let relearned = restart_and_relearn_at_once(&s1);
    let view = lab.ping_until(
        &format!(
            "the restarted primary s1 to be replaced (it pinged 0, then view {} again at once)",
            relearned
        ),
        PINGS_FOR_CHANGE,
        &[(&s1, Latest), (&s2, Latest)],
        |v| !v.is_primary("s1"),
    );
    assert!(
        view == SeenView::new(3, Some("s2"), None),
        "wanted view 3 (primary s2, backup none): s1 restarted, so it may have no role until a view \
         is made without it, even though it pinged view {} again at once; but got {view}",
        relearned
    );
    lab.finish();
}

/// A backup that restarts and relearns the view at once (it pings 0, then straight away the
/// viewnum that reply told it) has still lost its state: it is replaced by an idle server.
#[graded]
fn restarted_backup_that_relearns_the_view_is_still_replaced() {
    labtests::init_log();
    let lab = VsTest::start("Restarted backup that relearns the view at once is still replaced");
    let (s1, s2, s3) = (lab.server("s1"), lab.server("s2"), lab.server("s3"));
    lab.start_primary_and_backup(&s1, &s2);
    s3_waits_idle(&lab, &s1, &s2, &s3);
    let relearned = restart_and_relearn_at_once(&s2);
    let view = lab.ping_until(
        &format!(
            "the restarted backup s2 to be replaced (it pinged 0, then view {} again at once)",
            relearned
        ),
        PINGS_FOR_CHANGE,
        &[(&s3, Latest), (&s1, Latest), (&s2, Latest)],
        |v| !v.is_backup("s2"),
    );
    assert!(
        view == SeenView::new(3, Some("s1"), Some("s3")),
        "wanted view 3 (primary s1, backup s3): s2 restarted, so it may have no role until a view \
         is made without it, even though it pinged view {} again at once; but got {view}",
        relearned
    );
    lab.finish();
}

/// With five servers there is still one primary and one backup; the others wait idle, and a
/// failover picks its new backup among them.
#[graded]
fn five_servers_one_primary_one_backup() {
    labtests::init_log();
    let lab = VsTest::start("Five servers: one primary, one backup, three idle");
    let servers: Vec<_> = (1..=5).map(|i| lab.server(&format!("s{i}"))).collect();
    lab.start_primary_and_backup(&servers[0], &servers[1]);
    let everyone: Vec<_> = servers.iter().map(|s| (s, Latest)).collect();
    lab.ping_while("the view to stay view 2 with s3, s4 and s5 idle", DEAD_PINGS, &everyone, |v| {
        v.viewnum == 2 && v.is_primary("s1") && v.is_backup("s2")
    });
    // s1 crashes: s2 takes over, and one of the idle servers becomes backup in the same change.
    let view = lab.ping_until("s2 to take over", PINGS_FOR_DEATH, &everyone[1..], |v| v.is_primary("s2"));
    let idle = ["s3", "s4", "s5"];
    assert!(
        view.viewnum == 3 && idle.iter().any(|s| view.is_backup(s)),
        "wanted view 3 with primary s2 and one of s3, s4, s5 as backup, but got {view}"
    );
    // s2 acknowledges view 3, then crashes too: its backup takes over, with another idle server
    // as backup.
    servers[1].ack();
    let backup = view.backup.clone().unwrap_or_default();
    let view =
        lab.ping_until(&format!("{backup} to take over from s2"), PINGS_FOR_DEATH, &everyone[2..], |v| {
            v.is_primary(&backup)
        });
    assert!(
        view.viewnum == 4 && idle.iter().any(|s| view.is_backup(s)),
        "wanted view 4 with primary {backup} and another of s3, s4, s5 as backup, but got {view}"
    );
    lab.finish();
}

/// When the backup slot is empty, the live idle server that pinged first fills it, whatever its
/// name: idle servers that arrived as s4, s3, s2 take the slot in that order.
#[graded]
fn idle_servers_become_backup_in_arrival_order() {
    labtests::init_log();
    let lab = VsTest::start("Idle servers become backup in the order they first pinged");
    let (s1, s2, s3, s4) = (lab.server("s1"), lab.server("s2"), lab.server("s3"), lab.server("s4"));
    lab.ping_until("s1 to become the first primary", PINGS_FOR_CHANGE, &[(&s1, Zero)], |v| {
        v.is_primary("s1")
    });
    // s1 has not acknowledged view 1 yet (it still pings 0), so the backup slot stays shut while
    // s4, s3 and s2 arrive, in that order: all three are waiting when it opens.
    let arrivals = [(&s1, Zero), (&s4, Zero), (&s3, Zero), (&s2, Zero)];
    lab.ping_while("the view to stay view 1 until s1 acknowledges it", 2, &arrivals, |v| v.viewnum == 1);
    // s1 acknowledges view 1: s4, the first idle server to ping, becomes backup.
    let view = lab.ping_until(
        "a backup to join once s1 acknowledged view 1",
        PINGS_FOR_CHANGE,
        &[(&s1, Fixed(1)), (&s4, Zero), (&s3, Zero), (&s2, Zero)],
        |v| v.backup.is_some(),
    );
    assert!(
        view == SeenView::new(2, Some("s1"), Some("s4")),
        "wanted view 2 (primary s1, backup s4): s4 pinged before s3 and s2, and the idle server that \
         pinged first becomes backup, whatever its name; but got {view}"
    );
    // The backup s4 crashes: of the idle servers left, s3 pinged first, so it replaces s4.
    let view = lab.ping_until(
        "the dead backup s4 to be replaced",
        PINGS_FOR_DEATH,
        &[(&s1, Latest), (&s3, Latest), (&s2, Latest)],
        |v| v.viewnum > 2,
    );
    assert!(
        view == SeenView::new(3, Some("s1"), Some("s3")),
        "wanted view 3 (primary s1, backup s3): s3 pinged before s2, and the idle server that pinged \
         first replaces the dead backup s4, whatever its name; but got {view}"
    );
    lab.finish();
}

/// `Get` is not a ping: a server that only asks for the view is never made primary or backup,
/// though every `Get` reaches the view service.
#[graded]
fn get_is_not_a_ping() {
    labtests::init_log();
    let lab = VsTest::start("Get does not count as a ping");
    let (s1, s2) = (lab.server("s1"), lab.server("s2"));
    // Before anyone pings, s2 only asks: still no primary.
    let before = lab.vs().rpc_count();
    lab.ping_while("no primary while s2 only calls Get", 3, &[(&s2, GetOnly)], |v| v.viewnum == 0);
    let after = lab.vs().rpc_count();
    assert!(
        after >= before + 3,
        "wanted the view service to count 3 more RPCs, but it went from {before} to {after}"
    );
    // s1 becomes primary; s2 still only asks, so it never fills the empty backup slot.
    lab.start_primary(&s1);
    lab.ping_while(
        "no backup while s2 only calls Get",
        PINGS_FOR_CHANGE,
        &[(&s1, Latest), (&s2, GetOnly)],
        |v| v.viewnum == 1 && v.backup.is_none(),
    );
    // Once s2 pings, it joins at once.
    lab.ping_until(
        "s2 to become backup once it pings",
        PINGS_FOR_CHANGE,
        &[(&s1, Latest), (&s2, Zero)],
        |v| v.is_backup("s2"),
    );
    lab.check(Some("s1"), Some("s2"), 2);
    lab.finish();
}

/// The lecture's example, step by step: S1 alone in view 1; S2 joins as backup in view 2 once S1
/// acknowledged view 1; S1 reboots and comes back, now as the backup of S2.
#[graded]
fn lecture_example_sequence() {
    labtests::init_log();
    let lab = VsTest::start("The lecture's example sequence of views");
    let (s1, s2) = (lab.server("S1"), lab.server("S2"));
    // View 1: S1 primary, no backup.
    lab.ping_until("S1 to become primary of view 1", PINGS_FOR_CHANGE, &[(&s1, Zero)], |v| {
        v.is_primary("S1")
    });
    lab.check(Some("S1"), None, 1);
    // S2 pings, but S1 has not acknowledged view 1 yet: still view 1.
    lab.ping_while("view 1 to stay until S1 acks it", 3, &[(&s1, Zero), (&s2, Zero)], |v| v.viewnum == 1);
    // S1 acknowledges view 1. View 2: S1 primary, S2 backup.
    lab.ping_until("S2 to become backup in view 2", PINGS_FOR_CHANGE, &[(&s1, Latest), (&s2, Zero)], |v| {
        v.is_backup("S2")
    });
    lab.check(Some("S1"), Some("S2"), 2);
    s1.ack();
    s2.ack();
    // S1 reboots: it pings 0 and is treated as dead. View 3: S2, the backup, is primary.
    let view = lab.ping_until(
        "S2 to become primary after S1 rebooted",
        PINGS_FOR_CHANGE,
        &[(&s1, Zero), (&s2, Latest)],
        |v| v.viewnum > 2,
    );
    assert!(view.viewnum == 3 && view.is_primary("S2"), "wanted view 3 with S2 as primary, but got {view}");
    // S1 comes back: S2 primary, S1 backup.
    let view = lab.ping_until(
        "S1 to come back as backup of S2",
        PINGS_FOR_CHANGE,
        &[(&s1, Latest), (&s2, Latest)],
        |v| v.is_primary("S2") && v.is_backup("S1"),
    );
    assert!(
        view.viewnum == 3 || (view.viewnum == 4 && lab.log().seen(3).is_some_and(|v3| v3.backup.is_none())),
        "wanted S2 primary and S1 backup in view 3, or in view 4 after a view 3 with no backup, but got {view} \
         (views seen: {})",
        lab.log().summary()
    );
    lab.finish();
}

/// Bad pings over RPC are refused with `PingError` and change nothing; a name never seen before
/// that pings properly joins as an idle server.
#[graded]
fn bad_pings_are_refused() {
    labtests::init_log();
    let lab = VsTest::start("Bad pings are refused");
    let (s1, s2, nameless) = (lab.server("s1"), lab.server("s2"), lab.server(""));
    // A refused ping is no heartbeat: ticks pass, and nobody becomes primary.
    for _ in 0..3 {
        lab.expect_refused(&s1, 1, PingError::ViewnumAhead { got: 1, current: 0 });
        lab.expect_refused(&nameless, 0, PingError::EmptyName);
        lab.pause();
    }
    lab.check(None, None, 0);
    lab.start_primary(&s1);
    // s2, never seen before, claims a view that does not exist: refused, so it does not join.
    for _ in 0..DEAD_PINGS {
        lab.expect_refused(&s2, 5, PingError::ViewnumAhead { got: 5, current: 1 });
        lab.expect_refused(&nameless, 1, PingError::EmptyName);
        s1.ack();
        lab.pause();
    }
    lab.check(Some("s1"), None, 1);
    // s2 pings properly: it joins as an idle server and fills the empty backup slot.
    lab.ping_until("s2 to join as backup", PINGS_FOR_CHANGE, &[(&s1, Latest), (&s2, Zero)], |v| {
        v.is_backup("s2")
    });
    lab.check(Some("s1"), Some("s2"), 2);
    lab.finish();
}
