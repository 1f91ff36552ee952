use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::gcp::catalog::{Catalog, Stage, Support};
use crate::model::Module;
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};

static META: &RuleMeta = &registry::UNSUPPORTED_PERMISSION;

pub struct UnsupportedPermission;

impl Rule for UnsupportedPermission {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        let mut catalog = None;
        for role in &module.custom_roles {
            for (permission, val) in role.known_permissions() {
                let catalog = *catalog.get_or_insert_with(Catalog::get);
                let Some(id) = catalog.permission(permission) else {
                    continue; // unknown-permission's business
                };
                let name = role.display_name();
                let (severity, message, label, help) = match (
                    catalog.support(id),
                    catalog.stage(id),
                ) {
                    (Support::NotSupported, _) => (
                        Severity::Error,
                        format!("custom roles cannot hold `{permission}` (custom role `{name}`)"),
                        "not supported in custom roles",
                        "remove it; grant the predefined role that contains it on the resource that needs it",
                    ),
                    (Support::Testing, stage) => (
                        Severity::Warning,
                        format!(
                            "`{permission}` in custom role `{name}` is only in testing for custom roles{}",
                            deprecated(stage)
                        ),
                        "custom-role support: TESTING",
                        "a permission in testing may change or stop working in custom roles without notice; prefer a predefined role for it",
                    ),
                    (Support::Supported, Stage::Deprecated) => (
                        Severity::Warning,
                        format!("`{permission}` in custom role `{name}` is deprecated"),
                        "deprecated permission",
                        "deprecated permissions are being retired; find its replacement in the service's IAM documentation",
                    ),
                    _ => continue,
                };
                let diag = META
                    .diagnostic_at(
                        severity,
                        Label::new(val.loc.file, val.loc.range.clone(), label),
                        message,
                    )
                    .help(help);
                out.push(diag);
            }
        }
    }
}

fn deprecated(stage: Stage) -> &'static str {
    if stage == Stage::Deprecated {
        ", and deprecated"
    } else {
        ""
    }
}
