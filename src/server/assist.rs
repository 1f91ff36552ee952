//! Hover and completion from the embedded catalog. Both work on the text as typed, lexically:
//! the string literal under the cursor and what precedes it on its line or in its list, so
//! they answer in a half-written file that does not parse.

use crate::gcp::catalog::{Catalog, PermId, Stage, Support};
use std::ops::Range;

/// Completion items returned at most; the list is marked incomplete beyond.
const MAX_ITEMS: usize = 200;
/// Permissions named in a role's hover, at most.
const MAX_SHOWN: usize = 8;

/// A string literal on one line: the byte range of its content.
#[derive(Debug, PartialEq, Eq)]
pub struct Literal {
    pub content: Range<usize>,
}

/// The string literal whose content holds `offset` (or ends at it, the string still open).
pub fn literal_at(text: &str, offset: usize) -> Option<Literal> {
    if offset > text.len() || !text.is_char_boundary(offset) {
        return None;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let bytes = text.as_bytes();
    let mut i = line_start;
    while i < line_end {
        match bytes[i] {
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < line_end && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(line_end);
                if (start..=end).contains(&offset) {
                    return Some(Literal {
                        content: start..end,
                    });
                }
                i = end + 1;
            }
            b'#' => return None,
            b'/' if bytes.get(i + 1) == Some(&b'/') => return None,
            _ => i += 1,
        }
    }
    None
}

/// Where a string literal starting at `start` stands: in a `permissions = [...]` list, as
/// the value of `role = `, or elsewhere.
#[derive(Debug, PartialEq, Eq)]
pub enum Place {
    Permissions,
    Role,
    Other,
}

pub fn place(text: &str, literal: &Literal) -> Place {
    let before = &text[..literal.content.start.saturating_sub(1)];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let on_line = before[line_start..].trim_end();
    if let Some(rest) = on_line.strip_suffix('=')
        && rest.trim() == "role"
    {
        return Place::Role;
    }
    // The last `[` before the string, with nothing but strings, commas and blanks between.
    let Some(open) = before.rfind('[') else {
        return Place::Other;
    };
    if before[open + 1..]
        .chars()
        .any(|c| matches!(c, ']' | '=' | '{' | '}' | '(' | ')'))
    {
        return Place::Other;
    }
    let head = before[..open].trim_end();
    match head.strip_suffix('=') {
        Some(name) if name.trim_end().ends_with("permissions") => {
            let name = name.trim_end();
            let word_start = name.len() - "permissions".len();
            let bounded = name[..word_start]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            if bounded {
                Place::Permissions
            } else {
                Place::Other
            }
        }
        _ => Place::Other,
    }
}

fn support_text(support: Support) -> &'static str {
    match support {
        Support::Supported => "supported in custom roles",
        Support::Testing => "in testing for custom roles (may change or break)",
        Support::NotSupported => "not supported in custom roles",
        Support::Unknown => "custom-role support not recorded",
    }
}

fn stage_text(stage: Stage) -> &'static str {
    match stage {
        Stage::Ga => "GA",
        Stage::Beta => "beta",
        Stage::Deprecated => "deprecated",
        Stage::Alpha => "alpha",
        Stage::Unknown => "stage not recorded",
    }
}

/// Markdown for the string under the cursor: a predefined role or a permission.
pub fn hover(text: &str, offset: usize) -> Option<(Range<usize>, String)> {
    let literal = literal_at(text, offset)?;
    let value = &text[literal.content.clone()];
    if value.contains("${") || value.is_empty() {
        return None;
    }
    let catalog = Catalog::get();
    let markdown = if value.starts_with("roles/") {
        role_hover(catalog, value)
    } else if let Some(id) = catalog.permission(value) {
        permission_hover(catalog, id)
    } else if place(text, &literal) == Place::Permissions {
        let mut out = format!(
            "`{value}`: not a permission in iamlint's catalog (snapshot {})",
            crate::gcp::catalog::SNAPSHOT_DATE
        );
        if let Some(close) = catalog.suggest_permission(value) {
            out.push_str(&format!("; did you mean `{close}`?"));
        }
        out
    } else {
        return None;
    };
    Some((literal.content, markdown))
}

