use super::plural;
use crate::diagnostic::{Diagnostic, Severity};
use crate::report::Report;
use crate::source::{Files, LineIndex, printable};
use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label as CsLabel, Severity as CsSeverity,
};
use codespan_reporting::term::termcolor::{Ansi, NoColor};
use codespan_reporting::term::{self, Chars, Config};
use std::io::{self, Write};

pub fn emit(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    for d in &report.diagnostics {
        // Long lines (a one-line plan, minified JSON) are shown as a window around the labels.
        let (windowed, d) = match Windowed::new(&report.files, d) {
            Some((windowed, moved)) => (windowed, std::borrow::Cow::Owned(moved)),
            None => (Windowed::none(&report.files), std::borrow::Cow::Borrowed(d)),
        };
        let diagnostic = to_codespan(report, &d);
        let result = if color {
            term::emit_to_write_style(&mut Ansi::new(&mut *out), &config, &windowed, &diagnostic)
        } else {
            term::emit_to_write_style(
                &mut NoColor::new(&mut *out),
                &config,
                &windowed,
                &diagnostic,
            )
        };
        result.map_err(|e| match e {
            codespan_reporting::files::Error::Io(io) => io,
            other => io::Error::other(other.to_string()),
        })?;
    }
    let (errors, warnings, notes) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Note),
    );
    let checked = plural(report.files_checked, "file");
    if errors + warnings + notes == 0 {
        writeln!(out, "checked {checked}: no problems found")?;
    } else {
        writeln!(
            out,
            "checked {checked}: {}, {}, {}",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(notes, "note")
        )?;
    }
    // More than a screenful: which rules they are, most first.
    if errors + warnings + notes > TALLY_AFTER {
        let mut tally: Vec<(&str, usize)> = Vec::new();
        for d in &report.diagnostics {
            match tally.iter_mut().find(|(rule, _)| *rule == d.rule) {
                Some((_, n)) => *n += 1,
                None => tally.push((d.rule, 1)),
            }
        }
        tally.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let width = tally
            .iter()
            .map(|(_, n)| n.to_string().len())
            .max()
            .unwrap_or(1);
        writeln!(out, "by rule:")?;
        for (rule, n) in tally {
            writeln!(out, "  {n:>width$} {rule}")?;
        }
    }
    // Findings are only as complete as what could be evaluated.
    let stats = &report.stats;
    let unknown = stats.grants - stats.grants_known;
    if stats.grants >= UNKNOWN_HINT_MIN && unknown * 100 >= stats.grants * UNKNOWN_HINT_PERCENT {
        writeln!(
            out,
            "{unknown} of {} could not be evaluated (a role or member from an input or a computed value): see --stats",
            plural(stats.grants, "grant")
        )?;
    }
    let not_installed = report.unfollowed.iter().filter(|u| u.not_installed).count();
    if not_installed > 0 {
        writeln!(
            out,
            "{} not followed (run `terraform init` to let iamlint read them)",
            plural(not_installed, "module call")
        )?;
    }
    let outside = report.unfollowed.len() - not_installed;
    if outside > 0 {
        writeln!(
            out,
            "{} to a directory outside the paths checked not followed",
            plural(outside, "module call")
        )?;
    }
    Ok(())
}

fn to_codespan(report: &Report, d: &Diagnostic) -> CsDiagnostic<usize> {
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Note => CsSeverity::Note,
    };
    // A file with no text (it could not be read) gets no snippet: its path is in the message.
    let has_text =
        |file| !report.files.text(file).is_empty() || d.rule != crate::registry::IO_ERROR;
    let mut labels = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    // A file that is not text (a binary file named `.tf`) gets no snippet either: where the
    // finding is goes in a note.
    let mut not_text = |file: usize, range: &std::ops::Range<usize>| {
        if is_text(report.files.text(file)) {
            return false;
        }
        let at = report.files.position(file, range.start);
        let note = format!(
            "note: {}:{}:{}: not shown: the file is not text",
            report.files.display(file),
            at.line,
            at.column
        );
        if !notes.contains(&note) {
            notes.push(note);
        }
        true
    };
    if has_text(d.primary.file) && !not_text(d.primary.file, &d.primary.range) {
        labels.push(
            CsLabel::primary(d.primary.file, d.primary.range.clone())
                .with_message(&d.primary.message),
        );
    }
    for l in &d.secondary {
        if !not_text(l.file, &l.range) {
            labels.push(CsLabel::secondary(l.file, l.range.clone()).with_message(&l.message));
        }
    }
    notes.extend(d.notes.iter().map(|n| format!("note: {n}")));
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    CsDiagnostic::new(severity)
        .with_code(d.rule)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Above this many findings (a screenful), the summary adds a tally by rule.
const TALLY_AFTER: usize = 20;
/// The summary says how many grants could not be evaluated when they are at least this share
/// (in percent) of at least this many grants.
const UNKNOWN_HINT_PERCENT: usize = 30;
const UNKNOWN_HINT_MIN: usize = 5;

