//! Byte offsets <-> LSP positions (0-based line; the column counted in the encoding agreed
//! at `initialize`: UTF-8 bytes, UTF-32 characters, or UTF-16 units, LSP's default), and
//! edits of an open document.

use lsp_types::{
    InitializeParams, Position, PositionEncodingKind, Range, TextDocumentContentChangeEvent,
};

/// What a position's column counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// Bytes: no conversion at all.
    Utf8,
    /// UTF-16 code units: what every client supports.
    #[default]
    Utf16,
    /// Characters.
    Utf32,
}

impl Encoding {
    /// The client's preferred encoding among those it offers (LSP 3.17 `positionEncodings`,
    /// most preferred first) that iamlint supports; UTF-16 when it offers none.
    pub fn negotiate(params: &InitializeParams) -> Encoding {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref());
        offered
            .into_iter()
            .flatten()
            .find_map(|kind| match kind.as_str() {
                "utf-8" => Some(Encoding::Utf8),
                "utf-16" => Some(Encoding::Utf16),
                "utf-32" => Some(Encoding::Utf32),
                _ => None,
            })
            .unwrap_or_default()
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }

    /// How many of this encoding's units a character takes.
    fn units(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
            Encoding::Utf32 => 1,
        }
    }
}

/// The start of every line of a text, and the encoding positions are counted in.
pub struct Lines {
    starts: Vec<usize>,
    encoding: Encoding,
}

impl Lines {
    pub fn new(text: &str, encoding: Encoding) -> Lines {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines { starts, encoding }
    }

    /// The position of a byte offset (clamped into the text, onto a character boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let character: usize = match self.encoding {
            Encoding::Utf8 => offset - start,
            e => text[start..offset].chars().map(|c| e.units(c)).sum(),
        };
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
            units += self.encoding.units(c);
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
pub fn apply_changes(
    text: &mut String,
    changes: Vec<TextDocumentContentChangeEvent>,
    encoding: Encoding,
) {
    for change in changes {
        match change.range {
            None => *text = change.text,
            Some(range) => {
                let lines = Lines::new(text, encoding);
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
        let lines = Lines::new(text, Encoding::Utf16);
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
            Encoding::Utf16,
        );
        assert_eq!(text, ">aXd\n");
        // A reversed or out-of-range change does no harm.
        apply_changes(&mut text, vec![change(5, 0, 0, 0, "!")], Encoding::Utf16);
        assert_eq!(text, ">aXd\n!");
        // Columns in the negotiated encoding: after `é` (2 bytes, 1 UTF-16 unit).
        let mut text = "é = 1\n".to_string();
        apply_changes(&mut text, vec![change(0, 2, 0, 2, "x")], Encoding::Utf8);
        assert_eq!(text, "éx = 1\n");
    }

    #[test]
    fn positions_in_utf8_and_utf32() {
        let text = "a = \"é𝄞x\"\nb\n";
        let x = text.find('x').unwrap();
        // `a = "` is 5, `é` 2 bytes, `𝄞` 4 bytes (1 + 1 characters).
        let utf8 = Lines::new(text, Encoding::Utf8);
        assert_eq!(utf8.position(text, x), Position::new(0, 11));
        assert_eq!(utf8.offset(text, Position::new(0, 11)), x);
        let utf32 = Lines::new(text, Encoding::Utf32);
        assert_eq!(utf32.position(text, x), Position::new(0, 7));
        assert_eq!(utf32.offset(text, Position::new(0, 7)), x);
    }

    #[test]
    fn the_clients_first_supported_encoding_is_chosen() {
        let with = |kinds: Option<Vec<&'static str>>| {
            let mut params = InitializeParams::default();
            params.capabilities.general = Some(lsp_types::GeneralClientCapabilities {
                position_encodings: kinds
                    .map(|k| k.into_iter().map(PositionEncodingKind::new).collect()),
                ..Default::default()
            });
            Encoding::negotiate(&params)
        };
        assert_eq!(with(None), Encoding::Utf16);
        assert_eq!(with(Some(vec![])), Encoding::Utf16);
        assert_eq!(with(Some(vec!["utf-8", "utf-16"])), Encoding::Utf8);
        assert_eq!(with(Some(vec!["utf-32", "utf-8"])), Encoding::Utf32);
        assert_eq!(with(Some(vec!["latin-1", "utf-16"])), Encoding::Utf16);
        assert_eq!(
            Encoding::negotiate(&InitializeParams::default()),
            Encoding::Utf16
        );
    }
}
