//! Decoding and parsing one file with hcl-edit, keeping byte spans. A file that does not parse
//! is split into its top-level blocks; the blocks that parse on their own are still linted, and
//! each one lost becomes a `parse-error` diagnostic. Nothing here panics on any input.

use crate::diagnostic::{Diagnostic, FileId, Label, Severity};
use hcl_edit::structure::Body;

pub const PARSE_ERROR: &str = "parse-error";

/// A parsed piece of a file: the whole file (base 0), or one recovered top-level block.
/// Spans in `body` are relative to `base`.
pub struct Chunk {
    pub body: Body,
    pub base: usize,
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
        Ok(body) => return (vec![Chunk { body, base: 0 }], Vec::new()),
        Err(err) => err,
    };
    let mut chunks = Vec::new();
    let mut diagnostics = Vec::new();
    let pieces = crate::lex::split_top_level(text);
    for piece in &pieces {
        let src = &text[piece.clone()];
        match hcl_edit::parser::parse_body(src) {
            Ok(body) => chunks.push(Chunk {
                body,
                base: piece.start,
            }),
            Err(err) => {
                let at = piece.start + err.location().offset();
                let what = block_header(src);
                let message = format!("cannot parse {what}: {}", err.message());
                let mut diag = syntax_error(file, text, at, message, err.message(), src);
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
        diagnostics.push(syntax_error(file, text, at, message, whole.message(), text));
    }
    (chunks, diagnostics)
}

fn syntax_error(
    file: FileId,
    text: &str,
    at: usize,
    message: String,
    parser_message: &str,
    block: &str,
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
    let mut diag = Diagnostic::new(
        PARSE_ERROR,
        Severity::Error,
        Label::new(file, at..end, parser_message),
        message,
    );
    if let Some(help) = hint(parser_message, block) {
        diag = diag.help(help);
    }
    diag
}

/// Hints for the valid Terraform that hcl-edit rejects (see PARSER.md in the shared notes).
fn hint(parser_message: &str, block: &str) -> Option<&'static str> {
    if parser_message.contains("redefined object key") {
        Some(
            "Terraform's parser accepts a repeated key in an object constructor, iamlint's does not; remove the repeated key (only one of its values can be meant)",
        )
    } else if parser_message.contains("nesting depth") {
        Some("iamlint's parser reads at most 64 nested brackets; flatten the expression")
    } else if block.contains("=>") && block.contains("for ") {
        Some(
            "if this is a conditional or operator continued over a newline in the value of an object `for` expression, wrap that value in parentheses: `k => (...)`; Terraform accepts it as written, iamlint's parser does not",
        )
    } else {
        None
    }
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
    fn strips_bom_and_reports_bad_utf8() {
        let (text, diag) = decode(0, b"\xEF\xBB\xBFa = 1\n".to_vec());
        assert_eq!((text.as_str(), diag), ("a = 1\n", None));
        let (text, diag) = decode(0, b"a = \"\xff\"\n".to_vec());
        assert_eq!(diag.unwrap().primary.range, 5..8);
        assert!(text.contains('\u{FFFD}'));
    }
}
