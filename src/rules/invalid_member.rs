use crate::diagnostic::{Diagnostic, Edit, Fix, Label};
use crate::model::value::{Part, Str};
use crate::model::{Member, Module};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};

static META: &RuleMeta = &registry::INVALID_MEMBER;

pub struct InvalidMember;

/// Member types followed by `:`.
const KINDS: &[&str] = &[
    "user",
    "group",
    "serviceAccount",
    "domain",
    "deleted",
    // Cloud Storage's and BigQuery's convenience values, and BigQuery's wrapper for other
    // principals.
    "projectOwner",
    "projectEditor",
    "projectViewer",
    "projectReader",
    "projectWriter",
    "iamMember",
    // BigQuery dataset access's `special_group` (`projectOwners`, `projectReaders`, ...).
    "specialGroup",
];

/// Member types followed by `://`.
const URIS: &[&str] = &["principal", "principalSet"];

const SPECIAL: &[&str] = &["allUsers", "allAuthenticatedUsers"];

/// What is wrong with a member.
enum Problem {
    /// The type is a misspelling of a valid one: the fix replaces `kind` with `correct`.
    Misspelt {
        kind: String,
        correct: &'static str,
        separator: &'static str,
    },
    NoPrefix(String),
    Malformed(String),
}

/// The known text of a member: the whole string, or the literal text up to the first part that
/// cannot be known.
fn known_head(s: &Str) -> (&str, bool) {
    match s.parts().first() {
        Some(Part::Lit(l)) => (l, s.parts().len() == 1),
        _ => ("", s.parts().is_empty()),
    }
}

/// What of a member was written as text: the string as evaluated when it is written in one
/// piece; only the text before an interpolation when it has one, since a variable's default
/// (`""`, `"[YOUR-DOMAIN]"`) is often a placeholder the caller replaces.
fn written_head<'s>(s: &'s Str, written: Option<&str>) -> (&'s str, bool) {
    let (head, whole) = known_head(s);
    let Some(inner) = written
        .and_then(|w| w.strip_prefix('"'))
        .and_then(|w| w.strip_suffix('"'))
    else {
        // Not a string literal in the source (a function's result, a translation).
        return (head, false);
    };
    match inner.find("${").or_else(|| inner.find("%{")) {
        Some(at) => {
            let literal = &inner[..at];
            // The evaluated head begins with the written literal (escapes aside).
            let n = head.len().min(literal.len());
            let n = if head.is_char_boundary(n) { n } else { 0 };
            (&head[..n], false)
        }
        None => (head, whole),
    }
}

fn problem(s: &Str, written: Option<&str>) -> Option<Problem> {
    let (head, whole) = written_head(s, written);
    if whole && SPECIAL.contains(&head) {
        return None;
    }
    if let Some((kind, _)) = head.split_once("://") {
        if URIS.contains(&kind) {
            return None;
        }
        if !kind.contains(':') {
            return misspelt(kind, URIS, "://").or(Some(Problem::NoPrefix(format!(
                "`{kind}://` is not a member type"
            ))));
        }
    }
    let Some((kind, rest)) = head.split_once(':') else {
        if !whole {
            // `${var.kind}:...` or a reference: the type is not known.
            return None;
        }
        if let Some(special) = SPECIAL.iter().find(|s| s.eq_ignore_ascii_case(head)) {
            return Some(Problem::Misspelt {
                kind: head.to_string(),
                correct: special,
                separator: "",
            });
        }
        let hint = if head.ends_with(".gserviceaccount.com") {
            "a service account's email needs the `serviceAccount:` prefix"
        } else if head.contains('@') {
            "an email needs a `user:` or `group:` prefix"
        } else {
            "a member starts with `user:`, `group:`, `serviceAccount:`, `domain:`, `principal://` or `principalSet://`, or is `allUsers` or `allAuthenticatedUsers`"
        };
        return Some(Problem::NoPrefix(hint.to_string()));
    };
    if !KINDS.contains(&kind) {
        return misspelt(kind, KINDS, ":").or(Some(Problem::NoPrefix(format!(
            "`{kind}:` is not a member type"
        ))));
    }
    // The value, when it is wholly known.
    let value = whole.then_some(rest);
    let malformed = |why: &str| Some(Problem::Malformed(why.to_string()));
    match (kind, value) {
        (_, Some("")) => malformed("the value after the prefix is empty"),
        (_, Some(v)) if v.trim() != v => malformed("the value has spaces around it"),
        ("user" | "group", Some(v)) if !is_email(v) => {
            malformed(&format!("`{v}` is not an email address"))
        }
        ("serviceAccount", Some(v)) if !is_account(v) => malformed(&format!(
            "`{v}` is not a service account's email (`NAME@PROJECT.iam.gserviceaccount.com`)"
        )),
        ("domain", Some(v)) if v.contains('@') || !v.contains('.') => {
            malformed(&format!("`{v}` is not a domain name"))
        }
        _ => None,
    }
}

fn misspelt(
    kind: &str,
    valid: &'static [&'static str],
    separator: &'static str,
) -> Option<Problem> {
    let correct = valid
        .iter()
        .copied()
        .find(|v| v.eq_ignore_ascii_case(kind))
        .or_else(|| crate::util::suggest::closest(kind, valid.iter().copied()))?;
    Some(Problem::Misspelt {
        kind: kind.to_string(),
        correct,
        separator,
    })
}

fn is_email(v: &str) -> bool {
    match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !domain.contains('@') && !v.contains(' ')
        }
        None => false,
    }
}

