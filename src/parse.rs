//! Decoding and parsing one file with hcl-edit, keeping byte spans. A file that does not parse
//! is split into its top-level blocks; the blocks that parse on their own are still linted, and
//! each one lost becomes a `parse-error` diagnostic. Nothing here panics on any input.
//!
//! Two constructs are valid Terraform that hcl-edit rejects (PARSER.md §6 in the shared notes).
//! When a block fails on one of them, and only then (the rewrite the help suggests makes the
//! block parse, or the parser names the repeated key), the diagnostic is a warning that says
//! this is iamlint's limitation, not a mistake in the code. A block that looks like a Jinja
//! template (`{{`, `{%`) is not Terraform: it gets neither the warning nor a hint.

use crate::diagnostic::{Diagnostic, FileId, Label, Severity};
use hcl_edit::structure::Body;
use rayon::prelude::*;
use std::ops::Range;

use crate::registry::PARSE_ERROR;

/// A parsed piece of a file: the whole file (base 0), one recovered top-level block, or one
/// block read through the file's outline. Spans in `body` are relative to `base`.
pub struct Chunk {
    pub body: Body,
    pub base: usize,
    /// For a block whose arguments are parsed only when first read: `body` holds the block
    /// with no arguments (and no spans), and this its arguments.
    pub lazy: Option<Box<Lazy>>,
}

/// The arguments of a block read through its file's outline, parsed on first use: a copy of
/// the block with every other byte blanked ([`blank`]) is parsed then, so every span is the
/// one the whole file's parse gives.
pub struct Lazy {
    text: std::sync::Arc<str>,
    block: Range<usize>,
    open: usize,
    keep: Vec<Range<usize>>,
    body: std::sync::OnceLock<Option<Body>>,
}

impl Lazy {
    /// The block at `block` of `text` (its `{` at `open`), keeping the arguments at `keep`.
    pub fn new(
        text: std::sync::Arc<str>,
        block: Range<usize>,
        open: usize,
        keep: Vec<Range<usize>>,
    ) -> Lazy {
        Lazy {
            text,
            block,
            open,
            keep,
            body: std::sync::OnceLock::new(),
        }
    }
}

impl crate::eval::LazyBody for Lazy {
    fn body(&self) -> Option<&Body> {
        self.body
            .get_or_init(|| {
                let blanked = blank(&self.text, self.block.clone(), self.open, &self.keep);
                let body = hcl_edit::parser::parse_body(&blanked).ok()?;
                body.into_blocks().next().map(|block| block.body)
            })
            .as_ref()
    }
}

/// A copy of the block at `block` of `text` (its body's `{` at `open`) with every byte of its
/// body but the ranges `keep` (in order, inside the body) replaced by a space, line endings
/// kept: it parses as the block with only those arguments, each at its place.
pub fn blank(text: &str, block: Range<usize>, open: usize, keep: &[Range<usize>]) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(block.len());
    let spaces = |out: &mut Vec<u8>, range: Range<usize>| {
        out.extend(
            bytes[range]
                .iter()
                .map(|&c| if c == b'\n' { b'\n' } else { b' ' }),
        );
    };
    out.extend_from_slice(&bytes[block.start..=open]);
    let mut at = open + 1;
    for range in keep {
        spaces(&mut out, at..range.start);
        out.extend_from_slice(&bytes[range.clone()]);
        at = range.end;
    }
    spaces(&mut out, at..block.end - 1);
    out.push(b'}');
    // Only ASCII spaces replaced whole characters' bytes, so the copy is UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// A top-level block of a file parsed block by block ([`parse_pieces`]): where it is and what
/// its header told. Neither its syntax tree nor its header is kept (in a huge file their
/// strings were more than the text); the model parses the block again when it needs it.
#[derive(Clone, Debug)]
pub struct Piece {
    pub range: Range<usize>,
    /// An `output` block.
    pub output: bool,
    /// The reader keeps the block while it reads the file: `parse_pieces`'s `held` said so.
    pub held: bool,
}

