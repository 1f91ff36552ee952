//! Every rule's check, registered once here, sorted by id. A rule's metadata is its entry in
//! [`crate::registry`]; its options are its own `Options` type, read from its
//! `[rules.<id>]` table into [`Settings`] once per run.

mod authoritative_iam;
mod automation_admin_role;
mod basic_role;
mod default_service_account;
mod deployer_role_create_delete;
mod duplicate_permission;
mod federation_condition;
mod identity;
mod invalid_member;
mod missing_required_permission;
mod missing_service_account;
mod privilege_escalation_permission;
mod project_level_actas;
mod provider_impersonation;
mod public_member;
mod service_account_key;
mod shared_service_account;
mod unknown_permission;
mod unknown_role;
mod unsupported_permission;
mod user_member;
mod workload_identity_federation;

use crate::config::{Config, ConfigError};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Label;
use crate::gcp::data::{self, Deployer};
use crate::model::Resource;
use crate::model::value::Loc;
use crate::model::{IdentitySlot, Module, Workload};
use crate::registry::RuleMeta;

/// A check over a module. Rules read a [`Module`] and push diagnostics; they never read files
/// or print.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, module: &Module, cx: &Ctx, out: &mut Vec<Diagnostic>);
}

/// What a rule may read besides the module: the run's settings.
pub struct Ctx<'a> {
    pub settings: &'a Settings,
}

/// Each rule's options, read from the configuration once per run, and the indexes built over
/// them for the run. A rule's options are its own `Options` type (serde, kebab-case keys,
/// unknown keys refused): adding one touches only the rule's file.
#[derive(Default)]
pub struct Settings {
    /// `[rules.deployer-role-create-delete]` over `rules/data/deployer.toml`: which identities
    /// deploy and what they may not hold. `automation-admin-role` reads it too, to tell the
    /// Terraform deploy account from a pipeline's.
    deployer: Option<Deployer>,
    pub default_service_account: default_service_account::Options,
    pub missing_required_permission: Vec<missing_required_permission::Requirement>,
    pub provider_impersonation: provider_impersonation::Options,
    pub public_member: public_member::Options,
}

/// The options of a rule that has none: only `severity`, which every rule has.
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NoOptions {}

impl Settings {
    /// The settings of a run with `config`: an option a rule does not know, or a value of
    /// the wrong kind, is an error located in the configuration file.
    pub fn new(config: &Config) -> Result<Settings, ConfigError> {
        // The rules with options read them below; the others have none to give.
        use crate::registry::*;
        let with_options = [
            DEFAULT_SERVICE_ACCOUNT.id,
            DEPLOYER_ROLE_CREATE_DELETE.id,
            MISSING_REQUIRED_PERMISSION.id,
            PROVIDER_IMPERSONATION.id,
            PUBLIC_MEMBER.id,
        ];
        for meta in all_metas().filter(|m| !with_options.contains(&m.id)) {
            config.options::<NoOptions>(meta.id)?;
        }
        let deployer: deployer_role_create_delete::Options =
            config.options(crate::registry::DEPLOYER_ROLE_CREATE_DELETE.id)?;
        let required: missing_required_permission::Options =
            config.options(crate::registry::MISSING_REQUIRED_PERMISSION.id)?;
        Ok(Settings {
            deployer: deployer.deployer(),
            default_service_account: config.options(crate::registry::DEFAULT_SERVICE_ACCOUNT.id)?,
            missing_required_permission: required.requirements(config)?,
            provider_impersonation: config.options(crate::registry::PROVIDER_IMPERSONATION.id)?,
            public_member: config.options(crate::registry::PUBLIC_MEMBER.id)?,
        })
    }

    /// The deployer data of the run: the configured one, or the embedded one (whose indexes
    /// every run shares).
    pub fn deployer(&self) -> &Deployer {
        self.deployer.as_ref().unwrap_or_else(|| data::deployer())
    }
}

/// The value is written inside the resource's block.
pub(crate) fn written_in(res: &Resource, value: &Loc) -> bool {
    value.file == res.file
        && res.block.start <= value.range.start
        && value.range.end <= res.block.end
}

