//! The IAM facts of one Terraform module (the `.tf` files of one directory): custom roles, grants,
//! service accounts, workloads and the identity each runs as, and `google` providers.
//! Rules read only this model; it holds no syntax tree.

pub mod extract;
pub mod federation;
pub mod principal;
pub mod value;
pub mod workloads;

use crate::diagnostic::FileId;
use crate::source::LineIndex;
use principal::{DefaultIdentity, Principal, SaRef};
use std::collections::HashMap;
use std::ops::Range;
use value::Val;

pub use extract::{FileSource, ModuleSource, Reads, extract, held_block, reads};

/// One file of a module, for naming places in messages ("granted in iam.tf:7").
#[derive(Clone, Debug)]
pub struct ModuleFile {
    pub id: FileId,
    /// The file name: `iam.tf`.
    pub name: String,
    /// The path as shown to the user: `envs/prod/iam.tf`.
    pub display: String,
    /// The text, shared with the engine; its line index is built on first use.
    pub text: std::sync::Arc<str>,
    pub lines: std::sync::OnceLock<LineIndex>,
    /// For `.tf.json`: model offsets are in a translation; this maps them into the file.
    pub map: Option<crate::tfjson::OffsetMap>,
}

impl ModuleFile {
    fn line(&self, offset: usize) -> usize {
        let offset = self.map.as_ref().map_or(offset, |m| m.to_json(offset));
        self.lines
            .get_or_init(|| LineIndex::new(&self.text))
            .line_index(offset)
            + 1
    }
}

#[derive(Clone, Debug, Default)]
pub struct Module {
    pub files: Vec<ModuleFile>,
    pub custom_roles: Vec<CustomRole>,
    pub grants: Vec<Grant>,
    pub service_accounts: Vec<ServiceAccount>,
    pub workloads: Vec<Workload>,
    pub providers: Vec<Provider>,
    /// `google_service_account_key` resources.
    pub keys: Vec<Resource>,
    /// Workload identity pools and their providers.
    pub federation: federation::Federation,
    /// `module` blocks with a known `source`, one per instance.
    pub calls: Vec<ModuleCall>,
    /// Its `output` blocks' values that are known but for references to its own resources
    /// (which are qualified with the call, `module.NAME.`, by the caller): what another module
    /// can learn from it.
    pub outputs: Vec<(String, value::Val)>,
    /// Not a module of the source but the engine's view of a caller with the workloads of the
    /// modules it calls whose identity it passed to them: only rules that look across modules
    /// run on it, and they report only what spans more than one module.
    pub estate: bool,
    /// Values made unknown by an evaluation budget while the module was read
    /// ([`crate::eval::budget`]).
    pub budget_hits: usize,
    /// `service_accounts` by name (their indexes, in order) and how many there were, built on
    /// the first [`Module::service_account`] call: a lookup per member or workload would
    /// otherwise scan every account.
    pub accounts_by_name: std::sync::OnceLock<(usize, HashMap<String, Vec<usize>>)>,
}

/// One instance of a `module` block, and the inputs it passes, evaluated in the caller.
#[derive(Clone, Debug)]
pub struct ModuleCall {
    pub file: FileId,
    pub name: String,
    /// The `source` as written: `./modules/run`, `terraform-google-modules/iam/google`.
    pub source: String,
    /// The name label, with its quotes.
    pub name_label: Range<usize>,
    /// The instance key when `count` or `for_each` is expanded: `["a"]`, `[0]`.
    pub instance: Option<String>,
    pub inputs: Vec<(String, Val)>,
}

impl Module {
    /// For a service account reference, its account id when known.
    pub fn account_id<'m>(&'m self, sa: &'m principal::SaRef) -> Option<&'m str> {
        match sa {
            principal::SaRef::Resource(name) => {
                self.service_account(name)?.account_id.as_ref()?.as_str()
            }
            principal::SaRef::Email(email) => email.split('@').next(),
            _ => None,
        }
    }

