//! The permissions that yield another identity (`rules/data/identity.toml`), and which of them
//! a grant's role holds: from the catalog for predefined roles, from the module for custom ones.

use crate::gcp::catalog::Catalog;
use crate::model::{Grant, Module, RoleTarget};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

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
pub fn held(module: &Module, grant: &Grant, list: &'static [String]) -> Vec<&'static str> {
    match &grant.target {
        // One lookup per listed permission, without expanding the role.
        RoleTarget::Predefined(name) => {
            let catalog = Catalog::get();
            let Some(role) = catalog.role(name) else {
                return Vec::new();
            };
            list.iter()
                .zip(permission_ids(list).iter())
                .filter(|(_, id)| id.is_some_and(|id| catalog.role_has(role, id)))
                .map(|(p, _)| p.as_str())
                .collect()
        }
        RoleTarget::Custom(i) => {
            let role = &module.custom_roles[*i];
            list.iter()
                .filter(|p| role.known_permissions().any(|(n, _)| n == p.as_str()))
                .map(String::as_str)
                .collect()
        }
        RoleTarget::OtherCustom(_) | RoleTarget::Unknown => Vec::new(),
    }
}

/// A list's catalog ids, `None` for a permission the catalog does not know.
type Ids = std::sync::Arc<[Option<crate::gcp::catalog::PermId>]>;

/// The catalog ids of a list of the rule data, looked up once: the data is `'static`, so its
/// address names it.
fn permission_ids(list: &'static [String]) -> Ids {
    static MEMO: OnceLock<Mutex<HashMap<usize, Ids>>> = OnceLock::new();
    let memo = MEMO.get_or_init(Default::default);
    let key = list.as_ptr() as usize;
    let mut memo = memo.lock().unwrap_or_else(|e| e.into_inner());
    memo.entry(key)
        .or_insert_with(|| {
            let catalog = Catalog::get();
            list.iter().map(|p| catalog.permission(p)).collect()
        })
        .clone()
}

/// A role meant for a Google service agent: `roles/composer.serviceAgent`,
/// `roles/composer.ServiceAgentV2Ext`.
pub fn is_agent_role(name: &str) -> bool {
    name.contains(".serviceAgent") || name.contains("ServiceAgent")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_is_known_and_explained() {
        let catalog = Catalog::get();
        for p in data().act_as.iter().chain(&data().take_over) {
            assert!(catalog.permission(p).is_some(), "{p} is not in the catalog");
            assert!(
                crate::gcp::data::escalation(p, |_| true).is_some(),
                "{p} has no entry in escalation.toml"
            );
        }
    }
}
