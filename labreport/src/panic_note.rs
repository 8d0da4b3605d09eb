//! Remembers the message of the latest panic on each thread, so that a scenario's report can
//! quote the assertion that failed it.
//!
//! A scenario learns that its test failed while the panic unwinds through it, when the panic's
//! message is no longer reachable; only a panic hook sees it. The hook is installed once per
//! test process, keeps each thread's latest message in that thread's own slot, and then does
//! what the hook before it did (libtest's capture of the message included).

use std::cell::{Cell, RefCell};
use std::panic::PanicHookInfo;
use std::sync::Once;

thread_local! {
    static LATEST: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Whether this thread's panics are noted but not printed (see [`silenced`]).
    static SILENT: Cell<bool> = const { Cell::new(false) };
}

/// Installs the hook (once per process).
pub(crate) fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let note = describe(info);
            LATEST.with(|latest| *latest.borrow_mut() = Some(note));
            if !SILENT.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `body` with this thread's panics noted but not printed: for runs made only to learn
/// whether they fail (a search's shrinking trials), whose failures would otherwise print a
/// message, and a backtrace if asked, each.
pub fn silenced<T>(body: impl FnOnce() -> T) -> T {
    install();
    let before = SILENT.with(|silent| silent.replace(true));
    // Restored on the way out, even if `body` unwinds.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            SILENT.with(|silent| silent.set(self.0));
        }
    }
    let _restore = Restore(before);
    body()
}

/// The latest panic message on this thread, with where it was raised.
pub(crate) fn latest() -> Option<String> {
    LATEST.with(|latest| latest.borrow().clone())
}

/// Forgets this thread's latest panic (a test starts clean even if an earlier test on the same
/// thread panicked).
pub(crate) fn clear() {
    LATEST.with(|latest| *latest.borrow_mut() = None);
}

fn describe(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".to_string());
    match info.location() {
        Some(at) => format!("{message}\n  at {}:{}", at.file(), at.line()),
        None => message,
    }
}
