//! What a graded test can read, measured from inside a test: the fixture
//! `grading/fixtures/filesystem_reader` walks the filesystem and tries the grader's own places,
//! and reports through its report page (see its README). Inside bubblewrap, everything it reads
//! must lie in the tree the sandbox binds, and nothing of the reference, the caches, other
//! submissions or the stage's other directories; without bubblewrap, what the sandbox uid reaches
//! is printed (the permissions of those places decide it there). Each grading builds the
//! fixture's student crates and test binary (20-60 s).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use grading::grade::grade_submission;
use grading::outcome::{Failure, ReportCopy};
use grading::sandbox::Mode;

/// The tests graded: two, so that both job slots hold a run directory at once.
const TESTS: [&str; 2] = ["viewservice::first_primary", "viewservice::first_backup"];

/// The directories where a test's libraries may be bound.
const LIBRARY_DIRS: [&str; 8] =
    ["/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libx32", "/lib", "/lib32", "/lib64", "/libx32"];

/// What one run of the fixture reported.
#[derive(Debug)]
struct Reach {
    /// Its working directory (its run directory).
    cwd: PathBuf,
    /// The uid it ran as.
    uid: String,
    /// Every path it could read (`d`: listed, `f`: opened), in the order found.
    readable: Vec<(char, PathBuf)>,
    /// Each probe (as given, possibly relative to `cwd`) and what came of it.
    probes: Vec<(String, Result<(), String>)>,
    /// The walk's summary line.
    walk: String,
    /// The deepest level every entry of which was tried.
    complete_depth: usize,
}

impl Reach {
    fn parse(text: &str) -> Reach {
        assert!(
            text.starts_with("sandbox reach v1\n") && text.ends_with("end\n"),
            "not a whole page:\n{text}"
        );
        let mut reach = Reach {
            cwd: PathBuf::new(),
            uid: String::new(),
            readable: Vec::new(),
            probes: Vec::new(),
            walk: String::new(),
            complete_depth: 0,
        };
        for line in text.lines() {
            let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
            match kind {
                "cwd" => reach.cwd = PathBuf::from(rest),
                "uid" => reach.uid = rest.to_string(),
                "readable" => {
                    let (what, path) = rest.split_at(1);
                    reach.readable.push((what.chars().next().unwrap(), PathBuf::from(path.trim_start())));
                }
                "probe" => {
                    let probe = match rest.split_once(' ') {
                        Some(("readable", path)) => (path.to_string(), Ok(())),
                        Some(("unreadable", rest)) => {
                            let (path, why) = rest.split_once(": ").unwrap_or((rest, ""));
                            (path.to_string(), Err(why.to_string()))
                        }
                        _ => panic!("a probe line the test does not know: {line}"),
                    };
                    reach.probes.push(probe);
                }
                "walk" => {
                    reach.walk = rest.to_string();
                    let depth = rest.split_whitespace().find_map(|w| w.strip_prefix("complete_depth="));
                    reach.complete_depth = depth.and_then(|d| d.parse().ok()).expect("complete_depth");
                }
                _ => {}
            }
        }
        reach
    }

    /// The stage the run directory belongs to (`<stage>/runs/slot-N`).
    fn stage(&self) -> &Path {
        self.cwd.parent().and_then(Path::parent).expect("a run directory two levels into its stage")
    }

    /// Every readable path, from the walk and from the probes (made absolute).
    fn all_readable(&self) -> Vec<PathBuf> {
        let probed = self.probes.iter().filter(|(_, r)| r.is_ok()).map(|(p, _)| self.absolute(p));
        self.readable.iter().map(|(_, p)| p.clone()).chain(probed).collect()
    }

    /// `path`, taken from the run directory when relative, with `..` resolved by name.
    fn absolute(&self, path: &str) -> PathBuf {
        let mut out = PathBuf::new();
        for part in self.cwd.join(path).components() {
            match part {
                std::path::Component::ParentDir => {
                    out.pop();
                }
                other => out.push(other),
            }
        }
        out
    }

