//! Effective access according to a module: what a member can do, and who can do a permission.
//! Predefined roles are expanded through the catalog, custom roles from the module, and a member
//! that can act as a service account inherits what that account can do. Pure: no I/O.

use crate::gcp::catalog::Catalog;
use crate::gcp::data;
use crate::model::principal::{Principal, SaRef};
use crate::model::value::Val;
use crate::model::{Grant, Level, Module, RoleTarget};
use std::collections::BTreeMap;

/// Permissions that let a member act as a service account it holds them on.
pub const IMPERSONATION: &[&str] = &[
    "iam.serviceAccounts.actAs",
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.getOpenIdToken",
    "iam.serviceAccounts.implicitDelegation",
    "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.signJwt",
];

/// A member as given on the command line or in the config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// `serviceAccount:EMAIL`
    Email(String),
    /// `google_service_account.NAME`
    Account(String),
    /// `user:X`, `group:X`, `domain:X`
    Named { kind: &'static str, name: String },
}

impl Query {
    pub fn parse(text: &str) -> Result<Query, String> {
        if let Some(name) = text.strip_prefix("google_service_account.") {
            return Ok(Query::Account(name.to_string()));
        }
        match text.split_once(':') {
            Some(("serviceAccount", email)) if email.contains('@') => {
                Ok(Query::Email(email.to_string()))
            }
            Some((kind @ ("user" | "group" | "domain"), name)) if !name.is_empty() => {
                Ok(Query::Named {
                    kind: match kind {
                        "user" => "user",
                        "group" => "group",
                        _ => "domain",
                    },
                    name: name.to_string(),
                })
            }
            _ => Err(format!(
                "`{text}` is not a member iamlint can look up: use `serviceAccount:EMAIL`, `user:EMAIL`, `group:EMAIL`, `domain:NAME` or `google_service_account.NAME`"
            )),
        }
    }
}

/// Whether a grant's member is the queried identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    Yes,
    /// Everyone, or everyone signed in (`allUsers`, `allAuthenticatedUsers`).
    Public,
    /// Cannot be known: an unknown member, or a group the identity may belong to.
    Maybe,
    No,
}

/// Does `principal` (a member of a grant) name the queried identity?
pub fn matches(module: &Module, principal: &Principal, query: &Query) -> Match {
    match (principal, query) {
        (Principal::AllUsers | Principal::AllAuthenticatedUsers, _) => Match::Public,
        (Principal::Unknown, _) | (Principal::ServiceAccount(SaRef::Unknown), _) => Match::Maybe,
        (Principal::Group(_), Query::Email(_) | Query::Account(_)) => Match::Maybe,
        (Principal::Group(_), Query::Named { kind: "user", .. }) => Match::Maybe,
        (Principal::ServiceAccount(sa), Query::Email(_) | Query::Account(_)) => {
            if same_account(module, sa, query) {
                Match::Yes
            } else {
                Match::No
            }
        }
        (Principal::User(Some(n)), Query::Named { kind: "user", name })
        | (
            Principal::Group(Some(n)),
            Query::Named {
                kind: "group",
                name,
            },
        )
        | (
            Principal::Domain(Some(n)),
            Query::Named {
                kind: "domain",
                name,
            },
        ) => {
            if n.eq_ignore_ascii_case(name) {
                Match::Yes
            } else {
                Match::No
            }
        }
        (Principal::User(None) | Principal::Domain(None), Query::Named { .. }) => Match::Maybe,
        (Principal::Domain(Some(d)), Query::Named { kind: "user", name }) => {
            if name
                .rsplit('@')
                .next()
                .is_some_and(|nd| nd.eq_ignore_ascii_case(d))
            {
                Match::Yes
            } else {
                Match::No
            }
        }
        _ => Match::No,
    }
}

/// The account id of a module's service account resource, when known.
fn account_id<'m>(module: &'m Module, name: &str) -> Option<&'m str> {
    module.service_account(name)?.account_id.as_ref()?.as_str()
}

fn same_account(module: &Module, sa: &SaRef, query: &Query) -> bool {
    let local = |email: &str| email.split('@').next().unwrap_or("").to_string();
    match (sa, query) {
        (SaRef::Resource(a), Query::Account(b)) => a == b,
        (SaRef::Email(e), Query::Email(q)) => e.eq_ignore_ascii_case(q),
        (SaRef::Resource(a), Query::Email(q)) => account_id(module, a) == Some(local(q).as_str()),
        (SaRef::Email(e), Query::Account(b)) => account_id(module, b) == Some(local(e).as_str()),
        _ => false,
    }
}