/// Files of at least this many bytes are parsed block by block, so that the syntax tree of the
/// whole file (25 to 30 times its size) is never held at once.
const SPLIT_ABOVE: usize = 4 << 20;

/// [`SPLIT_ABOVE`], or `IAMLINT_SPLIT_ABOVE` from the environment: the tests set it to 0 to
/// run every file through the block-by-block path and compare the output.
pub fn split_above() -> usize {
    static AT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *AT.get_or_init(|| {
        std::env::var("IAMLINT_SPLIT_ABOVE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(SPLIT_ABOVE)
    })
}

/// Parses a file block by block, in parallel, keeping no syntax tree: its top-level pieces and,
/// when `spans` is asked for, the spans of its structures (for suppressions). `None` unless
/// every piece parses, the text before the first holds only comments and no piece has a
/// top-level attribute: then the whole file parses, with these very blocks and spans, and
/// anything else is left to [`parse`], which reports syntax errors as for any file. `held`
/// tells, from a block's ident, labels and text, whether the reader keeps it ([`Piece::held`]).
pub fn parse_pieces(
    text: &str,
    spans: bool,
    held: &(impl Fn(&str, &[&str], &str) -> bool + Sync),
) -> Option<(Vec<Piece>, Vec<Range<usize>>)> {
    let ranges = crate::lex::split_top_level(text);
    let first = ranges.first()?.start;
    let prefix = hcl_edit::parser::parse_body(&text[..first]).ok()?;
    if prefix.iter().next().is_some() {
        return None;
    }
    let parsed: Vec<Option<(Piece, Vec<Range<usize>>)>> = ranges
        .into_par_iter()
        .map(|range| {
            let body = hcl_edit::parser::parse_body(&text[range.clone()]).ok()?;
            if body.attributes().next().is_some() {
                return None;
            }
            let mut blocks = body.blocks();
            let block = blocks.next()?;
            let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
            let ident = block.ident.as_str();
            let piece = Piece {
                output: ident == "output",
                held: held(ident, &labels, &text[range.clone()]),
                range: range.clone(),
            };
            // One block a piece: a piece starts at each top-level block.
            if blocks.next().is_some() {
                return None;
            }
            let mut out = Vec::new();
            if spans {
                crate::suppress::structure_spans(&body, range.start, &mut out);
            }
            Some((piece, out))
        })
        .collect();
    let mut pieces = Vec::with_capacity(parsed.len());
    let mut all_spans = Vec::new();
    for p in parsed {
        let (piece, spans) = p?;
        pieces.push(piece);
        all_spans.extend(spans);
    }
    Some((pieces, all_spans))
}

/// Decodes file bytes: strips a UTF-8 BOM. Invalid UTF-8 is decoded lossily, for display, and
/// comes with a diagnostic (the file is then not parsed).
pub fn decode(file: FileId, bytes: Vec<u8>) -> (String, Option<Diagnostic>) {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
            let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            let diag = Diagnostic::new(
                PARSE_ERROR,
                Severity::Error,
                Label::new(file, at..end, "not UTF-8"),
                "file is not valid UTF-8, so it is not checked",
            )
            .help("Terraform reads only UTF-8; re-save the file as UTF-8");
            (text, Some(diag))
        }
    }
}

