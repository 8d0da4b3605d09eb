//! The HTML report page a failing test writes, and how the grader keeps it.
//!
//! When a primary/backup or view-service scenario fails, the test harness (the `labreport` crate)
//! writes a self-contained HTML page telling its story to `$LAB_REPORT_DIR/<test>.html`, where
//! `<test>` is the libtest name with every character outside `[A-Za-z0-9_-]` replaced by `_`.
//! The grader points `LAB_REPORT_DIR` into the test's own run directory (the only place the
//! sandboxed process may write), and once the process and everything it started are gone:
//!
//! 1. [`take`] copies the page out of the run directory into a staging directory of the grader
//!    (one file per run: the run directory is reused by the next test of its slot);
//! 2. [`keep`] copies the page of the run that decided each test's failure (or inconclusive
//!    verdict) to the reports directory, as
//!    `<suite>__<test>.html`, and the failure details name that path.
//!
//! The page is written by a process that runs the submission's code, so it is not trusted: only
//! the expected `*.html` file is taken, only if it is a regular file with no other hard link
//! (never through a symbolic link, a FIFO or a device), only up to [`REPORT_PAGE`], and only
//! while the pages of the grading stay under [`REPORT_PAGES`] together (both in the staging
//! directory and in the reports directory). A page not kept is named in the failure details,
//! with the cap it hit.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::OFlag;

use crate::escape::caps::{marker, Cap, REPORT_PAGE, REPORT_PAGES};
use crate::outcome::{ReportCopy, TestOutcome};

/// The names the harness uses (its report crate's [`labreport::naming`]): one definition for both.
pub use labreport::naming::{file_name, page_name, REPORT_DIR_ENV, REPORT_ENV};
/// The reports directory inside a run directory.
pub const RUN_DIR_REPORTS: &str = "reports";
/// The default reports directory, relative to the reference workspace, when neither `--reports`
/// nor `--json` says where.
pub const DEFAULT_REPORTS: &str = "target/grade-reports";

/// The environment that makes a test process write its report page (on failure only) into
/// `run_dir`, or, when `wanted` is false, write none.
pub fn test_env(run_dir: &Path, wanted: bool) -> Vec<(String, String)> {
    vec![
        (REPORT_DIR_ENV.to_string(), run_dir.join(RUN_DIR_REPORTS).display().to_string()),
        (REPORT_ENV.to_string(), if wanted { "failure" } else { "never" }.to_string()),
    ]
}

/// Takes the page the test `test_name` (libtest's name, without the suite) wrote in `run_dir`,
/// copying it to `to`. `None` when it wrote none; [`ReportCopy::NotKept`] when what it wrote
/// is not a page the grader copies, or when the pages already in `to`'s directory (this
/// grading's staging directory) leave no room for it under [`REPORT_PAGES`]. Call it only once
/// every process of the run is gone.
pub fn take(run_dir: &Path, test_name: &str, to: &Path) -> Option<ReportCopy> {
    let dir = run_dir.join(RUN_DIR_REPORTS);
    let dir_kind = fs::symlink_metadata(&dir).ok()?;
    if !dir_kind.is_dir() {
        return Some(ReportCopy::NotKept(format!(
            "the test's {RUN_DIR_REPORTS}/ is not a directory (a symbolic link?); nothing was copied"
        )));
    }
    let page = dir.join(page_name(test_name));
    fs::symlink_metadata(&page).ok()?;
    Some(match copy_untrusted(&page, to, staged_bytes(to)) {
        Ok(_) => ReportCopy::Kept(to.to_path_buf()),
        Err(why) => ReportCopy::NotKept(why),
    })
}

/// Bytes of the files beside `to` (not `to` itself, which a new attempt of the same run
/// replaces): the pages this grading staged so far.
fn staged_bytes(to: &Path) -> u64 {
    let Some(dir) = to.parent() else { return 0 };
    let Ok(entries) = fs::read_dir(dir) else { return 0 };
    entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path() != to)
        .filter_map(|entry| entry.metadata().ok())
        .filter(fs::Metadata::is_file)
        .map(|meta| meta.len())
        .sum()
}