/// The permissions a grant's role gives: all known, or some unknown.
#[derive(Debug)]
pub struct RolePermissions {
    pub names: Vec<String>,
    /// False when some permissions cannot be known (an input, a role not in the catalog).
    pub complete: bool,
    /// How to show the role: `roles/run.viewer` or `deployer (custom)`.
    pub display: String,
}

pub fn role_permissions(module: &Module, grant: &Grant) -> RolePermissions {
    match &grant.target {
        RoleTarget::Predefined(name) => {
            let catalog = Catalog::get();
            match catalog.role(name) {
                Some(id) => RolePermissions {
                    names: catalog
                        .role_permissions(id)
                        .iter()
                        .map(|&p| catalog.permission_name(p).to_string())
                        .collect(),
                    complete: true,
                    display: name.to_string(),
                },
                None => RolePermissions {
                    names: Vec::new(),
                    complete: false,
                    display: name.to_string(),
                },
            }
        }
        RoleTarget::Custom(i) => {
            let role = &module.custom_roles[*i];
            let elements = role
                .permissions
                .as_ref()
                .map(Val::elements)
                .unwrap_or_default();
            RolePermissions {
                names: role
                    .known_permissions()
                    .map(|(p, _)| p.to_string())
                    .collect(),
                complete: role.permissions.is_some()
                    && elements.iter().all(|v| v.as_str().is_some()),
                display: format!("{} (custom)", role.display_name()),
            }
        }
        RoleTarget::OtherCustom(name) => RolePermissions {
            names: Vec::new(),
            complete: false,
            display: name.to_string(),
        },
        RoleTarget::Unknown => RolePermissions {
            names: Vec::new(),
            complete: false,
            display: "an unknown role".into(),
        },
    }
}

/// Why a member has a permission.
#[derive(Debug)]
pub struct Source<'m> {
    pub grant: &'m Grant,
    pub role: String,
    pub public: bool,
    /// Inherited by acting as this service account, through this grant.
    pub via: Option<(String, &'m Grant)>,
}

/// Why a grant may give a member more than can be known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Uncertainty {
    /// A member that cannot be known statically.
    Member,
    /// A group the member may belong to.
    Group,
    /// A role whose permissions cannot all be known.
    Role,
}

#[derive(Debug, Default)]
pub struct Effective<'m> {
    pub permissions: BTreeMap<String, Vec<Source<'m>>>,
    /// Grants that may give the member more.
    pub uncertain: Vec<(&'m Grant, RolePermissions, Uncertainty)>,
}

/// What `query` can do according to the module, including what it inherits by acting as
/// service accounts (one level deep).
pub fn effective<'m>(module: &'m Module, query: &Query) -> Effective<'m> {
    let mut out = Effective::default();
    direct(module, query, None, &mut out);
    for (account, grant) in impersonated(module, query) {
        if matches!(&account, SaRef::Resource(a) if *query == Query::Account(a.clone())) {
            continue;
        }
        let (label, as_query) = match &account {
            SaRef::Resource(name) => (
                crate::model::principal::account_address(name),
                Query::Account(name.clone()),
            ),
            SaRef::Email(email) => (
                format!("serviceAccount:{email}"),
                Query::Email(email.clone()),
            ),
            _ => continue,
        };
        let mut inherited = Effective::default();
        direct(module, &as_query, Some((label, grant)), &mut inherited);
        for (perm, sources) in inherited.permissions {
            out.permissions
                .entry(perm)
                .or_default()
                .extend(sources.into_iter().filter(|s| !s.public));
        }
    }
    out.permissions.retain(|_, v| !v.is_empty());
    out
}

