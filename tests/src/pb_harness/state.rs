//! Checks of what the servers hold, read directly from them.

use super::cluster::Cluster;

impl Cluster {
    /// Whether server `name` holds `expected` for every `(key, expected)` in `pairs`; if not,
    /// says what it holds for the first key that differs.
    pub fn holds(&self, name: &str, pairs: &[(&str, &str)]) -> Result<(), String> {
        for (key, expected) in pairs {
            let held = self.value_on(name, key);
            if held.as_deref() != Some(*expected) {
                return Err(format!("{name} holds {held:?} for {key:?}, expected {expected:?}"));
            }
        }
        Ok(())
    }

    /// Fails unless server `name` holds `expected` for every `(key, expected)` in `pairs`.
    #[track_caller]
    pub fn assert_holds(&self, name: &str, pairs: &[(&str, &str)]) {
        if let Err(complaint) = self.holds(name, pairs) {
            panic!("{complaint}");
        }
    }

    /// Fails unless `value` is the value server `name` holds for `key`.
    #[track_caller]
    pub fn assert_value_on(&self, name: &str, key: &str, value: &str) {
        self.assert_holds(name, &[(key, value)]);
    }

    /// Asserts that servers `a` and `b` hold the same value for every key in `keys`.
    #[track_caller]
    pub fn assert_replicas_agree(&self, a: &str, b: &str, keys: &[&str]) {
        for key in keys {
            let (va, vb) = (self.value_on(a, key), self.value_on(b, key));
            assert_eq!(va, vb, "{a} and {b} disagree on {key:?}: {a} has {va:?}, {b} has {vb:?}");
        }
    }
}
