//! Values as failure messages and log lines show them (values in the crash tests grow to
//! kilobytes).

use std::fmt::Display;

/// A value quoted, and cut short if long: `"abc…" (4096 bytes)`. For values inside a sentence
/// or a log line.
pub fn short(text: impl Display) -> String {
    let text = text.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{:?}… ({} bytes)", &text[..cut], text.len()),
        None => format!("{text:?}"),
    }
}

/// A value whose contents a failure is about: whole if short, else its length and both ends.
pub fn ends(value: &str) -> String {
    const ENDS: usize = 100;
    let chars = value.chars().count();
    if chars <= 3 * ENDS {
        return format!("{value:?}");
    }
    let head: String = value.chars().take(ENDS).collect();
    let tail: String = value.chars().skip(chars - ENDS).collect();
    format!("a {}-byte value {head:?} ... {tail:?}", value.len())
}
