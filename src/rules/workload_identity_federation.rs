use super::federation_condition::{self as cond, Mapping, Pin, Platform, UNKNOWN};
use crate::diagnostic::{Diagnostic, Label};
use crate::gcp::access::{IMPERSONATION, role_permissions};
use crate::model::federation::{PoolMembers, PoolProvider, pool_member};
use crate::model::value::{Part, Str, Val, Value};
use crate::model::{Grant, Module};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};

static META: &RuleMeta = &registry::WORKLOAD_IDENTITY_FEDERATION;

pub struct WorkloadIdentityFederation;

/// The text of a partly known string, with [`UNKNOWN`] for what cannot be known.
fn text(s: &Str) -> String {
    s.parts()
        .iter()
        .map(|p| match p {
            Part::Lit(l) => l.to_string(),
            _ => UNKNOWN.to_string(),
        })
        .collect()
}

/// The provider's attribute mapping as texts, `None` when it cannot be known.
fn mapping(p: &PoolProvider) -> Option<Vec<(String, Option<String>)>> {
    match &p.attribute_mapping.as_ref()?.value {
        Value::Object(entries) => Some(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), v.as_template().map(text)))
                .collect(),
        ),
        _ => None,
    }
}

fn name(p: &PoolProvider) -> String {
    format!("`{}`", p.res.address())
}

/// What a provider admits, when it is known.
enum Admits {
    /// No condition at all.
    Everyone,
    /// A condition that pins no owner.
    Unpinned(Val),
    Pinned(Pin),
}

fn judge(p: &PoolProvider) -> Option<(&'static Platform, Admits)> {
    let issuer = p.issuer.as_ref()?.as_str()?;
    let platform = cond::shared_platform(issuer)?;
    let condition = p
        .attribute_condition
        .as_ref()
        .filter(|c| !matches!(c.value, Value::Null) && c.as_str() != Some(""));
    let Some(condition) = condition else {
        return Some((platform, Admits::Everyone));
    };
    let s = condition.as_template()?;
    let m = mapping(p);
    let pin = cond::judge(&text(s), platform, m.as_deref() as Mapping);
    match pin {
        Pin::Unknown => None,
        Pin::Nothing => Some((platform, Admits::Unpinned(condition.clone()))),
        pin => Some((platform, Admits::Pinned(pin))),
    }
}

impl Rule for WorkloadIdentityFederation {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        for p in &module.federation.providers {
            if !p.has_oidc {
                continue;
            }
            let Some((platform, admits)) = judge(p) else {
                continue;
            };
            let issuer = p.issuer.as_ref().expect("judged providers have an issuer");
            let diag = match admits {
                Admits::Pinned(_) => continue,
                Admits::Everyone => META
                    .diagnostic(
                        Label::new(p.res.file, p.res.name_label.clone(), "no `attribute_condition`"),
                        format!(
                            "provider {} trusts every {} token: it has no `attribute_condition`",
                            name(p),
                            platform.name
                        ),
                    )
                    .secondary(Label::new(issuer.loc.file, issuer.loc.range.clone(), "one issuer for all of its users")),
                Admits::Unpinned(condition) => META
                    .diagnostic(
                        Label::new(condition.loc.file, condition.loc.range.clone(), "pins no organization, repository or workspace"),
                        format!(
                            "provider {} trusts {} tokens with a condition that does not pin their owner",
                            name(p),
                            platform.name
                        ),
                    )
                    .secondary(Label::new(issuer.loc.file, issuer.loc.range.clone(), "one issuer for all of its users")),
            };
            let whose = if platform.owner_in_issuer {
                "'s issuer without a workspace or organization stands for every one of its users"
            } else {
                " issues the tokens of every one of its users from this issuer"
            };
            out.push(
                diag.note(format!(
                    "{}{whose}: without a condition on the owner, a pipeline in anyone's repository can authenticate to this pool",
                    platform.name
                ))
                .help(format!("pin the owner: {}", platform.fix)),
            );
        }
        for grant in &module.grants {
            self.check_grant(module, grant, out);
        }
    }
}

