//! The authoring tools: what course staff use to prepare the lab, apart from the grading
//! pipeline. They build on it (a mutant is graded like any submission), but no pipeline module
//! imports them.
//!
//! - [`handout`]: the reference stripped into the students' skeleton (`grade handout`), by the
//!   [`markers`] in its source ([`rust_source`]: enough reading of Rust to name a function),
//!   with module docs of its own ([`module_docs`]) and its `Makefile` without the
//!   [`staff_lines`];
//! - [`mutants`]: planted bugs graded to prove the suite catches them (`grade mutants`), and
//!   [`stub_mutants`]: the reference with one function stubbed as the handout stubs it;
//! - [`rubric_draft`]: rubric entries drafted from the test sources (`grade rubric-draft`);
//! - [`materialize`]: a submission made from the reference and a patch, for mutants and for the
//!   grader's own fixtures.

pub mod handout;
pub mod markers;
pub mod materialize;
pub mod module_docs;
pub mod mutants;
pub mod rubric_draft;
pub mod rust_source;
pub mod staff_lines;
pub mod stub_mutants;