/// Parses a file. Returns the chunks that parsed and a diagnostic per syntax error.
pub fn parse(file: FileId, text: &str) -> (Vec<Chunk>, Vec<Diagnostic>) {
    let whole = match hcl_edit::parser::parse_body(text) {
        Ok(body) => {
            let chunk = Chunk {
                body,
                base: 0,
                lazy: None,
            };
            return (vec![chunk], Vec::new());
        }
        Err(err) => err,
    };
    let mut chunks = Vec::new();
    let mut diagnostics = Vec::new();
    let jinja = looks_like_jinja(text);
    let pieces = crate::lex::split_top_level(text);
    for piece in &pieces {
        let src = &text[piece.clone()];
        match hcl_edit::parser::parse_body(src) {
            Ok(body) => chunks.push(Chunk {
                body,
                base: piece.start,
                lazy: None,
            }),
            Err(err) => {
                let at = piece.start + err.location().offset();
                let what = block_header(src);
                let gap = known_gap(src, err.location().offset(), err.message()).filter(|_| !jinja);
                let message = match gap {
                    Some(_) => format!(
                        "iamlint cannot parse {what}, which Terraform accepts: a limitation of iamlint's parser ({})",
                        err.message()
                    ),
                    None => format!("cannot parse {what}: {}", err.message()),
                };
                let mut diag = syntax_error(file, text, at, message, err.message(), gap);
                diag = diag.note(format!(
                    "{what} is not checked; the other blocks of this file are"
                ));
                diagnostics.push(diag);
            }
        }
    }
    if diagnostics.is_empty() {
        // The pieces parse on their own but the file does not: report the file's own error.
        let at = whole.location().offset();
        let message = format!("syntax error: {}", whole.message());
        let gap = known_gap(text, at, whole.message()).filter(|_| !jinja);
        diagnostics.push(syntax_error(file, text, at, message, whole.message(), gap));
    }
    (chunks, diagnostics)
}

fn syntax_error(
    file: FileId,
    text: &str,
    at: usize,
    message: String,
    parser_message: &str,
    gap: Option<Gap>,
) -> Diagnostic {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let end = text[at..]
        .chars()
        .next()
        .filter(|c| *c != '\n' && *c != '\r')
        .map_or(at, |c| at + c.len_utf8());
    let severity = if gap.is_some() {
        Severity::Warning
    } else {
        Severity::Error
    };
    let mut diag = Diagnostic::new(
        PARSE_ERROR,
        severity,
        Label::new(file, at..end, parser_message),
        message,
    );
    let help = match gap {
        Some(Gap::RepeatedKey) => Some(
            "Terraform's parser accepts a repeated key in an object constructor, iamlint's does not; to have this block checked, remove the repeated key (only one of its values can be meant)",
        ),
        Some(Gap::ForValueOverLines) => Some(
            "Terraform accepts a conditional or operator continued over a newline in the value of an object `for` expression, iamlint's parser does not; to have this block checked, wrap that value in parentheses: `k => (...)`",
        ),
        None if parser_message.contains("nesting depth") => {
            Some("iamlint's parser reads at most 64 nested brackets; flatten the expression")
        }
        None => None,
    };
    if let Some(help) = help {
        diag = diag.help(help);
    }
    diag
}

/// A construct Terraform accepts and hcl-edit rejects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gap {
    /// `{ x = 1, x = 2 }`
    RepeatedKey,
    /// `{ for k, v in m : k =>`⏎`v ? 1 : 2 }` with the value over several lines.
    ForValueOverLines,
}

/// Whether the error at `at` in `block` is one of the known gaps: the parser names a repeated
/// key, or wrapping the value of the object `for` expression before `at` in parentheses makes
/// the block parse. Never for what looks like a Jinja template.
fn known_gap(block: &str, at: usize, parser_message: &str) -> Option<Gap> {
    if looks_like_jinja(block) {
        return None;
    }
    if parser_message.contains("redefined object key") {
        return Some(Gap::RepeatedKey);
    }
    // The rewrite the help suggests, on every `for` value of the block: the last first, so the
    // offsets of the earlier ones still hold.
    block.get(..at)?.rfind("=>")?;
    let arrows: Vec<usize> = block.match_indices("=>").map(|(i, _)| i + 2).collect();
    let mut repaired = block.to_string();
    for &start in arrows.iter().rev() {
        let end = value_end(&repaired, start)?;
        repaired.insert_str(end, "\n)");
        repaired.insert(start, '(');
    }
    hcl_edit::parser::parse_body(&repaired)
        .is_ok()
        .then_some(Gap::ForValueOverLines)
}

