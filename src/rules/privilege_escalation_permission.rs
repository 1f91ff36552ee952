use super::identity;
use crate::diagnostic::{Diagnostic, Label};
use crate::gcp::data;
use crate::model::{Level, Module, RoleTarget};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};

static META: &RuleMeta = &registry::PRIVILEGE_ESCALATION_PERMISSION;

pub struct PrivilegeEscalationPermission;

impl Rule for PrivilegeEscalationPermission {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        self.check_predefined(module, out);
        // Each custom role's grants: are they all on single resources? (`None`: not granted.)
        let mut only_narrow: Vec<Option<bool>> = vec![None; module.custom_roles.len()];
        for g in &module.grants {
            if let RoleTarget::Custom(index) = g.target
                && let Some(slot) = only_narrow.get_mut(index)
            {
                let narrow = matches!(g.level, Level::ServiceAccount | Level::Resource);
                *slot = Some(slot.unwrap_or(true) && narrow);
            }
        }
        for (index, role) in module.custom_roles.iter().enumerate() {
            // Granted only on single resources (one service account, one bucket): the narrow,
            // intended way to hand out such a permission.
            let narrow = only_narrow[index] == Some(true);
            if narrow {
                continue;
            }
            let held: Vec<&str> = role.known_permissions().map(|(p, _)| p).collect();
            for (permission, val) in role.known_permissions() {
                let Some(entry) = data::escalation(permission, |w| held.contains(&w)) else {
                    continue;
                };
                let with = match &entry.with {
                    Some(w) => format!(" (with `{w}`, also in this role)"),
                    None => String::new(),
                };
                out.push(
                    META.diagnostic(
                        Label::new(val.loc.file, val.loc.range.clone(), "privilege escalation"),
                        format!(
                            "custom role `{}` holds `{permission}`{with}, which lets its holder {}",
                            role.display_name(),
                            entry.allows
                        ),
                    )
                    .help("if this access is needed, grant it on the one resource that needs it (for example a role binding on a single service account) rather than in a project-wide role"),
                );
            }
        }
    }
}

/// Reported by `basic-role` already.
const BASIC: &[&str] = &["roles/owner", "roles/editor"];

impl PrivilegeEscalationPermission {
    /// Predefined roles granted on a project, folder or organization that can take over
    /// service accounts without acting as them (acting as them is `project-level-actas`).
    fn check_predefined(&self, module: &Module, out: &mut Vec<Diagnostic>) {
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
            if BASIC.contains(&name.as_str())
                || grant.only_service_agents()
                || grant.members.is_empty()
            {
                continue;
            }
            let held = identity::held(module, grant, &identity::data().take_over);
            let Some(&first) = held.first() else { continue };
            let Some(entry) = data::escalation(first, |_| false) else {
                continue;
            };
            let listed: Vec<String> = held.iter().map(|p| format!("`{p}`")).collect();
            let also = match held.len() {
                1 => String::new(),
                _ => format!(" (and {})", listed[1..].join(", ")),
            };
            out.push(
                META.diagnostic(
                    Label::new(role.loc.file, role.loc.range.clone(), format!("holds {}", listed.join(", "))),
                    format!(
                        "`{name}` on {} holds `{first}`{also}, which lets whoever holds it {}",
                        grant.describe_target(),
                        entry.allows
                    ),
                )
                .note(format!(
                    "granted at {scope} level, it applies to every service account there: whoever holds it can become any of them, including ones that hold Owner"
                ))
                .help(format!(
                    "use a role without {}, or, for members that manage service accounts, grant `{name}` on those accounts only",
                    listed.join(" or ")
                )),
            );
        }
    }
}
