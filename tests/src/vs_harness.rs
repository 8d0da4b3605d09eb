//! Helpers for the view-service scenarios (`tests/tests/viewservice.rs`).
//!
//! A scenario builds a [`VsTest`]: its own network, the view service under test (named [`VS`]) on
//! it, and a [`ViewLog`] that every view seen in the test goes through. Servers are
//! [`TestServer`]s: they ping as a named server, remember the latest view they learned (as a real
//! server does), and hand every view they are told to the log, which checks on each new
//! observation that
//!
//! - one view number always names the same view;
//! - view numbers never go backwards for one observer;
//! - **rule 1**: the primary of view *i+1* was the primary or backup of view *i* (view 1 excepted).
//!
//! Waiting follows the original lab: every server of the scenario pings once per
//! [`PING_INTERVAL`], for at most [`PINGS_FOR_CHANGE`] (`DEAD_PINGS * 2`) or [`PINGS_FOR_DEATH`]
//! (`DEAD_PINGS * 3`) rounds, and the wait ends as soon as the view is the one wanted.
//!
//! Every view is read into a [`SeenView`] as it arrives; the log, the waits and the checks judge
//! that reading, never the submission's `View` methods or `PartialEq` (see [`crate::seen`]).
//!
//! A helper that fails panics in the calling test's own thread (never elsewhere, never aborting
//! the process) with a sentence saying what was wanted and what came back. Dropping the
//! [`VsTest`] (also while a failing test unwinds) kills the view service and shuts the network
//! down, so no thread outlives its test. (The example compiles but does not run as a doc test:
//! it needs a working view service, and the suites run the same steps.)
//!
//! ```no_run
//! use labtests::vs_harness::{Pinging, VsTest, PINGS_FOR_CHANGE};
//!
//! let lab = VsTest::start("First primary");
//! let s1 = lab.server("s1");
//! lab.ping_until("s1 to become primary", PINGS_FOR_CHANGE, &[(&s1, Pinging::Zero)], |v| {
//!     v.is_primary("s1")
//! });
//! lab.check(Some("s1"), None, 1);
//! lab.finish();
//! ```

use labrpc::time::Instant;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use labrpc::sync::Mutex;
use labrpc::Network;
use viewservice::{start_server, Clerk, ClerkError, PingError, ViewServiceHandle, PING_INTERVAL};

use crate::health::assert_no_server_panicked;
use crate::seen::{SeenRefusal, SeenView};
use crate::timeliness::{observe, STALL_TOLERANCE};
use labreport::Diagnostics;

pub use crate::VS;

/// The name the test itself uses for its own `Get`s.
pub const TESTER: &str = "tester";

/// The wait bounds of the view-service scenarios, named as they count (ping rounds); defined
/// once, in [`crate::bounds`].
pub use crate::bounds::{ROUNDS_FOR_CHANGE as PINGS_FOR_CHANGE, ROUNDS_FOR_DEATH as PINGS_FOR_DEATH};

// ----- the view log ----------------------------------------------------------------------------

/// Something a view seen in a test broke. Each one displays as a sentence saying what was
/// expected and what came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogViolation {
    /// A view number came back naming a different view than before.
    Renamed {
        /// Who saw the new version.
        observer: String,
        /// What it saw.
        now: SeenView,
        /// Who saw the view number first.
        first_observer: String,
        /// What that was.
        first: SeenView,
    },
    /// One observer saw a lower view number after a higher one.
    Backwards {
        /// Who saw it.
        observer: String,
        /// The view it had seen before.
        before: SeenView,
        /// The older view it saw after that.
        now: SeenView,
    },
    /// Rule 1: the primary of `after` was neither primary nor backup of `before`.
    Rule1 {
        /// View *i*.
        before: SeenView,
        /// View *i+1*.
        after: SeenView,
    },
    /// View 0 named a server; it is the empty view before anyone pinged.
    ViewZeroNotEmpty {
        /// Who saw it.
        observer: String,
        /// What it saw.
        view: SeenView,
    },
    /// A view named one server as both primary and backup.
    SameServerTwice {
        /// Who saw it.
        observer: String,
        /// What it saw.
        view: SeenView,
    },
    /// A view number between two seen views was never seen: numbers skipped.
    Skipped {
        /// The view number nobody saw.
        missing: u64,
        /// The first view seen after the gap.
        after_gap: SeenView,
    },
    /// Two consecutive views had the same primary and backup: the change changed nothing.
    Unchanged {
        /// View *i*.
        before: SeenView,
        /// View *i+1*.
        after: SeenView,
    },
}

