//! The grader: scores a submission against the reference suite, safely.
//!
//! A submission is a directory holding `viewservice/src` and `pbservice/src`. The grader copies
//! the reference workspace (labrpc, the tests, the manifests, `Cargo.lock`) into a scratch
//! workspace, puts the submission's two `src/` directories in it, builds the graded test
//! binaries, and runs every graded test as its own sandboxed process with the timeout the
//! [`rubric`] gives it. Whether a test passed comes from the grader's own bookkeeping: the exit
//! status of a process that ran exactly that one test, and a one-time key that the harness
//! prints back only after the test returned ([`verdict`]), never from text the submission can
//! produce. The same key marks the harness's word that the machine starved a failed run, which
//! makes the run inconclusive rather than failed ([`attempts`]).
//!
//! The pipeline, one module per step:
//!
//! - [`rubric`]: the single source of truth (test id → description, points, categories, timeout;
//!   the modes each suite is graded in: [`run_mode`]);
//! - [`submission`]: what a submission directory holds, what is taken and what is ignored;
//! - [`policy`]: source checks that run before anything is compiled;
//! - [`scratch`]: the scratch workspace and its build cache;
//! - [`compile`]: `cargo` builds the graded test binaries;
//! - [`listing`]: which tests a binary holds, and how that compares with the rubric;
//! - [`sandbox`]: how a test process is isolated (unprivileged uid, bubblewrap, rlimits);
//!   [`stage`]: the directory outside the reference where it finds its binary and runs;
//!   [`exposure`]: what of the reference, a batch and the results it could read without bubblewrap;
//! - [`runner`]: one test, one process, one verdict ([`verdict`]: the sealed channel it travels
//!   through); [`attempts`]: a run the machine starved is attempted again, and is inconclusive
//!   (no points, grade again elsewhere) if no attempt was judged; [`schedule`]: many runs in
//!   parallel;
//! - [`lab_reports`]: the HTML report page of each failed test, taken out of the sandbox;
//! - [`outcome`]: what all that found (per run, per test, per submission, a failed build);
//! - [`grade`]: the steps above for one submission ([`mode_plan`]: which suites each mode's
//!   build holds, and which tests a grade in one mode does not run); [`report`]: the table,
//!   JSON, JUnit and CSV; [`results_check`]: whether a `results.json` has Gradescope's format
//!   and the expected score;
//! - [`batch`]: grading a folder of submissions;
//! - [`process`]: waiting for a child with a deadline and killing its process group (the build,
//!   the listing and the runs share it); [`escape`]: showing names and text from a submission
//!   safely; [`remove_tree`]: removing a tree a test process wrote, however deep.
//!
//! Apart from the pipeline, [`authoring`] holds the tools that prepare the lab: the students'
//! handout, the planted-bug mutants and rubric drafts. They use the pipeline; it never uses them.
//!
//! The modules import each other without a cycle: read left to right, top to bottom, a module
//! imports only modules named before it (`tests/module_graph.rs` checks it).
//!
//! ```text
//! escape, remove_tree, fsutil, process, run_mode, rubric, submission            helpers, the rubric
//! outcome                                                                       what grading found
//! policy, scratch, cache_dir, build_exec, build_user, compiler_reads, compile   building
//! cgroup, sandbox, sandbox_exec, stage, exposure, listing                       isolating
//! verdict, run_dir_usage, lab_reports, attempts, runner, progress, schedule     running
//! mode_plan, grade                                                              one submission
//! report, results_check, batch                                                  reporting
//! authoring::{rust_source, markers, materialize,                                preparing the lab
//!   handout, stub_mutants, mutants, rubric_draft}
//! ```
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

pub mod attempts;
pub mod authoring;
pub mod batch;
pub mod build_exec;
pub mod build_user;
pub mod cache_dir;
pub mod cgroup;
pub mod compile;
pub mod compiler_reads;
pub mod escape;
pub mod exposure;
pub mod fsutil;
pub mod grade;
pub mod lab_reports;
pub mod listing;
pub mod mode_plan;
pub mod outcome;
pub mod policy;
pub mod process;
pub mod progress;
pub mod remove_tree;
pub mod report;
pub mod results_check;
pub mod rubric;
pub mod run_dir_usage;
pub mod run_mode;
pub mod runner;
pub mod sandbox;
pub mod sandbox_exec;
pub mod schedule;
pub mod scratch;
pub mod stage;
pub mod submission;
pub mod verdict;
