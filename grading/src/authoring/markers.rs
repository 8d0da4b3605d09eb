//! The markers that say what the handout hides, in the student crates' source:
//!
//! - `// BEGIN SOLUTION: hint` ... `// END SOLUTION`: a whole function body that becomes a stub,
//!   `unimplemented!("Type::function: hint")` (the function named as [`enclosing_function`]
//!   finds it), so the student sees what to write and a test that reaches it says which function
//!   is missing;
//! - `// BEGIN PRIVATE: hint` ... `// END PRIVATE`: the reference's private design (state,
//!   helpers and the comments that explain them), replaced whole by one line `// hint` saying
//!   what the student provides there. SOLUTION regions inside it vanish with it, without a stub.
//!
//! PRIVATE blocks do not nest, a SOLUTION region holds no marker, and every block ends; a file
//! breaking these rules is an error naming the line. The same code makes the handout (every
//! region stubbed, every PRIVATE block replaced) and the stub mutants (one region stubbed, all
//! else left as it is: see [`super::mutants`]), so a mutant is exactly what the handout stubs.

use super::rust_source::enclosing_function;

const BEGIN_SOLUTION: &str = "// BEGIN SOLUTION";
const END_SOLUTION: &str = "// END SOLUTION";
const BEGIN_PRIVATE: &str = "// BEGIN PRIVATE";
const END_PRIVATE: &str = "// END PRIVATE";

/// The stub message of a region without a hint.
const NO_HINT: &str = "this function";
/// The comment of a PRIVATE block without a hint.
const NO_PRIVATE_HINT: &str = "yours to design";

/// One SOLUTION region of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// The 1-based line of its BEGIN marker.
    pub line: usize,
    /// The function whose body it is: `Type::method`, or a free function's name.
    pub function: String,
    /// What the function must do (the marker's hint).
    pub hint: String,
    /// The line of the PRIVATE block that holds it, if any: the handout removes it with the
    /// block, and it has no stub.
    pub private: Option<usize>,
}

impl Region {
    /// The stub's message; `unimplemented!` prints it after "not implemented: ".
    pub fn message(&self) -> String {
        format!("{}: {}", self.function, self.hint)
    }
}

/// One PRIVATE block of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateBlock {
    /// The 1-based line of its BEGIN marker.
    pub line: usize,
    /// What the student provides in its place (the marker's hint).
    pub hint: String,
}

/// The markers of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marked {
    /// Every SOLUTION region, in order (those inside PRIVATE blocks too).
    pub regions: Vec<Region>,
    /// Every PRIVATE block, in order.
    pub private: Vec<PrivateBlock>,
}

impl Marked {
    /// The regions the handout stubs: those outside every PRIVATE block.
    pub fn stubbed(&self) -> impl Iterator<Item = &Region> {
        self.regions.iter().filter(|r| r.private.is_none())
    }
}

/// What to replace.
#[derive(Clone, Copy)]
enum Mode {
    /// Everything: the handout.
    Handout,
    /// Only the region beginning at this line; every other line (markers too) stays.
    OneStub(usize),
}

/// The handout of `text`: every SOLUTION region outside a PRIVATE block replaced by its stub,
/// every PRIVATE block by its hint. Stubs are laid out as rustfmt would at `max_width`.
pub fn handout(text: &str, max_width: usize) -> Result<(String, Marked), String> {
    transform(text, Mode::Handout, max_width)
}

/// `text` with only the region beginning at `line` stubbed, exactly as the handout stubs it.
pub fn stub_one(text: &str, line: usize, max_width: usize) -> Result<String, String> {
    let (out, marked) = transform(text, Mode::OneStub(line), max_width)?;
    match marked.regions.iter().find(|r| r.line == line) {
        Some(region) if region.private.is_none() => Ok(out),
        Some(region) => Err(format!(
            "line {line}: the region of {} lies in the PRIVATE block of line {}: the handout removes it \
             with its block, so it has no stub",
            region.function,
            region.private.unwrap_or_default()
        )),
        None => Err(format!("line {line}: no {BEGIN_SOLUTION} there")),
    }
}

/// The markers of `text`, checked.
pub fn parse(text: &str) -> Result<Marked, String> {
    transform(text, Mode::OneStub(0), usize::MAX).map(|(_, marked)| marked)
}

/// An open SOLUTION region: the region, its indentation, and whether it becomes a stub.
struct Open {
    region: Region,
    indent: String,
    stubbed: bool,
}

