//! Every rule, registered once here, sorted by id.

mod default_service_account;
mod deployer_role_create_delete;
mod duplicate_permission;
mod missing_required_permission;
mod missing_service_account;
mod privilege_escalation_permission;
mod unknown_permission;
mod unknown_role;
mod unsupported_permission;

use crate::registry::Rule;

pub static ALL_RULES: &[&dyn Rule] = &[
    &default_service_account::DefaultServiceAccount,
    &deployer_role_create_delete::DeployerRoleCreateDelete,
    &duplicate_permission::DuplicatePermission,
    &missing_required_permission::MissingRequiredPermission,
    &missing_service_account::MissingServiceAccount,
    &privilege_escalation_permission::PrivilegeEscalationPermission,
    &unknown_permission::UnknownPermission,
    &unknown_role::UnknownRole,
    &unsupported_permission::UnsupportedPermission,
];
