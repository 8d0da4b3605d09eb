//! The view service's rules on the bare state machine, with a fake clock: no network, no
//! threads, no sleeps. Each test is one scenario of the end-to-end suite, made deterministic.
//! The tests use only the contract (`new`, `ping`, `tick`, `get`, `Clone`) and judge the
//! harness's own reading of what the state machine returns (`SeenView`, `SeenRefusal`), never
//! its internals, its `View` methods or its `PartialEq`.

use labtests::graded;

use labrpc::time::Instant;

use labtests::seen::{SeenRefusal, SeenView};
use viewservice::{PingReply, ViewServer, DEAD_PINGS, PING_INTERVAL};

/// A view service and a clock that only moves when the test says so.
struct Scenario {
    vs: ViewServer,
    start: Instant,
    /// Ping intervals since the start.
    intervals: u32,
}

impl Scenario {
    fn new() -> Scenario {
        labtests::init_log();
        Scenario { vs: ViewServer::new(), start: Instant::now(), intervals: 0 }
    }

    fn now(&self) -> Instant {
        self.start + PING_INTERVAL * self.intervals
    }

    /// `server` pings with `viewnum`; returns the view it is told.
    fn ping(&mut self, server: &str, viewnum: u64) -> SeenView {
        let now = self.now();
        let view =
            self.vs.ping(server, viewnum, now).unwrap_or_else(|e| panic!("{server}'s ping was refused: {e}"));
        SeenView::of(&view)
    }

    /// The current view.
    fn view(&self) -> SeenView {
        SeenView::of(&self.vs.get())
    }

    /// The view service ticks at the current time; returns the new view if the view changed.
    fn tick(&mut self) -> Option<SeenView> {
        let now = self.now();
        self.vs.tick(now).map(SeenView::from)
    }

    /// One ping interval passes: each of `alive` pings with the view it was last told (the
    /// current one), then the view service ticks.
    fn interval(&mut self, alive: &[&str]) -> SeenView {
        let viewnum = self.view().viewnum;
        for server in alive {
            self.ping(server, viewnum);
        }
        self.intervals += 1;
        self.tick();
        self.view()
    }

    /// Runs intervals with `alive` pinging until the view has `primary` and `backup`, for at
    /// most `DEAD_PINGS * 3` intervals; returns the view.
    fn until(&mut self, alive: &[&str], primary: Option<&str>, backup: Option<&str>) -> SeenView {
        for _ in 0..DEAD_PINGS * 3 {
            let view = self.interval(alive);
            if view.primary.as_deref() == primary && view.backup.as_deref() == backup {
                return view;
            }
        }
        panic!("wanted primary {primary:?} and backup {backup:?}, but the view stayed {}", self.view());
    }

    /// Runs `n` intervals with `alive` pinging and asserts the view never changed.
    fn steady(&mut self, alive: &[&str], n: u32) {
        let before = self.view();
        for _ in 0..n {
            let view = self.interval(alive);
            assert_eq!(view, before, "the view should have stayed {before}, but became {view}");
        }
    }
}

/// The view `viewnum` with this primary and backup, to compare with what was seen.
fn view(viewnum: u64, primary: Option<&str>, backup: Option<&str>) -> SeenView {
    SeenView::new(viewnum, primary, backup)
}

/// Why a ping was refused, as the harness reads it; `None` if it was answered.
fn refusal(reply: &PingReply) -> Option<SeenRefusal> {
    reply.as_ref().err().map(SeenRefusal::of)
}

#[graded]
fn starts_with_the_empty_view() {
    let s = Scenario::new();
    assert_eq!(s.view(), view(0, None, None));
}

#[graded]
fn first_pinger_becomes_primary_of_view_one() {
    let mut s = Scenario::new();
    s.ping("s1", 0);
    assert_eq!(s.view(), view(0, None, None), "pings only record; the tick decides");
    assert_eq!(s.interval(&[]), view(1, Some("s1"), None));
}

