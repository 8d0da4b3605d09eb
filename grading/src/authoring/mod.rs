//! The authoring tools: what course staff use to prepare the lab, apart from the grading
//! pipeline. They build on it (a mutant is graded like any submission), but no pipeline module
//! imports them.
//!
//! - [`handout`]: the reference stripped into the students' skeleton (`grade handout`);
//! - [`mutants`]: planted bugs graded to prove the suite catches them (`grade mutants`);
//! - [`rubric_draft`]: rubric entries drafted from the test sources (`grade rubric-draft`);
//! - [`materialize`]: a submission made from the reference and a patch, for mutants and for the
//!   grader's own fixtures.

pub mod handout;
pub mod materialize;
pub mod mutants;
pub mod rubric_draft;