/// Copies `from`, written by an untrusted process, to `to`: only a regular file with a single
/// link, opened without following links, of at most [`REPORT_PAGE`], and only if it and the
/// `kept` bytes of pages already kept stay under [`REPORT_PAGES`]. Returns its size.
pub fn copy_untrusted(from: &Path, to: &Path, kept: u64) -> Result<u64, String> {
    let meta = fs::symlink_metadata(from).map_err(|e| format!("cannot read it: {e}"))?;
    check_page(&meta, kept)?;
    let mut file = File::options()
        .read(true)
        .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK).bits())
        .open(from)
        .map_err(|e| format!("cannot open it: {e}"))?;
    let opened = file.metadata().map_err(|e| format!("cannot read it: {e}"))?;
    check_page(&opened, kept)?;
    if (opened.dev(), opened.ino()) != (meta.dev(), meta.ino()) {
        return Err("it was replaced while the grader looked at it; not copied".into());
    }
    let mut bytes = Vec::with_capacity(opened.len() as usize);
    (&mut file)
        .take(REPORT_PAGE.bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read it: {e}"))?;
    let len = bytes.len() as u64;
    over_caps(len, kept)?;
    write_file(to, &bytes).map_err(|e| format!("cannot write {}: {e}", to.display()))?;
    Ok(len)
}

/// Why a page of `len` bytes is not kept after `kept` bytes of pages, if one of the caps says so.
fn over_caps(len: u64, kept: u64) -> Result<(), String> {
    let over = |cap: Cap| Err(marker(len, &cap.to_string()));
    if len > REPORT_PAGE.bytes as u64 {
        return over(REPORT_PAGE);
    }
    if kept + len > REPORT_PAGES.bytes as u64 {
        return over(REPORT_PAGES);
    }
    Ok(())
}

fn check_page(meta: &fs::Metadata, kept: u64) -> Result<(), String> {
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Err("it is a symbolic link, not a file; not copied".into());
    }
    if !kind.is_file() {
        return Err("it is not a regular file; not copied".into());
    }
    if meta.nlink() != 1 {
        return Err("it is a hard link to another file; not copied".into());
    }
    over_caps(meta.len(), kept)
}

/// Writes `bytes` to a fresh file at `path` (replacing whatever was there), readable by all.
fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    if fs::symlink_metadata(path).is_ok() {
        fs::remove_file(path)?;
    }
    let mut file = File::options().write(true).create_new(true).mode(0o644).open(path)?;
    file.write_all(bytes)?;
    file.set_permissions(fs::Permissions::from_mode(0o644))
}

/// Makes `dest` hold the page of each outcome's deciding run (see
/// [`TestOutcome::deciding_run`]), as [`page_name`] of its id,
/// from the staging copy [`take`] made; other runs' pages are dropped. A page left in `dest` by
/// an earlier grading of one of these tests is removed first, so that every page there is this
/// grading's. The failure's log tail is changed to name the kept page. Pages past
/// [`REPORT_PAGES`] (all of them together) are not kept.
pub fn keep(outcomes: &mut [TestOutcome], dest: &Path) {
    let mut kept = 0;
    for outcome in outcomes {
        let target = dest.join(page_name(&outcome.test.id.to_string()));
        if fs::symlink_metadata(&target).is_ok_and(|m| !m.is_dir()) {
            if let Err(e) = fs::remove_file(&target) {
                eprintln!("grade: could not remove the old report {}: {e}", target.display());
            }
        }
        let deciding =
            outcome.deciding_run().and_then(|run| outcome.runs.iter().position(|r| std::ptr::eq(r, run)));
        for (index, run) in outcome.runs.iter_mut().enumerate() {
            let Some(ReportCopy::Kept(staged)) = run.report.clone() else { continue };
            if Some(index) != deciding {
                run.report = None;
                continue;
            }
            let len = fs::metadata(&staged).map(|meta| meta.len()).unwrap_or(0);
            if let Err(why) = over_caps(len, kept) {
                run.report = Some(ReportCopy::NotKept(why));
                continue;
            }
            let copied = fs::read(&staged).and_then(|bytes| write_file(&target, &bytes));
            run.report = Some(match copied {
                Ok(()) => {
                    kept += len;
                    retarget(&mut run.output, &staged, &target);
                    ReportCopy::Kept(target.clone())
                }
                Err(e) => ReportCopy::NotKept(format!("could not copy it to {}: {e}", target.display())),
            });
        }
    }
}