impl WorkloadIdentityFederation {
    fn check_grant(&self, module: &Module, grant: &Grant, out: &mut Vec<Diagnostic>) {
        let fed = &module.federation;
        if fed.pools.is_empty() {
            return;
        }
        let mut role = None;
        for member in &grant.members {
            let Some((pool_ref, members)) = member.val.as_template().and_then(pool_member) else {
                continue;
            };
            let Some(pool) = fed.pool(&pool_ref) else {
                continue;
            };
            let Some(providers) = fed.providers_of(pool) else {
                continue;
            };
            // Only roles that give the pool's identities an account.
            let role = role.get_or_insert_with(|| {
                let perms = role_permissions(module, grant);
                perms
                    .names
                    .iter()
                    .any(|p| IMPERSONATION.contains(&p.as_str()))
                    .then_some(perms.display)
            });
            let Some(role) = role.as_deref() else { return };
            let mut diag = match &members {
                PoolMembers::Whole => {
                    // Providers on a shared platform whose condition admits more than one
                    // repository.
                    let wide: Vec<(&PoolProvider, &Platform, bool)> = providers
                        .iter()
                        .filter_map(|p| match judge(p)? {
                            (pl, Admits::Everyone | Admits::Unpinned(_)) => Some((*p, pl, false)),
                            (pl, Admits::Pinned(Pin::Owner)) => Some((*p, pl, true)),
                            _ => None,
                        })
                        .collect();
                    let Some(&(first, platform, owner)) = wide.first() else {
                        continue;
                    };
                    let what = if owner {
                        format!(
                            "every {} pipeline of the owner its condition pins, in any repository",
                            platform.name
                        )
                    } else {
                        format!("every {} pipeline, in anyone's repository", platform.name)
                    };
                    let mut d = META
                        .diagnostic(
                            Label::new(member.val.loc.file, member.val.loc.range.clone(), "every identity of the pool"),
                            format!(
                                "`{role}` is granted to every identity of pool `{}`",
                                pool.res.address()
                            ),
                        )
                        .note(format!(
                            "through provider {}, that is {what}; providers added to the pool later are included too",
                            name(first)
                        ))
                        .help("grant it to the one repository or workspace that needs it: `principalSet://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/POOL/attribute.repository/ORG/REPO`");
                    for (p, _, _) in &wide {
                        d = d.secondary(Label::new(
                            p.res.file,
                            p.res.name_label.clone(),
                            "admits more than one repository",
                        ));
                    }
                    d
                }
                PoolMembers::Attribute(attr) => {
                    let key = format!("attribute.{attr}");
                    let mappings: Option<Vec<_>> = providers.iter().map(|p| mapping(p)).collect();
                    let Some(mappings) = mappings else { continue };
                    if providers.is_empty()
                        || mappings.iter().any(|m| m.iter().any(|(k, _)| *k == key))
                    {
                        continue;
                    }
                    let mut d = META
                        .diagnostic(
                            Label::new(member.val.loc.file, member.val.loc.range.clone(), format!("`{key}` is not mapped")),
                            format!(
                                "`{role}` is granted on `{key}`, which no provider of pool `{}` maps",
                                pool.res.address()
                            ),
                        )
                        .note("a token has only the attributes its provider's `attribute_mapping` defines: this member matches no identity, and the pipeline cannot use the account")
                        .help(format!("map it in the provider's `attribute_mapping` (`\"{key}\" = \"assertion.{attr}\"`), or grant on an attribute the provider maps"));
                    for p in &providers {
                        d = d.secondary(Label::new(
                            p.res.file,
                            p.res.name_label.clone(),
                            format!("does not map `{key}`"),
                        ));
                    }
                    d
                }
                PoolMembers::Other => continue,
            };
            if let Some(label) = super::used_in(&grant.res, &member.val.loc) {
                diag = diag.secondary(label);
            }
            out.push(diag);
        }
    }
}
