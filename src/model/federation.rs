//! Workload identity federation: `google_iam_workload_identity_pool` and
//! `google_iam_workload_identity_pool_provider`, and the pool a `principalSet://` or
//! `principal://` member names.

use super::Resource;
use super::value::{Part, Str, Val};

/// The pools and providers of a module.
#[derive(Clone, Debug, Default)]
pub struct Federation {
    pub pools: Vec<Pool>,
    pub providers: Vec<PoolProvider>,
}

/// `google_iam_workload_identity_pool`.
#[derive(Clone, Debug)]
pub struct Pool {
    pub res: Resource,
    /// `workload_identity_pool_id`.
    pub pool_id: Option<Val>,
}

/// `google_iam_workload_identity_pool_provider`.
#[derive(Clone, Debug)]
pub struct PoolProvider {
    pub res: Resource,
    /// `workload_identity_pool_id`: a literal, or a reference to a pool of the module.
    pub pool_id: Option<Val>,
    pub provider_id: Option<Val>,
    /// `oidc { issuer_uri }`; `None` for a provider without an `oidc` block (AWS, SAML, X.509).
    pub issuer: Option<Val>,
    pub has_oidc: bool,
    pub attribute_mapping: Option<Val>,
    pub attribute_condition: Option<Val>,
}

/// Adds a pool or a provider; `get(blocks, attr)` evaluates an attribute of the block (inside
/// the nested `blocks`).
pub fn extract(
    federation: &mut Federation,
    res: Resource,
    get: &dyn Fn(&[&str], &str) -> Option<Val>,
    has_block: &dyn Fn(&str) -> bool,
) {
    match res.rtype.as_str() {
        "google_iam_workload_identity_pool" => federation.pools.push(Pool {
            pool_id: get(&[], "workload_identity_pool_id"),
            res,
        }),
        "google_iam_workload_identity_pool_provider" => federation.providers.push(PoolProvider {
            pool_id: get(&[], "workload_identity_pool_id"),
            provider_id: get(&[], "workload_identity_pool_provider_id"),
            issuer: get(&["oidc"], "issuer_uri"),
            has_oidc: has_block("oidc"),
            attribute_mapping: get(&[], "attribute_mapping"),
            attribute_condition: get(&[], "attribute_condition"),
            res,
        }),
        _ => {}
    }
}

/// Which pool a value names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolRef {
    /// A pool of the module, by resource name.
    Resource(String),
    /// A pool by its literal id.
    Id(String),
    Unknown,
}

/// What part of a pool a federated member names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolMembers {
    /// `.../POOL/*`: every identity of the pool.
    Whole,
    /// `.../POOL/attribute.NAME/VALUE`.
    Attribute(String),
    /// `subject/...`, `group/...` or something not known.
    Other,
}

const POOL_RESOURCE: &str = "google_iam_workload_identity_pool";
const POOLS: &str = "workloadIdentityPools/";

/// The pool and the identities of a `principalSet://iam.googleapis.com/...` or
/// `principal://iam.googleapis.com/...` member naming a workload identity pool.
pub fn pool_member(s: &Str) -> Option<(PoolRef, PoolMembers)> {
    let rest = s
        .strip_prefix("principalSet://iam.googleapis.com/")
        .or_else(|| s.strip_prefix("principal://iam.googleapis.com/"))?;
    let parts = rest.parts();
    // `${google_iam_workload_identity_pool.X.name}/...`
    let (pool, tail) = match parts.first() {
        Some(Part::Ref(r)) if r.rtype == POOL_RESOURCE && !r.data => {
            (PoolRef::Resource(r.name.to_string()), &parts[1..])
        }
        _ => {
            // `projects/N/locations/global/workloadIdentityPools/POOL/...`, N possibly unknown.
            let at = parts
                .iter()
                .position(|p| matches!(p, Part::Lit(l) if l.contains(POOLS)))?;
            let Part::Lit(lit) = &parts[at] else {
                return None;
            };
            let after = &lit[lit.find(POOLS)? + POOLS.len()..];
            match after.split_once('/') {
                Some((id, tail_lit)) => {
                    let members = members(Some(tail_lit), &parts[at + 1..]);
                    return Some((PoolRef::Id(id.to_string()), members));
                }
                None if after.is_empty() => (PoolRef::Unknown, &parts[at + 1..]),
                // The id continues in an unknown part.
                None => return Some((PoolRef::Unknown, PoolMembers::Other)),
            }
        }
    };
    let (first, more) = match tail.split_first() {
        Some((Part::Lit(l), more)) => (l.strip_prefix('/'), more),
        _ => (None, tail),
    };
    Some((pool, members(first, more)))
}

