//! A file's module doc (its leading `//!` lines) replaced by the handout's own. The reference's
//! module docs explain its design; the handout's say what the module is for and leave the design
//! to the student (`grading/handout.toml`'s `[[doc]]` entries).

/// `text` with its leading `//!` block replaced by `doc`, one `//! ` line per line of `doc` (an
/// empty line becomes `//!`). Errors if `text` does not begin with a module doc, or `doc` is
/// empty: a handout doc replaces a doc, it never adds one where the reference has none.
pub fn replace(text: &str, doc: &str) -> Result<String, String> {
    let doc = doc.trim_matches('\n');
    if doc.trim().is_empty() {
        return Err("the handout's module doc is empty".to_string());
    }
    let lines: Vec<&str> = text.lines().collect();
    let end = lines.iter().position(|l| !l.starts_with("//!")).unwrap_or(lines.len());
    if end == 0 {
        return Err("the file does not begin with a module doc (`//!` lines) to replace".to_string());
    }
    let mut out: Vec<String> = doc
        .lines()
        .map(|line| match line.trim_end() {
            "" => "//!".to_string(),
            line => format!("//! {line}"),
        })
        .collect();
    out.extend(lines[end..].iter().map(|l| l.to_string()));
    let mut joined = out.join("\n");
    joined.push('\n');
    Ok(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leading_doc_is_replaced_and_the_rest_kept() {
        let text = "//! How the reference does it.\n//!\n//! In detail.\n\nuse std::fmt;\n//! not leading\n";
        assert_eq!(
            replace(text, "\nWhat it is for.\n\nThe rules are in the README.\n").unwrap(),
            "//! What it is for.\n//!\n//! The rules are in the README.\n\nuse std::fmt;\n//! not leading\n"
        );
    }

    #[test]
    fn no_doc_to_replace_or_an_empty_doc_is_an_error() {
        assert!(replace("use std::fmt;\n", "Doc.").unwrap_err().contains("does not begin with a module doc"));
        assert!(replace("//! Doc.\n", " \n").unwrap_err().contains("empty"));
    }
}