/// Whether a fix may edit the text of permission `val` of `role`: one string literal, exactly
/// the permission, written as an element of a list literal in the role's `permissions` itself.
/// Otherwise why not, for the finding's note: the literal is a piece of a longer string (every
/// element of `split(",", "a,b")` is located at the whole string), a template or a computed
/// value shared by the role's instances, a `for_each` value, or a `local` others may use.
pub(crate) fn permission_literal(
    module: &crate::model::Module,
    role: &crate::model::CustomRole,
    val: &crate::model::value::Val,
    permission: &str,
) -> Result<(), String> {
    if !written_in(&role.res, &val.loc) {
        return Err(format!(
            "`{permission}` is written outside the role (a `local` or a variable others may use): edit it there"
        ));
    }
    let in_attribute = role.permissions.as_ref().is_some_and(|p| {
        p.loc.file == val.loc.file
            && p.loc.range.start <= val.loc.range.start
            && val.loc.range.end <= p.loc.range.end
    });
    if !in_attribute {
        return Err(format!(
            "`{permission}` comes from the role's `for_each` or `count`, shared by its instances: edit it by hand"
        ));
    }
    let Some(file) = module.files.iter().find(|f| f.id == val.loc.file) else {
        return Err("the file is not at hand".into());
    };
    if file.map.is_some() {
        return Err("`--fix` does not edit Terraform JSON".into());
    }
    let text: &str = &file.text;
    let range = val.loc.range.clone();
    let written = text.get(range.clone()).unwrap_or("");
    let inner = match written.len() >= 2 && written.starts_with('"') && written.ends_with('"') {
        true => &written[1..written.len() - 1],
        false => {
            return Err(format!(
                "`{permission}` is computed (a function call or a reference): edit the expression by hand"
            ));
        }
    };
    if inner.contains("${") || inner.contains("%{") {
        return Err(format!(
            "`{permission}` comes from a template, the same text for every value it takes: edit it by hand"
        ));
    }
    if inner != permission {
        return Err(format!(
            "`{permission}` is one piece of a longer string (a `split` or similar reads it): edit the string by hand"
        ));
    }
    if !is_list_element(text, range) {
        return Err(format!(
            "`{permission}` is not an element written in a list: edit it by hand"
        ));
    }
    Ok(())
}

/// The text of a line without its `#` or `//` comment (outside strings).
fn without_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'#' if !in_string => return &line[..i],
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
        i += 1;
    }
    line
}

/// `range` is an element of a list literal: `[` or `,` before it and `,` or `]` after it,
/// across blank and comment lines.
fn is_list_element(text: &str, range: std::ops::Range<usize>) -> bool {
    let mut before = text.get(..range.start).unwrap_or("");
    let mut own_line = true;
    let prev = loop {
        let (head, line) = match before.rfind('\n') {
            Some(i) => (&before[..i], &before[i + 1..]),
            None => ("", before),
        };
        // Before the element on its own line there is code only; earlier lines may end in
        // comments.
        let line = if own_line {
            line
        } else {
            without_comment(line)
        };
        if let Some(c) = line.trim_end().chars().last() {
            break Some(c);
        }
        if !before.contains('\n') {
            break None;
        }
        own_line = false;
        before = head;
    };
    let mut after = text.get(range.end..).unwrap_or("");
    let next = loop {
        let (line, tail) = after.split_once('\n').unwrap_or((after, ""));
        if let Some(c) = without_comment(line).trim_start().chars().next() {
            break Some(c);
        }
        if tail.is_empty() {
            break None;
        }
        after = tail;
    };
    matches!(prev, Some('[' | ',')) && matches!(next, Some(',' | ']'))
}

/// When a value was written outside the resource that uses it (a `local`, a variable's default),
/// a label at the resource, so the reader sees both where it comes from and where it lands; for
/// an instance of a resource with `count` or `for_each`, a label naming the instance.
pub(crate) fn used_in(res: &Resource, value: &Loc) -> Option<Label> {
    let message = if !written_in(res, value) {
        format!("used by `{}`", res.address())
    } else if res.instance.is_some() {
        format!("in `{}`", res.address())
    } else {
        return None;
    };
    Some(Label::new(res.file, res.type_label.clone(), message))
}

