//! Drive headless Chromium for the page tests: load a self-contained HTML page (the
//! linearizability timeline, the failure report), let its scripts run, and read back the DOM
//! they built.
//!
//! Needs Debian's `chromium` on the PATH ([`INSTALL`]); `make test` installs it (as root).
//! Without it the browser tests fail and say how to install it.
//!
//! ```no_run
//! use labreport::browser::{elements, rendered_dom, scratch};
//!
//! let dir = scratch(&std::env::temp_dir(), "my-page");
//! let page = dir.join("page.html");
//! std::fs::write(&page, "<!DOCTYPE html><body><script>document.body.dataset.ready = 'yes'</script>").unwrap();
//! let dom = rendered_dom(&page, &dir);
//! assert_eq!(elements(&dom, "body")[0]["data-ready"], "yes");
//! ```

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long the browser may take to load, run and dump one page.
pub const BROWSER_LIMIT: Duration = Duration::from_secs(90);

/// How to install the browser (as root, on Debian).
pub const INSTALL: &str = "apt-get update && apt-get install -y chromium";

/// A fresh, empty directory `base/name-<process id>` for one test's page, browser profile and
/// log (anything left there by an earlier run is removed first). Integration tests pass
/// `Path::new(env!("CARGO_TARGET_TMPDIR"))` as `base`.
pub fn scratch(base: &Path, name: &str) -> PathBuf {
    let dir = base.join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// Debian's `chromium` on the PATH; fails the test, saying how to install it, if there is none.
pub fn chromium() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "headless Chromium is needed to render the page and `chromium` is not on the PATH. \
                 Install Debian's package as root: {INSTALL} (`make test` does this as root)."
            )
        })
}

/// Loads `page` in headless Chromium with a fresh profile under `dir` and returns the DOM after
/// its scripts ran (Chromium dumps it once the load event has finished). Fails the test if the
/// browser does not finish within [`BROWSER_LIMIT`] or fails, quoting the end of its log. The
/// window is Chromium's default (800 × 600 px); [`rendered_dom_in_window`] chooses it.
pub fn rendered_dom(page: &Path, dir: &Path) -> String {
    render(page, dir, None)
}

/// [`rendered_dom`] in a window of `width` × `height` px, as a student's screen may be.
pub fn rendered_dom_in_window(page: &Path, dir: &Path, (width, height): (u32, u32)) -> String {
    render(page, dir, Some((width, height)))
}

fn render(page: &Path, dir: &Path, window: Option<(u32, u32)>) -> String {
    let profile = dir.join("profile");
    let log_path = dir.join("chromium.log");
    let log = File::create(&log_path).unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(window.map(|(width, height)| format!("--window-size={width},{height}")))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start chromium: {e}. Install it: {INSTALL}"));
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let (done, dumped) = mpsc::channel();
    std::thread::spawn(move || {
        let mut dom = String::new();
        let read = stdout.read_to_string(&mut dom).map(|_| dom);
        let _ = done.send(read);
    });
    let outcome = dumped.recv_timeout(BROWSER_LIMIT);
    if outcome.is_err() {
        let _ = child.kill();
    }
    let status = child.wait().expect("chromium can be waited for");
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect();
    let dom = match outcome {
        Ok(Ok(dom)) => dom,
        Ok(Err(e)) => panic!("cannot read chromium's output: {e}"),
        Err(_) => {
            panic!("chromium did not finish within {BROWSER_LIMIT:?}; its log ends:\n{}", tail.join("\n"))
        }
    };
    assert!(status.success(), "chromium failed ({status}); its log ends:\n{}", tail.join("\n"));
    assert!(dom.contains("</html>"), "chromium printed no page; its log ends:\n{}", tail.join("\n"));
    dom
}

/// The attributes of every `<tag ...>` in serialized HTML (values double-quoted, as Chromium
/// writes them), in document order.
pub fn elements(dom: &str, tag: &str) -> Vec<HashMap<String, String>> {
    start_tags(dom).filter(|(name, _)| name == tag).map(|(_, attributes)| attributes).collect()
}

/// The attributes of every element, of any tag, whose class list includes `class`.
pub fn with_class(dom: &str, class: &str) -> Vec<HashMap<String, String>> {
    start_tags(dom)
        .map(|(_, attributes)| attributes)
        .filter(|a| a.get("class").is_some_and(|c| c.split_whitespace().any(|w| w == class)))
        .collect()
}

/// The serialized content (still HTML-escaped) of the element with `id`, up to the first end
/// tag of its own tag name: meant for elements that hold text, not for ones that nest their own
/// tag.
pub fn inner_html<'a>(dom: &'a str, id: &str) -> Option<&'a str> {
    let at = dom.find(&format!(" id=\"{id}\""))?;
    let open = dom[..at].rfind('<')?;
    let tag: String = dom[open + 1..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    let content = open + dom[open..].find('>')? + 1;
    let end = dom[content..].find(&format!("</{tag}>"))?;
    Some(&dom[content..content + end])
}

/// Every start tag of `dom` as (tag name, attributes); the contents of `<script>` and `<style>`
/// are skipped, so code that compares with `<` is not taken for a tag.
fn start_tags(dom: &str) -> impl Iterator<Item = (String, HashMap<String, String>)> + '_ {
    let mut rest = dom;
    std::iter::from_fn(move || loop {
        let start = rest.find('<')?;
        rest = &rest[start + 1..];
        let name_end = rest.find(|c: char| !c.is_ascii_alphanumeric() && c != '-').unwrap_or(rest.len());
        if name_end == 0 {
            continue;
        }
        let name = rest[..name_end].to_ascii_lowercase();
        rest = &rest[name_end..];
        let attributes = attributes(&mut rest);
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            rest = rest.find(&close).map_or("", |end| &rest[end..]);
        }
        return Some((name, attributes));
    })
}

/// Reads the attributes of a start tag from `rest` (just after its name) up to and past its `>`.
fn attributes(rest: &mut &str) -> HashMap<String, String> {
    let mut attributes = HashMap::new();
    loop {
        *rest = rest.trim_start();
        if rest.is_empty() {
            return attributes;
        }
        if let Some(after) = rest.strip_prefix('>').or_else(|| rest.strip_prefix("/>")) {
            *rest = after;
            return attributes;
        }
        let name_end = rest.find(['=', ' ', '>', '/']).unwrap_or(rest.len()).max(1);
        let name = rest[..name_end].to_string();
        *rest = &rest[name_end..];
        let value = if let Some(after) = rest.strip_prefix("=\"") {
            let end = after.find('"').unwrap_or(after.len());
            *rest = after.get(end + 1..).unwrap_or("");
            unescape(&after[..end])
        } else {
            String::new()
        };
        attributes.insert(name, value);
    }
}

/// Undoes the escapes Chromium writes in attribute values and text.
pub fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}
