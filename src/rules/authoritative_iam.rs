use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::{Condition, Grant, GrantKind, Level, Module};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};
use std::collections::{BTreeSet, HashMap, HashSet};

static META: &RuleMeta = &registry::AUTHORITATIVE_IAM;

pub struct AuthoritativeIam;

/// `google_project_iam_binding` -> `google_project`: the resource family.
fn family(rtype: &str) -> &str {
    ["_iam_member", "_iam_binding", "_iam_policy"]
        .iter()
        .find_map(|s| rtype.strip_suffix(s))
        .unwrap_or(rtype)
}

/// Both grants apply to the same, statically known, resource: every identifying attribute is
/// known and equal (the same literal, or the same input).
fn same_target(a: &Grant, b: &Grant) -> bool {
    matches!((&a.target_key, &b.target_key), (Some(x), Some(y)) if x == y)
}

fn same_condition(a: &Option<Box<Condition>>, b: &Option<Box<Condition>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            let known = |c: &Condition| c.expression.as_ref().map(|e| e.value.clone());
            known(a).is_some() && known(a) == known(b)
        }
        _ => false,
    }
}

/// Roles that many principals hold on a project, folder or organization: an authoritative
/// binding of one of them removes every holder it does not list.
fn broadly_held(role: &str) -> bool {
    matches!(
        role,
        "roles/owner"
            | "roles/editor"
            | "roles/iam.serviceAccountTokenCreator"
            | "roles/iam.serviceAccountUser"
    ) || (role.starts_with("roles/") && role.ends_with(".admin"))
}

/// Where to point at a grant: its role, or its resource type.
fn at(grant: &Grant) -> Label {
    match (&grant.role, grant.kind) {
        (Some(role), GrantKind::Binding | GrantKind::Member) => {
            Label::new(role.loc.file, role.loc.range.clone(), "")
        }
        _ => Label::new(grant.res.file, grant.res.type_label.clone(), ""),
    }
}

impl Rule for AuthoritativeIam {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        let mut in_conflict = BTreeSet::new();
        let grants = &module.grants;
        // Only grants of one family on one known target can clash: an index of them, by the
        // family and the target key as text (equal keys, equal text), in the grants' order.
        let mut by_target: HashMap<(&str, String), Vec<usize>> = HashMap::new();
        for (j, b) in grants.iter().enumerate() {
            if let Some(key) = &b.target_key
                && !b.res.maybe_absent
            {
                by_target
                    .entry((family(&b.res.rtype), format!("{key:?}")))
                    .or_default()
                    .push(j);
            }
        }
        for (i, a) in grants.iter().enumerate() {
            if a.kind == GrantKind::Member {
                continue;
            }
            let Some(key) = &a.target_key else { continue };
            let group = match by_target.get(&(family(&a.res.rtype), format!("{key:?}"))) {
                Some(group) => group.as_slice(),
                None => &[],
            };
            let mut partners = Vec::new();
            for (j, b) in group.iter().map(|&j| (j, &grants[j])) {
                if i == j
                    || family(&a.res.rtype) != family(&b.res.rtype)
                    || a.res.same_address(&b.res)
                {
                    continue;
                }
                // Report each pair once: from the authoritative side (the policy, when both are).
                if b.kind != GrantKind::Member {
                    let b_reports = match (a.kind, b.kind) {
                        (GrantKind::Binding, GrantKind::Policy) => true,
                        (GrantKind::Policy, GrantKind::Binding) => false,
                        _ => j < i,
                    };
                    if b_reports {
                        continue;
                    }
                }
                // Both must certainly exist: `count = var.x ? 1 : 0` often makes them exclusive.
                if !same_target(a, b) || a.res.maybe_absent || b.res.maybe_absent {
                    continue;
                }
                let clash = match a.kind {
                    GrantKind::Policy => true,
                    _ => {
                        b.kind != GrantKind::Policy
                            && a.role.as_ref().map(|r| &r.value)
                                == b.role.as_ref().map(|r| &r.value)
                            && a.role.as_ref().is_some_and(|r| r.as_template().is_some())
                            && same_condition(&a.condition, &b.condition)
                    }
                };
                if !clash || !in_conflict.insert((a.res.address(), b.res.address())) {
                    continue;
                }
                partners.push(b);
            }
            // One finding per authoritative resource, its partners as labels.
            let Some(first) = partners.first() else {
                continue;
            };
            let what = match a.kind {
                GrantKind::Policy => "the whole IAM policy of".to_string(),
                _ => match a.role_display(module) {
                    Some(r) => format!("`{r}` on"),
                    None => "the same role on".into(),
                },
            };
            let message = match partners.len() {
                1 => format!(
                    "`{}` and `{}` both manage {what} {}: a change to either is undone by the other",
                    a.res.address(),
                    first.res.address(),
                    a.describe_target()
                ),
                n => format!(
                    "`{}` and {n} other resources manage {what} {}: a change to any of them is undone by the others",
                    a.res.address(),
                    a.describe_target()
                ),
            };
            let mut primary = at(a);
            primary.message = format!("authoritative: `{}`", a.res.rtype);
            let mut diag = META.diagnostic_at(Severity::Error, primary, message).help("manage each grant in one place: use `_iam_member` resources only, or put every member in the authoritative resource");
            for b in partners {
                let mut secondary = at(b);
                secondary.message = format!("also managed here by `{}`", b.res.address());
                diag = diag.secondary(secondary);
            }
            out.push(diag);
        }

        // The authoritative resource types on projects, folders and organizations, once each.
        let conflicted: HashSet<&String> = in_conflict.iter().flat_map(|(a, b)| [a, b]).collect();
        let mut seen = BTreeSet::new();
        for grant in grants {
            let whole = matches!(
                grant.level,
                Level::Project | Level::Folder | Level::Organization
            );
            if !whole || grant.kind == GrantKind::Member || !seen.insert(grant.res.address()) {
                continue;
            }
            if conflicted.contains(&grant.res.address()) {
                continue;
            }
            let scope = grant.describe_target();
            let (severity, message, label, help) = match grant.kind {
                GrantKind::Policy => (
                    Severity::Warning,
                    format!(
                        "`{}` replaces the whole IAM policy of {scope}",
                        grant.res.rtype
                    ),
                    "authoritative for every role",
                    "use an `_iam_member` resource per grant: a whole-policy resource removes every grant it does not list, including Google's service agents, and can lock everyone out",
                ),
                _ => match grant.role_display(module).filter(|r| broadly_held(r)) {
                    // A role many principals hold elsewhere (other teams' pipelines, Google's
                    // setup): each apply removes them all.
                    Some(role) => (
                        Severity::Warning,
                        format!(
                            "`{}` removes every other holder of `{role}` on {scope}",
                            grant.res.rtype
                        ),
                        "authoritative for a role many principals hold",
                        "use `_iam_member` resources, which add a member without removing the others: a role this widely held is granted by other teams, pipelines and Google's own setup, and each apply takes it from them",
                    ),
                    None => (
                        Severity::Note,
                        format!(
                            "`{}` removes every other member of its role on {scope}",
                            grant.res.rtype
                        ),
                        "authoritative for this role",
                        "use `_iam_member` resources, which add a member without removing the others",
                    ),
                },
            };
            let diag = META
                .diagnostic_at(
                    severity,
                    Label::new(grant.res.file, grant.res.type_label.clone(), label),
                    message,
                )
                .help(help);
            out.push(diag);
        }
    }
}
