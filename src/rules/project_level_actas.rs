use crate::access::IMPERSONATION;
use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::{Level, Module, RoleTarget};
use crate::registry::{Ctx, Rule, RuleMeta};

pub static META: RuleMeta = RuleMeta {
    id: "project-level-actas",
    summary: "a role that can act as service accounts is granted on a whole project, folder or organization",
    default_severity: Severity::Warning,
    docs: include_str!("../../rules/project-level-actas.md"),
};

pub struct ProjectLevelActas;

/// Reported by `basic-role` already.
const BASIC: &[&str] = &["roles/owner", "roles/editor"];

impl Rule for ProjectLevelActas {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
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
            // Service agent roles granted to Google's service agents are Google's documented setup.
            let agent_role = name.ends_with("serviceAgent") || name.ends_with("ServiceAgent");
            if BASIC.contains(&name.as_str())
                || agent_role
                || grant.only_service_agents()
                || grant.members.is_empty()
            {
                continue;
            }
            let catalog = Catalog::get();
            let Some(id) = catalog.role(name) else {
                continue;
            };
            let held: Vec<&str> = IMPERSONATION
                .iter()
                .copied()
                .filter(|p| {
                    catalog
                        .permission(p)
                        .is_some_and(|pid| catalog.role_has(id, pid))
                })
                .collect();
            let Some(first) = held.first() else { continue };
            let listed: Vec<String> = held.iter().map(|p| format!("`{p}`")).collect();
            out.push(
                META.diagnostic(
                    Label::new(role.loc.file, role.loc.range.clone(), format!("holds {}", listed.join(", "))),
                    format!(
                        "`{name}` on {} lets its members act as every service account in the {scope}",
                        grant.describe_target()
                    ),
                )
                .note(format!(
                    "`{first}` granted at {scope} level applies to every service account there, including ones created later and ones that hold Owner"
                ))
                .help(format!(
                    "grant `{name}` on the one service account that needs it, with `google_service_account_iam_member`"
                )),
            );
        }
    }
}
