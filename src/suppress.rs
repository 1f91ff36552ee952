//! Inline suppressions.
//!
//! ```hcl
//! # iamlint-ignore: basic-role, user-member -- break-glass account, reviewed by security
//! resource "google_project_iam_member" "owner" { ... }
//!
//! # iamlint-ignore-file: user-member until=2027-01-01 -- migrating to groups this quarter
//! ```
//!
//! A suppression on a line of its own covers the block, attribute or list element that starts
//! on the next line of code; one after code covers what starts on its own line. `-file:` at the
//! top of a file covers the file. `//` and `/* */` work like `#`. A reason after `--` is
//! required; `until=YYYY-MM-DD` makes it expire. Suppressions that are invalid, expired or that
//! suppress nothing are diagnostics themselves.

use crate::diagnostic::{Diagnostic, FileId, Label, Severity};
use crate::registry;
use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};
use std::ops::Range;

use crate::registry::{
    EXPIRED_SUPPRESSION as EXPIRED, INVALID_SUPPRESSION as INVALID, UNUSED_SUPPRESSION as UNUSED,
};

/// One rule named by one suppression comment.
#[derive(Clone, Debug)]
struct Entry {
    rule: String,
    /// Where the rule id is written, for `unused-suppression`.
    at: Range<usize>,
    used: bool,
}

#[derive(Clone, Debug)]
pub struct Suppression {
    file: FileId,
    comment: Range<usize>,
    /// What it covers: the whole file, or a byte range.
    covers: Option<Range<usize>>,
    entries: Vec<Entry>,
    expired: Option<String>,
}

/// A calendar date, for `until=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub i32, pub u32, pub u32);

impl Date {
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        if ![y, m, d]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        let date = Date(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        ((1..=12).contains(&date.1) && (1..=date.days_in_month()).contains(&date.2)).then_some(date)
    }

    /// The days of the date's month (proleptic Gregorian calendar): 2026-02 has 28.
    fn days_in_month(self) -> u32 {
        let Date(y, m, _) = self;
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        match m {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days((secs / 86_400) as i64)
    }

    /// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
        Date(y, m, d)
    }
}

/// The byte ranges of every block, attribute and list element, which a suppression can cover.
pub fn structure_spans(body: &Body, base: usize, out: &mut Vec<Range<usize>>) {
    for structure in body.iter() {
        let Some(span) = structure.span() else {
            continue;
        };
        out.push(span.start + base..span.end + base);
        match structure {
            Structure::Block(block) => structure_spans(&block.body, base, out),
            Structure::Attribute(attr) => expression_spans(&attr.value, base, out),
        }
    }
}

fn expression_spans(expr: &Expression, base: usize, out: &mut Vec<Range<usize>>) {
    match expr {
        Expression::Array(items) => {
            for item in items.iter() {
                if let Some(span) = item.span() {
                    out.push(span.start + base..span.end + base);
                }
                expression_spans(item, base, out);
            }
        }
        Expression::Object(object) => {
            for (_, value) in object.iter() {
                if let Some(span) = value.expr().span() {
                    out.push(span.start + base..span.end + base);
                }
                expression_spans(value.expr(), base, out);
            }
        }
        Expression::FuncCall(call) => call
            .args
            .iter()
            .for_each(|a| expression_spans(a, base, out)),
        _ => {}
    }
}

