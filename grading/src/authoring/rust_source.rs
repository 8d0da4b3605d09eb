//! Just enough reading of Rust source for the handout: where a function's body opens and closes,
//! and which function (and which `impl` or `trait`) encloses a place in a file. Comments,
//! strings and character literals are skipped, so braces inside them do not count. It is not a
//! parser: it assumes source that compiles.

/// If a comment, a string or a character literal starts at `i`, the index of its last byte.
fn literal_or_comment_end(bytes: &[u8], i: usize) -> Option<usize> {
    let next = |k: usize| bytes.get(i + k).copied();
    match bytes[i] {
        b'/' if next(1) == Some(b'/') => {
            let end = bytes[i..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| i + p);
            Some(end - 1)
        }
        b'/' if next(1) == Some(b'*') => {
            let mut k = i + 2;
            while k + 1 < bytes.len() && !(bytes[k] == b'*' && bytes[k + 1] == b'/') {
                k += 1;
            }
            Some((k + 1).min(bytes.len() - 1))
        }
        // A raw string: r"..." or r#"..."# (not the end of an identifier such as `for`).
        b'r' if !i.checked_sub(1).is_some_and(|p| is_ident(bytes[p]))
            && matches!(next(1), Some(b'"' | b'#')) =>
        {
            let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
            if bytes.get(i + 1 + hashes) != Some(&b'"') {
                return None;
            }
            let mut k = i + 2 + hashes;
            while k < bytes.len() {
                if bytes[k] == b'"'
                    && bytes[k + 1..].iter().take(hashes).filter(|&&b| b == b'#').count() == hashes
                {
                    return Some(k + hashes);
                }
                k += 1;
            }
            Some(bytes.len() - 1)
        }
        b'"' => {
            let mut k = i + 1;
            while k < bytes.len() && bytes[k] != b'"' {
                k += if bytes[k] == b'\\' { 2 } else { 1 };
            }
            Some(k.min(bytes.len() - 1))
        }
        // '\n', '\'', '\u{7d}': the escaped character is never the closing quote.
        b'\'' if next(1) == Some(b'\\') => {
            let mut k = i + 3;
            while k < bytes.len() && bytes[k] != b'\'' {
                k += 1;
            }
            Some(k.min(bytes.len() - 1))
        }
        // 'x' (a lifetime such as 'a has no closing quote two bytes on).
        b'\'' if next(2) == Some(b'\'') => Some(i + 2),
        _ => None,
    }
}

fn is_ident(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The index of the `{` that opens the body of the fn starting at `start`: the first `{` at
/// bracket depth 0 (parameters and generics closed).
pub fn body_start(text: &str, start: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in text[start..].char_indices() {
        match c {
            '(' | '[' | '<' => depth += 1,
            ')' | ']' | '>' => depth -= 1,
            '{' if depth <= 0 => return Some(start + i),
            ';' if depth <= 0 => return None,
            _ => {}
        }
    }
    None
}

/// The index of the `}` matching the `{` at `open`, skipping strings, chars and comments.
pub fn matching_brace(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        if let Some(end) = literal_or_comment_end(bytes, i) {
            i = end + 1;
            continue;
        }
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The function whose body holds byte `offset` of `text`: `Type::name` for a method of an `impl`
/// block (inherent or of a trait: `impl Trait for Type` gives `Type`) or a trait's default
/// method (`Trait::name`), the bare `name` for any other function. `None` if no function holds
/// it.
pub fn enclosing_function(text: &str, offset: usize) -> Option<String> {
    let bytes = text.as_bytes();
    // What each open `{` follows: the code since the `;`, `{` or `}` before it.
    let mut frames: Vec<String> = Vec::new();
    let mut header: Vec<u8> = Vec::new();
    let mut depth = 0i32;
    let mut i = 0;
    while i < offset.min(bytes.len()) {
        if let Some(end) = literal_or_comment_end(bytes, i) {
            header.push(b' ');
            i = end + 1;
            continue;
        }
        match bytes[i] {
            b'{' => {
                frames.push(String::from_utf8_lossy(&header).into_owned());
                header.clear();
                depth = 0;
            }
            b'}' => {
                frames.pop();
                header.clear();
                depth = 0;
            }
            // `[u8; 4]` in a signature does not end it.
            b';' if depth <= 0 => header.clear(),
            byte => {
                depth += match byte {
                    b'(' | b'[' => 1,
                    b')' | b']' => -1,
                    _ => 0,
                };
                header.push(byte);
            }
        }
        i += 1;
    }
    let at = frames.iter().rposition(|h| fn_name(h).is_some())?;
    let name = fn_name(&frames[at])?;
    // The innermost `impl` or `trait` around the fn, unless another fn comes first (a fn
    // declared inside a fn belongs to no type).
    let owner = frames[..at]
        .iter()
        .rev()
        .find_map(|h| if fn_name(h).is_some() { Some(None) } else { owner_type(h).map(Some) })
        .flatten();
    Some(match owner {
        Some(owner) => format!("{owner}::{name}"),
        None => name,
    })
}

/// The name `header` declares with `fn NAME`, if it is a function's signature.
fn fn_name(header: &str) -> Option<String> {
    let bytes = header.as_bytes();
    header.match_indices("fn").find_map(|(at, _)| {
        let before = at.checked_sub(1).map(|p| bytes[p]);
        let after = bytes.get(at + 2).copied();
        if before.is_some_and(is_ident) || !after.is_some_and(|b| b.is_ascii_whitespace()) {
            return None;
        }
        let name: String = header[at + 2..].trim_start().chars().take_while(|&c| is_ident_char(c)).collect();
        (!name.is_empty()).then_some(name)
    })
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The type an `impl` header is for (`impl<T> Trait<T> for Type<T> where ...` gives `Type`), or
/// the trait a `trait` header declares.
fn owner_type(header: &str) -> Option<String> {
    let mut rest = strip_attributes(header.trim());
    for qualifier in ["pub(crate)", "pub", "unsafe", "default"] {
        rest = rest.strip_prefix(qualifier).map_or(rest, str::trim_start);
    }
    if let Some(after) = rest.strip_prefix("trait").filter(|r| r.starts_with(char::is_whitespace)) {
        return Some(after.trim_start().chars().take_while(|&c| is_ident_char(c)).collect());
    }
    let after =
        rest.strip_prefix("impl").filter(|r| r.starts_with(|c: char| c.is_whitespace() || c == '<'))?;
    let mut after = after.trim_start();
    if after.starts_with('<') {
        after = after[angle_end(after)?..].trim_start();
    }
    let after = after.split(" where ").next().unwrap_or(after);
    // `Trait for Type`: the type follows the `for` outside angle brackets.
    let mut depth = 0i32;
    let mut ty = after;
    for (at, c) in after.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            _ if depth == 0 && after[at..].starts_with(" for ") => ty = &after[at + 5..],
            _ => {}
        }
    }
    let path = ty.trim().trim_start_matches('&').trim_start_matches("mut ").trim_start_matches("dyn ").trim();
    let path: String = path.chars().take_while(|&c| is_ident_char(c) || c == ':').collect();
    let name = path.rsplit("::").next().unwrap_or("").to_string();
    (!name.is_empty()).then_some(name)
}

/// `text` without the attributes (`#[...]`) it starts with.
fn strip_attributes(mut text: &str) -> &str {
    while text.starts_with("#[") || text.starts_with("#![") {
        let mut depth = 0i32;
        let Some(end) = text.char_indices().find_map(|(at, c)| {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                _ => return None,
            }
            (depth == 0).then_some(at)
        }) else {
            return text;
        };
        text = text[end + 1..].trim_start();
    }
    text
}

