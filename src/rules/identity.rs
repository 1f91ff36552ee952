//! The permissions that yield another identity (`rules/data/identity.toml`), and which of them
//! a grant's role holds: from the catalog for predefined roles, from the module for custom ones.

use crate::access::role_permissions;
use crate::model::{Grant, Module};
use serde::Deserialize;
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub act_as: Vec<String>,
    pub take_over: Vec<String>,
}

pub fn data() -> &'static Identity {
    static DATA: OnceLock<Identity> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(include_str!("../../rules/data/identity.toml"))
            .expect("rules/data/identity.toml is checked by tests")
    })
}

/// The permissions of `list` the grant's role holds, in the list's order.
pub fn held<'a>(module: &Module, grant: &Grant, list: &'a [String]) -> Vec<&'a str> {
    let perms = role_permissions(module, grant);
    list.iter()
        .filter(|p| perms.names.iter().any(|n| n == *p))
        .map(String::as_str)
        .collect()
}

/// A role meant for a Google service agent: `roles/composer.serviceAgent`,
/// `roles/composer.ServiceAgentV2Ext`.
pub fn is_agent_role(name: &str) -> bool {
    name.contains(".serviceAgent") || name.contains("ServiceAgent")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn every_permission_is_known_and_explained() {
        let catalog = Catalog::get();
        for p in data().act_as.iter().chain(&data().take_over) {
            assert!(catalog.permission(p).is_some(), "{p} is not in the catalog");
            assert!(
                crate::data::escalation(p, |_| true).is_some(),
                "{p} has no entry in escalation.toml"
            );
        }
    }
}
