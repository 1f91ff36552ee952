use crate::diagnostic::{Diagnostic, Label};
use crate::model::principal::SaRef;
use crate::model::value::Val;
use crate::model::{Module, SlotState, Workload};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};
use std::collections::BTreeMap;

static META: &RuleMeta = &registry::SHARED_SERVICE_ACCOUNT;

pub struct SharedServiceAccount;

impl Rule for SharedServiceAccount {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        // Account -> the workloads (distinct processes) that run as it.
        let mut users: BTreeMap<String, Vec<(&Workload, &Val)>> = BTreeMap::new();
        for workload in &module.workloads {
            for slot in workload.slots.iter().filter(|s| s.runtime) {
                let SlotState::Set { val, sa } = &slot.state else {
                    continue;
                };
                let key =
                    match sa {
                        SaRef::Resource(name) => crate::model::principal::account_address(name),
                        SaRef::Email(email) => {
                            let local = email.split('@').next().unwrap_or("");
                            match module.service_accounts.iter().find(|s| {
                                s.account_id.as_ref().and_then(Val::as_str) == Some(local)
                            }) {
                                Some(s) => format!("google_service_account.{}", s.res.name),
                                None => email.to_lowercase(),
                            }
                        }
                        SaRef::Default(_) | SaRef::ServiceAgent | SaRef::Unknown => continue,
                    };
                let list = users.entry(key).or_default();
                if !list
                    .iter()
                    .any(|(w, _)| w.process_key() == workload.process_key())
                {
                    list.push((workload, val));
                }
            }
        }
        for (account, mut list) in users {
            if list.len() < 2 {
                continue;
            }
            // In an estate view the finding points first at the modules' uses (the caller's own
            // workloads had their finding at the caller's run).
            list.sort_by_key(|(w, _)| w.res.module.is_none());
            // In an estate view, only accounts shared across modules: each module reported its own.
            let modules: std::collections::BTreeSet<_> =
                list.iter().map(|(w, _)| &w.res.module).collect();
            if module.estate && modules.len() < 2 {
                continue;
            }
            let declared = account
                .strip_prefix("google_service_account.")
                .and_then(|name| module.service_account(name));
            let shown = match declared {
                Some(sa) => sa
                    .account_id
                    .as_ref()
                    .and_then(Val::as_str)
                    .unwrap_or(&sa.res.name)
                    .to_string(),
                None => account.clone(),
            };
            let name = |w: &Workload| match &w.res.module {
                Some(_) => w.res.address(),
                None => w.res.label(),
            };
            let names: Vec<String> = list
                .iter()
                .map(|(w, _)| format!("{} `{}`", w.product, name(w)))
                .collect();
            let message = format!(
                "service account `{shown}` is the identity of {} workloads: {}",
                list.len(),
                names.join(", ")
            );
            let (primary, rest) = match declared {
                Some(sa) => (
                    Label::new(
                        sa.res.file,
                        sa.res.name_label.clone(),
                        "shared by several workloads",
                    ),
                    &list[..],
                ),
                None => {
                    let (w, v) = list[0];
                    (
                        Label::new(
                            v.loc.file,
                            v.loc.range.clone(),
                            format!("identity of {} `{}`", w.product, name(w)),
                        ),
                        &list[1..],
                    )
                }
            };
            let mut diag = META.diagnostic(primary, message);
            for (w, v) in rest {
                diag = diag.secondary(Label::new(
                    v.loc.file,
                    v.loc.range.clone(),
                    format!("identity of {} `{}`", w.product, name(w)),
                ));
            }
            out.push(
                diag.note("a shared identity holds the union of what every workload needs; a flaw in one gives all of it away")
                    .help("create one service account per workload, each granted only what that workload needs"),
            );
        }
    }
}