/// Who runs: "Cloud Run service `api`", "node pool `p` of GKE cluster `c`", "Autopilot nodes
/// of GKE cluster `c`"; and whether that is plural.
pub(crate) struct Subject {
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

pub static ALL_RULES: &[&dyn Rule] = &[
    &authoritative_iam::AuthoritativeIam,
    &automation_admin_role::AutomationAdminRole,
    &basic_role::BasicRole,
    &default_service_account::DefaultServiceAccount,
    &deployer_role_create_delete::DeployerRoleCreateDelete,
    &duplicate_permission::DuplicatePermission,
    &invalid_member::InvalidMember,
    &missing_required_permission::MissingRequiredPermission,
    &missing_service_account::MissingServiceAccount,
    &privilege_escalation_permission::PrivilegeEscalationPermission,
    &project_level_actas::ProjectLevelActas,
    &provider_impersonation::ProviderImpersonation,
    &public_member::PublicMember,
    &service_account_key::ServiceAccountKey,
    &shared_service_account::SharedServiceAccount,
    &unknown_permission::UnknownPermission,
    &unknown_role::UnknownRole,
    &unsupported_permission::UnsupportedPermission,
    &user_member::UserMember,
    &workload_identity_federation::WorkloadIdentityFederation,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> Result<Settings, String> {
        let config = crate::config::parse("iamlint.toml", text).map_err(|e| e.render())?;
        Settings::new(&config).map_err(|e| e.render())
    }

    #[test]
    fn every_check_has_its_registry_entry_and_every_entry_its_check() {
        let checks: Vec<&str> = ALL_RULES.iter().map(|r| r.meta().id).collect();
        let entries: Vec<&str> = crate::registry::RULES.iter().map(|m| m.id).collect();
        assert_eq!(
            checks, entries,
            "ALL_RULES and registry::RULES list the same ids, in order"
        );
        for (rule, meta) in ALL_RULES.iter().zip(crate::registry::RULES) {
            assert!(std::ptr::eq(rule.meta(), *meta), "{}", meta.id);
            assert_eq!(
                meta.severities.first(),
                Some(&meta.default_severity),
                "{}",
                meta.id
            );
            assert_ne!(meta.scope, crate::registry::Scope::Engine, "{}", meta.id);
        }
    }

    #[test]
    fn each_rule_reads_its_options() {
        let s = settings(
            "[rules]\nunknown-role = \"warning\"\n[rules.deployer-role-create-delete]\nseverity = \"warning\"\nwords = [\"Ship\"]\nallowed = [\"run.jobs.create\"]\n[rules.missing-required-permission]\nrequire = [{ member = \"serviceAccount:r@p.iam.gserviceaccount.com\", permissions = [\"storage.objects.get\"] }]\n[rules.default-service-account]\nextra-identities = [\"serviceAccount:Legacy@P.iam.gserviceaccount.com\"]\n[rules.provider-impersonation]\nrequire-impersonation = true\n[rules.public-member]\nallow = [{ resource = \"google_cloud_run_v2_service\", role = \"roles/run.invoker\" }]\n",
        )
        .unwrap();
        assert_eq!(s.deployer().words, ["ship"]);
        assert_eq!(s.deployer().forbidden, data::deployer().forbidden);
        assert_eq!(s.deployer().allowed, ["run.jobs.create"]);
        assert!(!s.deployer().is_forbidden("run.jobs.create"));
        assert!(s.deployer().is_forbidden("run.services.create"));
        assert_eq!(s.missing_required_permission[0].origin, "iamlint.toml:8");
        assert_eq!(
            s.missing_required_permission[0].permissions,
            ["storage.objects.get"]
        );
        assert_eq!(
            s.default_service_account.extra_identities,
            ["legacy@p.iam.gserviceaccount.com"]
        );
        assert!(s.provider_impersonation.require_impersonation);
        assert_eq!(s.public_member.allow[0].role, "roles/run.invoker");
        // No options: the embedded deployer data, shared by every run.
        let plain = settings("").unwrap();
        assert!(std::ptr::eq(plain.deployer(), data::deployer()));
    }

    #[test]
    fn option_errors_are_located_and_suggest() {
        let error = |text: &str| settings(text).err().unwrap_or_default();
        assert_eq!(
            error("[rules.deployer-role-create-delete]\nwrods = []\n"),
            "iamlint.toml:2:1: error: unknown key `wrods` at [rules.deployer-role-create-delete]\n  |\n  | wrods = []\n  | ^\n  = help: did you mean `words`?"
        );
        assert!(
            error("[rules.provider-impersonation]\nrequire-impersonation = \"yes\"\n")
                .starts_with("iamlint.toml:2:25: error: in [rules.provider-impersonation]: invalid type: string \"yes\", expected a boolean")
        );
        assert!(
            error("[rules.public-member]\nallow = [{ resource = \"x\", rol = \"y\" }]\n")
                .contains("2:28: error: unknown key `rol`")
        );
        assert!(
            error("[rules.public-member]\nallow = [{ resource = \"x\", rol = \"y\" }]\n")
                .contains("did you mean `role`?")
        );
        assert!(
            error("[rules.public-member]\nallow = [{ resource = \"x\" }]\n")
                .contains("missing field `role`")
        );
        assert!(error("[rules.missing-required-permission]\nrequire = [{ member = \"x\", permissions = [] }]\n").contains("is not a member"));
        assert!(error("[rules.missing-required-permission]\nrequire = [{ member = \"user:a@b.c\", permissions = [\"storage.objects.gte\"] }]\n").contains("2:52: error: `storage.objects.gte` is not a GCP permission"));
        assert!(error("[rules.missing-required-permission]\nrequire = [{ member = \"user:a@b.c\", permissions = [\"storage.objects.gte\"] }]\n").contains("did you mean `storage.objects.get`?"));
        assert!(
            error("[rules.default-service-account]\nextra-identities = \"x\"\n")
                .contains("2:20: error: in [rules.default-service-account]")
        );
        // A rule without options has none to give.
        assert!(
            error("[rules.basic-role]\nwords = []\n")
                .contains("unknown key `words` at [rules.basic-role]")
        );
    }
}
