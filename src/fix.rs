//! `--fix`: applies the fixes rules attached to their diagnostics, keeping the file's formatting
//! and comments. A fix is applied only if the file is unchanged since it was linted, the edit
//! still finds the text it expects, and the result still parses; files are written atomically.
//!
//! Fixes come in two classes (ruff's applicability): a safe fix keeps what Terraform grants
//! (a repeated permission removed, a misspelt one renamed to its one close match, a misspelt
//! member type corrected: the provider rejects the misspelt forms anyway); a behaviour-changing fix takes a permission away from
//! someone (a create or delete permission removed from a deployer role, which may be the very
//! identity that runs `terraform apply`) and is applied only with `--unsafe-fixes`. A rule not
//! listed as safe here is behaviour-changing: a new rule's fixes start on the careful side.
//! `--diff` prints what would change as a unified diff and writes nothing.

use crate::diagnostic::{Edit, FileId};
use crate::report::Report;
use std::collections::BTreeMap;
use std::ops::Range;

/// Rules whose fixes keep what Terraform grants.
const SAFE: &[&str] = &[
    "duplicate-permission",
    "invalid-member",
    "unknown-permission",
];

/// Whether a rule's fixes are safe (applied by `--fix`) rather than behaviour-changing.
pub(crate) fn is_safe(rule: &str) -> bool {
    SAFE.contains(&rule)
}

/// A fix that was applied.
#[derive(Debug)]
pub struct Applied {
    pub path: String,
    pub line: usize,
    pub rule: &'static str,
    pub title: String,
}

/// What to do with the fixes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mode {
    /// Behaviour-changing fixes too (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
    /// Print a unified diff instead of writing (`--diff`).
    pub diff: bool,
}

/// What [`apply`] did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Fixes applied (or, with `--diff`, that would be).
    pub applied: Vec<Applied>,
    /// Files that could not be fixed, and why.
    pub problems: Vec<String>,
    /// Behaviour-changing fixes left out for want of `--unsafe-fixes`.
    pub unsafe_left: usize,
    /// With `--diff`: the unified diff of every file.
    pub diff: String,
}

