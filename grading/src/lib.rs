//! The grader: scores a submission against the reference suite, safely.
//!
//! A submission is a directory holding `viewservice/src` and `pbservice/src`. The grader copies
//! the reference workspace (labrpc, the tests, the manifests, `Cargo.lock`) into a scratch
//! workspace, puts the submission's two `src/` directories in it, builds the graded test
//! binaries, and runs every graded test as its own sandboxed process with the timeout the
//! [`rubric`] gives it. Whether a test passed comes from the grader's own bookkeeping: the exit
//! status of a process that ran exactly that one test, and a one-time key that the harness
//! prints back only after the test returned ([`verdict`]), never from text the submission can
//! produce.
//!
//! The pipeline, one module per step:
//!
//! - [`rubric`]: the single source of truth (test id → description, points, categories, timeout);
//! - [`submission`]: what a submission directory holds, what is taken and what is ignored;
//! - [`policy`]: source checks that run before anything is compiled;
//! - [`scratch`]: the scratch workspace and its build cache;
//! - [`compile`]: `cargo` builds the graded test binaries;
//! - [`listing`]: which tests a binary holds, and how that compares with the rubric;
//! - [`sandbox`]: how a test process is isolated (unprivileged uid, bubblewrap, rlimits);
//!   [`stage`]: the directory outside the reference where it finds its binary and runs;
//! - [`runner`]: one test, one process, one verdict ([`verdict`]: the sealed channel it travels
//!   through); [`schedule`]: many of them in parallel;
//! - [`lab_reports`]: the HTML report page of each failed test, taken out of the sandbox;
//! - [`grade`]: the steps above for one submission; [`report`]: the table, JSON, JUnit and CSV;
//!   [`results_check`]: whether a `results.json` has Gradescope's format and the expected score;
//! - [`batch`], [`mutants`], [`handout`]: grading a folder, proving the suite catches planted
//!   bugs, and stripping the reference into the students' skeleton;
//! - [`escape`]: showing names and text from a submission safely; [`remove_tree`]: removing a
//!   tree a test process wrote, however deep.
//!
//! ```no_run
//! use grading::grade::{grade_submission, GradeOptions};
//!
//! let options = GradeOptions::for_reference(std::path::Path::new("."))?;
//! let grade = grade_submission(std::path::Path::new("."), &options)?;
//! println!("{}", grading::report::table::render(&grade));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod batch;
pub mod build_exec;
pub mod build_user;
pub mod cache_dir;
pub mod cgroup;
pub mod compile;
pub mod compiler_reads;
pub mod escape;
pub mod fsutil;
pub mod grade;
pub mod handout;
pub mod lab_reports;
pub mod listing;
pub mod materialize;
pub mod mutants;
pub mod outcome;
pub mod policy;
pub mod progress;
pub mod remove_tree;
pub mod report;
pub mod results_check;
pub mod rubric;
pub mod rubric_draft;
pub mod run_dir_usage;
pub mod runner;
pub mod sandbox;
pub mod sandbox_exec;
pub mod schedule;
pub mod scratch;
pub mod stage;
pub mod submission;
pub mod verdict;