/// Reads the suppression comments of a file. `spans` are its structures ([`structure_spans`]).
/// Returns the suppressions and the diagnostics for those that are invalid.
pub fn collect(
    file: FileId,
    text: &str,
    spans: &[Range<usize>],
    today: Date,
) -> (Vec<Suppression>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    if !text.contains("iamlint-ignore") {
        return (out, problems);
    }
    let scan = crate::lex::scan(text);
    let first_code = first_code_offset(text, &scan.comments);
    let invalid = |range: Range<usize>, message: String, help: &str| {
        diag(INVALID, file, range, "", message).help(help.to_string())
    };
    for comment in &scan.comments {
        let raw = &text[comment.clone()];
        let inner = raw
            .trim_start_matches('#')
            .trim_start_matches("//")
            .trim_start_matches("/*")
            .trim_end_matches("*/");
        let lead = raw.len() - raw.trim_start_matches(['#', '/', '*']).len();
        let trimmed = inner.trim_start();
        let offset = comment.start + lead + (inner.len() - trimmed.len());
        let (file_level, rest, rest_at) = if let Some(r) =
            trimmed.strip_prefix("iamlint-ignore-file:")
        {
            (true, r, offset + "iamlint-ignore-file:".len())
        } else if let Some(r) = trimmed.strip_prefix("iamlint-ignore:") {
            (false, r, offset + "iamlint-ignore:".len())
        } else {
            if trimmed.starts_with("iamlint-ignore") {
                problems.push(invalid(
                    comment.clone(),
                    "this looks like a suppression but is not one".into(),
                    "write `iamlint-ignore: RULE-ID -- reason` or `iamlint-ignore-file: RULE-ID -- reason`",
                ));
            }
            continue;
        };
        let (spec, reason) = match rest.split_once("--") {
            Some((spec, reason)) => (spec, reason.trim()),
            None => (rest, ""),
        };
        if reason.is_empty() {
            problems.push(invalid(
                comment.clone(),
                "suppression without a reason".into(),
                "say why after `--`: `# iamlint-ignore: RULE-ID -- reason`",
            ));
            continue;
        }
        let mut entries = Vec::new();
        let mut until = None;
        let mut valid = true;
        let mut named_any = false;
        let mut at = rest_at;
        for token in spec.split(|c: char| c == ',' || c.is_whitespace()) {
            let start = at;
            at += token.len() + 1;
            if token.is_empty() {
                continue;
            }
            let range = start..start + token.len();
            named_any |= !token.starts_with("until=");
            if let Some(date) = token.strip_prefix("until=") {
                match Date::parse(date) {
                    Some(d) => until = Some((d, date.to_string())),
                    None => {
                        problems.push(invalid(
                            range,
                            format!("`{date}` is not a date"),
                            "write the date as `until=YYYY-MM-DD`",
                        ));
                        valid = false;
                    }
                }
            } else if registry::meta(token).is_some() {
                entries.push(Entry {
                    rule: token.to_string(),
                    at: range,
                    used: false,
                });
            } else {
                let help = match registry::suggest_id(token) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => "`iamlint rules` lists the rule ids".into(),
                };
                problems.push(
                    diag(
                        INVALID,
                        file,
                        range,
                        "unknown rule",
                        format!("suppression names an unknown rule `{token}`"),
                    )
                    .help(help),
                );
            }
        }
        if entries.is_empty() {
            if valid && !named_any {
                problems.push(invalid(
                    comment.clone(),
                    "suppression names no rule".into(),
                    "name the rule ids before `--`",
                ));
            }
            continue;
        }
        if !valid {
            continue;
        }
        if file_level && first_code.is_some_and(|code| code < comment.start) {
            problems.push(invalid(
                comment.clone(),
                "`iamlint-ignore-file` must come before any code".into(),
                "move it to the top of the file, or use `iamlint-ignore` before the block",
            ));
            continue;
        }
        let covers = if file_level {
            None
        } else {
            Some(covered(text, comment, spans))
        };
        let expired = until.filter(|(d, _)| *d < today).map(|(_, text)| text);
        out.push(Suppression {
            file,
            comment: comment.clone(),
            covers,
            entries,
            expired,
        });
    }
    (out, problems)
}

fn diag(
    rule: &'static str,
    file: FileId,
    range: Range<usize>,
    label: &str,
    message: String,
) -> Diagnostic {
    let severity = registry::meta(rule).map_or(Severity::Warning, |m| m.default_severity);
    Diagnostic::new(rule, severity, Label::new(file, range, label), message)
}

/// Where the first code (not a comment or whitespace) of the text is.
fn first_code_offset(text: &str, comments: &[Range<usize>]) -> Option<usize> {
    let mut at = 0;
    for comment in comments {
        if !text[at..comment.start].trim().is_empty() {
            break;
        }
        at = comment.end;
    }
    let rest = &text[at..];
    (!rest.trim().is_empty()).then(|| at + (rest.len() - rest.trim_start().len()))
}

