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

#[cfg(test)]
mod tests {
    use super::*;

    /// Two clients' elements, interleaved as `order` says (client, n).
    fn value(order: &[(usize, usize)]) -> String {
        order.iter().map(|&(client, n)| element(client, n)).collect()
    }

    #[test]
    fn interleaved_appends_each_once_in_order_pass() {
        let value = value(&[(0, 0), (1, 0), (1, 1), (0, 1)]);
        assert_eq!(check_appends(&value, &elements(&[2, 2])), Ok(()));
    }

    #[test]
    fn a_lost_append_is_named() {
        let complaint = check_appends(&value(&[(0, 0), (1, 0)]), &elements(&[2, 1])).unwrap_err();
        assert!(complaint.contains("client 0's append \"x 0 1 y\" is missing"), "{complaint}");
    }

    #[test]
    fn a_doubled_append_is_named_with_both_places() {
        let complaint = check_appends(&value(&[(0, 0), (1, 0), (0, 0)]), &elements(&[1, 1])).unwrap_err();
        assert!(
            complaint.contains("client 0's append \"x 0 0 y\" is there twice, at bytes 0 and 14"),
            "{complaint}"
        );
    }

    #[test]
    fn appends_out_of_their_clients_order_are_named() {
        let complaint = check_appends(&value(&[(0, 1), (0, 0)]), &elements(&[2])).unwrap_err();
        assert!(complaint.contains("client 0's append \"x 0 1 y\" (at byte 0) comes before"), "{complaint}");
    }

    #[test]
    fn anything_else_in_the_value_fails() {
        let complaint = check_appends(&format!("{}junk", value(&[(0, 0)])), &elements(&[1])).unwrap_err();
        assert!(complaint.contains("wanted only the 1 appended elements (7 bytes)"), "{complaint}");
    }

    #[test]
    fn elements_of_another_shape_are_checked_alike() {
        let appended = vec![vec!["0.1;".to_string(), "0.3;".to_string()], vec!["1.1;".to_string()]];
        assert_eq!(check_appends("0.1;1.1;0.3;", &appended), Ok(()));
        assert!(check_appends("0.3;1.1;0.1;", &appended).is_err());
    }
}
