use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::{IdentitySlot, Module, SlotState, Workload};
use crate::registry::{Ctx, Rule, RuleMeta};

pub static META: RuleMeta = RuleMeta {
    id: "missing-service-account",
    summary: "a workload names no service account, so it runs as a default identity",
    default_severity: Severity::Warning,
    docs: include_str!("../../rules/missing-service-account.md"),
};

pub struct MissingServiceAccount;

/// Who runs: "Cloud Run service `api`", "node pool `p` of GKE cluster `c`", "Autopilot nodes
/// of GKE cluster `c`"; and whether that is plural.
pub(super) struct Subject {
    pub text: String,
    pub plural: bool,
}

impl Subject {
    pub fn of(workload: &Workload, slot: &IdentitySlot) -> Subject {
        let whole = format!("{} `{}`", workload.product, workload.res.label());
        match &slot.part {
            Some(part) => Subject {
                text: format!("{part} of {whole}"),
                plural: part.ends_with("nodes"),
            },
            None => Subject {
                text: whole,
                plural: false,
            },
        }
    }

    /// "runs", or "run" for a plural subject.
    pub fn verb(&self, singular: &'static str, plural: &'static str) -> &'static str {
        if self.plural { plural } else { singular }
    }
}

impl Rule for MissingServiceAccount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
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
                let subject = Subject::of(workload, slot);
                let message = if i == 0 || slot.part.is_some() {
                    format!(
                        "{} {} no service account, so {} as {}",
                        subject.text,
                        subject.verb("names", "name"),
                        subject.verb("it runs", "they run"),
                        default.describe()
                    )
                } else {
                    format!(
                        "{} sets no `{}`, so it uses {}",
                        subject.text,
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
