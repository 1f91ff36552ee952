use crate::diagnostic::{Diagnostic, Label};
use crate::gcp::catalog::Catalog;
use crate::gcp::data;
use crate::model::principal::{Principal, SaRef, classify_identity};
use crate::model::value::Val;
use crate::model::{Level, Module, RoleTarget};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

static META: &RuleMeta = &registry::AUTOMATION_ADMIN_ROLE;

pub struct AutomationAdminRole;

/// Reported by `basic-role` already.
const BASIC: &[&str] = &["roles/owner", "roles/editor"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Automation {
    top_level: Vec<String>,
    deployed: Vec<String>,
    workload_roles: Vec<String>,
}

fn data() -> &'static Automation {
    static DATA: OnceLock<Automation> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(include_str!("../../rules/data/automation.toml"))
            .expect("rules/data/automation.toml is checked by tests")
    })
}

/// Predefined role name -> its admin permissions.
type Memo = HashMap<String, Arc<[&'static str]>>;

/// The permissions of a predefined role that delete or reconfigure a whole service instance,
/// computed once per role and run.
fn admin_permissions(role: &str) -> Arc<[&'static str]> {
    static MEMO: OnceLock<Mutex<Memo>> = OnceLock::new();
    let mut memo = MEMO
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(held) = memo.get(role) {
        return held.clone();
    }
    let held = compute_admin_permissions(role);
    memo.insert(role.to_string(), held.clone());
    held
}

fn compute_admin_permissions(role: &str) -> Arc<[&'static str]> {
    let catalog = Catalog::get();
    let Some(id) = catalog.role(role) else {
        return Arc::from(Vec::new());
    };
    catalog
        .role_permissions(id)
        .iter()
        .map(|&p| catalog.permission_name(p))
        .filter(|p| {
            let (collection, verb) = p.rsplit_once('.').unwrap_or(("", ""));
            let top = data().top_level.iter().any(|t| t == collection);
            let deployed = data().deployed.iter().any(|t| t == collection);
            match verb {
                "delete" => top,
                "setIamPolicy" => top || deployed,
                _ => false,
            }
        })
        .collect()
}

/// The account ids (or names) that say who an account is.
fn names<'m>(module: &'m Module, sa: &'m SaRef) -> Vec<&'m str> {
    match sa {
        SaRef::Resource(name) => {
            let mut out = vec![name.as_str()];
            if let Some(sa) = module.service_account(name) {
                out.extend(sa.account_id.as_ref().and_then(Val::as_str));
                out.extend(sa.display_name.as_ref().and_then(Val::as_str));
            }
            out
        }
        SaRef::Email(email) => vec![email.split('@').next().unwrap_or("")],
        _ => Vec::new(),
    }
}

/// The same account, as far as the module tells.
fn same(module: &Module, a: &SaRef, b: &SaRef) -> bool {
    let id = |name: &str| {
        module
            .service_account(name)
            .and_then(|sa| sa.account_id.as_ref()?.as_str())
    };
    match (a, b) {
        (SaRef::Resource(x), SaRef::Resource(y)) => x == y,
        (SaRef::Email(x), SaRef::Email(y)) => x.eq_ignore_ascii_case(y),
        (SaRef::Resource(r), SaRef::Email(e)) | (SaRef::Email(e), SaRef::Resource(r)) => {
            id(r).is_some_and(|id| e.split('@').next() == Some(id))
        }
        _ => false,
    }
}

/// The Terraform deploy account: named so (the deployer rule's terraform words), or the
/// account a `google` provider of the module impersonates.
fn is_deploy_account(module: &Module, deployer: &data::Deployer, sa: &SaRef) -> bool {
    let words = &deployer.terraform_words;
    if names(module, sa)
        .iter()
        .any(|n| data::words(n).iter().any(|w| words.contains(w)))
    {
        return true;
    }
    module.providers.iter().any(|p| {
        p.impersonate_service_account
            .as_ref()
            .and_then(Val::as_template)
            .is_some_and(|s| same(module, &classify_identity(s), sa))
    })
}

impl Rule for AutomationAdminRole {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, cx: &Ctx, out: &mut Vec<Diagnostic>) {
        let deployer = cx.settings.deployer();
        for grant in &module.grants {
            let scope = match grant.level {
                Level::Project => "project",
                Level::Folder => "folder",
                Level::Organization => "organization",
                _ => continue,
            };
            let (RoleTarget::Predefined(name), Some(role)) = (&grant.target, &grant.role) else {
                continue;
            };
            // Service agent roles given to other accounts are `project-level-actas` and
            // `privilege-escalation-permission`.
            if BASIC.contains(&name.as_str())
                || super::identity::is_agent_role(name)
                || data().workload_roles.iter().any(|r| *r == **name)
            {
                continue;
            }
            let mut held: Option<Arc<[&str]>> = None;
            for member in &grant.members {
                let Principal::ServiceAccount(sa) = &member.principal else {
                    continue;
                };
                let who = match sa {
                    SaRef::Resource(n) => format!(
                        "service account `{}`",
                        crate::model::principal::account_address(n)
                    ),
                    SaRef::Email(e) => format!("service account `{e}`"),
                    SaRef::Default(d) => d.describe().to_string(),
                    // Google's agents, and accounts that cannot be known (maybe the deploy account).
                    SaRef::ServiceAgent | SaRef::Unknown => continue,
                };
                // The Terraform deploy account is meant to manage services; a deployment
                // pipeline's account is judged by `deployer-role-create-delete`.
                if is_deploy_account(module, deployer, sa)
                    || module
                        .account_id(sa)
                        .is_some_and(|id| deployer.is_deployer_account(id))
                {
                    continue;
                }
                let held = held.get_or_insert_with(|| admin_permissions(name));
                if held.is_empty() {
                    break;
                }
                let shown: Vec<String> = held.iter().take(3).map(|p| format!("`{p}`")).collect();
                let more = match held.len() {
                    n if n > 3 => format!(" and {} more", n - 3),
                    _ => String::new(),
                };
                let mut diag = META
                    .diagnostic(
                        Label::new(role.loc.file, role.loc.range.clone(), format!("holds {}{more}", shown.join(", "))),
                        format!(
                            "{who} holds `{name}` on {}: it can delete or reconfigure whole services in the {scope}",
                            grant.describe_target()
                        ),
                    )
                    .note("an automation account's credentials are used unattended, from pipelines and jobs: whoever obtains them, or a bug in what runs as it, can remove or open up every instance of the service")
                    .help(format!(
                        "grant a role that changes what exists without deleting it or opening it up (such as the service's developer role), or grant `{name}` on the one resource the automation manages"
                    ));
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

    #[test]
    fn admin_roles_by_permission() {
        let catalog = Catalog::get();
        for t in data().top_level.iter().chain(&data().deployed) {
            assert!(
                catalog.permission(&format!("{t}.delete")).is_some()
                    || catalog.permission(&format!("{t}.setIamPolicy")).is_some(),
                "{t} has neither delete nor setIamPolicy"
            );
        }
        for admin in [
            "roles/container.admin",
            "roles/composer.admin",
            "roles/storage.admin",
            "roles/run.admin",
        ] {
            assert!(!admin_permissions(admin).is_empty(), "{admin}");
        }
        for narrow in [
            "roles/container.developer",
            "roles/storage.objectAdmin",
            "roles/run.invoker",
            "roles/logging.logWriter",
            "roles/run.developer",
            "roles/cloudfunctions.developer",
        ] {
            assert!(admin_permissions(narrow).is_empty(), "{narrow}");
        }
    }
}
