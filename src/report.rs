//! The report: every entry point (a directory, named files, [`crate::engine::lint_source`],
//! `--plan`) ends in [`finish`], which drops what is not reported, applies suppressions, sorts
//! once, and makes one diagnostic of the same finding seen in several instances or contexts.

use crate::config::Config;
use crate::diagnostic::{Diagnostic, FileId, Severity};
use crate::model;
use crate::project::Unfollowed;
use crate::source::Files;
use crate::suppress::{self, Suppression};

/// The outcome of a run: sorted diagnostics and the files they point into.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub files: Files,
    /// Files linted and reported on (context files not counted).
    pub files_checked: usize,
    /// How much of the IAM in the files could be known statically.
    pub stats: Stats,
    /// Registry and git module calls that could not be followed (no `terraform init`).
    pub unfollowed: Vec<Unfollowed>,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// What the model could and could not know, summed over the modules checked, each in every
/// context it is checked in (`--stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub modules: usize,
    pub custom_roles: usize,
    /// Custom roles whose every permission is known.
    pub custom_roles_known: usize,
    /// Permission strings read from custom roles.
    pub permissions: usize,
    pub grants: usize,
    /// Grants whose role and every member are known.
    pub grants_known: usize,
    pub identities: usize,
    /// Workload identity slots that are known: set to a known account, or absent.
    pub identities_known: usize,
    /// Values made unknown because they were past an evaluation budget.
    pub budget_hits: usize,
}

impl Stats {
    pub fn of(module: &model::Module) -> Stats {
        let known_role = |r: &model::CustomRole| {
            r.permissions
                .as_ref()
                .is_some_and(|p| p.elements().iter().all(|v| v.as_str().is_some()))
        };
        Stats {
            modules: 1,
            custom_roles: module.custom_roles.len(),
            custom_roles_known: module.custom_roles.iter().filter(|r| known_role(r)).count(),
            permissions: module
                .custom_roles
                .iter()
                .map(|r| r.known_permissions().count())
                .sum(),
            grants: module.grants.len(),
            grants_known: module
                .grants
                .iter()
                .filter(|g| {
                    g.target != model::RoleTarget::Unknown
                        && !g.members.is_empty()
                        && g.members
                            .iter()
                            .all(|m| m.principal != model::principal::Principal::Unknown)
                })
                .count(),
            identities: module.workloads.iter().map(|w| w.slots.len()).sum(),
            identities_known: module
                .workloads
                .iter()
                .flat_map(|w| &w.slots)
                .filter(|s| match &s.state {
                    model::SlotState::Set { sa, .. } => *sa != model::principal::SaRef::Unknown,
                    model::SlotState::Unknown => false,
                    _ => true,
                })
                .count(),
            budget_hits: module.budget_hits,
        }
    }

    pub fn add(&mut self, o: Stats) {
        self.modules += o.modules;
        self.custom_roles += o.custom_roles;
        self.custom_roles_known += o.custom_roles_known;
        self.permissions += o.permissions;
        self.grants += o.grants;
        self.grants_known += o.grants_known;
        self.identities += o.identities;
        self.identities_known += o.identities_known;
        self.budget_hits += o.budget_hits;
    }
}

/// Labels of one diagnostic that name the contexts it was found in, shown at most.
const CONTEXTS_SHOWN: usize = 4;

/// The text every context label starts with.
pub const CONTEXT_LABEL: &str = "with the inputs of ";

/// Keeps the diagnostics whose primary location is reported, applies the suppressions (and
/// reports the unused ones), sorts by file, place and rule, merges the same finding, and sets
/// the configured severities.
pub fn finish(
    diagnostics: Vec<Diagnostic>,
    mut suppressions: Vec<Suppression>,
    reported: impl Fn(FileId) -> bool,
    files: &Files,
    config: &Config,
) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|d| reported(d.primary.file))
        .collect();
    if !suppressions.is_empty() {
        diagnostics = suppress::apply(&mut suppressions, diagnostics);
        diagnostics.retain(|d| reported(d.primary.file));
    }
    let diagnostics = group(diagnostics);
    let mut diagnostics = merge(diagnostics, files);
    configure(&mut diagnostics, config);
    for d in &mut diagnostics {
        escape(d);
    }
    diagnostics
}

