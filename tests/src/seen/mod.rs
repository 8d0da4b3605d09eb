//! The harness's own reading of the values the submission hands it.
//!
//! The suites judge views and refusals, whose types the submission defines
//! (`viewservice/src` is the student's). A verdict must never rest on code the submission wrote:
//! its `View::is_primary` could hide a server it promoted against the rules, its `PartialEq`
//! could call any two views equal. So the harness copies each value, field by field, into a type
//! of its own, and judges that copy with its own predicates and its own derived equality.
//!
//! Fields are read by destructuring (`let View { viewnum, primary, backup } = view;`), never
//! as `view.primary`: a pattern names the struct's own fields, so a submission cannot redirect it
//! through a `Deref` of its own, and the harness's field types (`u64`, `Option<String>`, ...) pin
//! the submission's fields to std types whose equality it cannot change. Enums are read with
//! `match`, which compares variants, never `==`. Printing the submission's values (`Display`,
//! `Debug`) in a failure message is fine: it decides nothing.
//!
//! - [`SeenView`]: a `viewservice::View`;
//! - [`SeenRefusal`]: a `viewservice::PingError`.
//!
//! A view service's state is never read at all: the suites judge it by what it answers.

mod refusal;
mod view;

pub use refusal::SeenRefusal;
pub use view::SeenView;
