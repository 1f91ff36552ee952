use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::principal::{Principal, SaRef};
use crate::model::value::{Part, Val};
use crate::model::{Grant, Level, Member, Module, RoleTarget};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};

static META: &RuleMeta = &registry::BASIC_ROLE;

pub struct BasicRole;

/// The basic roles this rule reports; `roles/viewer` is a tier people may hold.
const BROAD: &[&str] = &["roles/owner", "roles/editor"];
const BASIC: &[&str] = &["roles/owner", "roles/editor", "roles/viewer"];

impl Rule for BasicRole {
    fn meta(&self) -> &'static RuleMeta {
        META
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
                let diag = META.diagnostic_at(
                    Severity::Error,
                    Label::new(condition.file, condition.ident.clone(), "not allowed on a basic role"),
                    format!("`{name}` has a condition, but GCP does not accept conditions on basic roles"),
                );
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
            if !BROAD.contains(&name.as_str()) || grant.members.is_empty() {
                continue;
            }
            if grant.only_service_agents() {
                // Google gives a project's own Google APIs service agent Editor; in another
                // project, or on a folder or organization, the grant is like any other.
                if let Some(agent) = grant
                    .members
                    .iter()
                    .find(|m| agent_of_another_project(grant, m))
                {
                    out.push(agent_grant(grant, name, role, agent));
                }
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
    // A Google group, or a workforce or workload identity pool's group (`principalSet://
    // .../group/NAME`).
    let groups_only = grant.members.iter().all(|m| {
        matches!(m.principal, Principal::Group(_))
            || m.val.as_str().is_some_and(|s| {
                s.starts_with("principalSet://") && s.contains("Pools/") && s.contains("/group/")
            })
    });
    let mut diag = if groups_only {
        // The tier this rule's help recommends: Owner for the few, through a group.
        META
            .diagnostic_at(
                Severity::Note,
                Label::new(role.loc.file, role.loc.range.clone(), "basic role"),
                format!("`{name}` is granted to a group on {target}"),
            )
            .note("a group is how a basic role should be held; the group's membership is the decision: keep it small and reviewed")
            .help("if the group's members need less, give them a predefined or custom role instead")
    } else if accounts.is_empty() {
        META.diagnostic(
            Label::new(role.loc.file, role.loc.range.clone(), "basic role"),
            format!("`{name}` is granted on {target}"),
        )
        .help("give people a tier through a group: Viewer, a Deployer custom role for those who run Terraform, Owner for the few")
    } else {
        META
            .diagnostic_at(
                Severity::Error,
                Label::new(role.loc.file, role.loc.range.clone(), "basic role"),
                format!("`{name}` is granted to a service account on {target}"),
            )
            .note("automation runs unattended; with a basic role, whoever controls it controls the project")
            .help("give the service account a predefined or custom role with only the permissions it needs")
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

/// The project number in a service agent's email, as written: the part before `@`, without
/// `service-`: a literal, or the expression that gives it.
fn agent_number(member: &Member) -> Option<Vec<Part>> {
    let s = member.val.as_template()?;
    let mut parts = Vec::new();
    for part in s.parts() {
        match part {
            Part::Lit(lit) => {
                let lit = lit.strip_prefix("serviceAccount:").unwrap_or(lit);
                let lit = lit.strip_prefix("service-").unwrap_or(lit);
                match lit.split_once('@') {
                    Some((before, _)) => {
                        if !before.is_empty() {
                            parts.push(Part::Lit(before.into()));
                        }
                        return Some(parts);
                    }
                    None if !lit.is_empty() => parts.push(Part::Lit(lit.into())),
                    None => {}
                }
            }
            other => parts.push(other.clone()),
        }
    }
    None
}

/// What an input or reference names, without the words that say which of its attributes is
/// read: `module.harness.network_project_id` -> `module.harness.network`,
/// `module.project.project_number` -> `module.project`, `var.project_id` -> `var`.
fn source_stem(part: &Part) -> Option<String> {
    const WORDS: &[&str] = &["project", "projects", "id", "number", "num"];
    let (object, attr) = match part {
        Part::Input(name) => match name.rsplit_once('.') {
            Some((object, attr)) if name.starts_with("module.") => (object.to_string(), attr),
            _ => ("var".to_string(), name.strip_prefix("var.").unwrap_or(name)),
        },
        Part::Ref(r) => (
            format!(
                "{}{}.{}{}",
                if r.data { "data." } else { "" },
                r.rtype,
                r.name,
                r.key.as_deref().unwrap_or("")
            ),
            "",
        ),
        _ => return None,
    };
    let words: Vec<&str> = attr
        .split('_')
        .filter(|w| !w.is_empty() && !WORDS.contains(w))
        .collect();
    Some(format!("{object}.{}", words.join("_")))
}

/// A service agent member whose project is certainly not the one the grant is on: the grant
/// is on a folder or an organization, or the project and the agent's number are two
/// literal numbers that differ, or they come from different resources or inputs of one kind
/// (`module.harness.network_project_id` and `module.harness.project_number`). When it cannot
/// be told (a project id beside a project number), nothing is reported.
fn agent_of_another_project(grant: &Grant, member: &Member) -> bool {
    if member.principal != Principal::ServiceAccount(SaRef::ServiceAgent) {
        return false;
    }
    match grant.level {
        Level::Folder | Level::Organization => return true,
        Level::Project => {}
        _ => return false,
    }
    let (Some(number), Some((_, project))) = (agent_number(member), &grant.on) else {
        return false;
    };
    let Some(project) = project.as_template() else {
        return false;
    };
    match (number.as_slice(), project.parts()) {
        ([Part::Lit(n)], [Part::Lit(p)]) => {
            n.bytes().all(|b| b.is_ascii_digit()) && p.bytes().all(|b| b.is_ascii_digit()) && n != p
        }
        ([a @ Part::Input(_)], [b @ Part::Input(_)]) | ([a @ Part::Ref(_)], [b @ Part::Ref(_)]) => {
            let same_kind = match (a, b) {
                (Part::Input(x), Part::Input(y)) => {
                    x.starts_with("module.") == y.starts_with("module.")
                        && x.rsplit_once('.').map(|p| p.0) == y.rsplit_once('.').map(|p| p.0)
                }
                (Part::Ref(x), Part::Ref(y)) => x.data == y.data && x.rtype == y.rtype,
                _ => false,
            };
            same_kind && source_stem(a) != source_stem(b)
        }
        _ => false,
    }
}

fn agent_grant(grant: &Grant, name: &str, role: &Val, agent: &Member) -> Diagnostic {
    let mut diag = META
        .diagnostic(
            Label::new(role.loc.file, role.loc.range.clone(), "basic role"),
            format!(
                "`{name}` is granted to another project's service agent on {}",
                grant.describe_target()
            ),
        )
        .secondary(Label::new(
            agent.val.loc.file,
            agent.val.loc.range.clone(),
            "a service agent of another project",
        ))
        .note("Google gives Editor to a project's own Google APIs service agent; in another project, whoever can make that project's Google services act gets Editor here")
        .help("grant the agent the predefined role its service documents for cross-project use (for Shared VPC, `roles/compute.networkUser` on the host project)");
    if let Some(label) = super::used_in(&grant.res, &role.loc) {
        diag = diag.secondary(label);
    }
    diag
}
