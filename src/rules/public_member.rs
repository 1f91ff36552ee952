use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::principal::Principal;
use crate::model::{Module, RoleTarget};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};

static META: &RuleMeta = &registry::PUBLIC_MEMBER;

pub struct PublicMember;

/// `[rules.public-member]`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// Public grants that are intended, such as a public website on Cloud Run.
    pub allow: Vec<Allowed>,
}

/// A (resource type, role) pair where a public member is intended:
/// `{ resource = "google_cloud_run_v2_service", role = "roles/run.invoker" }`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowed {
    /// An IAM resource type, or the resource type it applies to.
    pub resource: String,
    pub role: String,
}

impl Rule for PublicMember {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, cx: &Ctx, out: &mut Vec<Diagnostic>) {
        for grant in &module.grants {
            let role = match &grant.target {
                RoleTarget::Predefined(r) | RoleTarget::OtherCustom(r) => Some(r.as_str()),
                RoleTarget::Custom(i) => Some(module.custom_roles[*i].display_name()),
                RoleTarget::Unknown => None,
            };
            let allowed = cx.settings.public_member.allow.iter().any(|a| {
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
                // Severity by consequence: reading or invoking is how public websites, webhooks
                // and data sets are made; anything more is an error.
                let read_only = read_only(module, grant);
                let severity = match (role, read_only) {
                    (Some(_), true) => Severity::Warning,
                    _ => META.default_severity,
                };
                let mut diag = META.diagnostic_at(
                    severity,
                    Label::new(member.val.loc.file, member.val.loc.range.clone(), label),
                    format!("`{who}` is granted {what} on {}", grant.describe_target()),
                );
                diag = match (role, read_only) {
                    (Some(r), true) => {
                        diag.note("the role only reads or invokes: public websites, webhooks and open data are made this way")
                            .help(format!(
                                "if it is meant to be public, allow it in iamlint.toml: `[rules.public-member] allow = [{{ resource = \"{}\", role = \"{r}\" }}]`; otherwise grant it to the callers that need it",
                                allow_type(&grant.res.rtype)
                            ))
                    }
                    (Some(_), false) if matches!(
                        grant.level,
                        crate::model::Level::Project | crate::model::Level::Folder | crate::model::Level::Organization
                    ) => diag.help("grant it to the callers that need it: public access to every resource of a project, folder or organization is never a website or a data set"),
                    (Some(_), false) => diag.help("grant it to the callers that need it: this role does more than read or invoke, which no public website or data set needs"),
                    (None, _) => diag.help("grant it to the callers that need it; if it is meant to be public (a website, a public bucket), allow the resource type and role under [rules.public-member] in iamlint.toml"),
                };
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

/// Predefined roles that only read or invoke, by the end of their name.
const READ_ROLE_ENDS: &[&str] = &["viewer", "Viewer", "reader", "Reader", "invoker", "Invoker"];

/// A permission's verb that only reads or invokes: `get`, `list`, `getIamPolicy`, `getData`,
/// `invoke`, `download...`; not the token and key verbs (`getAccessToken`, `getOpenIdToken`).
fn reads(permission: &str) -> bool {
    let verb = permission.rsplit('.').next().unwrap_or("");
    let token = ["getAccessToken", "getOpenIdToken", "getKey", "access"];
    !token.contains(&verb)
        && (verb == "get"
            || verb.starts_with("list")
            || verb == "invoke"
            || verb.starts_with("download")
            || matches!(verb, "getIamPolicy" | "getData" | "getMetadata"))
}

/// The role granted only reads or invokes: a predefined viewer, reader or invoker role (or
/// the Identity-Aware Proxy's accessor role) whose permissions hold no `setIamPolicy`, or a
/// custom role whose permissions are all known and all read.
fn read_only(module: &Module, grant: &crate::model::Grant) -> bool {
    use crate::model::Level;
    // Public on a whole project, folder or organization is never a website.
    if matches!(
        grant.level,
        Level::Project | Level::Folder | Level::Organization
    ) {
        return false;
    }
    match &grant.target {
        RoleTarget::Predefined(name) => {
            let by_name = name == "roles/iap.httpsResourceAccessor"
                || READ_ROLE_ENDS.iter().any(|end| name.ends_with(end));
            let catalog = crate::gcp::catalog::Catalog::get();
            by_name
                && catalog.role(name).is_some_and(|id| {
                    catalog
                        .role_permissions(id)
                        .iter()
                        .all(|&p| !catalog.permission_name(p).ends_with(".setIamPolicy"))
                })
        }
        RoleTarget::Custom(i) => {
            let role = &module.custom_roles[*i];
            let Some(list) = &role.permissions else {
                return false;
            };
            let elements = list.elements();
            !elements.is_empty() && elements.iter().all(|v| v.as_str().is_some_and(reads))
        }
        _ => false,
    }
}

/// The resource type to name in an allow entry: the type the IAM resource applies to
/// (`google_cloud_run_v2_service` for `google_cloud_run_v2_service_iam_member`).
fn allow_type(rtype: &str) -> &str {
    ["_iam_member", "_iam_binding", "_iam_policy"]
        .iter()
        .find_map(|s| rtype.strip_suffix(s))
        .unwrap_or(rtype)
}
