use crate::data;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::{Level, Module, RoleTarget};
use crate::registry::{Ctx, Rule, RuleMeta};

pub static META: RuleMeta = RuleMeta {
    id: "privilege-escalation-permission",
    summary: "a custom role holds a permission that lets its holder gain other identities' or broader access",
    default_severity: Severity::Warning,
    docs: include_str!("../../rules/privilege-escalation-permission.md"),
};

pub struct PrivilegeEscalationPermission;

impl Rule for PrivilegeEscalationPermission {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        for (index, role) in module.custom_roles.iter().enumerate() {
            // Granted only on single resources (one service account, one bucket): the narrow,
            // intended way to hand out such a permission.
            let mut grants = module
                .grants
                .iter()
                .filter(|g| g.target == RoleTarget::Custom(index))
                .peekable();
            let narrow = grants.peek().is_some()
                && grants.all(|g| matches!(g.level, Level::ServiceAccount | Level::Resource));
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
