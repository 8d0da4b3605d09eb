//! The check of concurrent Appends to one key (the original's `checkAppends`).

use super::shown::ends;

/// The element client `client` appends as its `n`th, as in the original: `"x client n y"`.
pub fn element(client: usize, n: usize) -> String {
    format!("x {client} {n} y")
}

/// The elements each client appended, when client `c` appended its elements `0..counts[c]`
/// (see [`element`]).
pub fn elements(counts: &[usize]) -> Vec<Vec<String>> {
    counts
        .iter()
        .enumerate()
        .map(|(client, &count)| (0..count).map(|n| element(client, n)).collect())
        .collect()
}

/// Checks the result of concurrent appends: each client's elements `appended[client]` are all
/// present in `value`, each exactly once, in that client's order, and nothing else is there.
/// Elements must not occur inside one another (those of [`element`] do not).
pub fn check_appends(value: &str, appended: &[Vec<String>]) -> Result<(), String> {
    let mut expected_len = 0;
    for (client, elements) in appended.iter().enumerate() {
        let mut last: Option<(usize, &str)> = None;
        for wanted in elements {
            expected_len += wanted.len();
            let Some(at) = value.find(wanted.as_str()) else {
                return Err(format!("client {client}'s append {wanted:?} is missing from {}", ends(value)));
            };
            if let Some(again) = value.rfind(wanted.as_str()).filter(|&again| again != at) {
                return Err(format!(
                    "client {client}'s append {wanted:?} is there twice, at bytes {at} and {again} of {}",
                    ends(value)
                ));
            }
            if let Some((before, previous)) = last.filter(|&(before, _)| at <= before) {
                return Err(format!(
                    "client {client}'s append {wanted:?} (at byte {at}) comes before its append {previous:?} \
                     (at byte {before}) in {}",
                    ends(value)
                ));
            }
            last = Some((at, wanted));
        }
    }
    if value.len() != expected_len {
        return Err(format!(
            "wanted only the {} appended elements ({expected_len} bytes), but the value is {}",
            appended.iter().map(Vec::len).sum::<usize>(),
            ends(value)
        ));
    }
    Ok(())
}