impl fmt::Display for LogViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogViolation::Renamed { observer, now, first_observer, first } => write!(
                f,
                "{observer} was told {now}, but {first_observer} had been told {first}: one view number \
                 must always name the same view"
            ),
            LogViolation::Backwards { observer, before, now } => write!(
                f,
                "{observer} was told view {} after view {}: view numbers must never go backwards \
                 (it got {now} after {before})",
                now.viewnum, before.viewnum
            ),
            LogViolation::Rule1 { before, after } => {
                let primary = after.primary.as_deref().unwrap_or("none");
                write!(
                    f,
                    "view {} made {primary} primary, but {primary} was neither primary nor backup of {before} \
                     (rule 1)",
                    after.viewnum
                )
            }
            LogViolation::ViewZeroNotEmpty { observer, view } => write!(
                f,
                "{observer} was told {view}, but view 0 is the empty view before any server pinged: it \
                 names no primary and no backup"
            ),
            LogViolation::SameServerTwice { observer, view } => {
                write!(f, "{observer} was told {view}, which names one server as both primary and backup")
            }
            LogViolation::Skipped { missing, after_gap } => write!(
                f,
                "view {missing} was never seen, yet {after_gap} was: view numbers must go up by exactly \
                 one at each change"
            ),
            LogViolation::Unchanged { before, after } => write!(
                f,
                "{after} has the same primary and backup as {before}: a new view must change something"
            ),
        }
    }
}

impl std::error::Error for LogViolation {}

/// Every view any observer saw in one test, checked as it arrives. Thread-safe.
///
/// [`observe`](ViewLog::observe) checks a new observation and returns what it broke, if
/// anything; [`record`](ViewLog::record) does the same but fails the calling test.
#[derive(Debug, Default)]
pub struct ViewLog {
    state: Mutex<LogState>,
}

#[derive(Debug, Default)]
struct LogState {
    /// Each view number seen, with the view and who saw it first.
    views: BTreeMap<u64, (SeenView, String)>,
    /// The latest view each observer saw.
    latest: HashMap<String, SeenView>,
}

impl ViewLog {
    /// An empty log.
    pub fn new() -> ViewLog {
        ViewLog::default()
    }

    /// Records that `observer` was told `view`, after checking it against everything seen so far.
    /// A view that breaks a rule is not recorded; the violation says which rule.
    pub fn observe(&self, observer: &str, view: &SeenView) -> Result<(), Box<LogViolation>> {
        let mut state = self.state.lock();
        let problem = |make: fn(String, SeenView) -> LogViolation| {
            Err(Box::new(make(observer.to_string(), view.clone())))
        };
        if view.viewnum == 0 && (view.primary.is_some() || view.backup.is_some()) {
            return problem(|observer, view| LogViolation::ViewZeroNotEmpty { observer, view });
        }
        if view.primary.is_some() && view.primary == view.backup {
            return problem(|observer, view| LogViolation::SameServerTwice { observer, view });
        }
        if let Some((first, first_observer)) = state.views.get(&view.viewnum) {
            if first != view {
                return Err(Box::new(LogViolation::Renamed {
                    observer: observer.to_string(),
                    now: view.clone(),
                    first_observer: first_observer.clone(),
                    first: first.clone(),
                }));
            }
        }
        if let Some(before) = state.latest.get(observer) {
            if view.viewnum < before.viewnum {
                return Err(Box::new(LogViolation::Backwards {
                    observer: observer.to_string(),
                    before: before.clone(),
                    now: view.clone(),
                }));
            }
        }
        let previous = view.viewnum.checked_sub(1).and_then(|i| state.views.get(&i));
        if let Some((before, _)) = previous {
            check_rule1(before, view)?;
        }
        if let Some((after, _)) = state.views.get(&(view.viewnum + 1)) {
            check_rule1(view, after)?;
        }
        state.views.entry(view.viewnum).or_insert_with(|| (view.clone(), observer.to_string()));
        state.latest.insert(observer.to_string(), view.clone());
        log::debug!("{observer} was told {view}");
        Ok(())
    }