#[graded]
fn first_backup_joins_in_view_two_only_after_the_ack() {
    let mut s = Scenario::new();
    s.ping("s1", 0);
    s.interval(&[]);
    // s2 pings, but s1 has not acknowledged view 1 yet.
    s.ping("s2", 0);
    s.ping("s1", 0);
    s.intervals += 1;
    assert_eq!(s.tick(), None, "view 1 is not acknowledged, so it must not change");
    assert_eq!(s.until(&["s1", "s2"], Some("s1"), Some("s2")), view(2, Some("s1"), Some("s2")));
}

#[graded]
fn backup_takes_over_when_the_primary_stops_pinging() {
    let mut s = Scenario::new();
    s.ping("s1", 0);
    s.until(&["s1", "s2"], Some("s1"), Some("s2"));
    s.interval(&["s1", "s2"]); // s1 acknowledges view 2
    let v = s.until(&["s2"], Some("s2"), None);
    assert_eq!(v.viewnum, 3);
}

#[graded]
fn a_dead_primary_is_not_replaced_before_it_acknowledged_its_view() {
    let mut s = Scenario::new();
    s.ping("s1", 0);
    s.interval(&[]);
    s.ping("s2", 0);
    s.ping("s1", 1);
    s.interval(&[]); // view 2: s1 + s2; s1 dies before acknowledging it
    assert_eq!(s.view(), view(2, Some("s1"), Some("s2")));
    s.steady(&["s2"], DEAD_PINGS * 3);
}

#[graded]
fn a_restarted_primary_is_treated_as_dead_and_comes_back_as_backup() {
    let mut s = Scenario::new();
    s.ping("s1", 0);
    s.until(&["s1", "s2"], Some("s1"), Some("s2"));
    s.interval(&["s1", "s2"]);
    // s1 reboots: it pings with 0 from now on.
    s.ping("s1", 0);
    s.intervals += 1;
    let v3 = s.tick().expect("a restarted primary is replaced at the next tick");
    assert_eq!(v3, view(3, Some("s2"), None));
    s.ping("s2", 3);
    s.ping("s1", 0);
    s.intervals += 1;
    assert_eq!(s.tick(), Some(view(4, Some("s2"), Some("s1"))), "s1 rejoins as backup");
}

#[graded]
fn an_idle_server_becomes_backup_in_the_same_change_that_promotes_the_backup() {
    let mut s = Scenario::new();
    s.ping("s1", 0);
    s.until(&["s1", "s2"], Some("s1"), Some("s2"));
    s.interval(&["s1", "s2", "s3"]);
    let v = s.until(&["s2", "s3"], Some("s2"), Some("s3"));
    assert_eq!(v.viewnum, 3, "one change, not two");
}

#[graded]
fn a_dead_backup_is_removed() {
    let mut s = Scenario::new();
    s.ping("s1", 0);
    s.until(&["s1", "s2"], Some("s1"), Some("s2"));
    assert_eq!(s.until(&["s1"], Some("s1"), None).viewnum, 3);
}

#[graded]
fn a_restarted_backup_is_replaced_by_an_idle_server() {
    let mut s = Scenario::new();
    s.ping("s1", 0);
    s.until(&["s1", "s2"], Some("s1"), Some("s2"));
    s.interval(&["s1", "s2", "s3"]);
    s.ping("s2", 0); // s2 reboots
    s.ping("s1", 2);
    s.intervals += 1;
    assert_eq!(s.tick(), Some(view(3, Some("s1"), Some("s3"))));
}

#[graded]
fn a_backup_that_has_not_learned_its_view_is_not_taken_for_restarted() {
    let mut s = Scenario::new();
    s.ping("s1", 0);
    s.interval(&[]);
    s.ping("s1", 1);
    s.ping("s2", 0);
    s.intervals += 1;
    s.tick();
    assert_eq!(s.view(), view(2, Some("s1"), Some("s2")));
    // s1 acknowledges; s2 still pings 0 because it has not heard of view 2 yet.
    s.ping("s1", 2);
    s.ping("s2", 0);
    s.steady(&["s1", "s2"], 3);
}

