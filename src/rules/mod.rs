//! Every rule, registered once here, sorted by id.

mod default_service_account;
mod deployer_role_create_delete;
mod missing_service_account;

use crate::registry::Rule;

pub static ALL_RULES: &[&dyn Rule] = &[
    &default_service_account::DefaultServiceAccount,
    &deployer_role_create_delete::DeployerRoleCreateDelete,
    &missing_service_account::MissingServiceAccount,
];