/// Jinja (or cookiecutter) markup, which no Terraform file has: `{{ x }}`, `{% if %}`.
fn looks_like_jinja(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// Where the value of an object `for` expression that starts at `from` ends: at the `}` that
/// closes the expression, or at its `if` clause or `...` grouping, skipping strings and comments.
fn value_end(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' => i = text[i..].find('\n').map_or(bytes.len(), |n| i + n),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n)
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' => depth = depth.checked_sub(1)?,
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            b'.' if depth == 0 && text[i..].starts_with("...") => return Some(i),
            b'i' if depth == 0
                && text[i..].starts_with("if")
                && bytes[i - 1].is_ascii_whitespace()
                && bytes.get(i + 2).is_some_and(|b| b.is_ascii_whitespace()) =>
            {
                return Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Names a block by its first line, for example `resource "google_project_iam_member" "ci"`.
fn block_header(src: &str) -> String {
    let line = src.trim_start().lines().next().unwrap_or("");
    let header = line.split('{').next().unwrap_or(line).trim();
    let header: String = header.chars().take(100).collect();
    if header.is_empty() {
        "this block".to_string()
    } else {
        format!("`{header}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_top_level_blocks_only() {
        let text = "# c\nresource \"a\" \"b\" {\n  x = <<EOT\nresource \"no\" \"no\" {\nEOT\n  provider = google\n}\nlocals {\n  s = \"}\\\" ${ \"{\" }\"\n}\n";
        let pieces = crate::lex::split_top_level(text);
        let heads: Vec<&str> = pieces
            .iter()
            .map(|r| text[r.clone()].lines().next().unwrap())
            .collect();
        assert_eq!(heads, vec!["resource \"a\" \"b\" {", "locals {"]);
    }

    #[test]
    fn pieces_are_the_whole_files_blocks_or_nothing() {
        let text = "# head\n/* c */\nresource \"a\" \"b\" {\n  x = [1, {y = 2}]\n}\n# iamlint-ignore: x\nlocals {\n  y = \"}\"\n}\n";
        let seen = std::sync::Mutex::new(Vec::new());
        let held = |ident: &str, labels: &[&str], block: &str| {
            let head = format!("{ident} {labels:?} {}", block.lines().next().unwrap_or(""));
            seen.lock().unwrap().push(head);
            ident == "locals"
        };
        let (pieces, spans) = parse_pieces(text, true, &held).unwrap();
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(
            seen,
            [
                "locals [] locals {",
                "resource [\"a\", \"b\"] resource \"a\" \"b\" {"
            ]
        );
        let held: Vec<bool> = pieces.iter().map(|p| p.held).collect();
        assert_eq!(held, [false, true]);
        assert!(pieces.iter().all(|p| !p.output));
        let whole = hcl_edit::parser::parse_body(text).unwrap();
        let mut want = Vec::new();
        crate::suppress::structure_spans(&whole, 0, &mut want);
        assert_eq!(spans, want);
        // What the whole file would not give the same way is left to `parse`: an attribute
        // before the first block or between blocks, a syntax error, no block at all.
        assert!(
            parse_pieces("a = 1\nresource \"a\" \"b\" {}\n", false, &|_, _, _| false).is_none()
        );
        assert!(
            parse_pieces("resource \"a\" \"b\" {\n}\nb = 2\n", false, &|_, _, _| {
                false
            })
            .is_none()
        );
        assert!(
            parse_pieces("resource \"a\" \"b\" {\n  x = [\n}\n", false, &|_, _, _| {
                false
            })
            .is_none()
        );
        assert!(parse_pieces("# only a comment\n", false, &|_, _, _| false).is_none());
    }

    #[test]
    fn recovers_the_blocks_that_parse() {
        let text = "resource \"a\" \"b\" {\n  x = [\n}\n\nresource \"c\" \"d\" {\n  y = 1\n}\n";
        let (chunks, diags) = parse(0, text);
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].base, text.find("resource \"c\"").unwrap());
        assert_eq!(diags.len(), 1);
        assert!(
            diags[0].message.contains("`resource \"a\" \"b\"`"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn the_known_gaps_are_warnings_with_a_hint_and_nothing_else_is() {
        let gap =
            "locals {\n  a = { for k, v in var.m : k =>\n    v.x\n    ? 1 # one\n    : 2\n  }\n}\n";
        let (_, diags) = parse(0, gap);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].severity, Severity::Warning);
        assert!(
            diags[0]
                .message
                .contains("which Terraform accepts: a limitation of iamlint's parser"),
            "{}",
            diags[0].message
        );
        assert!(diags[0].help.as_deref().unwrap().contains("k => (...)"));

        let (_, diags) = parse(0, "locals {\n  a = { x = 1, x = 2 }\n}\n");
        assert_eq!(diags[0].severity, Severity::Warning);
        assert!(diags[0].help.as_deref().unwrap().contains("repeated key"));

        // Several in one block, with an `if` clause and a grouping.
        let (_, diags) = parse(
            0,
            "locals {\n  a = { for k, v in var.m : k => v ?\n1 : 2 if v != null }\n  b = { for k, v in var.m : k => v +\n1... }\n}\n",
        );
        assert_eq!(diags[0].severity, Severity::Warning, "{}", diags[0].message);
        // A real mistake near a `for` is an error, with no hint.
        let (_, diags) = parse(
            0,
            "locals {\n  a = { for k, v in var.m : k => v +\n  }\n}\n",
        );
        assert_eq!(diags[0].severity, Severity::Error);
        assert_eq!(diags[0].help, None);
        // A Jinja template is not Terraform: an error, no hint.
        let jinja =
            "locals {\n  a = { for k, v in {{ m }} : k =>\n    v\n    ? 1\n    : 2\n  }\n}\n";
        let (_, diags) = parse(0, jinja);
        assert_eq!(diags[0].severity, Severity::Error);
        assert_eq!(diags[0].help, None);
        let jinja = "locals {\n  a = { x = 1, x = 2 }\n}\n\n# {{ cookiecutter.name }}\nlocals {\n  b = [\n}\n";
        let (_, diags) = parse(0, jinja);
        assert!(
            diags
                .iter()
                .all(|d| d.severity == Severity::Error && d.help.is_none())
        );
    }

    #[test]
    fn a_blanked_block_parses_with_the_spans_of_the_whole_file() {
        use crate::eval::LazyBody;
        use hcl_edit::Span;
        let text = "# c\nvariable \"v\" { # one\n  description = <<-EOT\n    é ${x}\n  EOT\n  type = map(string) # t\n  validation {\n    condition = true\n  }\n  default = {\n    a = \"b\"\n  }\n}\n";
        let whole = hcl_edit::parser::parse_body(text).unwrap();
        let block = whole.blocks().next().unwrap();
        let outline = crate::outline::scan(text).unwrap();
        let b = &outline[0];
        let keep: Vec<Range<usize>> = b
            .attrs
            .iter()
            .filter(|a| a.key != "description")
            .map(|a| a.range.clone())
            .collect();
        let lazy = Lazy::new(text.into(), b.range.clone(), b.open, keep);
        let body = lazy.body().unwrap();
        let keys: Vec<&str> = body.attributes().map(|a| a.key.as_str()).collect();
        assert_eq!(keys, ["type", "default"]);
        for attr in body.attributes() {
            let want = block.body.get_attribute(attr.key.as_str()).unwrap();
            let at = |r: Range<usize>| r.start + b.range.start..r.end + b.range.start;
            assert_eq!(attr.value.span().map(at), want.value.span());
            assert_eq!(attr.value.to_string(), want.value.to_string());
        }
        assert_eq!(
            blank(text, b.range.clone(), b.open, &[]).len(),
            b.range.len()
        );
    }

    #[test]
    fn strips_bom_and_reports_bad_utf8() {
        let (text, diag) = decode(0, b"\xEF\xBB\xBFa = 1\n".to_vec());
        assert_eq!((text.as_str(), diag), ("a = 1\n", None));
        let (text, diag) = decode(0, b"a = \"\xff\"\n".to_vec());
        assert_eq!(diag.unwrap().primary.range, 5..8);
        assert!(text.contains('\u{FFFD}'));
    }
}
