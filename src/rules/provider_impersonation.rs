use crate::diagnostic::{Diagnostic, Label};
use crate::model::value::{Val, Value};
use crate::model::{Module, Provider};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};

static META: &RuleMeta = &registry::PROVIDER_IMPERSONATION;

pub struct ProviderImpersonation;

/// `[rules.provider-impersonation]`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// Impersonation must be in the code: a provider without it is reported even when the
    /// credentials may come from the environment.
    pub require_impersonation: bool,
}

/// Set to something other than `null` or `""`.
fn set(val: &Option<Val>) -> Option<&Val> {
    val.as_ref()
        .filter(|v| !matches!(&v.value, Value::Null) && v.as_str() != Some(""))
}

fn name(p: &Provider) -> String {
    match p.alias.as_ref().and_then(Val::as_str) {
        Some(alias) => format!("provider `{}` (alias `{alias}`)", p.name),
        None => format!("provider `{}`", p.name),
    }
}

impl Rule for ProviderImpersonation {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, cx: &Ctx, out: &mut Vec<Diagnostic>) {
        for p in &module.providers {
            if let Some(credentials) = set(&p.credentials) {
                // The primary is what must change, `credentials = ...` in the provider; a value
                // written elsewhere (a variable's default) is labelled where it comes from.
                let elsewhere = credentials.loc.file != p.file
                    || !(p.block.start <= credentials.loc.range.start
                        && credentials.loc.range.end <= p.block.end);
                let (primary, origin) = match &p.credentials_attr {
                    Some(attr) if elsewhere => (
                        Label::new(p.file, attr.clone(), "a service account key"),
                        Some(Label::new(
                            credentials.loc.file,
                            credentials.loc.range.clone(),
                            "its value is set here",
                        )),
                    ),
                    _ => (
                        Label::new(
                            credentials.loc.file,
                            credentials.loc.range.clone(),
                            "a service account key",
                        ),
                        None,
                    ),
                };
                let mut diag = META
                    .diagnostic(
                        primary,
                        format!("{} authenticates with a key (`credentials`)", name(p)),
                    )
                    .note("a downloaded key is a long-lived secret: it can leak from a laptop or a CI variable and works from anywhere")
                    .help("remove `credentials` and set `impersonate_service_account` to the environment's deploy service account");
                if let Some(origin) = origin {
                    diag = diag.secondary(origin);
                }
                out.push(diag);
                continue;
            }
            if let Some(token) = set(&p.access_token).filter(|t| t.as_str().is_some()) {
                out.push(
                    META.diagnostic(
                        Label::new(token.loc.file, token.loc.range.clone(), "a token in the code"),
                        format!("{} has an access token written in the code", name(p)),
                    )
                    .help("mint the token by impersonation (`data \"google_service_account_access_token\"`) or set `impersonate_service_account`"),
                );
                continue;
            }
            // Without `impersonate_service_account` or an `access_token`, the provider may still
            // impersonate through GOOGLE_IMPERSONATE_SERVICE_ACCOUNT, which the code cannot
            // show: reported only when the configuration asks for impersonation in the code.
            if !cx.settings.provider_impersonation.require_impersonation
                || set(&p.impersonate_service_account).is_some()
                || set(&p.access_token).is_some()
            {
                continue;
            }
            out.push(
                META.diagnostic(
                    Label::new(p.file, p.name_label.clone(), "runs as whoever runs Terraform"),
                    format!("{} does not impersonate a deploy service account", name(p)),
                )
                .note("without impersonation, Terraform runs with the caller's own credentials: each person or pipeline needs every permission the plan needs")
                .help("set `impersonate_service_account` to the environment's deploy service account, and grant people `roles/iam.serviceAccountTokenCreator` on it"),
            );
        }
    }
}
