//! A view as the harness read it.

use std::fmt;

use viewservice::View;

/// A `viewservice::View`, read field by field: every check on a view uses this, never the
/// submission's own methods or `PartialEq`.
///
/// ```
/// use labtests::seen::SeenView;
///
/// let view = viewservice::View { viewnum: 2, primary: Some("s1".into()), backup: Some("s2".into()) };
/// let seen = SeenView::of(&view);
/// assert!(seen.is_primary("s1") && seen.is_backup("s2"));
/// assert_eq!(seen, SeenView::new(2, Some("s1"), Some("s2")));
/// assert_eq!(seen.to_string(), "view 2 (primary s1, backup s2)");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SeenView {
    /// The view's number.
    pub viewnum: u64,
    /// The primary it names, if any.
    pub primary: Option<String>,
    /// The backup it names, if any.
    pub backup: Option<String>,
}

impl SeenView {
    /// Reads `view`.
    pub fn of(view: &View) -> SeenView {
        // A pattern, not `view.viewnum`: it names View's own fields, whatever `Deref` View has
        // (`..`: a field a student adds is theirs to keep).
        let View { viewnum, primary, backup, .. } = view;
        SeenView { viewnum: *viewnum, primary: primary.clone(), backup: backup.clone() }
    }

    /// The view `viewnum` with this primary and backup, to compare with what was seen.
    pub fn new(viewnum: u64, primary: Option<&str>, backup: Option<&str>) -> SeenView {
        SeenView { viewnum, primary: primary.map(str::to_string), backup: backup.map(str::to_string) }
    }

    /// Whether `server` is the primary of this view.
    pub fn is_primary(&self, server: &str) -> bool {
        self.primary.as_deref() == Some(server)
    }

    /// Whether `server` is the backup of this view.
    pub fn is_backup(&self, server: &str) -> bool {
        self.backup.as_deref() == Some(server)
    }
}

impl From<View> for SeenView {
    fn from(view: View) -> SeenView {
        SeenView::of(&view)
    }
}

/// `view 2 (primary s1, backup none)`.
impl fmt::Display for SeenView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |server: &Option<String>| server.clone().unwrap_or_else(|| "none".to_string());
        write!(f, "view {} (primary {}, backup {})", self.viewnum, name(&self.primary), name(&self.backup))
    }
}
