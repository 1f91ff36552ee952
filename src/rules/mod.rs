//! Every rule, registered once here, sorted by id.

mod authoritative_iam;
mod basic_role;
mod default_service_account;
mod deployer_role_create_delete;
mod duplicate_permission;
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

use crate::registry::Rule;

pub static ALL_RULES: &[&dyn Rule] = &[
    &authoritative_iam::AuthoritativeIam,
    &basic_role::BasicRole,
    &default_service_account::DefaultServiceAccount,
    &deployer_role_create_delete::DeployerRoleCreateDelete,
    &duplicate_permission::DuplicatePermission,
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
];
