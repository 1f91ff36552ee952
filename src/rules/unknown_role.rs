use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::gcp::catalog::{Catalog, SNAPSHOT_DATE};
use crate::model::value::Val;
use crate::model::{Module, RoleTarget};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};
use crate::util::suggest::edit_distance;

static META: &RuleMeta = &registry::UNKNOWN_ROLE;

pub struct UnknownRole;

impl Rule for UnknownRole {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        for grant in &module.grants {
            let Some(role) = &grant.role else { continue };
            match &grant.target {
                RoleTarget::Predefined(name) => {
                    let catalog = Catalog::get();
                    if catalog.role(name).is_some() || crate::gcp::data::is_unlisted_role(name) {
                        continue;
                    }
                    let suggestion = catalog.suggest_role(name);
                    // A near miss is a typo GCP will reject; a name like no other may be a role
                    // newer than the catalog.
                    let mut diag = match suggestion {
                        Some(_) => diagnostic(
                            META.default_severity,
                            role,
                            format!("`{name}` is not a predefined role"),
                            suggestion,
                            format!(
                                "iamlint's catalog is from {SNAPSHOT_DATE}, so a role added since may be missing from it"
                            ),
                        ),
                        None => {
                            let mut diag = diagnostic(
                                Severity::Warning,
                                role,
                                format!("`{name}` is not in iamlint's catalog of {SNAPSHOT_DATE}"),
                                None,
                                "GCP rejects a grant of a role that does not exist; a role added after the catalog was taken is not in it".to_string(),
                            );
                            diag.primary.message = "not in the catalog".to_string();
                            diag
                        }
                    };
                    if let Some(label) = super::used_in(&grant.res, &role.loc) {
                        diag = diag.secondary(label);
                    }
                    out.push(diag);
                }
                RoleTarget::OtherCustom(name) => {
                    // A custom role the module does not declare: only a near miss of one it
                    // does declare (same kind, a few edits away) is certainly a typo.
                    let Some((prefix, id)) = name.rsplit_once("/roles/") else {
                        continue;
                    };
                    let candidates = module.custom_roles.iter().filter_map(|c| {
                        let declared = c.role_id.as_ref().and_then(Val::as_str)?;
                        let same_kind = matches!(
                            (c.level, prefix.split('/').next()),
                            (crate::model::RoleLevel::Project, Some("projects"))
                                | (crate::model::RoleLevel::Organization, Some("organizations"))
                        );
                        (same_kind && declared != id).then_some(declared)
                    });
                    let Some(closest) = candidates
                        .filter_map(|d| edit_distance(id, d, 2).map(|dist| (dist, d)))
                        .min()
                        .map(|(_, d)| d)
                    else {
                        continue;
                    };
                    let suggestion = format!("{prefix}/roles/{closest}");
                    out.push(diagnostic(
                        META.default_severity,
                        role,
                        format!("`{name}` is not a custom role this module declares"),
                        Some(suggestion.as_str()),
                        format!("the module declares a custom role `{closest}`"),
                    ));
                }
                RoleTarget::Custom(_) | RoleTarget::Unknown => {}
            }
        }
    }
}

fn diagnostic(
    severity: Severity,
    role: &Val,
    message: String,
    suggestion: Option<&str>,
    note: String,
) -> Diagnostic {
    let label = match suggestion {
        Some(s) => format!("did you mean `{s}`?"),
        None => "no such role".to_string(),
    };
    let diag = META
        .diagnostic_at(
            severity,
            Label::new(role.loc.file, role.loc.range.clone(), label),
            message,
        )
        .note(note);
    match suggestion {
        Some(s) => diag.help(format!("replace it with `{s}`")),
        None => {
            diag.help("check the name against `gcloud iam roles list` or the IAM roles reference")
        }
    }
}