/// Applies the fixes of the report that `mode` allows.
pub fn apply(report: &Report, mode: Mode) -> Outcome {
    let mut outcome = Outcome::default();
    // File -> (byte edits, what each fix was).
    let mut per_file: BTreeMap<FileId, Vec<(Vec<Edit>, Applied)>> = BTreeMap::new();
    for d in &report.diagnostics {
        let Some(fix) = &d.fix else { continue };
        if !mode.unsafe_fixes && !is_safe(d.rule) {
            outcome.unsafe_left += 1;
            continue;
        }
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
    for (file, fixes) in per_file {
        match fix_file(report, file, fixes, mode, &mut outcome.diff) {
            Ok(done) => outcome.applied.extend(done),
            Err(problem) => outcome.problems.push(problem),
        }
    }
    outcome
}

fn fix_file(
    report: &Report,
    file: FileId,
    fixes: Vec<(Vec<Edit>, Applied)>,
    mode: Mode,
    diff: &mut String,
) -> Result<Vec<Applied>, String> {
    let path = report.files.display(file);
    let bytes = std::fs::read(path)
        .map_err(|e| format!("{path}: not fixed: {}", crate::util::paths::io_message(&e)))?;
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
        let resolved: Option<Vec<(Range<usize>, String)>> =
            fix_edits.iter().map(|e| resolve(text, file, e)).collect();
        let Some(resolved) = resolved else { continue };
        // Two removals that share a comma (adjacent inline elements) become one; any other
        // overlap leaves the later fix out.
        let overlap = |r: &Range<usize>, o: &Range<usize>| r.start < o.end && o.start < r.end;
        let overlaps = resolved.iter().any(|(r, new)| {
            edits
                .iter()
                .any(|(o, old)| overlap(r, o) && !(new.is_empty() && old.is_empty()))
        });
        if overlaps {
            continue;
        }
        for (mut r, new) in resolved {
            if new.is_empty() {
                let mut merged = false;
                edits.retain(|(o, old)| {
                    let joins = old.is_empty() && overlap(&r, o);
                    if joins {
                        r = r.start.min(o.start)..r.end.max(o.end);
                        merged = true;
                    }
                    !joins
                });
                if merged {
                    r = tidy_removal(text, r);
                }
            }
            edits.push((r, new));
        }
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
    if mode.diff {
        diff.push_str(&unified_diff(path, text, &edits));
        return Ok(done);
    }
    let mut out = Vec::with_capacity(fixed.len() + 3);
    if bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    out.extend_from_slice(fixed.as_bytes());
    crate::util::optfile::write_atomically(std::path::Path::new(path), &out)
        .map_err(|e| format!("{path}: not fixed: {}", crate::util::paths::io_message(&e)))?;
    Ok(done)
}

/// An edit of `file` (whose text is `text`) as a byte range and its replacement; `None` when
/// the edit is of another file or no longer finds the string it expects.
pub(crate) fn resolve(text: &str, file: FileId, edit: &Edit) -> Option<(Range<usize>, String)> {
    match edit {
        Edit::Replace {
            file: f,
            range,
            text: new,
        } if *f == file && is_string(text, range) => Some((range.clone(), new.clone())),
        Edit::RemoveElement { file: f, range } if *f == file && is_string(text, range) => {
            Some((element_removal(text, range.clone()), String::new()))
        }
        _ => None,
    }
}

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// A unified diff (`--- a/PATH`, `+++ b/PATH`, hunks with 3 lines of context) of the edits
/// (byte range in `old`, replacement; not overlapping) applied to `old`. The lines an edit
/// touches are shown removed and then added as they become; cost is linear in the file.
pub(crate) fn unified_diff(path: &str, old: &str, edits: &[(Range<usize>, String)]) -> String {
    let mut edits: Vec<&(Range<usize>, String)> = edits.iter().collect();
    edits.sort_by_key(|e| e.0.start);
    let line_start = |at: usize| old[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = |range: &Range<usize>| {
        if range.end > range.start && old[..range.end].ends_with('\n') {
            range.end
        } else {
            old[range.end..]
                .find('\n')
                .map_or(old.len(), |i| range.end + i + 1)
        }
    };
    // Groups of edits on the same lines: (byte span of whole lines, its new text).
    let mut groups: Vec<(Range<usize>, String)> = Vec::new();
    let mut k = 0;
    while k < edits.len() {
        let start = line_start(edits[k].0.start);
        let mut end = line_end(&edits[k].0);
        let first = k;
        while k + 1 < edits.len() && line_start(edits[k + 1].0.start) < end {
            k += 1;
            end = end.max(line_end(&edits[k].0));
        }
        let mut text = String::new();
        let mut at = start;
        for (range, replacement) in &edits[first..=k] {
            text.push_str(&old[at..range.start]);
            text.push_str(replacement);
            at = range.end;
        }
        text.push_str(&old[at..end]);
        groups.push((start..end, text));
        k += 1;
    }
    // The edit script over the whole file: ' ', '-' or '+' with the line.
    let mut ops: Vec<(char, &str)> = Vec::new();
    let mut at = 0;
    for (span, text) in &groups {
        ops.extend(old[at..span.start].split_inclusive('\n').map(|l| (' ', l)));
        ops.extend(old[span.clone()].split_inclusive('\n').map(|l| ('-', l)));
        ops.extend(text.split_inclusive('\n').map(|l| ('+', l)));
        at = span.end;
    }
    ops.extend(old[at..].split_inclusive('\n').map(|l| (' ', l)));
    // An edit that changes nothing shows nothing.
    let mut i = 0;
    while i < ops.len() {
        let minus = ops[i..].iter().take_while(|o| o.0 == '-').count();
        let plus = ops[i + minus..].iter().take_while(|o| o.0 == '+').count();
        if minus > 0 && minus == plus && (0..minus).all(|n| ops[i + n].1 == ops[i + minus + n].1) {
            ops.drain(i + minus..i + 2 * minus);
            ops[i..i + minus].iter_mut().for_each(|o| o.0 = ' ');
        }
        i += (minus + plus).max(1);
    }

    let mut out = String::new();
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    if changed.is_empty() {
        return out;
    }
    out.push_str(&format!("--- a/{path}\n+++ b/{path}\n"));
    // Group changes closer than twice the context into one hunk.
    let mut k = 0;
    while k < changed.len() {
        let first = changed[k];
        let mut last = first;
        while k + 1 < changed.len() && changed[k + 1] <= last + 2 * CONTEXT + 1 {
            k += 1;
            last = changed[k];
        }
        k += 1;
        let start = first.saturating_sub(CONTEXT);
        let end = (last + CONTEXT + 1).min(ops.len());
        // Line numbers (1-based) where the hunk starts in each file.
        let old_before = ops[..start].iter().filter(|o| o.0 != '+').count();
        let new_before = ops[..start].iter().filter(|o| o.0 != '-').count();
        let old_len = ops[start..end].iter().filter(|o| o.0 != '+').count();
        let new_len = ops[start..end].iter().filter(|o| o.0 != '-').count();
        let range = |before: usize, len: usize| {
            if len == 0 {
                format!("{before},0")
            } else {
                format!("{},{len}", before + 1)
            }
        };
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(old_before, old_len),
            range(new_before, new_len)
        ));
        for (op, line) in &ops[start..end] {
            out.push(*op);
            out.push_str(line);
            if !line.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    out
}

/// The range is a quoted string literal, as the fix expects.
fn is_string(text: &str, range: &Range<usize>) -> bool {
    text.get(range.clone())
        .is_some_and(|s| s.len() >= 2 && s.starts_with('"') && s.ends_with('"'))
}

/// Adjacent removals joined may leave a comma before the closing bracket (`"a", ]`): take it
/// too.
fn tidy_removal(text: &str, range: Range<usize>) -> Range<usize> {
    let after = text[range.end..].trim_start_matches([' ', '\t']);
    let head = text[..range.start].trim_end_matches([' ', '\t']);
    match (after.starts_with(']'), head.strip_suffix(',')) {
        (true, Some(h)) => h.len()..range.end,
        _ => range,
    }
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
    use super::{element_removal, unified_diff};

    #[test]
    fn diffs_are_unified() {
        let old: String = (1..=12).map(|i| format!("line {i}\n")).collect();
        let at = |needle: &str| {
            let start = old.find(needle).unwrap();
            start..start + needle.len()
        };
        let edits = vec![
            (at("line 11\n"), "line eleven\n".to_string()),
            (at("line 2\n"), String::new()),
        ];
        assert_eq!(
            unified_diff("a.tf", &old, &edits),
            "--- a/a.tf\n+++ b/a.tf\n@@ -1,5 +1,4 @@\n line 1\n-line 2\n line 3\n line 4\n line 5\n@@ -8,5 +7,5 @@\n line 8\n line 9\n line 10\n-line 11\n+line eleven\n line 12\n"
        );
        // Changes within 6 lines share a hunk; an edit inside a line shows the whole line.
        let near = vec![
            (at("line 2\n"), String::new()),
            (at("6"), "six".to_string()),
        ];
        assert_eq!(
            unified_diff("a.tf", &old, &near),
            "--- a/a.tf\n+++ b/a.tf\n@@ -1,9 +1,8 @@\n line 1\n-line 2\n line 3\n line 4\n line 5\n-line 6\n+line six\n line 7\n line 8\n line 9\n"
        );
        assert_eq!(unified_diff("a.tf", &old, &[]), "");
        assert_eq!(
            unified_diff("b.tf", "x", &[(0..1, "y".to_string())]),
            "--- a/b.tf\n+++ b/b.tf\n@@ -1,1 +1,1 @@\n-x\n\\ No newline at end of file\n+y\n\\ No newline at end of file\n"
        );
    }

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