fn permission_hover(catalog: &Catalog, id: PermId) -> String {
    let name = catalog.permission_name(id);
    let mut out = format!(
        "**`{name}`**\n\n{}, {}",
        support_text(catalog.support(id)),
        stage_text(catalog.stage(id))
    );
    let roles: Vec<&str> = catalog
        .roles()
        .filter(|&r| catalog.role_has(r, id))
        .map(|r| catalog.role_name(r))
        .collect();
    if !roles.is_empty() {
        let shown: Vec<String> = roles.iter().take(3).map(|r| format!("`{r}`")).collect();
        let more = match roles.len().saturating_sub(shown.len()) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        out.push_str(&format!(
            "\n\nin {} predefined role{}: {}{more}",
            roles.len(),
            if roles.len() == 1 { "" } else { "s" },
            shown.join(", ")
        ));
    }
    if let Some(e) = crate::gcp::data::escalation(name, |_| true) {
        out.push_str(&format!("\n\nescalation: {}", e.allows));
    }
    out
}

/// How much a permission matters, for a role's hover: what lets its holder gain more
/// (`rules/data/escalation.toml`) first, then policy changes, then deletions.
fn weight(name: &str) -> u8 {
    if crate::gcp::data::escalation(name, |_| true).is_some() {
        0
    } else if name.ends_with(".setIamPolicy") {
        1
    } else if name.ends_with(".delete") {
        2
    } else {
        3
    }
}

fn role_hover(catalog: &Catalog, name: &str) -> String {
    let Some(role) = catalog.role(name) else {
        let mut out = format!(
            "`{name}`: not a predefined role in iamlint's catalog (snapshot {})",
            crate::gcp::catalog::SNAPSHOT_DATE
        );
        if let Some(close) = catalog.suggest_role(name) {
            out.push_str(&format!("; did you mean `{close}`?"));
        }
        return out;
    };
    let permissions = catalog.role_permissions(role);
    let mut out = format!(
        "**{}** (`{name}`)\n\nstage {}, {} permission{}",
        catalog.role_title(role),
        catalog.role_stage(role),
        permissions.len(),
        if permissions.len() == 1 { "" } else { "s" }
    );
    let mut ranked: Vec<(u8, &str)> = permissions
        .iter()
        .map(|&p| catalog.permission_name(p))
        .map(|n| (weight(n), n))
        .filter(|(w, _)| *w < 3)
        .collect();
    ranked.sort();
    if !ranked.is_empty() {
        out.push_str("\n\nmost consequential:");
        for (_, perm) in ranked.iter().take(MAX_SHOWN) {
            match crate::gcp::data::escalation(perm, |_| true) {
                Some(e) => out.push_str(&format!("\n- `{perm}`: {}", e.allows)),
                None => out.push_str(&format!("\n- `{perm}`")),
            }
        }
        if ranked.len() > MAX_SHOWN {
            out.push_str(&format!("\n- and {} more", ranked.len() - MAX_SHOWN));
        }
    }
    out
}

/// A completion: the name, a short detail.
pub struct Item {
    pub label: String,
    pub detail: String,
    pub role: bool,
}

