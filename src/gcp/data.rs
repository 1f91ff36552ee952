//! Rule data from `rules/data/*.toml`, embedded in the binary and parsed once, on first use.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployer {
    pub words: Vec<String>,
    pub terraform_words: Vec<String>,
    pub forbidden: Vec<String>,
    /// Matches of `forbidden` that are never reported: telemetry a pipeline writes, not resources.
    #[serde(default)]
    pub allowed: Vec<String>,
    /// Predefined roles a deploy identity needs to do its work, whose remaining create
    /// permissions come with the role: reported as a note, not an error.
    #[serde(default)]
    pub needed_roles: Vec<String>,
    /// The catalog's permissions matching `forbidden`, sorted; computed on first use.
    #[serde(skip)]
    pub forbidden_ids: OnceLock<Vec<crate::gcp::catalog::PermId>>,
    /// [`Deployer::forbidden_in_role`]'s memo.
    #[serde(skip)]
    pub forbidden_by_role:
        Mutex<HashMap<crate::gcp::catalog::RoleId, Arc<[crate::gcp::catalog::PermId]>>>,
    /// `allowed` by the service a pattern names (`container` for `container.pods.*`); `""` for
    /// patterns that start with `*`. Built on first use.
    #[serde(skip)]
    pub allowed_by_service: OnceLock<HashMap<String, Vec<String>>>,
}

impl Clone for Deployer {
    /// The settings; the memos start empty.
    fn clone(&self) -> Deployer {
        Deployer {
            words: self.words.clone(),
            terraform_words: self.terraform_words.clone(),
            forbidden: self.forbidden.clone(),
            allowed: self.allowed.clone(),
            needed_roles: self.needed_roles.clone(),
            forbidden_ids: OnceLock::new(),
            forbidden_by_role: Mutex::default(),
            allowed_by_service: OnceLock::new(),
        }
    }
}

impl Deployer {
    /// A role_id or title that says deployment.
    pub fn names_deployment(&self, text: &str) -> bool {
        self.may_name_deployment(text) && words(text).iter().any(|w| self.words.contains(w))
    }

    /// A cheap filter before splitting into words: one of the words occurs in the text.
    fn may_name_deployment(&self, text: &str) -> bool {
        let text = text.as_bytes();
        self.words.iter().any(|w| {
            text.windows(w.len())
                .any(|window| window.eq_ignore_ascii_case(w.as_bytes()))
        })
    }

    /// A service account id of a deployment pipeline (and not of the Terraform deploy account).
    pub fn is_deployer_account(&self, account_id: &str) -> bool {
        if !self.may_name_deployment(account_id) {
            return false;
        }
        let words = words(account_id);
        words.iter().any(|w| self.words.contains(w))
            && !words.iter().any(|w| self.terraform_words.contains(w))
    }

    pub fn is_forbidden(&self, permission: &str) -> bool {
        // A permission the catalog knows: one lookup in the precomputed set.
        let catalog = crate::gcp::catalog::Catalog::get();
        if let Some(id) = catalog.permission(permission) {
            return self.forbidden_ids().binary_search(&id).is_ok();
        }
        self.matches_globs(permission)
    }

    fn matches_globs(&self, permission: &str) -> bool {
        if !self.forbidden.iter().any(|g| glob_match(g, permission)) {
            return false;
        }
        // Only the allowed patterns of the permission's service, and those for any service.
        let index = self.allowed_by_service.get_or_init(|| {
            let mut index: HashMap<String, Vec<String>> = HashMap::new();
            for pattern in &self.allowed {
                let service = match pattern.split_once('.') {
                    Some((service, _)) if !service.contains('*') => service,
                    _ => "",
                };
                index
                    .entry(service.to_string())
                    .or_default()
                    .push(pattern.clone());
            }
            index
        });
        let service = permission.split('.').next().unwrap_or_default();
        let candidates = index
            .get(service)
            .into_iter()
            .chain(index.get(""))
            .flatten();
        !candidates.into_iter().any(|g| glob_match(g, permission))
    }