    /// Like [`observe`](ViewLog::observe), but a violation fails the calling test with its
    /// sentence and the views seen so far.
    #[track_caller]
    pub fn record(&self, observer: &str, view: &SeenView) {
        if let Err(violation) = self.observe(observer, view) {
            panic!("{violation}. Views seen in this test: {}.", self.summary());
        }
    }

    /// Every distinct view seen, by view number.
    pub fn views(&self) -> Vec<SeenView> {
        self.state.lock().views.values().map(|(view, _)| view.clone()).collect()
    }

    /// The view with number `viewnum`, if anyone saw it.
    pub fn seen(&self, viewnum: u64) -> Option<SeenView> {
        self.state.lock().views.get(&viewnum).map(|(view, _)| view.clone())
    }

    /// The highest-numbered view seen, if any.
    pub fn latest(&self) -> Option<SeenView> {
        self.state.lock().views.values().next_back().map(|(view, _)| view.clone())
    }

    /// The views seen, as one line for failure messages.
    pub fn summary(&self) -> String {
        let views = self.views();
        if views.is_empty() {
            return "none".to_string();
        }
        views.iter().map(SeenView::to_string).collect::<Vec<_>>().join("; ")
    }

    /// Checks the history as a whole: every view number from 1 up to the latest seen was seen
    /// (none skipped), and each view differs from the one before in primary or backup.
    ///
    /// Only meaningful when every view was bound to be seen: a view can end only after its
    /// primary acknowledged it, and the primary learned it from a reply the log saw, so in a
    /// scenario where every server's pings go through the log only the latest view can be
    /// missing, and the test can read that one itself.
    pub fn check_history(&self) -> Result<(), Box<LogViolation>> {
        let views: Vec<SeenView> = self.views().into_iter().filter(|view| view.viewnum > 0).collect();
        if let Some(first) = views.first().filter(|view| view.viewnum != 1) {
            return Err(Box::new(LogViolation::Skipped { missing: 1, after_gap: first.clone() }));
        }
        for pair in views.windows(2) {
            let (before, after) = (&pair[0], &pair[1]);
            if after.viewnum != before.viewnum + 1 {
                return Err(Box::new(LogViolation::Skipped {
                    missing: before.viewnum + 1,
                    after_gap: after.clone(),
                }));
            }
            if before.primary == after.primary && before.backup == after.backup {
                return Err(Box::new(LogViolation::Unchanged {
                    before: before.clone(),
                    after: after.clone(),
                }));
            }
        }
        Ok(())
    }
}

/// Rule 1 between view *i* (`before`) and view *i+1* (`after`); view 1 (after the empty view 0)
/// is excepted, and so is a view with no primary.
fn check_rule1(before: &SeenView, after: &SeenView) -> Result<(), Box<LogViolation>> {
    if before.viewnum == 0 {
        return Ok(());
    }
    match after.primary.as_deref() {
        Some(primary) if !before.is_primary(primary) && !before.is_backup(primary) => {
            Err(Box::new(LogViolation::Rule1 { before: before.clone(), after: after.clone() }))
        }
        _ => Ok(()),
    }
}

// ----- servers ---------------------------------------------------------------------------------