/// The identities named after the pool: `tail` is the known text after `POOL/`.
fn members(tail: Option<&str>, more: &[Part]) -> PoolMembers {
    match tail {
        Some("*") if more.is_empty() => PoolMembers::Whole,
        Some(t) => match t.strip_prefix("attribute.") {
            Some(rest) => match rest.split_once('/') {
                Some((name, _)) if !name.is_empty() => PoolMembers::Attribute(name.to_string()),
                _ => PoolMembers::Other,
            },
            None => PoolMembers::Other,
        },
        None => PoolMembers::Other,
    }
}

impl Federation {
    /// The module's pool a value (a provider's `workload_identity_pool_id`, a member) names.
    pub fn pool(&self, pool: &PoolRef) -> Option<&Pool> {
        match pool {
            PoolRef::Resource(name) => self.pools.iter().find(|p| &p.res.name == name),
            PoolRef::Id(id) => self
                .pools
                .iter()
                .find(|p| p.pool_id.as_ref().and_then(Val::as_str) == Some(id.as_str())),
            PoolRef::Unknown => None,
        }
    }

    /// The pool a provider belongs to, as written in its `workload_identity_pool_id`.
    pub fn provider_pool(&self, provider: &PoolProvider) -> PoolRef {
        let Some(s) = provider.pool_id.as_ref().and_then(Val::as_template) else {
            return PoolRef::Unknown;
        };
        if let [Part::Ref(r)] = s.parts()
            && r.rtype == POOL_RESOURCE
        {
            return PoolRef::Resource(r.name.to_string());
        }
        match s.as_literal() {
            Some(id) => PoolRef::Id(id.to_string()),
            None => PoolRef::Unknown,
        }
    }

    /// The providers of a pool of the module; `None` when some provider's pool cannot be
    /// known, so the list may be incomplete.
    pub fn providers_of(&self, pool: &Pool) -> Option<Vec<&PoolProvider>> {
        let mut out = Vec::new();
        for provider in &self.providers {
            let of = self.provider_pool(provider);
            if of == PoolRef::Unknown {
                return None;
            }
            if self
                .pool(&of)
                .is_some_and(|p| p.res.same_address(&pool.res))
            {
                out.push(provider);
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::value::Ref;

    #[test]
    fn members_of_pools() {
        let lit = |s: &str| Str::literal(s);
        assert_eq!(
            pool_member(&lit(
                "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/*"
            )),
            Some((PoolRef::Id("gh".into()), PoolMembers::Whole))
        );
        assert_eq!(
            pool_member(&lit(
                "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/attribute.repository/o/r"
            )),
            Some((
                PoolRef::Id("gh".into()),
                PoolMembers::Attribute("repository".into())
            ))
        );
        let templated = Str::from_parts(vec![
            Part::Lit("principalSet://iam.googleapis.com/".into()),
            Part::Ref(Box::new(Ref {
                data: false,
                rtype: POOL_RESOURCE.into(),
                name: "pool".into(),
                key: None,
                attr: Some("name".into()),
            })),
            Part::Lit("/attribute.repository_owner/".into()),
            Part::Input("var.org".into()),
        ]);
        assert_eq!(
            pool_member(&templated),
            Some((
                PoolRef::Resource("pool".into()),
                PoolMembers::Attribute("repository_owner".into())
            ))
        );
        let unknown_number = Str::from_parts(vec![
            Part::Lit("principalSet://iam.googleapis.com/projects/".into()),
            Part::Unknown,
            Part::Lit("/locations/global/workloadIdentityPools/gh/*".into()),
        ]);
        assert_eq!(
            pool_member(&unknown_number),
            Some((PoolRef::Id("gh".into()), PoolMembers::Whole))
        );
        assert_eq!(pool_member(&lit("user:a@example.com")), None);
        assert_eq!(
            pool_member(&lit(
                "principalSet://iam.googleapis.com/locations/global/workforcePools/p/group/g"
            )),
            None
        );
    }
}
