//! Who a member string or an identity attribute names: a service account of the module, a
//! default identity, a person, a group, the public.

use super::value::{Part, Ref, Str};

/// The identities GCP creates per project and uses when a workload names none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DefaultIdentity {
    /// `PROJECT_NUMBER-compute@developer.gserviceaccount.com`
    ComputeEngine,
    /// `PROJECT_ID@appspot.gserviceaccount.com`
    AppEngine,
    /// `PROJECT_NUMBER@cloudbuild.gserviceaccount.com`
    CloudBuildLegacy,
    /// What a Cloud Build trigger with no `service_account` runs as: the legacy Cloud Build
    /// account or the Compute Engine default, depending on the project's settings.
    CloudBuildDefault,
}

impl DefaultIdentity {
    pub fn describe(self) -> &'static str {
        match self {
            DefaultIdentity::ComputeEngine => "the Compute Engine default service account",
            DefaultIdentity::AppEngine => "the App Engine default service account",
            DefaultIdentity::CloudBuildLegacy => "the legacy Cloud Build service account",
            DefaultIdentity::CloudBuildDefault => "the default Cloud Build service account",
        }
    }

    pub fn email_form(self) -> &'static str {
        match self {
            DefaultIdentity::ComputeEngine => {
                "PROJECT_NUMBER-compute@developer.gserviceaccount.com"
            }
            DefaultIdentity::AppEngine => "PROJECT_ID@appspot.gserviceaccount.com",
            DefaultIdentity::CloudBuildLegacy => "PROJECT_NUMBER@cloudbuild.gserviceaccount.com",
            DefaultIdentity::CloudBuildDefault => {
                "PROJECT_NUMBER@cloudbuild.gserviceaccount.com or PROJECT_NUMBER-compute@developer.gserviceaccount.com"
            }
        }
    }

    fn from_email_suffix(suffix: &str) -> Option<DefaultIdentity> {
        if suffix.ends_with("@developer.gserviceaccount.com") {
            Some(DefaultIdentity::ComputeEngine)
        } else if suffix.ends_with("@appspot.gserviceaccount.com") {
            Some(DefaultIdentity::AppEngine)
        } else if suffix.ends_with("@cloudbuild.gserviceaccount.com") {
            Some(DefaultIdentity::CloudBuildLegacy)
        } else {
            None
        }
    }

    fn from_data_source(r: &Ref) -> Option<DefaultIdentity> {
        match (r.data, r.rtype.as_str()) {
            (true, "google_compute_default_service_account") => {
                Some(DefaultIdentity::ComputeEngine)
            }
            (true, "google_app_engine_default_service_account") => Some(DefaultIdentity::AppEngine),
            _ => None,
        }
    }
}

/// A service account as far as it can be known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaRef {
    /// A `google_service_account` of the module, by resource name.
    Resource(String),
    /// A literal email of an account the module does not declare.
    Email(String),
    Default(DefaultIdentity),
    /// A Google-managed service agent (`service-N@gcp-sa-pubsub.iam.gserviceaccount.com`,
    /// `google_project_service_identity`).
    ServiceAgent,
    Unknown,
}

/// Mail domains of Google-managed service agents other than `gcp-sa-*.iam.gserviceaccount.com`.
const AGENT_DOMAINS: &[&str] = &[
    "cloud-filer.iam.gserviceaccount.com",
    "cloud-redis.iam.gserviceaccount.com",
    "cloud-tpu.iam.gserviceaccount.com",
    "cloudcomposer-accounts.iam.gserviceaccount.com",
    "cloudservices.gserviceaccount.com",
    "compute-system.iam.gserviceaccount.com",
    "container-analysis.iam.gserviceaccount.com",
    "container-engine-robot.iam.gserviceaccount.com",
    "containerregistry.iam.gserviceaccount.com",
    "dataflow-service-producer-prod.iam.gserviceaccount.com",
    "dataproc-accounts.iam.gserviceaccount.com",
    "gcp-gae-service.iam.gserviceaccount.com",
    "gcf-admin-robot.iam.gserviceaccount.com",
    "gs-project-accounts.iam.gserviceaccount.com",
    "serverless-robot-prod.iam.gserviceaccount.com",
];

fn is_agent_domain(suffix: &str) -> bool {
    let Some((_, domain)) = suffix.rsplit_once('@') else {
        return false;
    };
    (domain.starts_with("gcp-sa-") && domain.ends_with(".iam.gserviceaccount.com"))
        // Projects of Google's own domain (`gae-api-prod.google.com`): App Engine flexible's agent.
        || domain.ends_with(".google.com.iam.gserviceaccount.com")
        || AGENT_DOMAINS.contains(&domain)
}

/// A member of a grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    ServiceAccount(SaRef),
    User(Option<String>),
    Group(Option<String>),
    Domain(Option<String>),
    AllUsers,
    AllAuthenticatedUsers,
    /// Any other well-formed member (`principal://`, `projectOwner:`, a service agent, ...).
    Other,
    Unknown,
}

const SA_ATTRS: &[&str] = &["email", "member", "id", "name", "unique_id", "account_id"];

/// The address of a `google_service_account` by its [`SaRef::Resource`] name:
/// `google_service_account.ci`, or `module.identity.google_service_account.this` for an
/// account a called module exports.
pub fn account_address(name: &str) -> String {
    // The instance key may hold dots: `report["a.b"]`.
    let (name, key) = name.split_at(name.find('[').unwrap_or(name.len()));
    match name
        .strip_prefix("module.")
        .and_then(|rest| rest.rsplit_once('.'))
    {
        Some((call, account)) => format!("module.{call}.google_service_account.{account}{key}"),
        None => format!("google_service_account.{name}{key}"),
    }
}