fn transform(text: &str, mode: Mode, max_width: usize) -> Result<(String, Marked), String> {
    let handout = matches!(mode, Mode::Handout);
    let mut out: Vec<String> = Vec::new();
    let mut marked = Marked::default();
    let mut private: Option<PrivateBlock> = None;
    let mut solution: Option<Open> = None;
    let mut offset = 0;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let line = raw.trim_end_matches(['\n', '\r']);
        let at = offset;
        offset += raw.len();
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if let Some(rest) = trimmed.strip_prefix(BEGIN_PRIVATE) {
            if let Some(open) = &solution {
                return Err(format!(
                    "line {number}: {BEGIN_PRIVATE} inside the SOLUTION region of line {} (end that first)",
                    open.region.line
                ));
            }
            if let Some(block) = &private {
                return Err(format!(
                    "line {number}: {BEGIN_PRIVATE} inside the PRIVATE block of line {} (they do not nest)",
                    block.line
                ));
            }
            let block = PrivateBlock { line: number, hint: hint_of(rest) };
            if handout {
                let hint = if block.hint.is_empty() { NO_PRIVATE_HINT } else { &block.hint };
                out.push(format!("{indent}// {hint}"));
            } else {
                out.push(line.to_string());
            }
            private = Some(block);
        } else if trimmed.starts_with(END_PRIVATE) {
            if let Some(open) = &solution {
                return Err(format!(
                    "line {number}: {END_PRIVATE} inside the SOLUTION region of line {}, which never ends",
                    open.region.line
                ));
            }
            let block =
                private.take().ok_or_else(|| format!("line {number}: {END_PRIVATE} without BEGIN"))?;
            marked.private.push(block);
            if !handout {
                out.push(line.to_string());
            }
        } else if let Some(rest) = trimmed.strip_prefix(BEGIN_SOLUTION) {
            if let Some(open) = &solution {
                return Err(format!(
                    "line {number}: {BEGIN_SOLUTION} inside the region of line {}, which never ends",
                    open.region.line
                ));
            }
            let function = enclosing_function(text, at).ok_or_else(|| {
                format!("line {number}: a SOLUTION region must be a function's body, and no function holds this one")
            })?;
            let hint = match hint_of(rest) {
                hint if hint.is_empty() => NO_HINT.to_string(),
                hint => hint,
            };
            let region = Region { line: number, function, hint, private: private.as_ref().map(|b| b.line) };
            let stubbed = match mode {
                Mode::Handout => region.private.is_none(),
                Mode::OneStub(line) => line == number,
            };
            if !handout && !stubbed {
                out.push(line.to_string());
            }
            solution = Some(Open { region, indent: indent.to_string(), stubbed });
        } else if trimmed.starts_with(END_SOLUTION) {
            let open =
                solution.take().ok_or_else(|| format!("line {number}: {END_SOLUTION} without BEGIN"))?;
            if open.stubbed {
                out.extend(stub_lines(&open.indent, &open.region.message(), max_width));
            } else if !handout {
                out.push(line.to_string());
            }
            marked.regions.push(open.region);
        } else {
            let hidden = match (&solution, mode) {
                (Some(open), _) if open.stubbed => true,
                (_, Mode::Handout) => solution.is_some() || private.is_some(),
                (_, Mode::OneStub(_)) => false,
            };
            if !hidden {
                out.push(line.to_string());
            }
        }
    }
    if let Some(open) = solution {
        return Err(format!("line {}: {BEGIN_SOLUTION} never ends", open.region.line));
    }
    if let Some(block) = private {
        return Err(format!("line {}: {BEGIN_PRIVATE} never ends", block.line));
    }
    let mut text_out = out.join("\n");
    text_out.push('\n');
    Ok((text_out, marked))
}

/// The hint after a BEGIN marker (`: hint`).
fn hint_of(rest: &str) -> String {
    rest.trim_start_matches(':').trim().to_string()
}

