//! Every rule, registered once here, sorted by id.

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

use crate::diagnostic::Label;
use crate::model::Resource;
use crate::model::value::Loc;
use crate::registry::Rule;

/// The value is written inside the resource's block.
pub(crate) fn written_in(res: &Resource, value: &Loc) -> bool {
    value.file == res.file
        && res.block.start <= value.range.start
        && value.range.end <= res.block.end
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
