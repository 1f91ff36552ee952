//! The source database: every file of the run by [`FileId`], its display path and, for the files
//! that have something to report, its text. Also line/column arithmetic.

use crate::diagnostic::FileId;
use std::ops::Range;

/// Byte offsets of line starts, for turning offsets into 1-based lines.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl Default for LineIndex {
    fn default() -> LineIndex {
        LineIndex { starts: vec![0] }
    }
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        // `match_indices` on a char searches with memchr.
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Byte offset where the 0-based line starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based line and 1-based column counted in characters.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = clamp_to_char_boundary(text, offset);
        let line = self.line_index(offset);
        let start = self.starts[line].min(offset);
        Position {
            line: line + 1,
            column: text[start..offset].chars().count() + 1,
        }
    }
}

fn clamp_to_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// What is kept of a file with something to report: its whole text (for snippets, fixes and
/// baselines), or only what turns offsets into lines and columns: its line starts and the text
/// of its lines that are not ASCII (a column counts characters). A large run that prints no
/// snippets keeps a few hundred bytes a file instead of the file.
#[derive(Debug)]
pub enum Kept {
    Full(String),
    Positions {
        lines: LineIndex,
        /// Lines (0-based) with a non-ASCII character, and their text, sorted by line.
        wide: WideLines,
        len: usize,
    },
}

impl Kept {
    pub fn new(text: &str, full: bool) -> Kept {
        if full {
            return Kept::Full(text.to_string());
        }
        let lines = LineIndex::new(text);
        let mut wide = Vec::new();
        if !text.is_ascii() {
            for line in 0..lines.line_count() {
                let start = lines.starts[line];
                let end = lines.starts.get(line + 1).copied().unwrap_or(text.len());
                if !text[start..end].is_ascii() {
                    wide.push((line, text[start..end].into()));
                }
            }
        }
        Kept::Positions {
            lines,
            wide,
            len: text.len(),
        }
    }
}

/// The lines of a file that are not ASCII, by 0-based line number, sorted.
pub type WideLines = Vec<(usize, Box<str>)>;

/// One file of the run.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as shown to the user: as given, or relative to the current directory.
    pub display: String,
    /// Text (BOM stripped, lossily decoded if not UTF-8), kept only for files with diagnostics.
    text: Option<String>,
    /// The text as snippets show it ([`printable`]) when that differs from `text`: made once,
    /// not for each snippet (each look at a 30 MB file's text costs a scan of it).
    shown: Option<String>,
    lines: LineIndex,
    /// Instead of `text`, when only positions are needed.
    positions: Option<(WideLines, usize)>,
    /// Bytes before the text in the file as stored: 3 for a UTF-8 byte order mark.
    before_text: usize,
}

/// Every file of the run, indexed by [`FileId`].
#[derive(Debug, Default)]
pub struct Files {
    files: Vec<SourceFile>,
}

impl Files {
    pub fn new(displays: Vec<String>) -> Files {
        Files {
            files: displays
                .into_iter()
                .map(|display| SourceFile {
                    // A file name is input too: no control character reaches the output.
                    display: match escape_controls(&display) {
                        std::borrow::Cow::Owned(escaped) => escaped,
                        std::borrow::Cow::Borrowed(_) => display,
                    },
                    text: None,
                    shown: None,
                    lines: LineIndex::default(),
                    positions: None,
                    before_text: 0,
                })
                .collect(),
        }
    }

    /// Marks a file as starting with a UTF-8 byte order mark, which its text does not hold.
    pub fn set_bom(&mut self, id: FileId) {
        if let Some(file) = self.files.get_mut(id) {
            file.before_text = 3;
        }
    }

    /// An offset into a file's text as an offset into the file as stored (its bytes).
    pub fn stored_offset(&self, id: FileId, offset: usize) -> usize {
        offset + self.files.get(id).map_or(0, |f| f.before_text)
    }

    pub fn set_text(&mut self, id: FileId, text: String) {
        self.set(id, Kept::Full(text));
    }

    pub fn set(&mut self, id: FileId, kept: Kept) {
        let file = &mut self.files[id];
        match kept {
            Kept::Full(text) => {
                file.lines = LineIndex::new(&text);
                file.shown = match printable(&text) {
                    std::borrow::Cow::Owned(shown) => Some(shown),
                    std::borrow::Cow::Borrowed(_) => None,
                };
                file.text = Some(text);
                file.positions = None;
            }
            Kept::Positions { lines, wide, len } => {
                file.lines = lines;
                file.text = None;
                file.shown = None;
                file.positions = Some((wide, len));
            }
        }
    }

