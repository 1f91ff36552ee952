use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::gcp::data;
use crate::model::Module;
use crate::model::principal::Principal;
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};

static META: &RuleMeta = &registry::USER_MEMBER;

pub struct UserMember;

impl Rule for UserMember {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        for grant in &module.grants {
            let role = match grant.role_display(module) {
                Some(r) => format!("`{r}`"),
                None => "a role".into(),
            };
            for member in &grant.members {
                let Principal::User(email) = &member.principal else {
                    continue;
                };
                let who = match email {
                    Some(e) => format!("`user:{e}`"),
                    None => "a `user:` member".into(),
                };
                let domain = email
                    .as_deref()
                    .and_then(|e| e.rsplit_once('@'))
                    .map(|(_, d)| d);
                let personal = domain.filter(|d| data::is_personal_domain(d));
                // A personal mailbox is outside the organization's sign-on and offboarding.
                let severity = match personal {
                    Some(_) => Severity::Warning,
                    None => META.default_severity,
                };
                let mut diag = META
                    .diagnostic_at(
                        severity,
                        Label::new(member.val.loc.file, member.val.loc.range.clone(), "one person"),
                        format!("{who} is granted {role} directly"),
                    )
                    .help("grant it to a group (`group:...`) so that access follows team membership and leaves with the person");
                if let Some(label) = super::used_in(&grant.res, &member.val.loc) {
                    diag = diag.secondary(label);
                }
                if let Some(domain) = personal {
                    diag = diag.note(format!(
                        "`{domain}` is a personal mailbox: outside your organization's single sign-on and offboarding"
                    ));
                }
                out.push(diag);
            }
        }
    }
}