/// The index just after the `>` closing the `<` that `text` starts with.
fn angle_end(text: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (at, c) in text.char_indices() {
        match c {
            '<' => depth += 1,
            // `->` inside generics (`F: Fn() -> T`) closes nothing.
            '>' if text[..at].ends_with('-') => {}
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(at + 1);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The function enclosing the first occurrence of `marker` in `text`.
    fn at(text: &str, marker: &str) -> Option<String> {
        enclosing_function(text, text.find(marker).expect("the marker is in the text"))
    }

    #[test]
    fn a_place_is_named_by_its_function_and_the_type_that_owns_it() {
        let text = r##"
use std::fmt;

/// A { in a doc comment } and a "}" in a string.
pub fn free(limit: [u8; 4]) -> u8 {
    let s = "}"; let c = '}'; let r = r#"}"#;
    HERE_FREE
}

impl<'a, T: Into<String>> Holder<'a, T> where T: Clone {
    pub fn new(x: T) -> Holder<'a, T> {
        if x { y } else { z }
        HERE_INHERENT
    }
}

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let f = |x: u8| { x };
        HERE_TRAIT_IMPL
    }
}

impl<F> From<F> for viewservice::server::ViewServer<F> where F: Fn() -> u8 {
    fn from(f: F) -> Self { HERE_GENERIC }
}

pub(crate) trait Model {
    fn step(&self) -> bool { HERE_DEFAULT }
}

impl Outer {
    fn outer(&self) {
        fn inner() { HERE_NESTED }
    }
    const X: u8 = 1;
    fn after_const(&self) { HERE_AFTER }
}

HERE_NOWHERE
"##;
        assert_eq!(at(text, "HERE_FREE").as_deref(), Some("free"));
        assert_eq!(at(text, "HERE_INHERENT").as_deref(), Some("Holder::new"));
        assert_eq!(at(text, "HERE_TRAIT_IMPL").as_deref(), Some("Stopped::fmt"));
        assert_eq!(at(text, "HERE_GENERIC").as_deref(), Some("ViewServer::from"));
        assert_eq!(at(text, "HERE_DEFAULT").as_deref(), Some("Model::step"));
        assert_eq!(at(text, "HERE_NESTED").as_deref(), Some("inner"));
        assert_eq!(at(text, "HERE_AFTER").as_deref(), Some("Outer::after_const"));
        assert_eq!(at(text, "HERE_NOWHERE"), None);
    }

    #[test]
    fn a_body_is_found_past_braces_in_strings_chars_and_comments() {
        let text = "fn f(a: [u8; 2]) -> u8 { let s = \"}\"; let c = '}'; let q = ['\\'','{']; let b = '{'; // }\n /* } */ if a { b } }\nrest";
        let open = body_start(text, 0).unwrap();
        assert_eq!(&text[open..open + 1], "{");
        let close = matching_brace(text, open).unwrap();
        assert_eq!(&text[close..], "}\nrest");
    }
}