/// Classifies the value of an identity attribute: an email, or `projects/P/serviceAccounts/EMAIL`.
pub fn classify_identity(s: &Str) -> SaRef {
    for r in s.refs() {
        if let Some(default) = DefaultIdentity::from_data_source(r) {
            return SaRef::Default(default);
        }
        if r.rtype == "google_project_service_identity" {
            return SaRef::ServiceAgent;
        }
        if !r.data
            && r.rtype == "google_service_account"
            && r.attr.as_deref().is_some_and(|a| SA_ATTRS.contains(&a))
        {
            // One instance of a `for_each` or `count` account when the key is known.
            return SaRef::Resource(format!("{}{}", r.name, r.key.as_deref().unwrap_or("")));
        }
    }
    if let Some(default) = DefaultIdentity::from_email_suffix(s.known_suffix()) {
        return SaRef::Default(default);
    }
    if is_agent_domain(s.known_suffix()) {
        return SaRef::ServiceAgent;
    }
    match s.as_literal() {
        // The Compute Engine and GKE APIs accept the word `default` for the default account.
        Some("default") => SaRef::Default(DefaultIdentity::ComputeEngine),
        Some(lit) => {
            let email = lit.rsplit_once("/serviceAccounts/").map_or(lit, |(_, e)| e);
            if email.contains('@') {
                SaRef::Email(email.to_string())
            } else {
                SaRef::Unknown
            }
        }
        None => SaRef::Unknown,
    }
}

/// Classifies a member string such as `serviceAccount:x@p.iam.gserviceaccount.com`.
pub fn classify_member(s: &Str) -> Principal {
    if let [Part::Ref(r)] = s.parts() {
        return match classify_identity(s) {
            SaRef::Unknown if r.attr.as_deref() == Some("member") => Principal::Other,
            SaRef::Unknown => Principal::Unknown,
            sa => Principal::ServiceAccount(sa),
        };
    }
    let prefix = s.known_prefix();
    if let Some(lit) = s.as_literal() {
        match lit {
            "allUsers" => return Principal::AllUsers,
            "allAuthenticatedUsers" => return Principal::AllAuthenticatedUsers,
            _ => {}
        }
    }
    let Some((kind, _)) = prefix.split_once(':') else {
        return Principal::Unknown;
    };
    let rest = s
        .strip_prefix(&format!("{kind}:"))
        .expect("the prefix was just found");
    let name = rest.as_literal().map(str::to_string);
    match kind {
        "serviceAccount" => Principal::ServiceAccount(classify_identity(&rest)),
        "user" => Principal::User(name),
        "group" => Principal::Group(name),
        "domain" => Principal::Domain(name),
        _ => Principal::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Str {
        Str::literal(s)
    }

    fn reference(data: bool, rtype: &str, attr: &str) -> Part {
        Part::Ref(Box::new(Ref {
            data,
            rtype: rtype.into(),
            name: "x".into(),
            key: None,
            attr: Some(attr.into()),
        }))
    }

    #[test]
    fn members() {
        assert_eq!(classify_member(&lit("allUsers")), Principal::AllUsers);
        assert_eq!(
            classify_member(&lit("user:a@example.com")),
            Principal::User(Some("a@example.com".into()))
        );
        assert_eq!(
            classify_member(&lit(
                "serviceAccount:123-compute@developer.gserviceaccount.com"
            )),
            Principal::ServiceAccount(SaRef::Default(DefaultIdentity::ComputeEngine))
        );
        let templated = Str::from_parts(vec![
            Part::Lit("serviceAccount:".into()),
            reference(false, "google_service_account", "email"),
        ]);
        assert_eq!(
            classify_member(&templated),
            Principal::ServiceAccount(SaRef::Resource("x".into()))
        );
        let number = Str::from_parts(vec![
            Part::Lit("serviceAccount:".into()),
            Part::Unknown,
            Part::Lit("-compute@developer.gserviceaccount.com".into()),
        ]);
        assert_eq!(
            classify_member(&number),
            Principal::ServiceAccount(SaRef::Default(DefaultIdentity::ComputeEngine))
        );
        let data = Str::from_parts(vec![reference(
            true,
            "google_compute_default_service_account",
            "member",
        )]);
        assert_eq!(
            classify_member(&data),
            Principal::ServiceAccount(SaRef::Default(DefaultIdentity::ComputeEngine))
        );
        assert_eq!(
            classify_member(&Str::from_parts(vec![Part::Unknown])),
            Principal::Unknown
        );
    }

    #[test]
    fn identities() {
        assert_eq!(
            classify_identity(&lit(
                "projects/p/serviceAccounts/run@p.iam.gserviceaccount.com"
            )),
            SaRef::Email("run@p.iam.gserviceaccount.com".into())
        );
        assert_eq!(
            classify_identity(&lit("my-project@appspot.gserviceaccount.com")),
            SaRef::Default(DefaultIdentity::AppEngine)
        );
        assert_eq!(classify_identity(&lit("not-an-email")), SaRef::Unknown);
        assert_eq!(
            classify_identity(&lit("service-123@gcp-sa-pubsub.iam.gserviceaccount.com")),
            SaRef::ServiceAgent
        );
        assert_eq!(
            classify_identity(&lit("123@cloudservices.gserviceaccount.com")),
            SaRef::ServiceAgent
        );
        assert_eq!(
            classify_identity(&lit("default")),
            SaRef::Default(DefaultIdentity::ComputeEngine)
        );
    }
}