#[graded]
fn an_uninitialized_server_is_never_promoted() {
    let mut s = Scenario::new();
    s.ping("s1", 0);
    s.until(&["s1", "s3"], Some("s1"), Some("s3"));
    // s2 only ever pings with 0: it is idle and knows no view.
    for _ in 0..DEAD_PINGS * 2 {
        s.ping("s2", 0);
        s.interval(&["s1", "s3"]);
    }
    // Primary and backup die together; only the uninitialized s2 is left.
    for _ in 0..DEAD_PINGS * 3 {
        s.ping("s2", 0);
        s.interval(&[]);
        assert!(!s.view().is_primary("s2"), "uninitialized s2 was made primary: {}", s.view());
    }
}

#[graded]
fn a_dead_idle_server_never_becomes_backup() {
    let mut s = Scenario::new();
    s.ping("s1", 0);
    s.interval(&[]);
    s.ping("s3", 0); // s3 pings once, then dies
    for _ in 0..DEAD_PINGS {
        s.interval(&["s1"]);
        if s.view().backup.is_some() {
            // s3 may join while it still counts as alive; then it is removed once it is dead.
            break;
        }
    }
    let v = s.until(&["s1"], Some("s1"), None);
    assert!(!v.is_backup("s3"));
    s.steady(&["s1"], DEAD_PINGS * 2);
}

#[graded]
fn get_does_not_count_as_a_ping() {
    let mut s = Scenario::new();
    s.ping("s1", 0);
    s.until(&["s1", "s2"], Some("s1"), Some("s2"));
    s.interval(&["s1", "s2"]);
    // s2 only asks for the view: it dies all the same.
    for _ in 0..DEAD_PINGS * 2 {
        let _ = s.vs.get();
        s.interval(&["s1"]);
    }
    assert_eq!(s.view(), view(3, Some("s1"), None));
}

/// What a view service answers to one event of [`assert_same_futures`], as the harness reads it.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// A ping was answered with this view, or refused.
    Ping(Result<SeenView, SeenRefusal>),
    /// A tick changed the view to this one, or not.
    Tick(Option<SeenView>),
}