    /// The forbidden permissions of a predefined role in the order `order` puts them (the
    /// caller's ranking, the same for every call), computed once per role and run.
    pub fn forbidden_in_role(
        &self,
        role: crate::gcp::catalog::RoleId,
        order: impl FnOnce(&mut Vec<crate::gcp::catalog::PermId>),
    ) -> Arc<[crate::gcp::catalog::PermId]> {
        let mut memo = self
            .forbidden_by_role
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        memo.entry(role)
            .or_insert_with(|| {
                let forbidden = self.forbidden_ids();
                let mut ids: Vec<_> = crate::gcp::catalog::Catalog::get()
                    .role_permissions(role)
                    .iter()
                    .filter(|p| forbidden.binary_search(p).is_ok())
                    .copied()
                    .collect();
                order(&mut ids);
                ids.into()
            })
            .clone()
    }

    /// The catalog's permissions a deployer must not hold, sorted by id.
    pub fn forbidden_ids(&self) -> &[crate::gcp::catalog::PermId] {
        self.forbidden_ids.get_or_init(|| {
            let catalog = crate::gcp::catalog::Catalog::get();
            let mut ids: Vec<_> = self
                .forbidden
                .iter()
                .flat_map(|g| catalog.glob(g))
                .collect();
            ids.retain(|&id| self.matches_globs(catalog.permission_name(id)));
            ids.sort_unstable();
            ids.dedup();
            ids
        })
    }
}

/// One entry of `rules/data/escalation.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    pub permission: String,
    #[serde(default)]
    pub with: Option<String>,
    pub allows: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EscalationFile {
    entry: Vec<Escalation>,
}

#[cfg(test)]
pub fn escalations() -> &'static [Escalation] {
    &escalation_index().file.entry
}

struct EscalationIndex {
    file: EscalationFile,
    /// Entries without `*`, by permission: their indexes in the file, in order.
    exact: HashMap<String, Vec<usize>>,
    /// Entries with `*`.
    globs: Vec<usize>,
}

fn escalation_index() -> &'static EscalationIndex {
    static DATA: OnceLock<EscalationIndex> = OnceLock::new();
    DATA.get_or_init(|| {
        let file: EscalationFile = toml::from_str(include_str!("../../rules/data/escalation.toml"))
            .expect("rules/data/escalation.toml is checked by tests");
        let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
        let mut globs = Vec::new();
        for (i, e) in file.entry.iter().enumerate() {
            if e.permission.contains('*') {
                globs.push(i);
            } else {
                exact.entry(e.permission.clone()).or_default().push(i);
            }
        }
        EscalationIndex { file, exact, globs }
    })
}

/// The first escalation entry for `permission` whose `with` condition `held` satisfies.
pub fn escalation(permission: &str, held: impl Fn(&str) -> bool) -> Option<&'static Escalation> {
    let index = escalation_index();
    let entries = &index.file.entry;
    let exact = index.exact.get(permission).into_iter().flatten();
    let globs = index
        .globs
        .iter()
        .filter(|&&i| glob_match(&entries[i].permission, permission));
    let mut candidates: Vec<usize> = exact.chain(globs).copied().collect();
    candidates.sort_unstable();
    candidates
        .into_iter()
        .map(|i| &entries[i])
        .find(|e| e.with.as_deref().is_none_or(&held))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Services {
    services: BTreeMap<String, String>,
}

pub fn deployer() -> &'static Deployer {
    static DATA: OnceLock<Deployer> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(include_str!("../../rules/data/deployer.toml"))
            .expect("rules/data/deployer.toml is checked by tests")
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Members {
    personal_domains: Vec<String>,
}

/// A mailbox domain of personal accounts (`gmail.com`).
pub fn is_personal_domain(domain: &str) -> bool {
    static DATA: OnceLock<Members> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(include_str!("../../rules/data/members.toml"))
            .expect("rules/data/members.toml is checked by tests")
    })
    .personal_domains
    .iter()
    .any(|d| d.eq_ignore_ascii_case(domain))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Unlisted {
    roles: Vec<String>,
    permissions: Vec<String>,
}

