use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::principal::Principal;
use crate::model::{Grant, Module, RoleTarget};
use crate::registry::{Ctx, Rule, RuleMeta};

pub static META: RuleMeta = RuleMeta {
    id: "basic-role",
    summary: "a basic role (owner or editor) is granted, or a basic role has a condition",
    default_severity: Severity::Warning,
    docs: include_str!("../../rules/basic-role.md"),
};

pub struct BasicRole;

/// The basic roles this rule reports; `roles/viewer` is a tier people may hold.
const BROAD: &[&str] = &["roles/owner", "roles/editor"];
const BASIC: &[&str] = &["roles/owner", "roles/editor", "roles/viewer"];

impl Rule for BasicRole {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        for grant in &module.grants {
            let RoleTarget::Predefined(name) = &grant.target else {
                continue;
            };
            let Some(role) = &grant.role else { continue };
            if let Some(condition) = grant
                .condition
                .as_ref()
                .filter(|c| c.certain && BASIC.contains(&name.as_str()))
            {
                let mut diag = META.diagnostic(
                    Label::new(condition.file, condition.ident.clone(), "not allowed on a basic role"),
                    format!("`{name}` has a condition, but GCP does not accept conditions on basic roles"),
                );
                diag.severity = Severity::Error;
                out.push(
                    diag.secondary(Label::new(
                        role.loc.file,
                        role.loc.range.clone(),
                        "basic role",
                    ))
                    .help("grant a predefined or custom role with the condition instead"),
                );
            }
            // A binding with no members takes the role away from everyone: it grants nothing.
            if !BROAD.contains(&name.as_str())
                || grant.only_service_agents()
                || grant.members.is_empty()
            {
                continue;
            }
            out.push(broad(module, grant, name, role));
        }
    }
}

fn broad(
    module: &Module,
    grant: &Grant,
    name: &str,
    role: &crate::model::value::Val,
) -> Diagnostic {
    let accounts: Vec<_> = grant
        .members
        .iter()
        .filter(|m| matches!(m.principal, Principal::ServiceAccount(_)))
        .collect();
    let target = grant.describe_target();
    let mut diag = if accounts.is_empty() {
        META.diagnostic(
            Label::new(role.loc.file, role.loc.range.clone(), "basic role"),
            format!("`{name}` is granted on {target}"),
        )
        .help("give people a tier through a group: Viewer, a Deployer custom role for those who run Terraform, Owner for the few")
    } else {
        let mut d = META
            .diagnostic(
                Label::new(role.loc.file, role.loc.range.clone(), "basic role"),
                format!("`{name}` is granted to a service account on {target}"),
            )
            .note("automation runs unattended; with a basic role, whoever controls it controls the project")
            .help("give the service account a predefined or custom role with only the permissions it needs");
        d.severity = Severity::Error;
        d
    };
    let _ = module;
    if let Some(label) = super::used_in(&grant.res, &role.loc) {
        diag = diag.secondary(label);
    }
    for member in accounts {
        diag = diag.secondary(Label::new(
            member.val.loc.file,
            member.val.loc.range.clone(),
            "a service account",
        ));
    }
    diag
}