    /// `iam.tf:7`: the file name and 1-based line of an offset.
    pub fn location(&self, file: FileId, offset: usize) -> String {
        match self.files.iter().find(|f| f.id == file) {
            Some(f) => format!("{}:{}", f.name, f.line(offset)),
            None => String::from("?"),
        }
    }

    /// `envs/prod/iam.tf:7`: the displayed path and 1-based line of an offset.
    pub fn full_location(&self, file: FileId, offset: usize) -> String {
        match self.files.iter().find(|f| f.id == file) {
            Some(f) => format!("{}:{}", f.display, f.line(offset)),
            None => String::from("?"),
        }
    }

    /// A `google_service_account` by name, or by name and instance key (`report["a"]`); a
    /// key of an account whose instances are not known names the account.
    pub fn service_account(&self, name: &str) -> Option<&ServiceAccount> {
        let (base, key) = name.split_at(name.find('[').unwrap_or(name.len()));
        let (len, index) = self.accounts_by_name.get_or_init(|| {
            let mut index: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, sa) in self.service_accounts.iter().enumerate() {
                index.entry(sa.res.name.clone()).or_default().push(i);
            }
            (self.service_accounts.len(), index)
        });
        if *len != self.service_accounts.len() {
            // Accounts added since the index was built (while the module is extracted): a scan.
            let accounts = self
                .service_accounts
                .iter()
                .filter(|sa| sa.res.name == base);
            return pick_instance(accounts.collect(), key);
        }
        let found = index.get(base).map_or(&[][..], Vec::as_slice);
        pick_instance(
            found.iter().map(|&i| &self.service_accounts[i]).collect(),
            key,
        )
    }
}

/// Of the accounts with one name, the one with instance `key` (`["a"]`), else the one whose
/// instances are not known; the first when no key is asked for.
fn pick_instance<'m>(accounts: Vec<&'m ServiceAccount>, key: &str) -> Option<&'m ServiceAccount> {
    if key.is_empty() {
        return accounts.first().copied();
    }
    accounts
        .iter()
        .find(|sa| sa.res.instance.as_deref() == Some(key))
        .or_else(|| accounts.iter().find(|sa| sa.res.instance.is_none()))
        .copied()
}

/// The header of a `resource` or `data` block.
#[derive(Clone, Debug)]
pub struct Resource {
    pub file: FileId,
    pub data: bool,
    /// Shared ([`value::Text`]): every resource of a type holds the same text.
    pub rtype: value::Text,
    pub name: String,
    /// The whole block.
    pub block: Range<usize>,
    /// The type label, with its quotes.
    pub type_label: Range<usize>,
    /// The name label, with its quotes.
    pub name_label: Range<usize>,
    /// Has `count` or `for_each` that may create no instance (anything but a known
    /// non-zero count or a known non-empty collection).
    pub maybe_absent: bool,
    /// The instance key when `count` or `for_each` is expanded: `["roles/editor"]`, `[0]`.
    /// Boxed strings, here and below: every grant and role holds a `Resource`.
    pub instance: Option<Box<str>>,
    /// `module.NAME` when the module is analysed as called by a module block.
    pub module: Option<Box<str>>,
}

impl Resource {
    /// The same address as `other`, without building either string.
    pub fn same_address(&self, other: &Resource) -> bool {
        self.name == other.name
            && self.rtype == other.rtype
            && self.data == other.data
            && self.instance == other.instance
            && self.module == other.module
    }

    /// `google_service_account.ci`, `data.google_iam_policy.p`, `google_project_iam_member.m["x"]`.
    pub fn address(&self) -> String {
        let data = if self.data { "data." } else { "" };
        let module = self
            .module
            .as_deref()
            .map(|m| format!("{m}."))
            .unwrap_or_default();
        format!("{module}{data}{}.{}", self.rtype, self.label())
    }

