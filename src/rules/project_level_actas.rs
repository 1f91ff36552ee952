use super::identity;
use crate::diagnostic::{Diagnostic, Label};
use crate::model::{Level, Module, RoleTarget};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};

static META: &RuleMeta = &registry::PROJECT_LEVEL_ACTAS;

pub struct ProjectLevelActas;

/// Reported by `basic-role` already.
const BASIC: &[&str] = &["roles/owner", "roles/editor"];

impl Rule for ProjectLevelActas {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        for grant in &module.grants {
            let scope = match grant.level {
                Level::Project => "project",
                Level::Folder => "folder",
                Level::Organization => "organization",
                _ => continue,
            };
            let Some(role) = &grant.role else { continue };
            let name = match &grant.target {
                RoleTarget::Predefined(name) if BASIC.contains(&name.as_str()) => continue,
                RoleTarget::Predefined(_) | RoleTarget::Custom(_) => {
                    grant.role_display(module).unwrap_or_default()
                }
                _ => continue,
            };
            // Service agent roles granted to Google's service agents are Google's documented
            // setup; granted to anyone else, they are judged like any role.
            if grant.only_service_agents() || grant.members.is_empty() {
                continue;
            }
            let held = identity::held(module, grant, &identity::data().act_as);
            let Some(first) = held.first() else { continue };
            let listed: Vec<String> = held.iter().map(|p| format!("`{p}`")).collect();
            let mut diag = META
                .diagnostic(
                    Label::new(role.loc.file, role.loc.range.clone(), format!("holds {}", listed.join(", "))),
                    format!(
                        "`{name}` on {} lets its members act as every service account in the {scope}",
                        grant.describe_target()
                    ),
                )
                .note(format!(
                    "`{first}` granted at {scope} level applies to every service account there, including ones created later and ones that hold Owner"
                ));
            // A role written in a `locals` list: the grant that uses it is named at its block.
            if let Some(label) = super::used_in(&grant.res, &role.loc) {
                diag = diag.secondary(label);
            }
            if matches!(&grant.target, RoleTarget::Predefined(n) if identity::is_agent_role(n)) {
                diag = diag.note(
                    "a service agent role is meant for the Google-managed service agent that Google grants it to, not for user-managed accounts or people",
                );
            }
            out.push(diag.help(format!(
                "grant `{name}` on the one service account that needs it, with `google_service_account_iam_member`"
            )));
        }
    }
}