/// What a line suppression covers: the structures starting on its target line (its own line
/// when code precedes it there, otherwise the next line with code), or that line alone.
fn covered(text: &str, comment: &Range<usize>, spans: &[Range<usize>]) -> Range<usize> {
    let line_start = text[..comment.start].rfind('\n').map_or(0, |i| i + 1);
    let target = if !text[line_start..comment.start].trim().is_empty() {
        line_start
    } else {
        let mut at = text[comment.end..]
            .find('\n')
            .map_or(text.len(), |i| comment.end + i + 1);
        loop {
            if at >= text.len() {
                break text.len();
            }
            let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            let line = text[at..line_end].trim();
            let code = !line.is_empty()
                && !line.starts_with('#')
                && !line.starts_with("//")
                && !line.starts_with("/*");
            if code {
                break at;
            }
            at = line_end + 1;
        }
    };
    let line_end = text[target..].find('\n').map_or(text.len(), |i| target + i);
    let mut range = target..line_end;
    for span in spans
        .iter()
        .filter(|s| s.start >= target && s.start < line_end)
    {
        range.end = range.end.max(span.end);
    }
    range
}

/// Drops the diagnostics that suppressions cover and reports expired and unused suppressions.
/// Diagnostics of the suppression rules themselves are never suppressed.
pub fn apply(suppressions: &mut [Suppression], diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut kept = filter(suppressions, diagnostics);
    report(suppressions, &mut kept);
    kept
}

/// Drops the diagnostics that suppressions cover, marking the suppressions used; reports nothing.
pub fn filter(suppressions: &mut [Suppression], diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut kept = Vec::with_capacity(diagnostics.len());
    'next: for d in diagnostics {
        if matches!(d.rule, INVALID | EXPIRED | UNUSED) {
            kept.push(d);
            continue;
        }
        for s in suppressions
            .iter_mut()
            .filter(|s| s.file == d.primary.file && s.expired.is_none())
        {
            let inside = s.covers.as_ref().is_none_or(|r| {
                r.start <= d.primary.range.start && d.primary.range.start < r.end.max(r.start + 1)
            });
            if !inside {
                continue;
            }
            if let Some(entry) = s.entries.iter_mut().find(|e| e.rule == d.rule) {
                entry.used = true;
                continue 'next;
            }
        }
        kept.push(d);
    }
    kept
}

/// Adds the expired and unused suppressions to `out`.
fn report(suppressions: &[Suppression], out: &mut Vec<Diagnostic>) {
    let kept = out;
    for s in suppressions.iter() {
        if let Some(date) = &s.expired {
            kept.push(
                diag(
                    EXPIRED,
                    s.file,
                    s.comment.clone(),
                    "",
                    format!("suppression expired on {date}"),
                )
                .help("fix what it suppressed, or move the date after reviewing it again"),
            );
            continue;
        }
        for e in s.entries.iter().filter(|e| !e.used) {
            kept.push(
                diag(
                    UNUSED,
                    s.file,
                    e.at.clone(),
                    "suppresses nothing",
                    format!("suppression of `{}` suppresses nothing", e.rule),
                )
                .help("remove it: the finding it was for is gone"),
            );
        }
    }
}

impl Suppression {
    /// The file the comment is in.
    pub fn file(&self) -> FileId {
        self.file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(Date::from_days(0), Date(1970, 1, 1));
        assert_eq!(Date::from_days(20_414), Date(2025, 11, 22));
        assert_eq!(Date::parse("2027-01-31"), Some(Date(2027, 1, 31)));
        assert_eq!(Date::parse("2027-1-31"), None);
        assert_eq!(Date::parse("2027-13-01"), None);
        assert_eq!(Date::parse("2026-02-30"), None, "no such day");
        assert_eq!(Date::parse("2026-04-31"), None);
        assert_eq!(
            Date::parse("2028-02-29"),
            Some(Date(2028, 2, 29)),
            "a leap year"
        );
        assert_eq!(Date::parse("2100-02-29"), None, "not a leap year");
        assert_eq!(Date::parse("2027-+1-01"), None);
        assert!(Date(2026, 11, 22) < Date(2027, 1, 1));
    }
}
