//! How much text from a submission the grader passes on, and how it says where it cut.
//!
//! A test's output, its panic message, the report page it writes and the compiler's errors are
//! the submission's to fill: a test can print up to the rubric's output limit, panic with a 10 MB
//! message or print one line without end. The grader passes on a bounded part of each, per test
//! and per results file (every cap is a constant below, with why it has its size), and marks
//! every cut with one line of the same wording:
//!
//! ```text
//! [... 10,485,760 bytes cut: panic message capped at 4 KiB per test]
//! ```
//!
//! Cuts fall between characters, so the text stays valid UTF-8. They are made on text already
//! [`printable`](super::printable), before a report format escapes it, so no cut splits an escape
//! either; a format whose escapes take more bytes than the character (JSON, XML) measures the
//! text with its own cost per character, so that its file stays under its cap once escaped.

use std::borrow::Cow;
use std::fmt;

use super::printable;

/// Bytes of a test's output the grader reads, from its end. The tail it keeps ([`LOG_LINES`],
/// [`LOG_BYTES`]) and the panic message are found in them; a panic further back than this is
/// shown as the cut output it is. Reading more would only cost memory per running test.
pub const READ_BYTES: u64 = 64 * 1024;

/// A failed test's panic message. The lab's assertions say what was wanted and what came back in
/// a line or two (under 500 bytes); 4 KiB keeps any honest message whole, with its location.
pub const MESSAGE: Cap = Cap { what: "panic message", bytes: 4 * 1024, per: "per test" };

/// One line of a test's output. The harness's lines are under 200 bytes and a panic message's
/// under 500; 4 KiB keeps those whole, and a flood shows its start and end (the end is where
/// the next writer's text lands when a line has no newline, e.g. the panic message).
pub const LINE: Cap = Cap { what: "line of output", bytes: 4 * 1024, per: "" };

/// Lines of a test's output kept: its tail, shown in results.json and JUnit. A failing scenario's
/// story (what it waited for, what it got, where its report page is) fits in its last 40 lines.
pub const LOG_LINES: usize = 40;

/// Lines of a failed test's output the terminal table shows: a screen's worth, the rest being in
/// results.json and the report page.
pub const TABLE_LOG_LINES: usize = 25;

/// Bytes of a test's output kept, its last lines together: [`LOG_LINES`] lines of 400 bytes,
/// ten times the harness's usual line. With [`MESSAGE`], a test's details stay near 20 KiB, so
/// that fifty failing tests fit a results file ([`RESULTS_FILE_BYTES`]) whole.
pub const LOG_BYTES: usize = 16 * 1024;

/// What is said about a whole submission that did not build or was refused: the compiler's
/// errors (at most 150 lines, each capped at [`LINE`]) or the forbidden constructs found.
/// 64 KiB is some 400 lines of the compiler's usual width: more than anyone reads, and a fixed
/// share of a results file whatever the submission holds.
pub const STATUS: Cap = Cap { what: "build and refusal details", bytes: 64 * 1024, per: "" };

/// The notes on what the grader ignored in a submission (one per ignored file). A submission
/// may hold up to a thousand entries per crate, each a path: 16 KiB shows a hundred notes.
pub const NOTES: Cap = Cap { what: "notes", bytes: 16 * 1024, per: "" };

/// One results file of one submission: the table (on the terminal, and a batch's `NAME.txt`),
/// Gradescope's `results.json`, JUnit XML. Gradescope's results page grows slow to load and to
/// scroll past a megabyte of output, and a megabyte holds fifty failing tests' full details; the
/// same bound keeps a batch's folder and a CI system's test report small. The tests share what
/// is left after the file's fixed parts (see [`share`]): the shortest details are kept whole, the
/// longest are cut to an equal share.
pub const RESULTS_FILE_BYTES: usize = 1024 * 1024;

