use crate::diagnostic::{Diagnostic, Label};
use crate::model::principal::{Principal, SaRef};
use crate::model::{Module, SlotState};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule, Subject};

static META: &RuleMeta = &registry::DEFAULT_SERVICE_ACCOUNT;

pub struct DefaultServiceAccount;

/// `[rules.default-service-account]`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// More accounts to treat as default identities: emails, `serviceAccount:` optional, `*`
    /// matching any run of characters; kept lower-case.
    #[serde(deserialize_with = "identities")]
    pub extra_identities: Vec<String>,
}

fn identities<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let list: Vec<String> = serde::Deserialize::deserialize(d)?;
    Ok(list
        .into_iter()
        .map(|e| e.trim_start_matches("serviceAccount:").to_lowercase())
        .collect())
}

impl Rule for DefaultServiceAccount {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, cx: &Ctx, out: &mut Vec<Diagnostic>) {
        let extra = |sa: &SaRef| match sa {
            SaRef::Email(e) => cx
                .settings
                .default_service_account
                .extra_identities
                .iter()
                .any(|pattern| crate::util::text::glob_match(pattern, &e.to_lowercase())),
            _ => false,
        };
        for grant in &module.grants {
            for member in &grant.members {
                if let Principal::ServiceAccount(sa @ SaRef::Email(email)) = &member.principal
                    && extra(sa)
                {
                    let role = match grant.role_display(module) {
                        Some(role) => format!("`{role}`"),
                        None => "a role".to_string(),
                    };
                    out.push(
                            META.diagnostic(
                                Label::new(member.val.loc.file, member.val.loc.range.clone(), "a default identity (iamlint.toml)"),
                                format!("`{email}` is granted {role}, and the configuration names it a default identity"),
                            )
                            .help("grant the role to the dedicated service account of the one workload that needs it"),
                        );
                }
                let Principal::ServiceAccount(SaRef::Default(default)) = member.principal else {
                    continue;
                };
                let role = match grant.role_display(module) {
                    Some(role) => format!("`{role}`"),
                    None => "a role".to_string(),
                };
                let mut diag = META.diagnostic(
                    Label::new(
                        member.val.loc.file,
                        member.val.loc.range.clone(),
                        format!("this is {}", default.email_form()),
                    ),
                    format!("{} is granted {role}", default.describe()),
                );
                if let Some(label) = super::used_in(&grant.res, &member.val.loc) {
                    diag = diag.secondary(label);
                }
                out.push(
                    diag
                    .note(
                        "every workload that names no identity runs as this account, so all of them get what it is granted",
                    )
                    .help(
                        "grant the role to the dedicated service account of the one workload that needs it",
                    ),
                );
            }
        }
        for workload in &module.workloads {
            for (i, slot) in workload.slots.iter().enumerate() {
                if let SlotState::Set {
                    val,
                    sa: sa @ SaRef::Email(email),
                } = &slot.state
                    && extra(sa)
                {
                    let subject = Subject::of(workload, slot);
                    out.push(
                            META.diagnostic(
                                Label::new(val.loc.file, val.loc.range.clone(), "a default identity (iamlint.toml)"),
                                format!("{} {} as `{email}`, which the configuration names a default identity", subject.text, subject.verb("runs", "run")),
                            )
                            .help(format!(
                                "create a dedicated `google_service_account` for this workload and set `{}` to its email",
                                slot.attr
                            )),
                        );
                    continue;
                }
                let SlotState::Set {
                    val,
                    sa: SaRef::Default(default),
                } = &slot.state
                else {
                    continue;
                };
                let subject = Subject::of(workload, slot);
                let message = if slot.attr.contains("_token.") {
                    format!(
                        "{} signs its requests as {}",
                        subject.text,
                        default.describe()
                    )
                } else if i == 0 || slot.part.is_some() {
                    format!(
                        "{} {} as {}",
                        subject.text,
                        subject.verb("runs", "run"),
                        default.describe()
                    )
                } else {
                    format!(
                        "{} uses {} for `{}`",
                        subject.text,
                        default.describe(),
                        slot.attr
                    )
                };
                let mut diag = META.diagnostic(
                    Label::new(
                        val.loc.file,
                        val.loc.range.clone(),
                        format!("this is {}", default.email_form()),
                    ),
                    message,
                );
                if let Some(label) = super::used_in(&workload.res, &val.loc) {
                    diag = diag.secondary(label);
                }
                out.push(
                    diag
                    .note("the default identity is shared by every workload that names none, and often holds Editor on the project")
                    .help(format!(
                        "create a dedicated `google_service_account` for this workload and set `{}` to its email",
                        slot.attr
                    )),
                );
            }
        }
    }
}
