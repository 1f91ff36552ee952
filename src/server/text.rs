//! Byte offsets <-> LSP positions (0-based line, UTF-16 column: the encoding every client
//! supports), and edits of an open document.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// The start of every line of a text.
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines { starts }
    }

    /// The position of a byte offset (clamped into the text, onto a character boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let character: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, text: &str, range: &std::ops::Range<usize>) -> Range {
        Range::new(
            self.position(text, range.start),
            self.position(text, range.end),
        )
    }

    /// The byte offset of a position; past the end of a line is its end, past the last line
    /// the end of the text.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let mut units = 0usize;
        for (i, c) in text[start..].char_indices() {
            if units >= position.character as usize || c == '\n' {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    }

    /// The byte offset where a line starts (the end of the text past the last line).
    pub fn line_start(&self, text: &str, line: u32) -> usize {
        self.starts
            .get(line as usize)
            .copied()
            .unwrap_or(text.len())
    }
}

/// Applies `didChange` events (full or incremental) to a document's text.
pub fn apply_changes(text: &mut String, changes: Vec<TextDocumentContentChangeEvent>) {
    for change in changes {
        match change.range {
            None => *text = change.text,
            Some(range) => {
                let lines = Lines::new(text);
                let start = lines.offset(text, range.start);
                let end = lines.offset(text, range.end).max(start);
                text.replace_range(start..end, &change.text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "a = \"é𝄞x\"\nb\n";
        let lines = Lines::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(lines.position(text, x), Position::new(0, 8));
        assert_eq!(lines.offset(text, Position::new(0, 8)), x);
        assert_eq!(lines.position(text, text.len()), Position::new(2, 0));
        // Inside a character: clamped back to its start.
        assert_eq!(lines.position(text, x - 1), Position::new(0, 6));
        assert_eq!(
            lines.offset(text, Position::new(0, 99)),
            text.find('\n').unwrap()
        );
        assert_eq!(lines.offset(text, Position::new(9, 0)), text.len());
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let mut text = "ab\ncd\n".to_string();
        let change = |l1, c1, l2, c2, t: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: t.to_string(),
        };
        apply_changes(
            &mut text,
            vec![change(0, 1, 1, 1, "X"), change(0, 0, 0, 0, ">")],
        );
        assert_eq!(text, ">aXd\n");
        // A reversed or out-of-range change does no harm.
        apply_changes(&mut text, vec![change(5, 0, 0, 0, "!")]);
        assert_eq!(text, ">aXd\n!");
    }
}