/// What a server does in each round of [`VsTest::ping_until`] and [`VsTest::ping_while`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pinging {
    /// Pings with 0: a server that has just started, or restarted and lost its state.
    Zero,
    /// Pings with the latest view number it has learned, as a healthy server does: so it
    /// acknowledges every view it is told, at its next ping.
    Latest,
    /// Always pings with this number: a server that does not take in any newer view (so, as
    /// primary, never acknowledges it).
    Fixed(u64),
    /// Does not ping at all; only asks for the view with `Get`, which is not a ping.
    GetOnly,
}

/// A server as the view service sees it: a name that pings. It remembers the latest view number
/// it learned and reports every view it is told to the test's [`ViewLog`].
pub struct TestServer {
    clerk: Clerk,
    log: Arc<ViewLog>,
    learned: AtomicU64,
}

impl TestServer {
    /// The server's name.
    pub fn name(&self) -> &str {
        self.clerk.me()
    }

    /// The number of the latest view a reply told this server.
    pub fn learned(&self) -> u64 {
        self.learned.load(Ordering::SeqCst)
    }

    /// Pings with `viewnum` and returns the view service's answer, refusal included. A view that
    /// comes back is read and recorded in the log (a rule it breaks fails the test).
    #[track_caller]
    pub fn try_ping(&self, viewnum: u64) -> Result<SeenView, ClerkError> {
        let started = Instant::now();
        let reply = self.clerk.ping(viewnum);
        observe(&format!("{}'s ping of the view service", self.name()), started.elapsed(), STALL_TOLERANCE);
        let view = SeenView::of(&reply?);
        self.learn(&view);
        Ok(view)
    }

    /// Pings with `viewnum` and returns the current view; fails the test if the ping does not
    /// get through or is refused.
    #[track_caller]
    pub fn ping(&self, viewnum: u64) -> SeenView {
        self.try_ping(viewnum).unwrap_or_else(|error| {
            panic!("{} pinged with view {viewnum} and wanted the current view, but {error}", self.name())
        })
    }

    /// Does what `how` says once, and returns the view it was told.
    #[track_caller]
    pub fn act(&self, how: Pinging) -> SeenView {
        match how {
            Pinging::Zero => self.ping(0),
            Pinging::Latest => self.ping(self.learned()),
            Pinging::Fixed(viewnum) => self.ping(viewnum),
            Pinging::GetOnly => self.get(),
        }
    }

    /// Pings with the latest view number it learned until that is the current view, so that it
    /// has acknowledged the current view (as primary) or shown that it knows it (as backup).
    #[track_caller]
    pub fn ack(&self) -> SeenView {
        for _ in 0..3 {
            let known = self.learned();
            let view = self.ping(known);
            if view.viewnum == known {
                return view;
            }
        }
        panic!(
            "{} wanted to acknowledge the current view, but it changed at each of 3 pings in a row. Views \
             seen in this test: {}.",
            self.name(),
            self.log.summary()
        )
    }

    /// The current view, asked for with `Get` (not a ping); fails the test if the call does
    /// not get through.
    #[track_caller]
    pub fn get(&self) -> SeenView {
        let started = Instant::now();
        let reply = self.clerk.get();
        observe(&format!("{}'s Get of the view", self.name()), started.elapsed(), STALL_TOLERANCE);
        let view = reply.unwrap_or_else(|error| {
            panic!("{} asked for the view and wanted an answer, but got: {error}", self.name())
        });
        let view = SeenView::of(&view);
        self.log.record(self.name(), &view);
        view
    }

    /// The current primary as the clerk reports it (`Clerk::primary`). Only a name comes back,
    /// so nothing is recorded in the log.
    pub fn primary(&self) -> Option<String> {
        self.clerk.primary()
    }

    #[track_caller]
    fn learn(&self, view: &SeenView) {
        self.log.record(self.name(), view);
        self.learned.fetch_max(view.viewnum, Ordering::SeqCst);
    }
}

impl fmt::Debug for TestServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestServer").field("name", &self.name()).field("learned", &self.learned()).finish()
    }
}

// ----- assertions ------------------------------------------------------------------------------

