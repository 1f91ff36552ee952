use crate::diagnostic::{Diagnostic, Edit, Fix, Label};
use crate::model::Module;
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};
use std::collections::HashMap;

static META: &RuleMeta = &registry::DUPLICATE_PERMISSION;

pub struct DuplicatePermission;

impl Rule for DuplicatePermission {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        for role in &module.custom_roles {
            let mut first = HashMap::new();
            for (permission, val) in role.known_permissions() {
                let Some(earlier) = first.get(permission) else {
                    first.insert(permission, val);
                    continue;
                };
                let mut diag = META
                    .diagnostic(
                        Label::new(val.loc.file, val.loc.range.clone(), "listed again here"),
                        format!(
                            "`{permission}` is listed twice in custom role `{}`",
                            role.display_name()
                        ),
                    )
                    .secondary(Label::new(
                        earlier.loc.file,
                        earlier.loc.range.clone(),
                        "first listed here",
                    ))
                    .help("remove the repeated entry");
                match super::permission_literal(module, role, val, permission) {
                    Ok(()) => {
                        diag = diag.fix(Fix {
                            title: format!("remove the repeated `{permission}`"),
                            edits: vec![Edit::RemoveElement {
                                file: val.loc.file,
                                range: val.loc.range.clone(),
                            }],
                        })
                    }
                    Err(why) => diag = diag.note(format!("no automatic fix: {why}")),
                }
                out.push(diag);
            }
        }
    }
}
