use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::{IdentitySlot, Module, SlotState, Workload};
use crate::registry::{Rule, RuleMeta};

pub static META: RuleMeta = RuleMeta {
    id: "missing-service-account",
    summary: "a workload names no service account, so it runs as a default identity",
    default_severity: Severity::Warning,
    docs: include_str!("../../rules/missing-service-account.md"),
};

pub struct MissingServiceAccount;

/// "Cloud Run service `api`", or "node pool `p` of GKE cluster `c`".
pub(super) fn subject(workload: &Workload, slot: &IdentitySlot) -> String {
    let whole = format!("{} `{}`", workload.product, workload.res.name);
    match &slot.part {
        Some(part) => format!("{part} of {whole}"),
        None => whole,
    }
}

impl Rule for MissingServiceAccount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, module: &Module, out: &mut Vec<Diagnostic>) {
        for workload in &module.workloads {
            for (i, slot) in workload.slots.iter().enumerate() {
                let SlotState::Missing {
                    default,
                    anchor,
                    anchor_kind,
                } = &slot.state
                else {
                    continue;
                };
                let subject = subject(workload, slot);
                let message = if i == 0 || slot.part.is_some() {
                    format!(
                        "{subject} names no service account, so it runs as {}",
                        default.describe()
                    )
                } else {
                    format!(
                        "{subject} sets no `{}`, so it uses {}",
                        slot.attr,
                        default.describe()
                    )
                };
                let mut diag = META
                    .diagnostic(
                        Label::new(
                            workload.res.file,
                            anchor.clone(),
                            format!("`{}` is not set in {anchor_kind}", slot.attr),
                        ),
                        message,
                    )
                    .note(format!(
                        "{} ({}) is shared by every workload that names none, and often holds Editor on the project",
                        default.describe(),
                        default.email_form()
                    ))
                    .help(format!(
                        "create a dedicated `google_service_account` for this workload and set `{}` to its email",
                        slot.attr
                    ));
                if *anchor != workload.res.type_label {
                    diag = diag.secondary(Label::new(
                        workload.res.file,
                        workload.res.type_label.clone(),
                        format!("this {}", workload.product),
                    ));
                }
                out.push(diag);
            }
        }
    }
}