/// Fails the calling test unless `view` is view `viewnum` with exactly this primary and backup.
#[track_caller]
pub fn check(view: &SeenView, primary: Option<&str>, backup: Option<&str>, viewnum: u64) {
    let wanted = SeenView::new(viewnum, primary, backup);
    assert!(*view == wanted, "wanted {wanted}, but the view service said {view}");
}

// ----- a scenario ------------------------------------------------------------------------------

/// One view-service scenario: its own network, the view service under test, named [`VS`], and the
/// [`ViewLog`] of every view seen. Dropping it kills the view service and shuts the network down.
pub struct VsTest {
    title: String,
    net: Network,
    vs: ViewServiceHandle,
    log: Arc<ViewLog>,
    tester: TestServer,
    diagnostics: Diagnostics,
}

impl VsTest {
    /// Builds the network (seeded from `LAB_SEED`), starts the view service, and prints what the
    /// test is about to show, as the original lab does ("Test: First primary ...").
    #[track_caller]
    pub fn start(title: &str) -> VsTest {
        let net = Network::new();
        let diagnostics = Diagnostics::start(&net);
        let vs = start_server(&net, VS)
            .unwrap_or_else(|error| panic!("wanted a view service on a fresh network, but: {error}"));
        println!("Test: {title} ... ({})", labreport::scenario::seed_setting(net.seed()));
        let log = Arc::new(ViewLog::new());
        let tester =
            TestServer { clerk: Clerk::new(&net, TESTER, VS), log: Arc::clone(&log), learned: 0.into() };
        VsTest { title: title.to_string(), net, vs, log, tester, diagnostics }
    }

    /// The scenario's network.
    pub fn net(&self) -> &Network {
        &self.net
    }

    /// The view service (to read its RPC count, or kill it).
    pub fn vs(&self) -> &ViewServiceHandle {
        &self.vs
    }

    /// The log of every view seen in this test.
    pub fn log(&self) -> &ViewLog {
        &self.log
    }

    /// A server named `name` that has not pinged yet.
    pub fn server(&self, name: &str) -> TestServer {
        TestServer { clerk: Clerk::new(&self.net, name, VS), log: Arc::clone(&self.log), learned: 0.into() }
    }

    /// The current view, asked for by the test itself with `Get` (recorded in the log).
    #[track_caller]
    pub fn view(&self) -> SeenView {
        self.tester.get()
    }

    /// Fails the test unless the current view is view `viewnum` with exactly this primary and
    /// backup, both by `Get` and by `Clerk::primary`. Returns the view.
    #[track_caller]
    pub fn check(&self, primary: Option<&str>, backup: Option<&str>, viewnum: u64) -> SeenView {
        let view = self.view();
        check(&view, primary, backup, viewnum);
        let said = self.tester.primary();
        assert!(
            said.as_deref() == primary,
            "wanted Clerk::primary to say {}, but it said {}",
            primary.unwrap_or("none"),
            said.as_deref().unwrap_or("none")
        );
        view
    }

    /// Fails the test unless `server`'s ping with `viewnum` is refused with exactly `wanted`.
    #[track_caller]
    pub fn expect_refused(&self, server: &TestServer, viewnum: u64, wanted: PingError) {
        match server.try_ping(viewnum) {
            Err(ClerkError::Refused(error)) if SeenRefusal::of(&error) == SeenRefusal::of(&wanted) => {}
            Err(other) => panic!(
                "wanted {:?}'s ping with view {viewnum} to be refused with \"{wanted}\", but: {other}",
                server.name()
            ),
            Ok(view) => panic!(
                "wanted {:?}'s ping with view {viewnum} to be refused with \"{wanted}\", but it was \
                 accepted and answered {view}",
                server.name()
            ),
        }
    }

    /// Sleeps one [`PING_INTERVAL`], as servers do between pings.
    pub fn pause(&self) {
        let started = Instant::now();
        labrpc::time::sleep(PING_INTERVAL);
        observe("a pause of one ping interval", started.elapsed(), PING_INTERVAL + STALL_TOLERANCE);
    }