fn direct<'m>(
    module: &'m Module,
    query: &Query,
    via: Option<(String, &'m Grant)>,
    out: &mut Effective<'m>,
) {
    for grant in &module.grants {
        let m = grant
            .members
            .iter()
            .map(|member| matches(module, &member.principal, query))
            .fold(Match::No, |best, m| match (best, m) {
                (Match::Yes, _) | (_, Match::Yes) => Match::Yes,
                (Match::Public, _) | (_, Match::Public) => Match::Public,
                (Match::Maybe, _) | (_, Match::Maybe) => Match::Maybe,
                _ => Match::No,
            });
        let perms = role_permissions(module, grant);
        match m {
            Match::No => continue,
            Match::Maybe => {
                let why = if grant
                    .members
                    .iter()
                    .any(|m| matches!(m.principal, Principal::Group(_)))
                {
                    Uncertainty::Group
                } else {
                    Uncertainty::Member
                };
                out.uncertain.push((grant, perms, why));
                continue;
            }
            Match::Yes | Match::Public => {}
        }
        for name in &perms.names {
            out.permissions
                .entry(name.clone())
                .or_default()
                .push(Source {
                    grant,
                    role: perms.display.clone(),
                    public: m == Match::Public,
                    via: via.clone(),
                });
        }
        if !perms.complete {
            out.uncertain.push((grant, perms, Uncertainty::Role));
        }
    }
}

/// The service accounts `query` can act as, and the grant that lets it.
fn impersonated<'m>(module: &'m Module, query: &Query) -> Vec<(SaRef, &'m Grant)> {
    let mut out = Vec::new();
    for grant in &module.grants {
        let applies = grant
            .members
            .iter()
            .any(|m| matches(module, &m.principal, query) == Match::Yes);
        if !applies {
            continue;
        }
        let perms = role_permissions(module, grant);
        if !perms
            .names
            .iter()
            .any(|p| IMPERSONATION.contains(&p.as_str()))
        {
            continue;
        }
        match (grant.level, grant.on_account.as_deref()) {
            (Level::ServiceAccount, Some(sa @ (SaRef::Resource(_) | SaRef::Email(_)))) => {
                out.push((sa.clone(), grant))
            }
            (Level::Project | Level::Folder | Level::Organization, _) => {
                // Every service account of the project: the module's own.
                for sa in &module.service_accounts {
                    let instance = sa.res.instance.as_deref().unwrap_or("");
                    out.push((SaRef::Resource(format!("{}{instance}", sa.res.name)), grant));
                }
            }
            _ => {}
        }
    }
    out
}

/// How to show a grant's member in "who can" answers.
pub fn member_key(module: &Module, principal: &Principal, val: &Val) -> Option<String> {
    Some(match principal {
        Principal::ServiceAccount(SaRef::Resource(name)) => match account_id(module, name) {
            Some(id) => format!("{} ({id})", crate::model::principal::account_address(name)),
            None => crate::model::principal::account_address(name),
        },
        Principal::ServiceAccount(SaRef::Email(email)) => format!("serviceAccount:{email}"),
        Principal::ServiceAccount(SaRef::Default(d)) => {
            format!("serviceAccount:{}", d.email_form())
        }
        Principal::AllUsers => "allUsers".into(),
        Principal::AllAuthenticatedUsers => "allAuthenticatedUsers".into(),
        _ => val.as_str()?.to_string(),
    })
}

/// One answer to "who can do P".
#[derive(Debug)]
pub struct Holder<'m> {
    pub member: String,
    pub permission: String,
    pub source: Source<'m>,
}

/// Who can do a permission (a glob allowed), directly or by acting as a service account.
pub fn who_can<'m>(module: &'m Module, pattern: &str) -> Vec<Holder<'m>> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for grant in &module.grants {
        for member in &grant.members {
            let Some(key) = member_key(module, &member.principal, &member.val) else {
                continue;
            };
            let query = match &member.principal {
                Principal::ServiceAccount(SaRef::Resource(name)) => Query::Account(name.clone()),
                Principal::ServiceAccount(SaRef::Email(email)) => Query::Email(email.clone()),
                _ => match member.val.as_str().map(Query::parse) {
                    Some(Ok(q)) => q,
                    _ => {
                        // allUsers, default accounts: only their direct grants.
                        let perms = role_permissions(module, grant);
                        for p in perms.names.iter().filter(|p| data::glob_match(pattern, p)) {
                            out.push(Holder {
                                member: key.clone(),
                                permission: p.clone(),
                                source: Source {
                                    grant,
                                    role: perms.display.clone(),
                                    public: false,
                                    via: None,
                                },
                            });
                        }
                        continue;
                    }
                },
            };
            if !seen.insert(key.clone()) {
                continue;
            }
            for (perm, sources) in effective(module, &query).permissions {
                if !data::glob_match(pattern, &perm) {
                    continue;
                }
                for source in sources.into_iter().filter(|s| !s.public) {
                    out.push(Holder {
                        member: key.clone(),
                        permission: perm.clone(),
                        source,
                    });
                }
            }
        }
    }
    out
}

