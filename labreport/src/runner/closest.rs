//! The test names closest to a filter that matched none: a mistyped name's likely targets.
//!
//! A filter selects the tests whose name contains it, so a name is ranked by how few edits
//! would make the filter appear in it (the edit distance from the filter to the name's closest
//! substring), then by how few would make the filter its whole last segment (`first_backup` in
//! `module::first_backup`), then by name.

/// Up to `count` of `names`, closest to `filter` first.
pub fn closest<'a>(filter: &str, names: &[&'a str], count: usize) -> Vec<&'a str> {
    let wanted: Vec<char> = filter.to_lowercase().chars().collect();
    let mut ranked: Vec<(usize, usize, &str)> = names
        .iter()
        .map(|name| {
            let lower: Vec<char> = name.to_lowercase().chars().collect();
            let last: Vec<char> = name.rsplit("::").next().unwrap_or(name).to_lowercase().chars().collect();
            (substring_distance(&wanted, &lower), edit_distance(&wanted, &last), *name)
        })
        .collect();
    ranked.sort();
    ranked.dedup_by(|a, b| a.2 == b.2);
    ranked.into_iter().take(count).map(|(_, _, name)| name).collect()
}

/// The fewest insertions, deletions and substitutions that turn `pattern` into some substring
/// of `text` (Sellers' algorithm: the edit distance with free skips at both ends of `text`).
fn substring_distance(pattern: &[char], text: &[char]) -> usize {
    last_row(pattern, text, true).into_iter().min().unwrap_or(pattern.len())
}

/// The Levenshtein distance between `a` and `b`.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    last_row(a, b, false)[b.len()]
}

/// The last row of the edit-distance table of `pattern` against `text`: entry `j` is the best
/// distance of the whole pattern against `text[..j]`, or (`free_start`) against a substring of
/// `text` ending at `j`.
fn last_row(pattern: &[char], text: &[char], free_start: bool) -> Vec<usize> {
    let mut row: Vec<usize> = if free_start { vec![0; text.len() + 1] } else { (0..=text.len()).collect() };
    for (i, p) in pattern.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, t) in text.iter().enumerate() {
            let substituted = diagonal + usize::from(p != t);
            diagonal = row[j + 1];
            row[j + 1] = substituted.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn distances_count_edits() {
        assert_eq!(edit_distance(&chars("kitten"), &chars("sitting")), 3);
        assert_eq!(edit_distance(&chars(""), &chars("abc")), 3);
        assert_eq!(substring_distance(&chars("backup"), &chars("first_backup_x")), 0, "contained");
        assert_eq!(substring_distance(&chars("frist_backup"), &chars("a::first_backup")), 2, "a swap");
        assert_eq!(substring_distance(&chars("bakup"), &chars("first_backup")), 1, "a letter missing");
        assert_eq!(substring_distance(&chars("xyz"), &chars("")), 3);
    }

    const NAMES: &[&str] = &[
        "first_backup",
        "tests::first_backup_after_restart",
        "backup_takes_over",
        "rule_2_put_waits_while_backup_is_cut_off",
        "rule_3_backup_rejects_forward_from_stale_primary",
        "viewservice::first_primary",
        "at_most_once_append",
    ];

    #[test]
    fn a_typo_finds_the_names_it_was_meant_for_first() {
        assert_eq!(closest("frist_backup", NAMES, 2), ["first_backup", "tests::first_backup_after_restart"]);
        assert_eq!(closest("rule2_put", NAMES, 1), ["rule_2_put_waits_while_backup_is_cut_off"]);
        assert_eq!(closest("FIRST_PRIMRY", NAMES, 1), ["viewservice::first_primary"], "case is ignored");
    }

    #[test]
    fn at_most_count_names_each_once() {
        let names = closest("zz_no_such_test", NAMES, 5);
        assert_eq!(names.len(), 5);
        let twice = ["a", "a", "b"];
        assert_eq!(closest("a", &twice, 5), ["a", "b"]);
        assert!(closest("a", &[], 5).is_empty());
    }
}
