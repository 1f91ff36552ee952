//! `--fix`: applies the fixes rules attached to their diagnostics, keeping the file's formatting
//! and comments. A fix is applied only if the file is unchanged since it was linted, the edit
//! still finds the text it expects, and the result still parses; files are written atomically.

use crate::diagnostic::{Edit, FileId};
use crate::engine::Report;
use std::collections::BTreeMap;
use std::ops::Range;

/// A fix that was applied.
#[derive(Debug)]
pub struct Applied {
    pub path: String,
    pub line: usize,
    pub rule: &'static str,
    pub title: String,
}

/// Applies every fix in the report. Returns what was fixed and what could not be.
pub fn apply(report: &Report) -> (Vec<Applied>, Vec<String>) {
    // File -> (byte edits, what each fix was).
    let mut per_file: BTreeMap<FileId, Vec<(Vec<Edit>, Applied)>> = BTreeMap::new();
    for d in &report.diagnostics {
        let Some(fix) = &d.fix else { continue };
        let pos = report.files.position(d.primary.file, d.primary.range.start);
        per_file.entry(d.primary.file).or_default().push((
            fix.edits.clone(),
            Applied {
                path: report.files.display(d.primary.file).to_string(),
                line: pos.line,
                rule: d.rule,
                title: fix.title.clone(),
            },
        ));
    }
    let mut applied = Vec::new();
    let mut problems = Vec::new();
    for (file, fixes) in per_file {
        match fix_file(report, file, fixes) {
            Ok(done) => applied.extend(done),
            Err(problem) => problems.push(problem),
        }
    }
    (applied, problems)
}

fn fix_file(
    report: &Report,
    file: FileId,
    fixes: Vec<(Vec<Edit>, Applied)>,
) -> Result<Vec<Applied>, String> {
    let path = report.files.display(file);
    let bytes = std::fs::read(path)
        .map_err(|e| format!("{path}: not fixed: {}", crate::discover::io_message(&e)))?;
    let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (true, rest),
        None => (false, &bytes[..]),
    };
    let text = std::str::from_utf8(body).map_err(|_| format!("{path}: not fixed: not UTF-8"))?;
    if text != report.files.text(file) {
        return Err(format!(
            "{path}: not fixed: it changed while iamlint was running"
        ));
    }
    // Resolve every fix to byte edits; a fix whose edits overlap an earlier one is left out.
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut done = Vec::new();
    for (fix_edits, what) in fixes {
        let resolved: Option<Vec<(Range<usize>, String)>> = fix_edits
            .iter()
            .map(|e| match e {
                Edit::Replace {
                    file: f,
                    range,
                    text: new,
                } if *f == file && is_string(text, range) => Some((range.clone(), new.clone())),
                Edit::RemoveElement { file: f, range } if *f == file && is_string(text, range) => {
                    Some((element_removal(text, range.clone()), String::new()))
                }
                _ => None,
            })
            .collect();
        let Some(resolved) = resolved else { continue };
        let overlaps = resolved.iter().any(|(r, _)| {
            edits
                .iter()
                .any(|(o, _)| r.start < o.end && o.start < r.end)
        });
        if overlaps {
            continue;
        }
        edits.extend(resolved);
        done.push(what);
    }
    if done.is_empty() {
        return Ok(done);
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.0.start));
    let mut fixed = text.to_string();
    for (range, new) in &edits {
        fixed.replace_range(range.clone(), new);
    }
    if hcl_edit::parser::parse_body(&fixed).is_err() {
        return Err(format!(
            "{path}: not fixed: the result would not parse (please report this)"
        ));
    }
    let mut out = Vec::with_capacity(fixed.len() + 3);
    if bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    out.extend_from_slice(fixed.as_bytes());
    crate::source::write_atomically(std::path::Path::new(path), &out)
        .map_err(|e| format!("{path}: not fixed: {}", crate::discover::io_message(&e)))?;
    Ok(done)
}

/// The range is a quoted string literal, as the fix expects.
fn is_string(text: &str, range: &Range<usize>) -> bool {
    text.get(range.clone())
        .is_some_and(|s| s.len() >= 2 && s.starts_with('"') && s.ends_with('"'))
}

/// What to remove to take a list element out: its whole line when it has the line to itself
/// (with its comma and a trailing comment), else the element with one neighbouring comma.
fn element_removal(text: &str, range: Range<usize>) -> Range<usize> {
    let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |i| range.end + i);
    let before = &text[line_start..range.start];
    let after = text[range.end..line_end].trim_start();
    let after_comma = after.strip_prefix(',').unwrap_or(after).trim_start();
    let alone = before.trim().is_empty()
        && (after_comma.is_empty()
            || after_comma.starts_with('#')
            || after_comma.starts_with("//"));
    if alone {
        let end = if line_end < text.len() {
            line_end + 1
        } else {
            line_end
        };
        return line_start..end;
    }
    // Inline: `"a", "b"` -> take the comma and spaces after the element, or the ones before it.
    let rest = &text[range.end..];
    let trimmed = rest.trim_start_matches([' ', '\t']);
    if let Some(after_comma) = trimmed.strip_prefix(',') {
        let spaces = after_comma.len() - after_comma.trim_start_matches([' ', '\t']).len();
        return range.start..range.end + (rest.len() - trimmed.len()) + 1 + spaces;
    }
    let head = text[..range.start].trim_end_matches([' ', '\t']);
    match head.strip_suffix(',') {
        Some(h) => h.len()..range.end,
        None => range,
    }
}

#[cfg(test)]
mod tests {
    use super::element_removal;

    fn remove(text: &str, element: &str) -> String {
        let start = text.find(element).unwrap();
        let range = element_removal(text, start..start + element.len());
        let mut out = text.to_string();
        out.replace_range(range, "");
        out
    }

    #[test]
    fn removes_list_elements_cleanly() {
        let multi = "p = [\n  \"a\",\n  \"b\", # why\n  \"c\"\n]\n";
        assert_eq!(remove(multi, "\"b\""), "p = [\n  \"a\",\n  \"c\"\n]\n");
        assert_eq!(
            remove(multi, "\"c\""),
            "p = [\n  \"a\",\n  \"b\", # why\n]\n"
        );
        assert_eq!(
            remove("p = [\"a\", \"b\", \"c\"]\n", "\"b\""),
            "p = [\"a\", \"c\"]\n"
        );
        assert_eq!(remove("p = [\"a\", \"b\"]\n", "\"b\""), "p = [\"a\"]\n");
        assert_eq!(remove("p = [\"a\"]\n", "\"a\""), "p = []\n");
    }
}