/// One cell of the batch CSV: a submission's name (an escaped folder name is at most about a
/// thousand bytes) or why it was not graded. A spreadsheet shows a line or two of a cell.
pub const CSV_CELL: Cap = Cap { what: "CSV cell", bytes: 1024, per: "" };

/// The largest report page the grader copies out of a run directory (see
/// [`crate::lab_reports`]): the harness keeps its pages under 5 MB, so a larger one is not its.
pub const REPORT_PAGE: Cap = Cap { what: "report page", bytes: 10 * 1024 * 1024, per: "" };

/// The report pages of one grading together: a failing test's page is usually under 1 MB, so
/// 64 MiB keeps every page of a submission that fails every test, while one that fills each of
/// its pages to [`REPORT_PAGE`] cannot fill the disk of a batch (the pages past the cap are not
/// kept, and the details say so).
pub const REPORT_PAGES: Cap = Cap { what: "report pages", bytes: 64 * 1024 * 1024, per: "per grading" };

/// A cap on some text: what it bounds, how many bytes, per what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cap {
    /// What is capped (`panic message`).
    pub what: &'static str,
    /// Its size, in bytes of UTF-8.
    pub bytes: usize,
    /// Per what (`per test`), or empty.
    pub per: &'static str,
}

impl fmt::Display for Cap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} capped at {}", self.what, size(self.bytes as u64))?;
        if !self.per.is_empty() {
            write!(f, " {}", self.per)?;
        }
        Ok(())
    }
}

/// What the kept tail of a test's output is capped at, when `lines` of it are shown.
pub fn log_cap(lines: usize) -> String {
    format!("output capped at its last {lines} lines and {} per test", size(LOG_BYTES as u64))
}

/// What a results file (`file`: `results.json`...) is capped at, in total.
pub fn file_cap(file: &str) -> String {
    format!("{file} capped at {} in total", size(RESULTS_FILE_BYTES as u64))
}

/// The marker put where `cut` bytes were cut by `cap` (a [`Cap`] or one of the texts above):
/// `[... 123,456 bytes cut: panic message capped at 4 KiB per test]`.
pub fn marker(cut: u64, cap: &str) -> String {
    let unit = if cut == 1 { "byte" } else { "bytes" };
    format!("[... {} {unit} cut: {cap}]", grouped(cut))
}

/// `bytes` as people read it: `4 KiB`, `1 MiB`, or `1,234 bytes`.
pub fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    match bytes {
        0 => "0 bytes".to_string(),
        b if b % (KIB * KIB) == 0 => format!("{} MiB", b / (KIB * KIB)),
        b if b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{} bytes", grouped(b)),
    }
}

/// `n` with its thousands grouped: `10,485,760`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The cost of text shown as it is (the table, a CSV cell): its bytes of UTF-8.
pub fn utf8_cost(c: char) -> usize {
    c.len_utf8()
}

/// What `text` costs, by `cost` per character.
pub fn cost_of(text: &str, cost: impl Fn(char) -> usize) -> usize {
    text.chars().map(cost).sum()
}

/// Where the longest start of `text` costing at most `max` ends: a character boundary.
pub fn fit_start(text: &str, max: usize, cost: impl Fn(char) -> usize) -> usize {
    let mut spent = 0;
    for (at, c) in text.char_indices() {
        spent += cost(c);
        if spent > max {
            return at;
        }
    }
    text.len()
}

/// Where the longest end of `text` costing at most `max` starts: a character boundary.
pub fn fit_end(text: &str, max: usize, cost: impl Fn(char) -> usize) -> usize {
    let mut spent = 0;
    for (at, c) in text.char_indices().rev() {
        spent += cost(c);
        if spent > max {
            return at + c.len_utf8();
        }
    }
    0
}