/// The stub `unimplemented!("message")` at `indent`, laid out as rustfmt lays it out at
/// `max_width`: on one line if it fits; else the literal on a line of its own if that fits;
/// else on one line anyway (rustfmt leaves a line it cannot shorten as it is).
pub fn stub_lines(indent: &str, message: &str, max_width: usize) -> Vec<String> {
    // The message is a format string: braces in a hint must print as themselves.
    let literal = format!("{:?}", message.replace('{', "{{").replace('}', "}}"));
    let one = format!("{indent}unimplemented!({literal})");
    let middle = format!("{indent}    {literal}");
    if one.chars().count() <= max_width || middle.chars().count() > max_width {
        vec![one]
    } else {
        vec![format!("{indent}unimplemented!("), middle, format!("{indent})")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
use std::fmt;

// BEGIN PRIVATE: your state
struct Heard {
    at: u64,
}
// END PRIVATE

pub struct Server {
    pub view: u64,
    // BEGIN PRIVATE: the rest of your state
    heard: Heard,
    // END PRIVATE
}

impl Server {
    pub fn tick(&mut self) -> bool {
        // BEGIN SOLUTION: rule 1: change {the view}
        self.is_usable()
        // END SOLUTION
    }

    // BEGIN PRIVATE: your helpers
    fn is_usable(&self) -> bool {
        // BEGIN SOLUTION: alive
        self.heard.at > 0
        // END SOLUTION
    }
    // END PRIVATE
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // BEGIN SOLUTION
        write!(f, \"{}\", self.view)
        // END SOLUTION
    }
}
";

    #[test]
    fn the_handout_stubs_public_regions_and_leaves_one_line_for_each_private_block() {
        let (out, marked) = handout(FILE, 100).unwrap();
        assert_eq!(
            out,
            "\
use std::fmt;

// your state

pub struct Server {
    pub view: u64,
    // the rest of your state
}

impl Server {
    pub fn tick(&mut self) -> bool {
        unimplemented!(\"Server::tick: rule 1: change {{the view}}\")
    }

    // your helpers
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        unimplemented!(\"Server::fmt: this function\")
    }
}
"
        );
        let regions: Vec<(usize, &str, Option<usize>)> =
            marked.regions.iter().map(|r| (r.line, r.function.as_str(), r.private)).collect();
        assert_eq!(
            regions,
            [(18, "Server::tick", None), (25, "Server::is_usable", Some(23)), (34, "Server::fmt", None)]
        );
        assert_eq!(marked.private.iter().map(|b| b.line).collect::<Vec<_>>(), [3, 11, 23]);
        assert_eq!(marked.stubbed().map(|r| r.line).collect::<Vec<_>>(), [18, 34]);
        assert_eq!(parse(FILE).unwrap(), marked);
    }

    #[test]
    fn one_stub_changes_only_its_region() {
        let out = stub_one(FILE, 18, 100).unwrap();
        let expected = FILE.replace(
            "        // BEGIN SOLUTION: rule 1: change {the view}\n        self.is_usable()\n        // END SOLUTION\n",
            "        unimplemented!(\"Server::tick: rule 1: change {{the view}}\")\n",
        );
        assert_eq!(out, expected);
        let inside = stub_one(FILE, 25, 100).unwrap_err();
        assert!(inside.contains("line 25") && inside.contains("PRIVATE block of line 23"), "{inside}");
        assert!(stub_one(FILE, 19, 100).unwrap_err().contains("line 19: no // BEGIN SOLUTION"));
    }

    #[test]
    fn misplaced_markers_are_errors_naming_their_line() {
        let cases = [
            (
                "// BEGIN PRIVATE: a\n// BEGIN PRIVATE: b\n// END PRIVATE\n// END PRIVATE\n",
                "line 2: // BEGIN PRIVATE inside the PRIVATE block of line 1",
            ),
            ("fn f() {}\n// BEGIN PRIVATE: a\n", "line 2: // BEGIN PRIVATE never ends"),
            ("// END PRIVATE\n", "line 1: // END PRIVATE without BEGIN"),
            (
                "fn f() {\n// BEGIN SOLUTION: a\n// END PRIVATE\n}\n",
                "line 3: // END PRIVATE inside the SOLUTION region of line 2",
            ),
            (
                "fn f() {\n// BEGIN SOLUTION: a\n// BEGIN PRIVATE: b\n}\n",
                "line 3: // BEGIN PRIVATE inside the SOLUTION region of line 2",
            ),
            ("fn f() {\n// BEGIN SOLUTION: a\n}\n", "line 2: // BEGIN SOLUTION never ends"),
            ("// END SOLUTION\n", "line 1: // END SOLUTION without BEGIN"),
            (
                "// BEGIN SOLUTION: a\n// END SOLUTION\n",
                "line 1: a SOLUTION region must be a function's body",
            ),
        ];
        for (text, wanted) in cases {
            let error = handout(text, 100).unwrap_err();
            assert!(error.starts_with(wanted), "{text:?}: {error}");
            assert_eq!(parse(text).unwrap_err(), error);
        }
    }

    #[test]
    fn a_stub_too_wide_for_one_line_is_laid_out_as_rustfmt_does() {
        let message = "PbServer::transfer: rule 3 as in forward; then the snapshot";
        assert_eq!(stub_lines("    ", message, 200), [format!("    unimplemented!({message:?})")]);
        assert_eq!(
            stub_lines("    ", message, 72),
            ["    unimplemented!(".to_string(), format!("        {message:?}"), "    )".to_string()]
        );
        // Too wide even alone: rustfmt leaves it on one line.
        assert_eq!(stub_lines("    ", message, 40), [format!("    unimplemented!({message:?})")]);
    }
}