    /// Every [`PING_INTERVAL`], each server in `pings` does what it is told, in order, for at
    /// most `rounds` rounds. After the first round in which some server was told a view that
    /// satisfies `done`, returns the first such view (the whole round is played, so no server
    /// skips a ping). With no servers, the test asks for the view with `Get` instead. Fails the
    /// test, saying `what` was wanted, if no view satisfies `done` in time.
    #[track_caller]
    pub fn ping_until(
        &self,
        what: &str,
        rounds: u32,
        pings: &[(&TestServer, Pinging)],
        done: impl Fn(&SeenView) -> bool,
    ) -> SeenView {
        let mut last = None;
        for round in 1..=rounds {
            for (_, view) in self.round(pings) {
                if done(&view) {
                    log::debug!("{}: {what}: done at round {round}: {view}", self.title);
                    return view;
                }
                last = Some(view);
            }
            if round < rounds {
                self.pause();
            }
        }
        let last = last.map_or_else(|| "unknown".to_string(), |view| view.to_string());
        panic!(
            "wanted {what} within {rounds} ping rounds (one every {PING_INTERVAL:?}), but the view is still \
             {last}. Views seen in this test: {}.",
            self.log.summary()
        )
    }

    /// Every [`PING_INTERVAL`], each server in `pings` does what it is told, in order, for
    /// `rounds` rounds; every view told must satisfy `ok`. Returns the last view. Fails the test
    /// at the first view that does not, saying `what` was wanted. With no servers, the test asks
    /// for the view with `Get` instead.
    #[track_caller]
    pub fn ping_while(
        &self,
        what: &str,
        rounds: u32,
        pings: &[(&TestServer, Pinging)],
        ok: impl Fn(&SeenView) -> bool,
    ) -> SeenView {
        let mut last = SeenView::default();
        for round in 1..=rounds {
            for (who, view) in self.round(pings) {
                assert!(
                    ok(&view),
                    "wanted {what} for {rounds} ping rounds (one every {PING_INTERVAL:?}), but at round {round} \
                     {who} was told {view}. Views seen in this test: {}.",
                    self.log.summary()
                );
                last = view;
            }
            if round < rounds {
                self.pause();
            }
        }
        last
    }

    /// One round: each server acts once, in order. Returns who was told which view.
    #[track_caller]
    fn round(&self, pings: &[(&TestServer, Pinging)]) -> Vec<(String, SeenView)> {
        assert_no_server_panicked(&self.net);
        if pings.is_empty() {
            return vec![(TESTER.to_string(), self.view())];
        }
        pings.iter().map(|(server, how)| (server.name().to_string(), server.act(*how))).collect()
    }

    /// Makes `first` the first primary (view 1, no backup) and lets it acknowledge view 1.
    #[track_caller]
    pub fn start_primary(&self, first: &TestServer) -> SeenView {
        let me = first.name();
        self.ping_until(
            &format!("{me} to become the first primary"),
            PINGS_FOR_CHANGE,
            &[(first, Pinging::Zero)],
            |v| v.is_primary(me),
        );
        self.check(Some(me), None, 1);
        first.ack()
    }

    /// Makes `primary` the first primary and `backup` its backup (view 2), and lets both
    /// acknowledge view 2, so that the view service may move on and `backup` may be promoted.
    #[track_caller]
    pub fn start_primary_and_backup(&self, primary: &TestServer, backup: &TestServer) -> SeenView {
        self.start_primary(primary);
        let (p, b) = (primary.name(), backup.name());
        self.ping_until(
            &format!("{b} to become backup of {p}"),
            PINGS_FOR_CHANGE,
            &[(primary, Pinging::Latest), (backup, Pinging::Zero)],
            |v| v.is_backup(b),
        );
        self.check(Some(p), Some(b), 2);
        primary.ack();
        backup.ack()
    }

    /// Ends the scenario: prints "... Passed", kills the view service and shuts the network down.
    pub fn finish(self) {
        assert_no_server_panicked(&self.net);
        println!("  ... Passed");
    }
}