/// Completions for the string under the cursor, the range they replace (the string's
/// content up to the cursor and after it), and whether the list was cut.
pub fn complete(text: &str, offset: usize) -> Option<(Range<usize>, Vec<Item>, bool)> {
    let literal = literal_at(text, offset)?;
    let typed = &text[literal.content.start..offset];
    let catalog = Catalog::get();
    let mut items = Vec::new();
    let mut cut = false;
    match place(text, &literal) {
        Place::Permissions => {
            // Names are sorted: those starting with `typed` are one run.
            let n = catalog.permission_count();
            let first = partition(n, |i| catalog.permission_name(PermId(i as u32)) < typed);
            for i in first..n {
                let id = PermId(i as u32);
                let name = catalog.permission_name(id);
                if !name.starts_with(typed) {
                    break;
                }
                if items.len() == MAX_ITEMS {
                    cut = true;
                    break;
                }
                items.push(Item {
                    label: name.to_string(),
                    detail: format!(
                        "{}, {}",
                        support_text(catalog.support(id)),
                        stage_text(catalog.stage(id))
                    ),
                    role: false,
                });
            }
        }
        Place::Role => {
            for role in catalog.roles() {
                let name = catalog.role_name(role);
                if !name.starts_with(typed) {
                    continue;
                }
                if items.len() == MAX_ITEMS {
                    cut = true;
                    break;
                }
                items.push(Item {
                    label: name.to_string(),
                    detail: catalog.role_title(role).to_string(),
                    role: true,
                });
            }
        }
        Place::Other => return None,
    }
    Some((literal.content, items, cut))
}

/// The first index in `0..n` for which `before` is false (`before` true then false).
fn partition(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, marker: &str) -> usize {
        text.find(marker).unwrap()
    }

    #[test]
    fn literals_and_places() {
        let text = "permissions = [\n  \"run.services.get\",\n  \"run.ser\n]\nrole = \"roles/vi\" # \"x\"\n";
        let lit = literal_at(text, at(text, "services.get")).unwrap();
        assert_eq!(&text[lit.content.clone()], "run.services.get");
        assert_eq!(place(text, &lit), Place::Permissions);
        let open = literal_at(text, at(text, "run.ser\n") + 7).unwrap();
        assert_eq!(&text[open.content.clone()], "run.ser");
        let role = literal_at(text, at(text, "roles/vi") + 3).unwrap();
        assert_eq!(place(text, &role), Place::Role);
        assert_eq!(
            literal_at(text, at(text, "\"x\"") + 1),
            None,
            "in a comment"
        );
        let other = "x_permissions = [\"a.b.c\"]\nmembers = [\"user:a\"]\n";
        let lit = literal_at(other, at(other, "a.b.c")).unwrap();
        assert_eq!(place(other, &lit), Place::Other);
    }

    #[test]
    fn hover_names_support_and_stage_or_a_role() {
        let text = "permissions = [\"run.services.delete\", \"run.servics.get\"]\nrole = \"roles/run.admin\"\n";
        let (_, perm) = hover(text, at(text, "run.services.delete")).unwrap();
        assert!(perm.contains("supported in custom roles"), "{perm}");
        let (_, unknown) = hover(text, at(text, "run.servics")).unwrap();
        assert!(
            unknown.contains("did you mean `run.services.get`"),
            "{unknown}"
        );
        let (_, role) = hover(text, at(text, "roles/run.admin")).unwrap();
        assert!(role.contains("permissions"), "{role}");
        assert!(role.contains("run.services.setIamPolicy"), "{role}");
        assert!(hover(text, 0).is_none());
    }

    #[test]
    fn completion_in_permissions_and_role() {
        let text = "permissions = [\n  \"run.services.de\n]\nrole = \"roles/run.adm\"\n";
        let (range, items, _) = complete(text, at(text, "run.services.de") + 15).unwrap();
        assert_eq!(&text[range], "run.services.de");
        assert!(items.iter().any(|i| i.label == "run.services.delete"));
        assert!(items.iter().all(|i| i.label.starts_with("run.services.de")));
        let (_, roles, _) = complete(text, at(text, "roles/run.adm") + 13).unwrap();
        assert!(roles.iter().any(|i| i.label == "roles/run.admin"));
        let (_, all, cut) = complete("permissions = [\"", 16).unwrap();
        assert_eq!(all.len(), MAX_ITEMS);
        assert!(cut);
        assert!(complete("name = \"run", 11).is_none());
    }
}