    /// The name with its instance key: `api`, `members["roles/editor"]`.
    pub fn label(&self) -> String {
        format!("{}{}", self.name, self.instance.as_deref().unwrap_or(""))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleLevel {
    Project,
    Organization,
}

/// `google_project_iam_custom_role` / `google_organization_iam_custom_role`.
#[derive(Clone, Debug)]
pub struct CustomRole {
    pub res: Resource,
    pub level: RoleLevel,
    pub role_id: Option<Val>,
    pub title: Option<Val>,
    pub description: Option<Val>,
    /// The `permissions` value; its elements carry the span of each permission string.
    pub permissions: Option<Val>,
}

impl CustomRole {
    /// The role as people call it: its role_id when known, else the resource name.
    pub fn display_name(&self) -> &str {
        self.role_id
            .as_ref()
            .and_then(Val::as_str)
            .unwrap_or(&self.res.name)
    }

    /// The permission strings that are known, each with where it was written.
    pub fn known_permissions(&self) -> impl Iterator<Item = (&str, &Val)> {
        self.permissions
            .iter()
            .flat_map(Val::elements)
            .filter_map(|v| v.as_str().map(|s| (s, v)))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantKind {
    /// `_iam_member`: additive, one member.
    Member,
    /// `_iam_binding`: authoritative for one role.
    Binding,
    /// `_iam_policy`: authoritative for the whole policy (bindings from `data "google_iam_policy"`).
    Policy,
}

/// Where a grant applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Project,
    Folder,
    Organization,
    ServiceAccount,
    /// A single resource (bucket, topic, Cloud Run service, ...).
    Resource,
}

/// What a grant's `role` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleTarget {
    /// `roles/...` (the text of the grant's `role`, shared with it).
    Predefined(value::Text),
    /// A custom role declared in this module (index into [`Module::custom_roles`]).
    Custom(usize),
    /// A custom role declared elsewhere (`projects/p/roles/x`).
    OtherCustom(value::Text),
    Unknown,
}

/// One role given to members: an `_iam_member`, an `_iam_binding`, or one binding of a policy.
#[derive(Clone, Debug)]
pub struct Grant {
    /// The IAM resource (`google_project_iam_member.x`, or the `_iam_policy` for policy bindings).
    pub res: Resource,
    /// For policy bindings: the `data "google_iam_policy"` they are written in. Boxed, as
    /// `condition`: both are rare, and inline they made every grant 736 bytes instead of 448.
    pub policy_data: Option<Box<Resource>>,
    pub kind: GrantKind,
    pub level: Level,
    pub role: Option<Val>,
    pub target: RoleTarget,
    pub members: Vec<Member>,
    /// What the grant is on: the value of `project`, `folder`, `org_id`, `service_account_id`,
    /// `bucket`, ... (see [`extract::RESOURCE_ATTRS`]).
    pub on: Option<(&'static str, Val)>,
    /// For grants on a service account: which one. Boxed: most grants are on something else.
    pub on_account: Option<Box<SaRef>>,
    /// The expression of [`Grant::on`] as written (`local.project.id`), when short.
    pub on_expr: Option<Box<str>>,
    /// Every attribute that identifies what the grant is on (all but role, members, condition,
    /// meta-arguments), sorted; `None` when one of them cannot be known statically. Two grants
    /// with equal keys are on the same resource.
    pub target_key: Option<Vec<(String, value::Value)>>,
    pub condition: Option<Box<Condition>>,
}

/// An IAM `condition { title expression }` block.
#[derive(Clone, Debug)]
pub struct Condition {
    pub file: FileId,
    /// The `condition` keyword.
    pub ident: Range<usize>,
    pub title: Option<Val>,
    pub expression: Option<Val>,
    /// False for a `dynamic "condition"` over a collection that cannot be known: there may be
    /// no condition at all.
    pub certain: bool,
}

impl Condition {
    /// `"business hours"`, or "a condition" when the title is unknown.
    pub fn describe(&self) -> String {
        match self.title.as_ref().and_then(Val::as_str) {
            Some(title) => format!("\"{title}\""),
            None => "a condition".to_string(),
        }
    }
}

impl Grant {
    /// Every member is a Google-managed service agent: Google's own setup, not a choice to review.
    pub fn only_service_agents(&self) -> bool {
        !self.members.is_empty()
            && self
                .members
                .iter()
                .all(|m| m.principal == Principal::ServiceAccount(SaRef::ServiceAgent))
    }

    /// "project `acme-prod`", "service account `google_service_account.ci`", "bucket `assets`".
    pub fn describe_target(&self) -> String {
        let what = match self.level {
            Level::Project => "project",
            Level::Folder => "folder",
            Level::Organization => "organization",
            Level::ServiceAccount => "service account",
            Level::Resource => "",
        };
        // `google_cloud_run_v2_service_iam_member` -> "cloud run v2 service"
        let noun;
        let what = if let Some(acl) = data_grant_noun(&self.res.rtype) {
            acl
        } else if what.is_empty() {
            let t = self.res.rtype.trim_start_matches("google_");
            let t = t
                .strip_suffix("_iam_member")
                .or_else(|| t.strip_suffix("_iam_binding"))
                .or_else(|| t.strip_suffix("_iam_policy"))
                .unwrap_or(t);
            noun = t.replace('_', " ");
            noun.as_str()
        } else {
            what
        };
        let name = match (self.on_account.as_deref(), &self.on) {
            (Some(SaRef::Resource(name)), _) => Some(principal::account_address(name)),
            (Some(SaRef::Email(email)), _) => Some(email.clone()),
            (_, Some((_, val))) => val.as_template().and_then(|s| self.target_name(s)),
            _ => None,
        };
        match (name, &self.on_expr) {
            (Some(name), _) => format!("{what} `{name}`"),
            // Never an empty slot: the target by the expression that gives it.
            (None, Some(expr)) if !expr.contains("${") => match what.rsplit_once(" of ") {
                Some((head, noun)) => format!("{head} of the {noun} given by `{expr}`"),
                None => format!("the {what} given by `{expr}`"),
            },
            (None, _) => match what.rsplit_once(" of ") {
                Some((head, noun)) => format!("{head} of a {noun} not known statically"),
                None => format!("a {what} not known statically"),
            },
        }
    }

    /// The target's name for messages when it reads as a name: a literal, an input
    /// (`var.project_id`), or a resource of the kind the grant is on, by its address
    /// (`google_cloud_run_v2_service.api`); never a template with `${...}` in it.
    fn target_name(&self, s: &value::Str) -> Option<String> {
        use value::Part;
        match s.parts() {
            [Part::Lit(lit)] => Some(lit.to_string()),
            [Part::Input(name)] => Some(name.clone()),
            // The resource itself, by its name or id: named by its address.
            [Part::Ref(r)]
                if !r.data
                    && (matches!(r.attr.as_deref(), Some("name" | "id"))
                        || self
                            .res
                            .rtype
                            .strip_suffix("_iam_member")
                            .or_else(|| self.res.rtype.strip_suffix("_iam_binding"))
                            .or_else(|| self.res.rtype.strip_suffix("_iam_policy"))
                            == Some(r.rtype.as_str())) =>
            {
                Some(format!(
                    "{}.{}{}",
                    r.rtype,
                    r.name,
                    r.key.as_deref().unwrap_or("")
                ))
            }
            _ => None,
        }
    }

    /// The role as people read it: `roles/editor`, a custom role's id, or "a role".
    pub fn role_display<'a>(&'a self, module: &'a Module) -> Option<&'a str> {
        match &self.target {
            RoleTarget::Predefined(r) | RoleTarget::OtherCustom(r) => Some(r),
            RoleTarget::Custom(i) => Some(module.custom_roles[*i].display_name()),
            RoleTarget::Unknown => None,
        }
    }
}

/// What the grants of ACL and dataset access resources are on, for messages.
fn data_grant_noun(rtype: &str) -> Option<&'static str> {
    Some(match rtype {
        "google_storage_bucket_access_control" | "google_storage_bucket_acl" => "bucket",
        "google_storage_default_object_access_control" | "google_storage_default_object_acl" => {
            "new objects of bucket"
        }
        "google_storage_object_access_control" | "google_storage_object_acl" => {
            "an object of bucket"
        }
        "google_bigquery_dataset" | "google_bigquery_dataset_access" => "BigQuery dataset",
        _ => return None,
    })
}

#[derive(Clone, Debug)]
pub struct Member {
    pub val: Val,
    pub principal: Principal,
}

/// `google_service_account`.
#[derive(Clone, Debug)]
pub struct ServiceAccount {
    pub res: Resource,
    pub account_id: Option<Val>,
    pub display_name: Option<Val>,
}

/// A resource that runs code as an identity.
#[derive(Clone, Debug)]
pub struct Workload {
    pub res: Resource,
    /// What the resource is, for messages: "Cloud Run service".
    pub product: &'static str,
    pub slots: Vec<IdentitySlot>,
    /// Workloads with the same key are one process for `shared-service-account`: a GKE
    /// cluster and its node pools. Usually the resource address.
    pub process: String,
    /// For a GKE cluster, its `name`, which node pools may use to name it.
    pub cluster_name: Option<String>,
    /// The one known container image it runs (Cloud Run): workloads of one kind running the
    /// same image are replicas of one process.
    pub image: Option<String>,
}

impl Workload {
    /// What makes two workloads one process: the same image for workloads of one kind,
    /// else [`Workload::process`].
    pub fn process_key(&self) -> std::borrow::Cow<'_, str> {
        match &self.image {
            Some(image) => format!("{} running {image}", self.res.rtype).into(),
            None => self.process.as_str().into(),
        }
    }
}

/// One place where a workload's identity is set (a resource may have several: GKE node pools).
#[derive(Clone, Debug)]
pub struct IdentitySlot {
    /// The attribute path that sets it, for messages: `template.service_account`.
    pub attr: &'static str,
    /// Which part of the workload it is, when not the whole: "node pool `default`".
    pub part: Option<String>,
    pub state: SlotState,
    /// The identity the workload's own code runs as (not a token it sends, not its build).
    pub runtime: bool,
}

#[derive(Clone, Debug)]
pub enum SlotState {
    /// The attribute is set.
    Set { val: Val, sa: SaRef },
    /// The attribute (or its block) is absent, so GCP uses a default identity.
    Missing {
        default: DefaultIdentity,
        /// Where the attribute belongs: the innermost block present, or the resource's type label.
        anchor: Range<usize>,
        /// What the anchor is, for the label: "`template` block".
        anchor_kind: String,
    },
    /// Absent, and that means the resource runs with no identity (a VM with no `service_account`).
    NoIdentity,
    /// Cannot be known statically (a dynamic block, an input).
    Unknown,
}

/// `provider "google"` and `provider "google-beta"`.
#[derive(Clone, Debug)]
pub struct Provider {
    pub file: FileId,
    pub name: String,
    pub block: Range<usize>,
    pub name_label: Range<usize>,
    pub alias: Option<Val>,
    pub impersonate_service_account: Option<Val>,
    pub credentials: Option<Val>,
    /// Where `credentials = ...` is written in the provider block (its value may come from a
    /// variable's default elsewhere).
    pub credentials_attr: Option<Range<usize>>,
    pub access_token: Option<Val>,
}

#[cfg(test)]
mod tests {
    /// A huge module holds tens of thousands of grants and roles, and its findings (issue 19:
    /// a 30 MB file in at most 5 times its size): what each costs is part of that budget. A
    /// field that makes one larger belongs in a box when it is rare.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn facts_stay_small() {
        assert_eq!(size_of::<super::Resource>(), 136);
        assert_eq!(size_of::<super::Grant>(), 384);
        assert_eq!(size_of::<super::CustomRole>(), 368);
        assert_eq!(size_of::<super::Member>(), 88);
        assert_eq!(size_of::<crate::diagnostic::Diagnostic>(), 184);
    }
}
