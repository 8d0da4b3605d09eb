//! The grader's modules import each other in the order `lib.rs` documents (its `text` block,
//! read left to right, top to bottom), so there is no import cycle and the pipeline never
//! imports the authoring tools. An import is any `crate::NAME` outside a comment.

use std::collections::BTreeMap;
use std::path::Path;

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// The documented order: module name → its place.
fn documented_order() -> Vec<String> {
    let lib = std::fs::read_to_string(Path::new(SRC).join("lib.rs")).unwrap();
    let block = lib.split("//! ```text\n").nth(1).expect("lib.rs documents the module order");
    let block = &block[..block.find("//! ```").expect("the block ends")];
    let mut order = Vec::new();
    for line in block.lines() {
        // `a, b, c      label`: the names, then at least two spaces and the label.
        let names = line.trim_start_matches("//! ").split("  ").next().unwrap_or_default();
        let names = names.split("::{").next().unwrap_or_default();
        order.extend(names.split(',').map(|name| name.trim().to_string()).filter(|n| !n.is_empty()));
    }
    order
}

/// Every `.rs` file under `dir` with the top-level module it belongs to (`None`: `lib.rs` and
/// the binaries).
fn sources(dir: &Path, top: Option<&str>, found: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let module = top.map(str::to_string).unwrap_or_else(|| name.clone());
        if path.is_dir() {
            if name != "bin" {
                sources(&path, Some(&module), found);
            }
        } else if path.extension().is_some_and(|e| e == "rs") && !(top.is_none() && name == "lib") {
            found.push((module, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

/// The modules `code` names as `crate::NAME`, outside comments.
fn imports(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            // `$crate::` and `labtests::crate_name::` are not this crate.
            let before = line[..at].chars().last();
            if !name.is_empty()
                && !matches!(before, Some('$' | '_' | ':'))
                && !before.is_some_and(char::is_alphanumeric)
            {
                names.push(name);
            }
        }
    }
    names
}

#[test]
fn modules_import_only_modules_documented_before_them() {
    let order = documented_order();
    let place: BTreeMap<&str, usize> = order.iter().enumerate().map(|(i, m)| (m.as_str(), i)).collect();
    let mut found = Vec::new();
    sources(Path::new(SRC), None, &mut found);
    assert!(found.len() > 30, "the sources were found: {}", found.len());
    let mut wrong = Vec::new();
    for (module, code) in &found {
        let Some(&at) = place.get(module.as_str()) else {
            wrong.push(format!("{module} is missing from lib.rs's module order"));
            continue;
        };
        for import in imports(code) {
            match place.get(import.as_str()) {
                Some(&to) if to < at || import == *module => {}
                Some(_) => wrong.push(format!("{module} imports {import}, documented after it")),
                None => wrong.push(format!("{module} imports {import}, missing from lib.rs's module order")),
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "order: {order:?}\n{}", wrong.join("\n"));
}

#[test]
fn imports_are_found_outside_comments_only() {
    let code = "use crate::outcome::X;\n// crate::grade\nfoo(crate::escape::one_line(x)); $crate::bar;\n";
    assert_eq!(imports(code), ["outcome", "escape"]);
}