/// A service account's email, or a Kubernetes service account of a workload identity pool
/// (`PROJECT.svc.id.goog[NS/KSA]`, fleet pools `*.id.goog[NS/KSA]`).
fn is_account(v: &str) -> bool {
    (is_email(v) && v.to_ascii_lowercase().ends_with(".gserviceaccount.com"))
        || (v.contains(".id.goog[") && v.ends_with(']'))
}

impl InvalidMember {
    fn diagnose(&self, module: &Module, member: &Member, s: &Str) -> Option<Diagnostic> {
        let loc = &member.val.loc;
        let written = module
            .files
            .iter()
            .find(|f| f.id == loc.file && f.map.is_none())
            .and_then(|f| f.text.get(loc.range.clone()));
        let problem = problem(s, written)?;
        // What is known of the member; an interpolation is `...`, never a raw `${...}`.
        let shown: String = s
            .parts()
            .iter()
            .map(|p| match p {
                crate::model::value::Part::Lit(lit) => lit.as_str(),
                _ => "...",
            })
            .collect();
        Some(match problem {
            Problem::Misspelt {
                kind,
                correct,
                separator,
            } => {
                let mut diag = META
                    .diagnostic(
                        Label::new(
                            loc.file,
                            loc.range.clone(),
                            format!("did you mean `{correct}{separator}`?"),
                        ),
                        format!(
                            "`{shown}` has no valid member type: `{kind}{separator}` is misspelt"
                        ),
                    )
                    .help(format!("write `{correct}{separator}`"));
                // The fix replaces only the type, in the string as written.
                let old = format!("\"{kind}{separator}");
                if let Some(written) = written.filter(|w| w.starts_with(&old) && w.ends_with('"')) {
                    diag = diag.fix(Fix {
                        title: format!("write `{correct}{separator}` for `{kind}{separator}`"),
                        edits: vec![Edit::Replace {
                            file: loc.file,
                            range: loc.range.clone(),
                            text: format!("\"{correct}{separator}{}", &written[old.len()..]),
                        }],
                    });
                }
                diag
            }
            Problem::NoPrefix(hint) => META
                .diagnostic(
                    Label::new(loc.file, loc.range.clone(), "no member type"),
                    format!("`{shown}` has no valid member type"),
                )
                .help(hint),
            Problem::Malformed(why) => META.diagnostic(
                Label::new(loc.file, loc.range.clone(), why),
                format!("`{shown}` is not a valid member"),
            ),
        })
    }
}

impl Rule for InvalidMember {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        for grant in &module.grants {
            for member in &grant.members {
                let Some(s) = member.val.as_template() else {
                    continue;
                };
                let Some(mut diag) = self.diagnose(module, member, s) else {
                    continue;
                };
                diag = diag.note("GCP rejects the policy when it is applied; `terraform plan` does not check members");
                if let Some(label) = super::used_in(&grant.res, &member.val.loc) {
                    diag = diag.secondary(label);
                }
                out.push(diag);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(member: &str) -> Option<String> {
        problem(&Str::literal(member), Some(&format!("\"{member}\""))).map(|p| match p {
            Problem::Misspelt { correct, .. } => format!("misspelt {correct}"),
            Problem::NoPrefix(_) => "no prefix".into(),
            Problem::Malformed(_) => "malformed".into(),
        })
    }

    #[test]
    fn members() {
        for ok in [
            "user:a@example.com",
            "group:g@example.com",
            "serviceAccount:ci@p.iam.gserviceaccount.com",
            "serviceAccount:p.svc.id.goog[ns/ksa]",
            "domain:example.com",
            "allUsers",
            "principalSet://iam.googleapis.com/locations/global/workforcePools/p/group/g",
            "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/s",
            "projectViewer:my-project",
            "specialGroup:projectReaders",
            "deleted:user:a@example.com?uid=123",
        ] {
            assert_eq!(check(ok), None, "{ok}");
        }
        assert_eq!(
            check("serviceaccount:ci@p.iam.gserviceaccount.com").as_deref(),
            Some("misspelt serviceAccount")
        );
        assert_eq!(
            check("serviceAcount:ci@p.iam.gserviceaccount.com").as_deref(),
            Some("misspelt serviceAccount")
        );
        assert_eq!(
            check("users:a@example.com").as_deref(),
            Some("misspelt user")
        );
        assert_eq!(
            check("principalset://iam.googleapis.com/x").as_deref(),
            Some("misspelt principalSet")
        );
        assert_eq!(check("allusers").as_deref(), Some("misspelt allUsers"));
        assert_eq!(check("team:a@example.com").as_deref(), Some("no prefix"));
        assert_eq!(check("a@example.com").as_deref(), Some("no prefix"));
        assert_eq!(check("user:alice").as_deref(), Some("malformed"));
        assert_eq!(
            check("serviceAccount:projects/p/serviceAccounts/ci").as_deref(),
            Some("malformed")
        );
        assert_eq!(
            check("serviceAccount:ci@example.com").as_deref(),
            Some("malformed")
        );
        assert_eq!(check("domain:a@example.com").as_deref(), Some("malformed"));
        assert_eq!(check("user:").as_deref(), Some("malformed"));
        let templated =
            Str::from_parts(vec![Part::Input("var.kind".into()), Part::Lit(":x".into())]);
        assert!(problem(&templated, None).is_none());
        let account = Str::from_parts(vec![
            Part::Lit("serviceAccount:".into()),
            Part::Input("var.email".into()),
        ]);
        assert!(problem(&account, None).is_none());
        // A variable's default in the member: only the written prefix is checked.
        let placeholder = Str::literal("serviceAccount:");
        assert!(problem(&placeholder, Some("\"serviceAccount:${var.email}\"")).is_none());
        let misspelt = Str::literal("serviceaccount:");
        assert!(problem(&misspelt, Some("\"serviceaccount:${var.email}\"")).is_some());
    }
}
