use crate::diagnostic::{Diagnostic, Label};
use crate::model::{Module, SlotState};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule, Subject};

static META: &RuleMeta = &registry::MISSING_SERVICE_ACCOUNT;

pub struct MissingServiceAccount;

impl Rule for MissingServiceAccount {
    fn meta(&self) -> &'static RuleMeta {
        META
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