/// `text` costing at most `max` (by `cost` per character), marker included: whole if it fits,
/// else its start, then [`marker`] on a line of its own. (If `max` cannot hold the marker, the
/// marker alone.) The result ends with a newline if `text` does.
pub fn cap_start<'a>(text: &'a str, max: usize, cost: impl Fn(char) -> usize, cap: &str) -> Cow<'a, str> {
    if cost_of(text, &cost) <= max {
        return Cow::Borrowed(text);
    }
    // The longest marker this cut can have, and a newline on each side of it.
    let room = max.saturating_sub(cost_of(&marker(text.len() as u64, cap), &cost) + 2 * cost('\n'));
    let end = fit_start(text, room, &cost);
    let kept = &text[..end];
    let mut out = String::with_capacity(end + 100);
    out.push_str(kept);
    if !kept.is_empty() && !kept.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&marker((text.len() - end) as u64, cap));
    if text.ends_with('\n') {
        out.push('\n');
    }
    Cow::Owned(out)
}

/// One line costing at most `max` bytes, marker included: whole if it fits, else its start and
/// its end with [`marker`] between them.
pub fn cap_middle<'a>(line: &'a str, max: usize, cap: &str) -> Cow<'a, str> {
    if line.len() <= max {
        return Cow::Borrowed(line);
    }
    let room = max.saturating_sub(marker(line.len() as u64, cap).len() + 2);
    let head = fit_start(line, room / 2, utf8_cost);
    let tail = fit_end(&line[head..], room - head, utf8_cost) + head;
    let cut = (tail - head) as u64;
    Cow::Owned(format!("{} {} {}", &line[..head], marker(cut, cap), &line[tail..]))
}

/// Fits `texts` into `budget` all together (by `cost` per character): the shortest first, each
/// given an equal share of what the shorter ones left, and each too long for its share cut to
/// it by [`cap_start`] with `cap` in its marker. (A share too small for a marker gets the marker
/// alone: only a budget under a hundred bytes per text can be overrun.)
pub fn share(texts: &mut [String], budget: usize, cost: impl Fn(char) -> usize + Copy, cap: &str) {
    let costs: Vec<usize> = texts.iter().map(|t| cost_of(t, cost)).collect();
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&index| costs[index]);
    let mut left = budget;
    for (done, &index) in order.iter().enumerate() {
        let fair = left / (texts.len() - done);
        let spent = if costs[index] > fair {
            let cut = cap_start(&texts[index], fair, cost, cap).into_owned();
            let spent = cost_of(&cut, cost);
            texts[index] = cut;
            spent
        } else {
            costs[index]
        };
        left = left.saturating_sub(spent);
    }
}

/// Where the first whole character of `window` starts, for a window that starts inside the
/// output (it may start inside a character): past the continuation bytes (at most three) that
/// end the character cut in two, so that no `�` stands for it.
pub fn first_char_start(window: &[u8]) -> usize {
    window.iter().take(3).take_while(|&&b| b & 0xc0 == 0x80).count()
}

/// The lines of `window`, the last bytes of a test's output, each made [`printable`] (bytes that
/// are not UTF-8 become `�`; a `\r` before a newline is dropped). Not capped yet: see
/// [`cap_lines`]. Its first line began before the window if the window does not start the output.
pub fn output_lines(window: &[u8]) -> Vec<String> {
    let mut lines: Vec<&[u8]> = window.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|last| last.is_empty()) {
        lines.pop();
    }
    lines
        .into_iter()
        .map(|raw| printable(&String::from_utf8_lossy(raw.strip_suffix(b"\r").unwrap_or(raw))))
        .collect()
}

/// Caps each line at [`LINE`] (its start and end kept, see [`cap_middle`]).
pub fn cap_lines(lines: &mut [String]) {
    let cap = LINE.to_string();
    for line in lines.iter_mut() {
        if let Cow::Owned(capped) = cap_middle(line, LINE.bytes, &cap) {
            *line = capped;
        }
    }
}