    pub fn display(&self, id: FileId) -> &str {
        &self.files[id].display
    }

    pub fn text(&self, id: FileId) -> &str {
        self.files[id].text.as_deref().unwrap_or("")
    }

    pub fn position(&self, id: FileId, offset: usize) -> Position {
        let file = &self.files[id];
        match (&file.text, &file.positions) {
            (Some(text), _) => file.lines.position(text, offset),
            (None, Some((wide, len))) => {
                let offset = offset.min(*len);
                let line = file.lines.line_index(offset);
                let start = file.lines.starts[line].min(offset);
                let column = match wide.binary_search_by_key(&line, |(l, _)| *l) {
                    Ok(i) => {
                        let text = &wide[i].1;
                        text[..clamp_to_char_boundary(text, offset - start)]
                            .chars()
                            .count()
                    }
                    Err(_) => offset - start,
                };
                Position {
                    line: line + 1,
                    column: column + 1,
                }
            }
            (None, None) => Position { line: 1, column: 1 },
        }
    }

    /// Start and end positions of a range (the end is exclusive: the column just past the last character).
    pub fn span(&self, id: FileId, range: &Range<usize>) -> (Position, Position) {
        (self.position(id, range.start), self.position(id, range.end))
    }
}

impl<'a> codespan_reporting::files::Files<'a> for Files {
    type FileId = FileId;
    type Name = &'a str;
    /// For snippets: control characters shown as `?`, byte for byte, so that a file cannot
    /// write escape sequences into a terminal or a CI log.
    type Source = std::borrow::Cow<'a, str>;

    fn name(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.files
            .get(id)
            .map(|f| f.display.as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn source(
        &'a self,
        id: FileId,
    ) -> Result<std::borrow::Cow<'a, str>, codespan_reporting::files::Error> {
        self.files
            .get(id)
            .map(|f| {
                std::borrow::Cow::Borrowed(f.shown.as_deref().or(f.text.as_deref()).unwrap_or(""))
            })
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_index(
        &'a self,
        id: FileId,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        let file = self
            .files
            .get(id)
            .ok_or(codespan_reporting::files::Error::FileMissing)?;
        Ok(file.lines.line_index(byte_index))
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let file = self
            .files
            .get(id)
            .ok_or(codespan_reporting::files::Error::FileMissing)?;
        let len = file.text.as_deref().map_or(0, str::len);
        let start = match file.lines.line_start(line_index) {
            Some(start) => start,
            None if line_index == file.lines.line_count() || line_index == 0 => len,
            None => {
                return Err(codespan_reporting::files::Error::LineTooLarge {
                    given: line_index,
                    max: file.lines.line_count().saturating_sub(1),
                });
            }
        };
        let end = file.lines.line_start(line_index + 1).unwrap_or(len);
        Ok(start.min(len)..end.min(len))
    }
}

/// The text with every control character but tab and line ends replaced by as many `?` as it
/// has bytes: offsets stay valid.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let bad = |(i, c): (usize, char)| {
        c.is_control()
            && c != '\t'
            && c != '\n'
            && !(c == '\r' && text.as_bytes().get(i + 1) == Some(&b'\n'))
    };
    if !text.char_indices().any(bad) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if bad((i, c)) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Text from the input shown in a message or label: control characters escaped as Rust does
/// (`\u{1b}`, `\n`).
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    // Control characters are C0 and DEL (one byte each) or C1 (0xC2 then 0x80..0x9F).
    if !text.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2) {
        return std::borrow::Cow::Borrowed(text);
    }
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_positions_match_the_full_text() {
        let text = "a = 1\r\nbé = \"x\"\n\tc = \"ü\" # é\nlast";
        let mut full = Files::new(vec!["a".into()]);
        full.set(0, Kept::new(text, true));
        let mut compact = Files::new(vec!["a".into()]);
        compact.set(0, Kept::new(text, false));
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                full.position(0, offset),
                compact.position(0, offset),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn positions_count_characters_and_handle_crlf() {
        let text = "a = 1\r\nbé = \"x\"\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), Position { line: 1, column: 1 });
        let quote = text.find('"').unwrap();
        assert_eq!(idx.position(text, quote), Position { line: 2, column: 6 });
        assert_eq!(
            idx.position(text, text.len()),
            Position { line: 3, column: 1 }
        );
    }
}