impl Drop for VsTest {
    fn drop(&mut self) {
        self.diagnostics.finish();
        self.vs.kill();
        self.net.shutdown();
        if std::thread::panicking() {
            crate::timeliness::observe_network(&self.net);
            println!("  ... Failed ({}). Views seen: {}.", self.title, self.log.summary());
        }
    }
}

impl fmt::Debug for VsTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VsTest").field("title", &self.title).field("seed", &self.net.seed()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(viewnum: u64, primary: Option<&str>, backup: Option<&str>) -> SeenView {
        SeenView::new(viewnum, primary, backup)
    }

    #[test]
    fn rule1_violation_reads_as_a_sentence() {
        crate::in_this_mode(|| {
            let log = ViewLog::new();
            log.observe("s1", &view(3, Some("s1"), Some("s2"))).unwrap();
            let error = log.observe("s3", &view(4, Some("s3"), None)).unwrap_err();
            assert_eq!(
                error.to_string(),
                "view 4 made s3 primary, but s3 was neither primary nor backup of view 3 (primary s1, backup s2) \
                 (rule 1)"
            );
        });
    }

    #[test]
    fn rule1_is_checked_whichever_view_arrives_first() {
        crate::in_this_mode(|| {
            let log = ViewLog::new();
            log.observe("s3", &view(4, Some("s3"), None)).unwrap();
            let error = log.observe("s1", &view(3, Some("s1"), Some("s2"))).unwrap_err();
            assert!(matches!(*error, LogViolation::Rule1 { .. }), "{error}");
        });
    }

    #[test]
    fn view_one_and_promoted_backups_pass() {
        crate::in_this_mode(|| {
            let log = ViewLog::new();
            log.observe("s1", &view(0, None, None)).unwrap();
            log.observe("s1", &view(1, Some("s1"), None)).unwrap();
            log.observe("s1", &view(2, Some("s1"), Some("s2"))).unwrap();
            log.observe("s2", &view(3, Some("s2"), Some("s3"))).unwrap();
            log.check_history().unwrap();
        });
    }

    #[test]
    fn one_number_names_one_view() {
        crate::in_this_mode(|| {
            let log = ViewLog::new();
            log.observe("s1", &view(1, Some("s1"), None)).unwrap();
            let error = log.observe("s2", &view(1, Some("s2"), None)).unwrap_err();
            assert!(matches!(*error, LogViolation::Renamed { .. }), "{error}");
        });
    }

    #[test]
    fn numbers_never_go_backwards_for_one_observer() {
        crate::in_this_mode(|| {
            let log = ViewLog::new();
            log.observe("s1", &view(1, Some("s1"), None)).unwrap();
            log.observe("s1", &view(2, Some("s1"), Some("s2"))).unwrap();
            let error = log.observe("s1", &view(1, Some("s1"), None)).unwrap_err();
            assert_eq!(
                error.to_string(),
                "s1 was told view 1 after view 2: view numbers must never go backwards (it got view 1 (primary s1, \
                 backup none) after view 2 (primary s1, backup s2))"
            );
            // Another observer may still be behind.
            log.observe("s2", &view(1, Some("s1"), None)).unwrap();
        });
    }

    #[test]
    fn history_with_a_gap_or_a_repeat_is_reported() {
        crate::in_this_mode(|| {
            let log = ViewLog::new();
            log.observe("s1", &view(1, Some("s1"), None)).unwrap();
            log.observe("s1", &view(3, Some("s1"), Some("s2"))).unwrap();
            let error = log.check_history().unwrap_err();
            assert!(matches!(*error, LogViolation::Skipped { missing: 2, .. }), "{error}");

            let log = ViewLog::new();
            log.observe("s1", &view(1, Some("s1"), None)).unwrap();
            log.observe("s1", &view(2, Some("s1"), None)).unwrap();
            let error = log.check_history().unwrap_err();
            assert!(matches!(*error, LogViolation::Unchanged { .. }), "{error}");
        });
    }
}