/// The tail kept of `lines`, the output's lines after its first `before` bytes: its last lines,
/// at most `max_lines` of them and `max_bytes` together (a newline counted after each). Returns
/// them and how many bytes of output come before them (`before` and the lines left out).
pub fn keep_end(
    mut lines: Vec<String>,
    before: u64,
    max_lines: usize,
    max_bytes: usize,
) -> (Vec<String>, u64) {
    let mut start = lines.len();
    let mut kept = 0;
    while start > 0 && lines.len() - start < max_lines {
        let next = lines[start - 1].len() + 1;
        if kept + next > max_bytes {
            break;
        }
        kept += next;
        start -= 1;
    }
    let left_out: u64 = lines[..start].iter().map(|l| l.len() as u64 + 1).sum();
    (lines.split_off(start), before + left_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAP: &str = "panic message capped at 4 KiB per test";

    #[test]
    fn markers_and_sizes_read_well() {
        assert_eq!(marker(123_456, CAP), "[... 123,456 bytes cut: panic message capped at 4 KiB per test]");
        assert_eq!(MESSAGE.to_string(), CAP);
        assert_eq!(LINE.to_string(), "line of output capped at 4 KiB");
        assert_eq!(log_cap(25), "output capped at its last 25 lines and 16 KiB per test");
        assert_eq!(file_cap("results.json"), "results.json capped at 1 MiB in total");
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(10_485_760), "10,485,760");
        assert_eq!(size(1536), "1,536 bytes");
    }

    #[test]
    fn text_at_its_cap_is_whole_and_one_byte_over_is_cut_with_a_marker() {
        let at_cap = "a".repeat(200);
        assert_eq!(cap_start(&at_cap, 200, utf8_cost, CAP), at_cap);
        let over = "a".repeat(201);
        let cut = cap_start(&over, 200, utf8_cost, CAP);
        assert!(cut.len() <= 200, "{} bytes: {cut}", cut.len());
        let kept = cut.lines().next().unwrap();
        assert!(kept.chars().all(|c| c == 'a'), "{cut}");
        assert_eq!(cut.lines().nth(1), Some(marker((201 - kept.len()) as u64, CAP).as_str()));
        assert_eq!(cap_middle(&at_cap, 200, CAP), at_cap);
        let cut = cap_middle(&over, 200, CAP);
        assert!(cut.len() <= 200 && cut.contains("bytes cut: panic message"), "{cut}");
        assert!(cut.starts_with("aaa") && cut.ends_with("aaa"), "the start and the end are kept: {cut}");
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        // Each cap, for each offset of a 4-byte character against it: valid UTF-8 that stays
        // under the cap, and says how much it cut.
        for pad in 0..4 {
            let text = format!("{}{}", "a".repeat(pad), "😀".repeat(100));
            for max in 150..160 {
                let start = cap_start(&text, max, utf8_cost, CAP);
                assert!(start.len() <= max, "{max}: {start}");
                assert!(!start.contains('\u{fffd}'));
                let kept = start.lines().next().unwrap();
                assert_eq!(start.lines().nth(1).unwrap(), marker((text.len() - kept.len()) as u64, CAP));
                let middle = cap_middle(&text, max, CAP);
                assert!(middle.len() <= max, "{max}: {middle}");
                let end = fit_end(&text, max, utf8_cost);
                assert!(text.is_char_boundary(end) && text.len() - end <= max);
                assert!(text.len() - end > max - 4, "the end is as long as fits");
            }
        }
        // Exactly at a character's end, and one byte short of it.
        assert_eq!(fit_start("é日", 5, utf8_cost), 5);
        assert_eq!(fit_start("é日", 4, utf8_cost), 2);
        assert_eq!(fit_start("é日", 1, utf8_cost), 0);
        assert_eq!(fit_end("é日", 3, utf8_cost), 2);
        assert_eq!(fit_end("é日", 2, utf8_cost), 5);
    }

    #[test]
    fn a_format_cost_keeps_its_escaped_text_under_the_cap() {
        // A cost of 6 for `"` (`&quot;`): the escaped text fits, and no escape is split since
        // the cut is made before escaping.
        let cost = |c: char| if c == '"' { 6 } else { c.len_utf8() };
        let text = "\"".repeat(100);
        let cut = cap_start(&text, 200, cost, CAP);
        assert!(cost_of(&cut, cost) <= 200, "{cut}");
        assert!(cut.starts_with("\"\"\""));
        let kept = cut.lines().next().unwrap();
        assert_eq!(kept.len(), (200 - marker(100, CAP).len() - 2) / 6);
    }

    #[test]
    fn shares_keep_short_texts_whole_and_cut_long_ones_to_what_is_left() {
        let mut texts = vec!["x".repeat(5000), "short\n".to_string(), "y".repeat(100_000), String::new()];
        share(&mut texts, 4000, utf8_cost, "results.json capped at 1 MiB in total");
        assert_eq!(texts[1], "short\n");
        assert_eq!(texts[3], "");
        let total: usize = texts.iter().map(String::len).sum();
        assert!(total <= 4000, "{total}");
        for long in [&texts[0], &texts[2]] {
            assert!(long.contains("bytes cut: results.json capped at 1 MiB in total]"), "{long}");
            assert!(long.len() > 1800, "each long text gets half of what is left: {}", long.len());
        }
        let mut whole = vec!["a".to_string(), "b".to_string()];
        share(&mut whole, 2, utf8_cost, CAP);
        assert_eq!(whole, ["a", "b"], "texts at the budget are whole");
    }

    #[test]
    fn a_window_into_the_output_starts_at_a_whole_character() {
        let text = "a日本".as_bytes();
        for (at, skip) in [(0, 0), (1, 0), (2, 2), (3, 1), (4, 0), (5, 2)] {
            assert_eq!(first_char_start(&text[at..]), skip, "window from byte {at}");
        }
        assert_eq!(first_char_start(b"\x80\x80\x80\x80x"), 3, "at most a character's continuation");
    }

    #[test]
    fn output_lines_are_printable_and_capped() {
        let mut lines = output_lines(b"bad \xff\xc3 utf-8\x1b[2J\r\nnext\x07\n");
        assert_eq!(lines, ["bad \u{fffd}\u{fffd} utf-8?[2J", "next?"]);
        let flood = format!("{}panicked at x.rs:1:1", "é".repeat(10_000));
        lines.push(flood.clone());
        cap_lines(&mut lines);
        assert_eq!(lines[0], "bad \u{fffd}\u{fffd} utf-8?[2J");
        assert!(lines[2].len() <= LINE.bytes, "{}", lines[2].len());
        assert!(lines[2].ends_with("panicked at x.rs:1:1"), "the end of a line is kept");
        assert!(lines[2].contains("bytes cut: line of output capped at 4 KiB]"));
    }

    #[test]
    fn the_tail_is_the_last_lines_within_bytes_and_counts_the_rest() {
        // Seven bytes each, eight with a newline.
        let lines: Vec<String> = (0..100).map(|n| format!("line {n:02}")).collect();
        let (kept, cut) = keep_end(lines.clone(), 1000, 40, 16 * 1024);
        assert_eq!(kept.len(), 40);
        assert_eq!(kept[0], "line 60");
        assert_eq!(cut, 1000 + 60 * 8);
        let (kept, cut) = keep_end(lines.clone(), 0, 40, 80);
        assert_eq!(kept.len(), 10, "ten lines of eight bytes fit 80 bytes exactly");
        assert_eq!(cut, 90 * 8);
        let (kept, _) = keep_end(lines.clone(), 0, 40, 79);
        assert_eq!(kept.len(), 9, "one byte short drops a line");
        let (kept, cut) = keep_end(lines[..3].to_vec(), 0, 40, 1000);
        assert_eq!((kept.len(), cut), (3, 0), "a short output is whole");
    }
}
