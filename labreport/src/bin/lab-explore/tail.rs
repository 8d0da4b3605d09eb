//! A worker's output, bounded: lines cut to a length, and only the last of them kept, with a
//! count of those left out.

use std::collections::VecDeque;

/// The longest line kept, in bytes; the rest of a longer line is replaced by `…`.
pub const LINE_BYTES: usize = 2000;

/// How many lines a [`Tail`] keeps.
pub const TAIL_LINES: usize = 200;

/// The last [`TAIL_LINES`] lines of an output, and how many came before them.
#[derive(Debug, Default)]
pub struct Tail {
    lines: VecDeque<String>,
    cut: u64,
}

impl Tail {
    /// Keeps `line`, forgetting the oldest line kept if there are too many.
    pub fn push(&mut self, line: String) {
        if self.lines.len() == TAIL_LINES {
            self.lines.pop_front();
            self.cut += 1;
        }
        self.lines.push_back(line);
    }

    /// The lines kept, oldest first.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(String::as_str)
    }

    /// How many lines came before those kept.
    pub fn cut(&self) -> u64 {
        self.cut
    }
}

/// Splits a stream of bytes into lines of at most [`LINE_BYTES`] bytes each.
#[derive(Debug, Default)]
pub struct LineSplitter {
    line: Vec<u8>,
    long: bool,
}

impl LineSplitter {
    /// The lines `bytes` completes, each without its newline.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut done = Vec::new();
        for &byte in bytes {
            if byte == b'\n' {
                done.push(self.take());
            } else if self.line.len() < LINE_BYTES {
                self.line.push(byte);
            } else {
                self.long = true;
            }
        }
        done
    }

    /// The line left open at the end of the stream, if any.
    pub fn finish(&mut self) -> Option<String> {
        (!self.line.is_empty() || self.long).then(|| self.take())
    }

    fn take(&mut self) -> String {
        let mut line = String::from_utf8_lossy(&self.line).trim_end_matches('\r').to_string();
        if std::mem::take(&mut self.long) {
            line.push('…');
        }
        self.line.clear();
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tail_keeps_the_last_lines_and_counts_the_rest() {
        let mut tail = Tail::default();
        for n in 0..TAIL_LINES + 5 {
            tail.push(n.to_string());
        }
        assert_eq!(tail.cut(), 5);
        assert_eq!(tail.lines().next(), Some("5"));
        assert_eq!(tail.lines().count(), TAIL_LINES);
    }

    #[test]
    fn lines_come_whole_across_reads_and_long_ones_are_cut() {
        let mut split = LineSplitter::default();
        assert!(split.feed(b"LAB-EXPLORE do").is_empty());
        assert_eq!(split.feed(b"ne 4\r\nnext\n"), ["LAB-EXPLORE done 4", "next"]);
        let long = vec![b'x'; LINE_BYTES + 10];
        let lines = split.feed(&long);
        assert!(lines.is_empty());
        assert_eq!(split.finish().map(|l| l.len()), Some(LINE_BYTES + '…'.len_utf8()));
        assert_eq!(split.finish(), None, "nothing left open");
    }
}