/// One event a future is made of: a ping from `s1` or `s2` with 0 or the current viewnum, or an
/// interval passing and a tick.
#[derive(Clone, Copy, Debug)]
enum Event {
    Ping(&'static str, bool),
    Tick,
}

const EVENTS: [Event; 5] = [
    Event::Tick,
    Event::Ping("s1", false),
    Event::Ping("s1", true),
    Event::Ping("s2", false),
    Event::Ping("s2", true),
];

fn answer(vs: &mut ViewServer, event: Event, now: Instant) -> Answer {
    match event {
        Event::Ping(server, current) => {
            let viewnum = if current { SeenView::of(&vs.get()).viewnum } else { 0 };
            Answer::Ping(vs.ping(server, viewnum, now).map(SeenView::from).map_err(|e| SeenRefusal::of(&e)))
        }
        Event::Tick => Answer::Tick(vs.tick(now).map(SeenView::from)),
    }
}

/// Fails the test unless `a` and `b`, both at `now`, answer every run of up to `depth` events
/// alike: two states the rules cannot tell apart, judged through the contract alone.
fn assert_same_futures(a: &ViewServer, b: &ViewServer, now: Instant, depth: usize, run: &mut Vec<Event>) {
    if depth == 0 {
        return;
    }
    for event in EVENTS {
        let now = if matches!(event, Event::Tick) { now + PING_INTERVAL } else { now };
        let (mut a, mut b) = (a.clone(), b.clone());
        run.push(event);
        let (from_a, from_b) = (answer(&mut a, event, now), answer(&mut b, event, now));
        assert_eq!(from_a, from_b, "after the events {run:?}, the two states answered differently");
        assert_same_futures(&a, &b, now, depth - 1, run);
        run.pop();
    }
}

#[graded]
fn bad_pings_are_refused_and_change_nothing() {
    let mut s = Scenario::new();
    s.ping("s1", 0);
    s.interval(&[]);
    s.ping("s1", 1); // s1 acknowledges view 1
    s.intervals += 1;
    assert_eq!(s.tick(), None, "no other server pinged: nothing to change");
    let untouched = s.vs.clone();
    let now = s.now();
    let nameless = s.vs.ping("", 0, now);
    assert_eq!(refusal(&nameless), Some(SeenRefusal::EmptyName), "the nameless ping got {nameless:?}");
    let ahead = s.vs.ping("s1", 7, now);
    let wanted = SeenRefusal::ViewnumAhead { got: 7, current: 1 };
    assert_eq!(refusal(&ahead), Some(wanted), "the ping with view 7 got {ahead:?}");
    let stranger = s.vs.ping("s2", 5, now);
    let wanted = SeenRefusal::ViewnumAhead { got: 5, current: 1 };
    assert_eq!(refusal(&stranger), Some(wanted), "s2's first ping, with view 5, got {stranger:?}");
    // A refused ping changes nothing: no acknowledgement, no sign of life, no new server. From
    // here, every run of up to six events goes as it would have without them.
    assert_same_futures(&untouched, &s.vs, now, 6, &mut Vec::new());
    // A name never seen before is simply a new idle server: it becomes backup at the next tick.
    let newcomer = s.vs.ping("newcomer", 1, now);
    let answered = newcomer.as_ref().ok().map(SeenView::of);
    assert_eq!(answered, Some(view(1, Some("s1"), None)), "the newcomer's ping got {newcomer:?}");
    s.ping("s1", 1);
    s.intervals += 1;
    assert_eq!(s.tick(), Some(view(2, Some("s1"), Some("newcomer"))), "the newcomer fills the backup slot");
}

#[graded]
fn the_lecture_sequence_of_views() {
    let mut s = Scenario::new();
    // S1 alone: view 1.
    s.ping("S1", 0);
    assert_eq!(s.interval(&[]), view(1, Some("S1"), None));
    // S2 pings; it joins only after S1 acknowledged view 1.
    s.ping("S2", 0);
    s.intervals += 1;
    assert_eq!(s.tick(), None, "S1 has not acknowledged view 1 yet");
    s.ping("S1", 1);
    s.ping("S2", 0);
    s.intervals += 1;
    assert_eq!(s.tick(), Some(view(2, Some("S1"), Some("S2"))));
    s.ping("S1", 2);
    s.ping("S2", 2);
    // S1 reboots: its pings say 0. S2 takes over, then S1 comes back as backup.
    s.ping("S1", 0);
    s.intervals += 1;
    assert_eq!(s.tick(), Some(view(3, Some("S2"), None)));
    s.ping("S2", 3);
    s.ping("S1", 0);
    s.intervals += 1;
    assert_eq!(s.tick(), Some(view(4, Some("S2"), Some("S1"))));
}

#[graded]
fn with_five_servers_one_is_primary_one_backup_and_failover_picks_an_idle_one() {
    let mut s = Scenario::new();
    let all = ["s1", "s2", "s3", "s4", "s5"];
    s.ping("s1", 0);
    s.until(&all, Some("s1"), Some("s2"));
    s.steady(&all, 3);
    let v = s.until(&["s2", "s3", "s4", "s5"], Some("s2"), Some("s3"));
    assert_eq!(v.viewnum, 3, "the idle server that pinged first fills the backup slot at once");
}

#[graded]
fn consecutive_views_differ_and_numbers_never_skip() {
    let mut s = Scenario::new();
    let mut seen = vec![s.view()];
    let mut alive = vec!["s1", "s2", "s3"];
    s.ping("s1", 0);
    for round in 0..60 {
        if round == 20 || round == 40 {
            let primary = s.view().primary.expect("a primary by now");
            alive.retain(|server| *server != primary);
        }
        let view = s.interval(&alive);
        if view != *seen.last().unwrap() {
            seen.push(view);
        }
    }
    for pair in seen.windows(2) {
        assert_eq!(pair[1].viewnum, pair[0].viewnum + 1, "numbers skip between {} and {}", pair[0], pair[1]);
        assert!(
            (pair[0].primary.clone(), pair[0].backup.clone())
                != (pair[1].primary.clone(), pair[1].backup.clone()),
            "{} and {} have the same configuration",
            pair[0],
            pair[1]
        );
    }
    assert!(seen.len() >= 5, "two failovers make at least four changes: {seen:?}");
}
