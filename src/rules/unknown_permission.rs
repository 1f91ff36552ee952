use crate::diagnostic::{Diagnostic, Edit, Fix, Label};
use crate::gcp::catalog::{Catalog, SNAPSHOT_DATE};
use crate::model::Module;
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};

static META: &RuleMeta = &registry::UNKNOWN_PERMISSION;

pub struct UnknownPermission;

impl Rule for UnknownPermission {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        let mut catalog = None;
        for role in &module.custom_roles {
            for (permission, val) in role.known_permissions() {
                let catalog = *catalog.get_or_insert_with(Catalog::get);
                if catalog.permission(permission).is_some()
                    || crate::gcp::data::is_unlisted_permission(permission)
                {
                    continue;
                }
                let suggestion = catalog.suggest_permission(permission);
                let label = match &suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "no such permission".to_string(),
                };
                let mut diag = META.diagnostic(
                    Label::new(val.loc.file, val.loc.range.clone(), label),
                    format!(
                        "`{permission}` in custom role `{}` is not a GCP permission",
                        role.display_name()
                    ),
                );
                diag = match suggestion {
                    Some(s) => {
                        let diag = diag.help(format!("replace it with `{s}`"));
                        match super::permission_literal(module, role, val, permission) {
                            Ok(()) => diag.fix(Fix {
                                title: format!("rename `{permission}` to `{s}`"),
                                edits: vec![Edit::Replace {
                                    file: val.loc.file,
                                    range: val.loc.range.clone(),
                                    text: format!("\"{s}\""),
                                }],
                            }),
                            Err(why) => diag.note(format!("no automatic fix: {why}")),
                        }
                    }
                    None => diag.help(
                        "check the spelling against `gcloud iam list-testable-permissions` or the IAM permissions reference",
                    ),
                };
                out.push(diag.note(format!(
                    "GCP rejects a custom role with an unknown permission at apply time; iamlint's catalog is from {SNAPSHOT_DATE}, so a newer permission may be missing from it"
                )));
            }
        }
    }
}