/// Replaces every mention of `from` in `lines` with `to` (the harness prints where it wrote the
/// page; the grader's copy is what lasts).
pub fn retarget(lines: &mut [String], from: &Path, to: &Path) {
    let (from, to) = (from.display().to_string(), to.display().to_string());
    for line in lines.iter_mut().filter(|l| l.contains(&from)) {
        *line = line.replace(&from, &to);
    }
}

/// Where a test of a sandboxed run wrote its page, as the harness printed it.
pub fn written_at(run_dir: &Path, test_name: &str) -> PathBuf {
    run_dir.join(RUN_DIR_REPORTS).join(page_name(test_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_dir_with(page: &str, content: &[u8]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join(RUN_DIR_REPORTS)).unwrap();
        fs::write(dir.path().join(RUN_DIR_REPORTS).join(page), content).unwrap();
        dir
    }

    #[test]
    fn names_are_the_harness_file_names() {
        assert_eq!(page_name("pbservice_rules::rule_4"), "pbservice_rules__rule_4.html");
        assert_eq!(file_name("a b/c-d"), "a_b_c-d");
    }

    #[test]
    fn the_page_of_the_test_is_copied() {
        let run = run_dir_with("my_test.html", b"<html>my_test</html>");
        let out = tempfile::tempdir().unwrap();
        let to = out.path().join("staged.html");
        assert_eq!(take(run.path(), "my_test", &to), Some(ReportCopy::Kept(to.clone())));
        assert_eq!(fs::read(&to).unwrap(), b"<html>my_test</html>");
        assert_eq!(take(run.path(), "other_test", &out.path().join("x.html")), None, "no page, no copy");
        assert_eq!(take(out.path(), "my_test", &out.path().join("x.html")), None, "no reports dir");
    }

    #[test]
    fn links_special_files_and_big_files_are_refused() {
        let secret = tempfile::NamedTempFile::new().unwrap();
        fs::write(secret.path(), "secret").unwrap();
        let out = tempfile::tempdir().unwrap();
        let to = out.path().join("staged.html");

        let run = tempfile::tempdir().unwrap();
        let reports = run.path().join(RUN_DIR_REPORTS);
        fs::create_dir(&reports).unwrap();
        std::os::unix::fs::symlink(secret.path(), reports.join("t.html")).unwrap();
        assert!(
            matches!(take(run.path(), "t", &to), Some(ReportCopy::NotKept(why)) if why.contains("symbolic"))
        );
        fs::remove_file(reports.join("t.html")).unwrap();

        fs::hard_link(secret.path(), reports.join("t.html")).unwrap();
        assert!(
            matches!(take(run.path(), "t", &to), Some(ReportCopy::NotKept(why)) if why.contains("hard link"))
        );
        fs::remove_file(reports.join("t.html")).unwrap();

        nix::unistd::mkfifo(&reports.join("t.html"), nix::sys::stat::Mode::S_IRWXU).unwrap();
        assert!(
            matches!(take(run.path(), "t", &to), Some(ReportCopy::NotKept(why)) if why.contains("regular"))
        );
        fs::remove_file(reports.join("t.html")).unwrap();

        let big = File::create(reports.join("t.html")).unwrap();
        big.set_len(REPORT_PAGE.bytes as u64 + 1).unwrap();
        assert_eq!(
            take(run.path(), "t", &to),
            Some(ReportCopy::NotKept("[... 10,485,761 bytes cut: report page capped at 10 MiB]".into()))
        );
        assert!(!to.exists(), "nothing refused is copied");

        let linked_dir = tempfile::tempdir().unwrap();
        fs::remove_dir_all(&reports).unwrap();
        std::os::unix::fs::symlink(linked_dir.path(), &reports).unwrap();
        fs::write(linked_dir.path().join("t.html"), "elsewhere").unwrap();
        assert!(
            matches!(take(run.path(), "t", &to), Some(ReportCopy::NotKept(why)) if why.contains("directory"))
        );
        assert!(!to.exists());
    }

    #[test]
    fn the_pages_of_a_grading_stay_under_their_cap_together() {
        let run = run_dir_with("t.html", &[b'x'; 20]);
        let staging = tempfile::tempdir().unwrap();
        let to = staging.path().join("t.run1.html");
        // Pages staged earlier (sparse files: no disk is used), leaving exactly 20 bytes.
        let earlier = File::create(staging.path().join("a.run1.html")).unwrap();
        earlier.set_len(REPORT_PAGES.bytes as u64 - 20).unwrap();
        assert_eq!(take(run.path(), "t", &to), Some(ReportCopy::Kept(to.clone())), "at the cap exactly");
        assert_eq!(take(run.path(), "t", &to), Some(ReportCopy::Kept(to.clone())), "a new attempt replaces");
        earlier.set_len(REPORT_PAGES.bytes as u64 - 19).unwrap();
        fs::remove_file(&to).unwrap();
        assert_eq!(
            take(run.path(), "t", &to),
            Some(ReportCopy::NotKept("[... 20 bytes cut: report pages capped at 64 MiB per grading]".into())),
            "one byte over"
        );
        assert!(!to.exists());
    }

    #[test]
    fn pages_kept_for_the_reports_stay_under_their_cap_together() {
        use crate::outcome::{Failure, RunResult};
        use crate::rubric::{RubricTest, TestId};
        let staging = tempfile::tempdir().unwrap();
        let outcome = |name: &str, len: u64| {
            let staged = staging.path().join(format!("{name}.html"));
            File::create(&staged).unwrap().set_len(len).unwrap();
            let mut run = RunResult::new(
                Some(Failure::TestFailed { hint: None }),
                std::time::Duration::ZERO,
                1,
                Vec::new(),
            );
            run.report = Some(ReportCopy::Kept(staged));
            TestOutcome {
                test: RubricTest {
                    id: TestId { suite: "s".into(), name: name.into() },
                    description: String::new(),
                    points: 1,
                    categories: Vec::new(),
                    timeout: std::time::Duration::from_secs(1),
                },
                runs: vec![run],
                runs_wanted: 1,
                not_run: None,
            }
        };
        // Six pages at the cap of a page and one of 4 MiB: the cap of all pages exactly.
        let page = REPORT_PAGE.bytes as u64;
        let mut outcomes: Vec<TestOutcome> = (0..6).map(|n| outcome(&format!("p{n}"), page)).collect();
        outcomes.push(outcome("b", REPORT_PAGES.bytes as u64 - 6 * page));
        outcomes.push(outcome("c", 1));
        let dest = tempfile::tempdir().unwrap();
        keep(&mut outcomes, dest.path());
        let reports: Vec<_> = outcomes.iter().map(|o| o.runs[0].report.clone().unwrap()).collect();
        assert_eq!(reports[0], ReportCopy::Kept(dest.path().join("s__p0.html")));
        assert_eq!(reports[6], ReportCopy::Kept(dest.path().join("s__b.html")), "at the cap exactly");
        assert_eq!(
            reports[7],
            ReportCopy::NotKept("[... 1 byte cut: report pages capped at 64 MiB per grading]".into())
        );
        assert!(!dest.path().join("s__c.html").exists());
    }

    #[test]
    fn log_lines_are_retargeted() {
        let mut lines = vec!["report: /r/slot-0/reports/t.html (open it in a browser)".to_string()];
        retarget(&mut lines, Path::new("/r/slot-0/reports/t.html"), Path::new("/out/s__t.html"));
        assert_eq!(lines[0], "report: /out/s__t.html (open it in a browser)");
    }
}