    /// Prints what was readable: the top-level paths, counts per top directory, every path
    /// outside the library directories (when `all_outside` and at most 200 of them), and the
    /// probes.
    fn print(&self, title: &str, all_outside: bool) {
        eprintln!("==== {title}: as uid {}, in {} ====", self.uid, self.cwd.display());
        eprintln!("walk: {}", self.walk);
        let mut per_top: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut top_level = Vec::new();
        for (kind, path) in &self.readable {
            let top = path.components().nth(1).map(|c| format!("/{}", c.as_os_str().to_string_lossy()));
            let top = top.unwrap_or_else(|| "/".into());
            let counts = per_top.entry(top).or_default();
            if *kind == 'd' {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
            if path.components().count() <= 2 {
                top_level.push(format!("{kind} {}", path.display()));
            }
        }
        eprintln!("readable top-level paths: {}", top_level.join(", "));
        eprintln!("readable paths per top directory (directories listed + files opened):");
        for (top, (dirs, files)) in &per_top {
            eprintln!("  {top:<12} {:>6}  ({dirs} directories, {files} files)", dirs + files);
        }
        let outside: Vec<_> = self.readable.iter().filter(|(_, p)| !under_any(p, &LIBRARY_DIRS)).collect();
        if all_outside && outside.len() <= 200 {
            eprintln!("readable outside the library directories:");
            for (kind, path) in outside {
                eprintln!("  {kind} {}", path.display());
            }
        }
        eprintln!("probes:");
        for (path, result) in &self.probes {
            match result {
                Ok(()) => eprintln!("  READABLE   {path}"),
                Err(why) => eprintln!("  unreadable {path}: {why}"),
            }
        }
    }
}

fn under_any(path: &Path, roots: &[&str]) -> bool {
    roots.iter().any(|root| path.starts_with(root))
}

/// The grader's own places a test must not read, as absolute paths, and the ones relative to
/// its run directory (its own, `.`, and the stage's other directories); `submission` is the graded submission,
/// `reports` the grader's reports directory.
fn forbidden(submission: &Path, reports: &Path) -> (Vec<PathBuf>, Vec<&'static str>) {
    let reference = common::reference();
    let absolute = vec![
        reference.join("pbservice/src/server.rs"),
        reference.join("viewservice/src/server.rs"),
        reference.join("grading/mutants"),
        reference.clone(),
        common::cache(),
        common::cache().join("workspace/viewservice/src/server.rs"),
        PathBuf::from(grading::cache_dir::SHARED_CACHES),
        PathBuf::from("/autograder"),
        PathBuf::from("/autograder/source/pbservice/src/server.rs"),
        PathBuf::from("/root"),
        PathBuf::from("/home"),
        submission.to_path_buf(),
        submission.join("viewservice/src/reach.rs"),
        reports.to_path_buf(),
    ];
    let relative = vec![
        ".",
        "../slot-0",
        "../slot-1",
        "../slot-0.out",
        "../slot-1.out",
        "../slot-0.list",
        "../../reports",
    ];
    (absolute, relative)
}

/// Grades the fixture in `mode` and returns each graded test's report, with the forbidden
/// places it was given.
fn measure(mode: Mode) -> (Vec<Reach>, Vec<PathBuf>, String) {
    let submission = common::fixture("filesystem_reader");
    let reports = tempfile::Builder::new().prefix("sandbox-reach-reports-").tempdir().unwrap();
    let (absolute, relative) = forbidden(submission.path(), reports.path());
    let probes: Vec<String> = absolute
        .iter()
        .map(|p| p.display().to_string())
        .chain(relative.iter().map(|p| p.to_string()))
        .collect();
    let mut options = common::options(&TESTS);
    options.sandbox = mode;
    options.api_check = false; // it reads files, which graded code may not
    options.reports = Some(reports.path().to_path_buf());
    options.env.push(("SANDBOX_REACH_PROBES".into(), probes.join("\n")));
    let grade = grade_submission(submission.path(), &options).expect("the reading submission is graded");
    let mut found = Vec::new();
    for outcome in &grade.tests {
        let run = outcome.runs.first().expect("a run");
        let output = run.output.join("\n");
        assert!(
            matches!(run.failure(), Some(Failure::ExitedEarly { code: 1, .. })),
            "{mode:?} {}: the reader should exit 1 after measuring, got {:?}\n{output}",
            outcome.test.id,
            run.verdict
        );
        let Some(ReportCopy::Kept(page)) = &run.report else {
            panic!(
                "{mode:?} {}: no page was kept ({:?}); its output:\n{output}",
                outcome.test.id, run.report
            );
        };
        let text = fs::read_to_string(page).expect("the kept page");
        found.push(Reach::parse(&text));
    }
    assert_eq!(found.len(), TESTS.len(), "every test ran the reader");
    (found, absolute, grade.isolation)
}

/// The reader ran for real: it listed `/` and its own run directory and opened a library file.
fn assert_the_reader_ran(reach: &Reach) {
    assert!(reach.readable.iter().any(|(kind, p)| *kind == 'd' && p == Path::new("/")), "it did not list /");
    assert!(
        reach.all_readable().contains(&reach.cwd),
        "it could not even read its own run directory {}: {:?}",
        reach.cwd.display(),
        reach.probes
    );
    assert!(
        reach.readable.iter().any(|(kind, p)| *kind == 'f' && under_any(p, &LIBRARY_DIRS)),
        "it opened no library file: {}",
        reach.walk
    );
}

#[test]
fn inside_bubblewrap_a_test_reads_its_libraries_binaries_and_run_directory_and_nothing_else() {
    let (reaches, absolute, isolation) = measure(Mode::Auto);
    if !isolation.contains("bubblewrap") {
        assert!(
            !nix::unistd::geteuid().is_root(),
            "this test needs working bubblewrap, but the grader ran without it ({isolation}): install it \
             with `apt-get install bubblewrap` (`make test` does, as root)"
        );
        eprintln!("note: no bubblewrap here ({isolation}); the sandbox's tree is not checked");
        return;
    }
    for reach in &reaches {
        reach.print("inside bubblewrap", true);
        assert_the_reader_ran(reach);
        let stage = reach.stage();
        let allowed: Vec<PathBuf> = LIBRARY_DIRS
            .iter()
            .map(PathBuf::from)
            .chain(["/etc/ld.so.cache", "/dev", "/proc"].map(PathBuf::from))
            .chain([reach.cwd.clone(), stage.join("bin")])
            .collect();
        let readable = reach.all_readable();
        let leaks: Vec<_> = readable
            .iter()
            .filter(|p| absolute.iter().any(|place| p.starts_with(place)))
            .chain(readable.iter().filter(|p| {
                let other_run = p.starts_with(stage.join("runs")) && !p.starts_with(&reach.cwd);
                (other_run && p.as_path() != stage.join("runs")) || p.starts_with(stage.join("reports"))
            }))
            .collect();
        assert!(
            leaks.is_empty(),
            "{} paths of the grader's own places were readable, among them {:?}",
            leaks.len(),
            &leaks[..leaks.len().min(20)]
        );
        // In the tree: under a bound place, or a directory on the way to one (made by bubblewrap,
        // holding only the way on).
        let stray: Vec<_> = readable
            .iter()
            .filter(|p| !allowed.iter().any(|root| p.starts_with(root) || root.starts_with(p)))
            .collect();
        assert!(
            stray.is_empty(),
            "{} paths readable outside the sandbox's tree, among them {:?}",
            stray.len(),
            &stray[..stray.len().min(20)]
        );
        for (probe, result) in &reach.probes {
            let place = reach.absolute(probe);
            if place != reach.cwd {
                assert!(result.is_err(), "{probe} ({}) was readable", place.display());
            }
        }
        // Deep enough that anything bound beside the tree would have been seen.
        assert!(reach.complete_depth >= 4, "the walk stopped too early to tell: {}", reach.walk);
    }
}

#[test]
fn without_bubblewrap_the_reader_runs_and_what_it_reaches_is_printed() {
    let (reaches, absolute, isolation) = measure(Mode::NoBwrap);
    eprintln!("isolation: {isolation}");
    for reach in &reaches {
        reach.print("without bubblewrap", false);
        assert_the_reader_ran(reach);
        let readable = reach.all_readable();
        let reached: Vec<_> =
            absolute.iter().filter(|place| readable.iter().any(|p| p.starts_with(place))).collect();
        eprintln!("the grader's own places this uid reached: {reached:?}");
    }
}
