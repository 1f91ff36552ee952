use crate::config::{Config, ConfigError};
use crate::diagnostic::{Diagnostic, Label};
use crate::gcp::access::{self, Match, Query};
use crate::gcp::catalog::Catalog;
use crate::model::Module;
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};
use toml::Spanned;

static META: &RuleMeta = &registry::MISSING_REQUIRED_PERMISSION;

pub struct MissingRequiredPermission;

/// `[rules.missing-required-permission]`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// "This member needs these permissions."
    pub require: Vec<Require>,
}

/// One `require` entry, as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Require {
    pub member: Spanned<String>,
    pub permissions: Vec<Spanned<String>>,
}

/// "This member needs these permissions", checked.
#[derive(Debug, Clone)]
pub struct Requirement {
    pub member: Query,
    pub member_text: String,
    pub permissions: Vec<String>,
    /// `iamlint.toml:12`, for messages.
    pub origin: String,
}

impl Options {
    /// The requirements, each member parsed and each permission checked against the catalog.
    pub fn requirements(self, config: &Config) -> Result<Vec<Requirement>, ConfigError> {
        let catalog = Catalog::get();
        let mut out = Vec::new();
        for entry in self.require {
            let member = Query::parse(entry.member.get_ref())
                .map_err(|m| config.error(entry.member.span(), m, None))?;
            for p in &entry.permissions {
                if catalog.permission(p.get_ref()).is_none() {
                    let help = catalog
                        .suggest_permission(p.get_ref())
                        .map(|s| format!("did you mean `{s}`?"));
                    return Err(config.error(
                        p.span(),
                        format!("`{}` is not a GCP permission", p.get_ref()),
                        help,
                    ));
                }
            }
            out.push(Requirement {
                member,
                origin: config.origin(&entry.member.span()),
                member_text: entry.member.into_inner(),
                permissions: entry
                    .permissions
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect(),
            });
        }
        Ok(out)
    }
}

impl Rule for MissingRequiredPermission {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, cx: &Ctx, out: &mut Vec<Diagnostic>) {
        for req in &cx.settings.missing_required_permission {
            // Only a module that declares the identity or grants it something answers for it.
            let Some((file, range, what)) = anchor(module, &req.member) else {
                continue;
            };
            let effective = access::effective(module, &req.member);
            let mut missing: Vec<&str> = req
                .permissions
                .iter()
                .map(String::as_str)
                .filter(|p| !effective.permissions.contains_key(*p))
                .collect();
            missing.dedup();
            if missing.is_empty() {
                continue;
            }
            // A grant iamlint cannot read fully might give what is missing: say nothing.
            let could_give = effective.uncertain.iter().any(|(_, perms, _)| {
                !perms.complete || perms.names.iter().any(|n| missing.contains(&n.as_str()))
            });
            if could_give {
                continue;
            }
            let shown: Vec<String> = missing.iter().take(8).map(|p| format!("`{p}`")).collect();
            let more = match missing.len() - shown.len() {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            let mut diag = META
                .diagnostic(
                    Label::new(file, range, what),
                    format!(
                        "`{}` lacks {} of the {} permissions it needs: {}{more}",
                        req.member_text,
                        missing.len(),
                        req.permissions.len(),
                        shown.join(", ")
                    ),
                )
                .note(format!("required by {}", req.origin));
            diag = match suggested_roles(&missing) {
                Some(roles) => diag.help(format!(
                    "grant {}, on what it needs them for",
                    roles
                        .iter()
                        .map(|r| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                )),
                None => diag.help("grant roles that hold them, on what it needs them for"),
            };
            out.push(diag);
        }
    }
}

/// Where to report: the service account resource, else the first grant to the member.
fn anchor(module: &Module, query: &Query) -> Option<(usize, std::ops::Range<usize>, String)> {
    let local = match query {
        Query::Email(email) => email.split('@').next(),
        _ => None,
    };
    for sa in &module.service_accounts {
        let id = sa.account_id.as_ref().and_then(|v| v.as_str());
        let same = match query {
            Query::Account(name) => *name == sa.res.name,
            Query::Email(_) => id.is_some() && id == local,
            Query::Named { .. } => false,
        };
        if same {
            return Some((
                sa.res.file,
                sa.res.name_label.clone(),
                "this service account".into(),
            ));
        }
    }
    module.grants.iter().find_map(|grant| {
        grant
            .members
            .iter()
            .find(|m| access::matches(module, &m.principal, query) == Match::Yes)
            .map(|m| {
                (
                    m.val.loc.file,
                    m.val.loc.range.clone(),
                    "granted here".to_string(),
                )
            })
    })
}

/// For each service among `needed`, the smallest predefined role that holds all of its
/// permissions (never a Google service agent's role); `None` when some service has none.
fn suggested_roles(needed: &[&str]) -> Option<Vec<&'static str>> {
    let catalog = Catalog::get();
    let mut services: Vec<&str> = needed
        .iter()
        .map(|p| p.split('.').next().unwrap_or(p))
        .collect();
    services.sort_unstable();
    services.dedup();
    services
        .into_iter()
        .map(|service| {
            let ids: Option<Vec<_>> = needed
                .iter()
                .filter(|p| p.split('.').next() == Some(service))
                .map(|p| catalog.permission(p))
                .collect();
            let ids = ids?;
            // The service's own roles first (`roles/storage.*` for storage permissions), GA first.
            let own = format!("roles/{service}.");
            catalog
                .roles()
                .filter(|&r| {
                    let name = catalog.role_name(r);
                    !name.ends_with("serviceAgent")
                        && !name.ends_with("ServiceAgent")
                        && catalog.role_stage(r) != "DEPRECATED"
                        && ids.iter().all(|&p| catalog.role_has(r, p))
                })
                .min_by_key(|&r| {
                    (
                        !catalog.role_name(r).starts_with(&own),
                        catalog.role_stage(r) != "GA",
                        catalog.role_permissions(r).len(),
                    )
                })
                .map(|r| catalog.role_name(r))
        })
        .collect()
}