fn unlisted() -> &'static Unlisted {
    static DATA: OnceLock<Unlisted> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(include_str!("../../rules/data/unlisted.toml"))
            .expect("rules/data/unlisted.toml is checked by tests")
    })
}

/// A role IAM grants although Google's role list omits it.
pub fn is_unlisted_role(name: &str) -> bool {
    unlisted().roles.iter().any(|r| r == name)
}

/// A permission custom roles accept although the permissions reference omits it.
pub fn is_unlisted_permission(name: &str) -> bool {
    unlisted().permissions.iter().any(|p| p == name)
}

/// `run` -> `Cloud Run`.
pub fn service_name(prefix: &str) -> Option<&'static str> {
    static DATA: OnceLock<Services> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(include_str!("../../rules/data/services.toml"))
            .expect("rules/data/services.toml is checked by tests")
    })
    .services
    .get(prefix)
    .map(String::as_str)
}

/// Words of an identifier or phrase: `runDeployer` -> run, deployer; `gitlab-cicd_bot` -> gitlab, cicd, bot.
pub fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if let Some(&prev) = current.chars().last().as_ref() {
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_uppercase() && c.is_uppercase() && next_lower)
                || (prev.is_alphabetic() != c.is_alphabetic());
            if boundary {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words.into_iter().map(|w| w.to_lowercase()).collect()
}

pub use crate::util::text::glob_match;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_files_parse() {
        assert!(deployer().words.contains(&"deploy".to_string()));
        assert!(deployer().is_deployer_account("gitlab-deployer"));
        assert!(!deployer().is_deployer_account("terraform-deployer"));
        assert!(escalations().len() > 20);
        // Unlisted entries are really absent from the catalog (else they are dead weight).
        let catalog = crate::gcp::catalog::Catalog::get();
        assert!(is_unlisted_role(
            "roles/iam.serviceAccountShortTermTokenMinter"
        ));
        for r in &unlisted().roles {
            assert!(catalog.role(r).is_none(), "{r} is in the catalog now");
        }
        for p in &unlisted().permissions {
            assert!(catalog.permission(p).is_none(), "{p} is in the catalog now");
        }
        for e in escalations() {
            assert!(!e.allows.ends_with('.'), "{}", e.permission);
            let known = crate::gcp::catalog::Catalog::get().glob(&e.permission);
            assert!(!known.is_empty(), "{} matches no permission", e.permission);
        }
        assert_eq!(service_name("run"), Some("Cloud Run"));
        assert!(is_personal_domain("Gmail.com") && !is_personal_domain("example.com"));
    }

    #[test]
    fn splits_words() {
        assert_eq!(words("runDeployer"), ["run", "deployer"]);
        assert_eq!(words("CICDDeployer"), ["cicd", "deployer"]);
        assert_eq!(
            words("gitlab-cicd_bot v2"),
            ["gitlab", "cicd", "bot", "v", "2"]
        );
        assert_eq!(words("Cloud Run Deployer"), ["cloud", "run", "deployer"]);
        assert_eq!(words("abcd"), ["abcd"]);
    }

    #[test]
    fn globs() {
        assert!(glob_match("*.create", "run.services.create"));
        assert!(!glob_match("*.create", "run.services.createTagBinding"));
        assert!(glob_match("run.*", "run.services.get"));
        assert!(glob_match("run.*.get", "run.services.get"));
        assert!(!glob_match("run.*.get", "run.services.list"));
        assert!(glob_match("exact", "exact"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("a*b*c", "a-b-c"));
        assert!(!glob_match("a*b*c", "a-c-b"));
        assert!(glob_match("*.*.create", "run.services.create"));
        assert!(!glob_match("ab*ba", "aba"), "the parts may not overlap");
    }
}
