//! The bounded model check of the view service's rules, and proof that it catches a broken
//! view service.

use labtests::graded;

use labrpc::time::Instant;
use std::collections::HashMap;

use labtests::view_model::{check, Bounds, ViewLogic};
use viewservice::{PingReply, View, ViewServer};

/// Deep enough to reach restarts and failovers after a backup joined; small enough for `make test`.
const BOUNDS: Bounds = Bounds { servers: 3, depth: 13 };

/// Every run of up to thirteen events (pings from three servers with viewnum 0, the current or
/// the previous view, and ticks) keeps every invariant of the rules.
#[graded]
fn view_service_rules_hold_in_every_bounded_run() {
    labtests::init_log();
    let report = check(ViewServer::new(), BOUNDS).unwrap_or_else(|counterexample| panic!("{counterexample}"));
    println!(
        "model check: {} servers, depth {}: {} distinct states, {} transitions, {:.2?}",
        BOUNDS.servers, report.depth, report.states, report.transitions, report.elapsed
    );
    assert!(report.depth >= 10);
    assert!(report.states > 1000, "the check explored only {} states", report.states);
}

/// A view service that skips rule 1's ack: before each tick it pretends the primary has
/// acknowledged the current view, by replaying the primary's latest ping with the current
/// viewnum. It keeps its own record of when each server last pinged: the check sees only the
/// contract.
#[derive(Clone)]
struct SkipsTheAck {
    inner: ViewServer,
    last_ping: HashMap<String, Instant>,
}

impl ViewLogic for SkipsTheAck {
    fn ping(&mut self, me: &str, viewnum: u64, now: Instant) -> PingReply {
        let reply = self.inner.ping(me, viewnum, now);
        if reply.is_ok() {
            self.last_ping.insert(me.to_string(), now);
        }
        reply
    }

    fn tick(&mut self, now: Instant) -> Option<View> {
        let view = self.inner.get();
        if let Some(primary) = view.primary.as_deref() {
            if let Some(&last_ping) = self.last_ping.get(primary) {
                // The bug: an acknowledgement nobody sent.
                let _ = self.inner.ping(primary, view.viewnum, last_ping);
            }
        }
        self.inner.tick(now)
    }

    fn view(&self) -> View {
        self.inner.get()
    }
}

/// The check finds the shortest run in which the broken service changes an unacknowledged view.
#[test]
fn the_model_check_catches_a_view_service_that_skips_the_ack() {
    labtests::in_this_mode(|| {
        labtests::init_log();
        let broken = SkipsTheAck { inner: ViewServer::new(), last_ping: HashMap::new() };
        let counterexample =
            check(broken, BOUNDS).expect_err("a view service that skips the ack must break an invariant");
        println!("{counterexample}");
        assert!(
            counterexample.violation.contains("before its primary acknowledged"),
            "wanted the ack rule to break, got: {}",
            counterexample.violation
        );
        // Shortest: s1 pings, tick (view 1), s2 pings, tick (view 2 without s1's ack).
        assert_eq!(counterexample.steps.len(), 4, "not the shortest run:\n{counterexample}");
    });
}