/// Text, as git decides: no NUL byte in its first 8,000 bytes.
fn is_text(text: &str) -> bool {
    !text.as_bytes()[..text.len().min(8000)].contains(&0)
}

/// Lines longer than this many characters are shown as a window around what is labelled.
const MAX_LINE: usize = 120;
/// Characters kept before the first label of a long line.
const CONTEXT: usize = 40;

/// The run's files as a diagnostic's snippet shows them: a file whose labelled lines are longer
/// than [`MAX_LINE`] is replaced by a copy in which every long line is cut to a window around
/// the labels on it (`...` marks what is left out). Lines keep their numbers.
struct Windowed<'a> {
    base: &'a Files,
    over: Vec<(usize, String, LineIndex)>,
    /// The original column of each label start moved into a copy: the location printed is
    /// the file's own, not the copy's.
    columns: Vec<(usize, usize, usize)>,
}

/// A long line cut to a window: where it starts in the original text and in the copy, and the
/// kept part.
struct Cut {
    line: usize,
    content_end: usize,
    new_line: usize,
    prefix: usize,
    win: std::ops::Range<usize>,
    suffix: usize,
}

impl<'a> Windowed<'a> {
    fn none(base: &'a Files) -> Windowed<'a> {
        Windowed {
            base,
            over: Vec::new(),
            columns: Vec::new(),
        }
    }

    /// `None` when no label touches a long line: the files as they are.
    fn new(base: &'a Files, d: &Diagnostic) -> Option<(Windowed<'a>, Diagnostic)> {
        let labels = || std::iter::once(&d.primary).chain(&d.secondary);
        let mut files: Vec<usize> = labels().map(|l| l.file).collect();
        files.sort_unstable();
        files.dedup();
        let mut windowed = Windowed::none(base);
        let mut moved = d.clone();
        for file in files {
            let text = base.text(file);
            // The primary first: a long line's window is about it when not all labels fit.
            let ranges: Vec<std::ops::Range<usize>> = labels()
                .filter(|l| l.file == file)
                .map(|l| l.range.start.min(text.len())..l.range.end.min(text.len()))
                .collect();
            let long = |offset: usize| {
                let offset = floor(text, offset);
                let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
                let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
                end - start > MAX_LINE && text[start..end].chars().count() > MAX_LINE
            };
            if !ranges.iter().any(|r| long(r.start) || long(r.end)) {
                continue;
            }
            let (copy, cuts) = cut_long_lines(text, &ranges);
            let map = |offset: usize| map_offset(&cuts, text, &copy, offset);
            for label in std::iter::once(&mut moved.primary).chain(moved.secondary.iter_mut()) {
                if label.file == file {
                    let column = base.position(file, label.range.start).column;
                    label.range = map(label.range.start)..map(label.range.end);
                    windowed.columns.push((file, label.range.start, column));
                }
            }
            let copy = printable(&copy).into_owned();
            let lines = LineIndex::new(&copy);
            windowed.over.push((file, copy, lines));
        }
        (!windowed.over.is_empty()).then_some((windowed, moved))
    }

    fn get(&self, id: usize) -> Option<&(usize, String, LineIndex)> {
        self.over.iter().find(|(f, _, _)| *f == id)
    }
}

/// The largest char boundary at or before `offset`.
fn floor(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The char boundary `n` characters after `offset` (or the end of `limit`).
fn forward(text: &str, offset: usize, n: usize, limit: usize) -> usize {
    text[offset..limit]
        .char_indices()
        .nth(n)
        .map_or(limit, |(i, _)| offset + i)
}

/// The char boundary `n` characters before `offset` (or `limit`).
fn back(text: &str, offset: usize, n: usize, limit: usize) -> usize {
    text[limit..offset]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(limit, |(i, _)| limit + i)
}

fn cut_long_lines(text: &str, ranges: &[std::ops::Range<usize>]) -> (String, Vec<Cut>) {
    let mut copy = String::new();
    let mut cuts = Vec::new();
    let mut line = 0;
    for piece in text.split_inclusive('\n') {
        let content = piece.trim_end_matches(['\n', '\r']);
        let content_end = line + content.len();
        if content.len() > MAX_LINE && content.chars().count() > MAX_LINE {
            let on_line: Vec<_> = ranges
                .iter()
                .filter(|r| r.start <= content_end && r.end >= line)
                .collect();
            // Every label of the line when they fit in the window, else the first (the
            // primary, when it is on this line), with some context before.
            let clip = |r: &std::ops::Range<usize>| {
                floor(text, r.start.max(line))..floor(text, r.end.min(content_end))
            };
            let union = match (
                on_line.iter().map(|r| clip(r).start).min(),
                on_line.iter().map(|r| clip(r).end).max(),
            ) {
                (Some(s), Some(e)) => s..e.max(s),
                _ => line..line,
            };
            let width =
                |r: &std::ops::Range<usize>| text[r.clone()].chars().take(MAX_LINE + 1).count();
            let focus = match on_line.first() {
                Some(first) if width(&union) > MAX_LINE => {
                    let c = clip(first);
                    c.start..c.end.max(c.start)
                }
                _ => union,
            };
            let slack = MAX_LINE.saturating_sub(width(&focus));
            let start = back(text, focus.start, CONTEXT.min(slack), line);
            let end = forward(text, start, MAX_LINE, content_end);
            let prefix = if start > line { "..." } else { "" };
            let suffix = if end < content_end { "..." } else { "" };
            cuts.push(Cut {
                line,
                content_end,
                new_line: copy.len(),
                prefix: prefix.len(),
                win: start..end,
                suffix: suffix.len(),
            });
            copy.push_str(prefix);
            copy.push_str(&text[start..end]);
            copy.push_str(suffix);
            copy.push_str(&piece[content.len()..]);
        } else {
            copy.push_str(piece);
        }
        line += piece.len();
    }
    (copy, cuts)
}

/// Where an offset of the original text is in the copy.
fn map_offset(cuts: &[Cut], text: &str, copy: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    // The text removed before the cut that holds the offset, or before the offset.
    let index = cuts.partition_point(|c| c.line <= offset);
    // What a cut line's copy is shorter (or, with its `...`, longer) than the line.
    let removed =
        |c: &Cut| (c.content_end - c.line) as isize - (c.prefix + c.win.len() + c.suffix) as isize;
    let before: isize = cuts[..index.saturating_sub(1)].iter().map(removed).sum();
    let Some(cut) = index.checked_sub(1).map(|i| &cuts[i]) else {
        return offset;
    };
    let mapped = if offset > cut.content_end {
        // Past the line's content (its line end), or on a later line.
        (offset as isize - removed(cut) - before).clamp(0, copy.len() as isize) as usize
    } else if offset < cut.win.start {
        cut.new_line
    } else if offset <= cut.win.end {
        cut.new_line + cut.prefix + (offset - cut.win.start)
    } else {
        cut.new_line + cut.prefix + cut.win.len() + cut.suffix
    };
    floor(copy, mapped)
}

impl<'a> codespan_reporting::files::Files<'a> for Windowed<'a> {
    type FileId = usize;
    type Name = &'a str;
    type Source = std::borrow::Cow<'a, str>;

    fn name(&'a self, id: usize) -> Result<&'a str, codespan_reporting::files::Error> {
        self.base.name(id)
    }

    fn source(&'a self, id: usize) -> Result<Self::Source, codespan_reporting::files::Error> {
        match self.get(id) {
            Some((_, text, _)) => Ok(std::borrow::Cow::Borrowed(text)),
            None => self.base.source(id),
        }
    }

    fn line_index(
        &'a self,
        id: usize,
        byte: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        match self.get(id) {
            Some((_, _, lines)) => Ok(lines.line_index(byte)),
            None => self.base.line_index(id, byte),
        }
    }

    fn column_number(
        &'a self,
        id: usize,
        line: usize,
        byte: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        match self.columns.iter().find(|(f, b, _)| *f == id && *b == byte) {
            Some((_, _, column)) => Ok(*column),
            None => {
                let source = self.source(id)?;
                let range = self.line_range(id, line)?;
                let start = range.start.min(byte);
                Ok(source.get(start..byte).map_or(1, |s| s.chars().count() + 1))
            }
        }
    }

    fn line_range(
        &'a self,
        id: usize,
        line: usize,
    ) -> Result<std::ops::Range<usize>, codespan_reporting::files::Error> {
        let Some((_, text, lines)) = self.get(id) else {
            return self.base.line_range(id, line);
        };
        let start = lines.line_start(line).unwrap_or(text.len()).min(text.len());
        let end = lines
            .line_start(line + 1)
            .unwrap_or(text.len())
            .min(text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_labels_and_offsets_follow() {
        let long = format!("{}TARGET{}", "a".repeat(300), "é".repeat(300));
        let text = format!("short\n{long}\nafter LABEL here\n{long}");
        let target = text.find("TARGET").unwrap();
        let label = text.find("LABEL").unwrap();
        let ranges = [target..target + 6, label..label + 5];
        let (copy, cuts) = cut_long_lines(&text, &ranges);
        assert_eq!(cuts.len(), 2);
        assert_eq!(copy.lines().count(), text.lines().count());
        let map = |o| map_offset(&cuts, &text, &copy, o);
        assert_eq!(&copy[map(target)..map(target + 6)], "TARGET");
        assert_eq!(&copy[map(label)..map(label + 5)], "LABEL");
        for line in copy.lines() {
            assert!(line.chars().count() <= MAX_LINE + 6, "{line}");
        }
        assert!(copy.lines().nth(1).unwrap().starts_with("..."));
        assert!(copy.lines().nth(1).unwrap().ends_with("..."));
        // The second long line has no label: its start is kept.
        assert!(copy.lines().nth(3).unwrap().starts_with("aaa"));
        assert_eq!(map(text.len()), copy.len());
    }
}