/// One line of an `iamlint access` answer, owned so it outlives the module.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Row {
    pub member: String,
    pub permission: String,
    pub role: String,
    /// "project `acme-prod`"
    pub on: String,
    /// `iam.tf:12` with the module's path: where the grant's role is written.
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Given to `allUsers` or `allAuthenticatedUsers`.
    pub public: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
}

/// Inherited by acting as `account`, which the grant at `at` allows.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Via {
    pub account: String,
    pub at: String,
}

/// A grant that may give more than the answer says, and why it is not counted.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct NotCounted {
    pub at: String,
    pub reason: String,
}

fn grant_at(module: &Module, grant: &Grant) -> String {
    match &grant.role {
        Some(role) => module.full_location(role.loc.file, role.loc.range.start),
        None => module.full_location(grant.res.file, grant.res.block.start),
    }
}

fn row(module: &Module, member: String, permission: String, source: &Source) -> Row {
    Row {
        member,
        permission,
        role: source.role.clone(),
        on: source.grant.describe_target(),
        at: grant_at(module, source.grant),
        condition: source.grant.condition.as_ref().map(|c| c.describe()),
        public: source.public,
        via: source.via.as_ref().map(|(account, grant)| Via {
            account: account.clone(),
            at: grant_at(module, grant),
        }),
    }
}

fn not_counted(
    module: &Module,
    uncertain: &[(&Grant, RolePermissions, Uncertainty)],
    pattern: Option<&str>,
) -> Vec<NotCounted> {
    let mut out: Vec<NotCounted> = uncertain
        .iter()
        .filter(|(_, perms, _)| {
            // A grant whose role is known to give nothing asked about is no uncertainty.
            !perms.complete
                || pattern.is_none_or(|p| perms.names.iter().any(|n| data::glob_match(p, n)))
        })
        .map(|(grant, perms, why)| NotCounted {
            at: grant_at(module, grant),
            reason: match why {
                Uncertainty::Member => format!(
                    "{} is granted to members that cannot be known statically",
                    perms.display
                ),
                Uncertainty::Group => format!(
                    "{} is granted to a group, which may include this member",
                    perms.display
                ),
                Uncertainty::Role => format!(
                    "the permissions of {} cannot all be known statically",
                    perms.display
                ),
            },
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// What a member can do in this module, optionally only permissions matching `pattern`.
pub fn member_rows(
    module: &Module,
    query: &Query,
    display: &str,
    pattern: Option<&str>,
) -> (Vec<Row>, Vec<NotCounted>) {
    let eff = effective(module, query);
    let mut rows = Vec::new();
    for (perm, sources) in &eff.permissions {
        if pattern.is_some_and(|p| !data::glob_match(p, perm)) {
            continue;
        }
        for source in sources {
            rows.push(row(module, display.to_string(), perm.clone(), source));
        }
    }
    rows.sort();
    rows.dedup();
    (rows, not_counted(module, &eff.uncertain, pattern))
}

/// Who can do a permission (glob) in this module.
pub fn permission_rows(module: &Module, pattern: &str) -> (Vec<Row>, Vec<NotCounted>) {
    let mut rows: Vec<Row> = who_can(module, pattern)
        .iter()
        .map(|h| row(module, h.member.clone(), h.permission.clone(), &h.source))
        .collect();
    rows.sort();
    rows.dedup();
    let uncertain: Vec<(&Grant, RolePermissions, Uncertainty)> = module
        .grants
        .iter()
        .filter(|g| {
            g.members
                .iter()
                .any(|m| matches!(m.principal, Principal::Unknown))
        })
        .map(|g| (g, role_permissions(module, g), Uncertainty::Member))
        .chain(
            module
                .grants
                .iter()
                .map(|g| (g, role_permissions(module, g), Uncertainty::Role))
                .filter(|(_, p, _)| !p.complete),
        )
        .collect();
    (rows, not_counted(module, &uncertain, Some(pattern)))
}
