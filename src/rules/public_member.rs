use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::principal::Principal;
use crate::model::{Module, RoleTarget};
use crate::registry::{Ctx, Rule, RuleMeta};

pub static META: RuleMeta = RuleMeta {
    id: "public-member",
    summary: "a grant to allUsers or allAuthenticatedUsers",
    default_severity: Severity::Error,
    docs: include_str!("../../rules/public-member.md"),
};

pub struct PublicMember;

impl Rule for PublicMember {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, module: &Module, cx: &Ctx, out: &mut Vec<Diagnostic>) {
        for grant in &module.grants {
            let role = match &grant.target {
                RoleTarget::Predefined(r) | RoleTarget::OtherCustom(r) => Some(r.as_str()),
                RoleTarget::Custom(i) => Some(module.custom_roles[*i].display_name()),
                RoleTarget::Unknown => None,
            };
            let allowed = cx.config.public_allowed.iter().any(|a| {
                (grant.res.rtype == a.resource
                    || grant.res.rtype.starts_with(&format!("{}_iam_", a.resource)))
                    && role == Some(a.role.as_str())
            });
            if allowed {
                continue;
            }
            for member in &grant.members {
                let (who, label) = match member.principal {
                    Principal::AllUsers => ("allUsers", "anyone on the internet, signed in or not"),
                    Principal::AllAuthenticatedUsers => (
                        "allAuthenticatedUsers",
                        "any Google account in the world, not only your organization's",
                    ),
                    _ => continue,
                };
                let what = match role {
                    Some(r) => format!("`{r}`"),
                    None => "a role".into(),
                };
                let mut diag = META
                    .diagnostic(
                        Label::new(member.val.loc.file, member.val.loc.range.clone(), label),
                        format!("`{who}` is granted {what} on {}", grant.describe_target()),
                    )
                    .help("grant it to the callers that need it; if it is meant to be public (a website, a public bucket), allow the resource type and role under [rules.public-member] in iamlint.toml");
                if let Some(label) = super::used_in(&grant.res, &member.val.loc) {
                    diag = diag.secondary(label);
                }
                if let Some(condition) = grant.condition.as_ref().filter(|c| c.certain) {
                    diag = diag
                        .secondary(Label::new(condition.file, condition.ident.clone(), "does not limit a public member"))
                        .note("GCP does not apply IAM conditions to allUsers or allAuthenticatedUsers");
                }
                out.push(diag);
            }
        }
    }
}