/// Messages and labels quote values from the input: no control character reaches a terminal.
fn escape(d: &mut Diagnostic) {
    use crate::source::escape_controls;
    let fix = |s: &mut String| {
        if let std::borrow::Cow::Owned(escaped) = escape_controls(s) {
            *s = escaped;
        }
    };
    fix(&mut d.message);
    fix(&mut d.primary.message);
    for label in &mut d.secondary {
        fix(&mut label.message);
    }
    // Borrowed notes and help are the rules' own text; only formatted ones may quote input.
    for note in &mut d.notes {
        if let std::borrow::Cow::Owned(text) = note
            && let std::borrow::Cow::Owned(escaped) = escape_controls(text)
        {
            *note = escaped.into();
        }
    }
    if let Some(std::borrow::Cow::Owned(text)) = &d.help
        && let std::borrow::Cow::Owned(escaped) = escape_controls(text)
    {
        d.help = Some(escaped.into());
    }
}

/// The findings of one decision (see [`crate::diagnostic::Group`]) as one diagnostic; what a
/// suppression removed is not part of it.
fn group(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if diagnostics.iter().all(|d| d.group.is_none()) {
        return diagnostics;
    }
    let mut out = Vec::with_capacity(diagnostics.len());
    let mut groups: std::collections::BTreeMap<(&'static str, String), Vec<Diagnostic>> =
        std::collections::BTreeMap::new();
    for d in diagnostics {
        match &d.group {
            Some(g) => groups.entry((d.rule, g.key.clone())).or_default().push(d),
            None => out.push(d),
        }
    }
    for (_, mut members) in groups {
        members.sort_by_key(|d| d.group.as_ref().map_or(0, |g| g.rank));
        let mut members = members.into_iter();
        let Some(mut first) = members.next() else {
            continue;
        };
        let rest: Vec<Diagnostic> = members.collect();
        if !rest.is_empty() {
            if let Some(g) = &first.group {
                let plural = if rest.len() == 1 { "" } else { "s" };
                first.message = g
                    .message
                    .replace("{n}", &rest.len().to_string())
                    .replace("{s}", plural);
                first.help = Some(g.help.clone().into());
            }
            // The certain fixes of the parts, as one; parts without one stay for a person.
            let mut fixes: Vec<Box<crate::diagnostic::Fix>> =
                first.fix.take().into_iter().collect();
            for d in &rest {
                push_new(
                    &mut first.secondary,
                    [&d.primary].into_iter().chain(&d.secondary).cloned(),
                );
                fixes.extend(d.fix.iter().cloned());
            }
            first.fix = match fixes.len() {
                0 => None,
                1 => fixes.pop(),
                n => Some(Box::new(crate::diagnostic::Fix {
                    title: format!("{} and {} more", fixes[0].title, n - 1),
                    edits: fixes.into_iter().flat_map(|f| f.edits).collect(),
                })),
            };
        }
        first.group = None;
        out.push(first);
    }
    out
}

/// The engine's own diagnostics (io-error, parse-error, module-cycle) can be configured too;
/// rules set their severity when they run.
fn configure(diagnostics: &mut Vec<Diagnostic>, config: &Config) {
    diagnostics.retain_mut(|d| match config.severities.get(d.rule) {
        Some(Some(severity)) => {
            d.severity = *severity;
            true
        }
        Some(None) => false,
        None => true,
    });
}

/// One diagnostic per rule and place: the same finding from several `count`/`for_each`
/// instances, or from a module checked with the inputs of several calls, is one diagnostic
/// with every instance named in a note and every call labelled. The place (file, primary
/// range) and the rule are the key: the message may differ between contexts, and the first
/// in order is kept.
fn merge(diagnostics: Vec<Diagnostic>, files: &Files) -> Vec<Diagnostic> {
    let mut keyed: Vec<(String, Diagnostic)> = diagnostics
        .into_iter()
        .map(|d| (without_instances(&d.message).0, d))
        .collect();
    keyed.sort_by(|(ka, a), (kb, b)| {
        (
            files.display(a.primary.file),
            a.primary.range.start,
            a.primary.range.end,
            a.rule,
            ka,
            &a.message,
        )
            .cmp(&(
                files.display(b.primary.file),
                b.primary.range.start,
                b.primary.range.end,
                b.rule,
                kb,
                &b.message,
            ))
    });
    struct Merged {
        key: String,
        d: Diagnostic,
        instances: Vec<String>,
        /// Quoted values of other messages where they differ from the kept one.
        also: Vec<String>,
    }
    let mut merged: Vec<Merged> = Vec::with_capacity(keyed.len());
    for (k, d) in keyed {
        match merged.last_mut() {
            Some(last) if last.d.primary == d.primary && last.d.rule == d.rule => {
                if last.d.message != d.message {
                    if last.instances.is_empty() {
                        last.instances.extend(without_instances(&last.d.message).1);
                    }
                    push_new(&mut last.instances, without_instances(&d.message).1);
                    if last.key != k {
                        push_new(&mut last.also, differing_quotes(&last.key, &k));
                    }
                }
                last.d.severity = last.d.severity.max(d.severity);
                push_new(&mut last.d.secondary, d.secondary);
            }
            _ => merged.push(Merged {
                key: k,
                d,
                instances: Vec::new(),
                also: Vec::new(),
            }),
        }
    }
    merged
        .into_iter()
        .map(|m| {
            let Merged {
                key,
                mut d,
                instances,
                also,
            } = m;
            if !instances.is_empty() {
                d.message = key;
                let shown: Vec<String> =
                    instances.iter().take(6).map(|i| format!("`{i}`")).collect();
                let more = match instances.len() - shown.len() {
                    0 => String::new(),
                    n => format!(" and {n} more"),
                };
                d.notes.insert(
                    0,
                    format!("found in the instances {}{more}", shown.join(", ")).into(),
                );
            }
            if !also.is_empty() {
                let shown: Vec<String> = also.iter().take(6).map(|v| format!("`{v}`")).collect();
                let more = match also.len() - shown.len() {
                    0 => String::new(),
                    n => format!(" and {n} more"),
                };
                d.notes
                    .push(format!("also found with {}{more}", shown.join(", ")).into());
            }
            limit_contexts(&mut d);
            d
        })
        .collect()
}

/// The quoted values of `other` that differ from `kept` at the same position, when both
/// messages quote the same number of values; otherwise `other`'s quoted values not in `kept`.
fn differing_quotes(kept: &str, other: &str) -> Vec<String> {
    let quotes = |m: &str| -> Vec<String> {
        m.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (quotes(kept), quotes(other));
    if a.len() == b.len() {
        a.iter()
            .zip(b)
            .filter(|(x, y)| *x != y)
            .map(|(_, y)| y)
            .collect()
    } else {
        b.into_iter().filter(|y| !a.contains(y)).collect()
    }
}

/// Appends the items not already in `list`, in order.
fn push_new<T: PartialEq>(list: &mut Vec<T>, items: impl IntoIterator<Item = T>) {
    for item in items {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

/// At most [`CONTEXTS_SHOWN`] context labels; the rest are counted in a note.
fn limit_contexts(d: &mut Diagnostic) {
    let contexts = d
        .secondary
        .iter()
        .filter(|l| l.message.starts_with(CONTEXT_LABEL))
        .count();
    if contexts <= CONTEXTS_SHOWN {
        return;
    }
    let mut seen = 0;
    d.secondary.retain(|l| {
        if !l.message.starts_with(CONTEXT_LABEL) {
            return true;
        }
        seen += 1;
        seen <= CONTEXTS_SHOWN
    });
    d.notes.push(
        format!(
            "found with the inputs of {} more module calls",
            contexts - CONTEXTS_SHOWN
        )
        .into(),
    );
}

/// A message with the instance keys of the names it quotes taken out (`` `r[0]` `` -> `` `r` ``),
/// and the instances taken out (`r[0]`). For the message of a merged diagnostic only: what is
/// merged is decided by place and rule.
pub fn without_instances(message: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(message.len());
    let mut instances = Vec::new();
    let mut rest = message;
    while let Some(open) = rest.find('`') {
        let Some(len) = rest[open + 1..].find('`') else {
            break;
        };
        let quoted = &rest[open + 1..open + 1 + len];
        out.push_str(&rest[..=open]);
        match quoted.find('[') {
            Some(at)
                if at > 0
                    && quoted.ends_with(']')
                    && quoted[..at]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) =>
            {
                out.push_str(&quoted[..at]);
                instances.push(quoted.to_string());
            }
            _ => out.push_str(quoted),
        }
        out.push('`');
        rest = &rest[open + len + 2..];
    }
    out.push_str(rest);
    (out, instances)
}

#[cfg(test)]
mod tests {
    use super::without_instances;

    #[test]
    fn instance_keys_are_taken_out_of_quoted_names() {
        assert_eq!(
            without_instances("Cloud Run service `r[0]` names no `x` in `t[\"a b\"]`"),
            (
                "Cloud Run service `r` names no `x` in `t`".to_string(),
                vec!["r[0]".to_string(), "t[\"a b\"]".to_string()]
            )
        );
        // Not an instance: a list, an unterminated quote.
        assert_eq!(without_instances("`[1]` and `a").0, "`[1]` and `a");
    }
}
