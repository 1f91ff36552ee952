use crate::diagnostic::{Diagnostic, Label};
use crate::model::Module;
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};

static META: &RuleMeta = &registry::SERVICE_ACCOUNT_KEY;

pub struct ServiceAccountKey;

impl Rule for ServiceAccountKey {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        for key in &module.keys {
            out.push(
                META.diagnostic(
                    Label::new(key.file, key.type_label.clone(), "a long-lived credential"),
                    format!("service account key `{}` is a long-lived credential that can leak", key.label()),
                )
                .note("the private key also lands in the Terraform state, readable by anyone who can read the state")
                .help("use impersonation (`roles/iam.serviceAccountTokenCreator`) or workload identity federation instead of a key"),
            );
        }
    }
}
