use crate::diagnostic::{Diagnostic, Edit, Fix, Group, Label, Severity};
use crate::gcp::catalog::Catalog;
use crate::gcp::data::{self, Deployer};
use crate::model::principal::Principal;
use crate::model::value::Val;
use crate::model::{Grant, Level, Module, RoleTarget};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};

static META: &RuleMeta = &registry::DEPLOYER_ROLE_CREATE_DELETE;

pub struct DeployerRoleCreateDelete;

/// `[rules.deployer-role-create-delete]`: each list replaces the embedded one of
/// `rules/data/deployer.toml`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// Words that name a deployment pipeline in an account id, role id or title.
    pub words: Option<Vec<String>>,
    /// Words that name the Terraform deploy account, which creates by design.
    pub terraform_words: Option<Vec<String>>,
    /// Permissions (`*` globs) a deployer must not hold.
    pub forbidden: Option<Vec<String>>,
    /// Matches of `forbidden` that are never reported.
    pub allowed: Option<Vec<String>>,
}

impl Options {
    /// The deployer data these options make, or `None` when they set nothing (the embedded
    /// data is used).
    pub fn deployer(self) -> Option<Deployer> {
        if self.words.is_none()
            && self.terraform_words.is_none()
            && self.forbidden.is_none()
            && self.allowed.is_none()
        {
            return None;
        }
        let lower = |words: Vec<String>| words.iter().map(|w| w.to_lowercase()).collect();
        let mut deployer = data::deployer().clone();
        if let Some(words) = self.words {
            deployer.words = lower(words);
        }
        if let Some(words) = self.terraform_words {
            deployer.terraform_words = lower(words);
        }
        if let Some(forbidden) = self.forbidden {
            deployer.forbidden = forbidden;
        }
        if let Some(allowed) = self.allowed {
            deployer.allowed = allowed;
        }
        Some(deployer)
    }
}

impl Rule for DeployerRoleCreateDelete {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, cx: &Ctx, out: &mut Vec<Diagnostic>) {
        let data = cx.settings.deployer();

        // Why each custom role counts as a deployer role.
        let mut reasons: Vec<Vec<String>> = vec![Vec::new(); module.custom_roles.len()];
        for (role, reasons) in module.custom_roles.iter().zip(reasons.iter_mut()) {
            // Not the description: prose says "not for CD pipelines" as readily as "for CD".
            let fields = [("role_id", &role.role_id), ("title", &role.title)];
            if let Some((field, text)) = fields.iter().find_map(|(field, val)| {
                let text = val.as_ref().and_then(Val::as_str)?;
                data.names_deployment(text).then_some((field, text))
            }) {
                reasons.push(format!("by its {field} `{text}`"));
            }
        }
        for grant in &module.grants {
            let RoleTarget::Custom(index) = grant.target else {
                continue;
            };
            for member in &grant.members {
                let Principal::ServiceAccount(sa) = &member.principal else {
                    continue;
                };
                if let Some(id) = module
                    .account_id(sa)
                    .filter(|id| data.is_deployer_account(id))
                {
                    let at = module.location(member.val.loc.file, member.val.loc.range.start);
                    let reason = format!("granted to `{id}` in {at}");
                    if !reasons[index].contains(&reason) {
                        reasons[index].push(reason);
                    }
                }
            }
        }

        for grant in &module.grants {
            if let RoleTarget::Predefined(name) = &grant.target {
                predefined(module, data, grant, name, out);
            }
        }

        for (role, reasons) in module.custom_roles.iter().zip(&reasons) {
            if reasons.is_empty() {
                continue;
            }
            // Removing every permission would leave `permissions = []`, which the provider
            // rejects: then the fix is left to a person (delete the role, or give it what it needs).
            let elements = role.permissions.iter().flat_map(Val::elements).count();
            let forbidden: Vec<(&str, &Val)> = role
                .known_permissions()
                .filter(|(p, _)| data.is_forbidden(p))
                .collect();
            let removable = elements > forbidden.len();
            // One decision per role: the report makes its permissions one finding (deletes of
            // what is live first, then creates), without those a suppression removed.
            let mut forbidden = forbidden;
            forbidden.sort_by_key(|(p, _)| !p.ends_with(".delete"));
            for (rank, (permission, val)) in forbidden.into_iter().enumerate() {
                let (verb, what) = describe(permission);
                let label = match verb {
                    "create" => format!("lets the pipeline create new {what}"),
                    "delete" => format!("lets the pipeline delete live {what}"),
                    _ => format!("lets the pipeline {verb} {what}"),
                };
                let mut diag = META
                    .diagnostic(
                        Label::new(val.loc.file, val.loc.range.clone(), label),
                        format!(
                            "deployer role `{}` can {verb} {what}",
                            role.display_name()
                        ),
                    )
                    .secondary(Label::new(
                        role.res.file,
                        role.res.type_label.clone(),
                        format!("deployer role, {}", reasons.join("; ")),
                    ))
                    .help(format!(
                        "deploy roles may update what exists; create and delete belong to the Terraform deploy account: remove `{permission}` from this role"
                    ));
                diag.group = Some(Box::new(Group {
                    // The role's place: unique in the run, the same in every context.
                    key: format!("{}:{}", role.res.file, role.res.block.start),
                    rank: rank as u32,
                    message: format!(
                        "deployer role `{}` can {verb} {what}, and holds {{n}} more create or delete permission{{s}}",
                        role.display_name()
                    ),
                    help: "deploy roles may update what exists; create and delete belong to the Terraform deploy account: remove the permissions labelled here from this role".to_string(),
                }));
                // Certain only when the permission is written in this role (a shared local is not).
                let literal = super::permission_literal(module, role, val, permission);
                if let (true, Err(why)) = (removable, &literal) {
                    diag = diag.note(format!("no automatic fix: {why}"));
                }
                if removable && literal.is_ok() {
                    diag = diag.fix(Fix {
                        title: format!(
                            "remove `{permission}` from deployer role `{}`",
                            role.display_name()
                        ),
                        edits: vec![Edit::RemoveElement {
                            file: val.loc.file,
                            range: val.loc.range.clone(),
                        }],
                    });
                }
                out.push(diag);
            }
        }
    }
}

/// A deployer identity granted a predefined role that can create or delete.
fn predefined(
    module: &Module,
    data: &Deployer,
    grant: &Grant,
    name: &str,
    out: &mut Vec<Diagnostic>,
) {
    let deployers: Vec<(&str, &Val)> = grant
        .members
        .iter()
        .filter_map(|m| match &m.principal {
            Principal::ServiceAccount(sa) => module
                .account_id(sa)
                .filter(|id| data.is_deployer_account(id))
                .map(|id| (id, &m.val)),
            _ => None,
        })
        .collect();
    let (Some(role), Some(&(first, _))) = (grant.role.as_ref(), deployers.first()) else {
        return;
    };
    // On one resource, a role's permissions act only on that resource (and what it holds):
    // `roles/storage.admin` on a bucket cannot create KMS key handles. Keep the permissions of
    // the resource's own service; a resource type this table does not know stays silent.
    let services: Option<&[&str]> = match grant.level {
        Level::Resource | Level::ServiceAccount => match resource_services(&grant.res.rtype) {
            Some(services) => Some(services),
            None => return,
        },
        _ => None,
    };
    let catalog = Catalog::get();
    let Some(id) = catalog.role(name) else { return };
    // Deleting what is live is the graver power: named first; then what the role is for (the
    // service in its name: `run.*` for `roles/run.developer`), then what serves traffic or
    // holds data before records of work done (executions, operations, revisions). The order
    // is the role's own, so it is computed once per role and run, with its permissions.
    let own = name
        .strip_prefix("roles/")
        .and_then(|r| r.split('.').next())
        .unwrap_or_default();
    let rank = |p: &str| {
        let mut parts = p.splitn(3, '.');
        let service = parts.next().unwrap_or_default();
        let noun = parts.next().unwrap_or_default();
        let weight = CONSEQUENTIAL
            .iter()
            .position(|n| *n == noun)
            .unwrap_or(CONSEQUENTIAL.len());
        let core = CORE_SERVICES
            .iter()
            .position(|s| *s == service)
            .unwrap_or(CORE_SERVICES.len());
        (!p.ends_with(".delete"), service != own, core, weight)
    };
    let ranked: Vec<&str> = data
        .forbidden_in_role(id, |ids| {
            ids.sort_by_cached_key(|&p| rank(catalog.permission_name(p)))
        })
        .iter()
        .map(|&p| catalog.permission_name(p))
        .filter(|p| {
            services.is_none_or(|services| {
                services.contains(&p.split('.').next().unwrap_or_default())
                    && !creates_itself(&grant.res.rtype, p)
            })
        })
        .collect();
    if ranked.is_empty() {
        return;
    }
    let forbidden = &ranked;
    // The best of each service first (Owner: Cloud Run services, Compute Engine instances,
    // GKE clusters), then the next best.
    let mut picked: Vec<&str> = Vec::with_capacity(3);
    for p in &ranked {
        let service = p.split('.').next();
        if picked.len() < 3 && !picked.iter().any(|q| q.split('.').next() == service) {
            picked.push(p);
        }
    }
    for p in &ranked {
        if picked.len() < 3 && !picked.contains(p) {
            picked.push(p);
        }
    }
    let shown: Vec<String> = picked.iter().map(|p| format!("`{p}`")).collect();
    let more = match forbidden.len() - shown.len() {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    // A role the deploy identity needs, whose extras are only creates, is a note.
    let needed = data.needed_roles.iter().any(|r| r == name)
        && !forbidden.iter().any(|p| p.ends_with(".delete"));
    let severity = match needed {
        true => Severity::Note,
        false => META.default_severity,
    };
    let mut diag = META.diagnostic_at(
        severity,
        Label::new(
            role.loc.file,
            role.loc.range.clone(),
            format!("holds {} create or delete permissions", forbidden.len()),
        ),
        format!(
            "deployer `{first}` is granted `{name}`, which can create or delete: {}{more}",
            shown.join(", ")
        ),
    );
    if needed {
        diag = diag.note(format!(
            "a deploy identity needs `{name}` to do its work; its create permissions come with the role"
        ));
    }
    for (id, val) in &deployers {
        diag = diag.secondary(Label::new(
            val.loc.file,
            val.loc.range.clone(),
            format!("deployer `{id}`"),
        ));
    }
    out.push(diag.help(
        "grant a custom role with only the get, list and update permissions the pipeline needs; create and delete belong to the Terraform deploy account",
    ));
}

/// The permission services (`storage` in `storage.objects.create`) whose permissions act on a
/// resource-level IAM resource's resource, by its Terraform type.
/// Kinds of resources by what losing or adding one costs: live services and stored data first.
const CONSEQUENTIAL: &[&str] = &[
    "services",
    "clusters",
    "instances",
    "databases",
    "buckets",
    "datasets",
    "tables",
    "functions",
    "jobs",
    "topics",
    "subscriptions",
    "secrets",
    "repositories",
    "keyRings",
    "cryptoKeys",
    "serviceAccounts",
    "networks",
    "subnetworks",
    "firewalls",
    "disks",
    "images",
];

/// Services most estates run on, for ordering the permissions of broad roles (Owner, Editor).
const CORE_SERVICES: &[&str] = &[
    "run",
    "compute",
    "container",
    "storage",
    "cloudsql",
    "bigquery",
    "cloudfunctions",
    "pubsub",
    "spanner",
    "secretmanager",
    "cloudkms",
    "iam",
    "resourcemanager",
];

fn resource_services(rtype: &str) -> Option<&'static [&'static str]> {
    const TABLE: &[(&str, &[&str])] = &[
        ("google_storage_bucket_iam_", &["storage"]),
        ("google_pubsub_", &["pubsub"]),
        ("google_secret_manager_", &["secretmanager"]),
        ("google_kms_", &["cloudkms"]),
        ("google_bigquery_", &["bigquery"]),
        ("google_artifact_registry_", &["artifactregistry"]),
        ("google_cloud_run_", &["run"]),
        ("google_cloudfunctions_", &["cloudfunctions"]),
        ("google_cloudfunctions2_", &["cloudfunctions", "run"]),
        ("google_service_account_iam_", &["iam"]),
        ("google_spanner_", &["spanner"]),
        ("google_compute_", &["compute"]),
        ("google_sourcerepo_", &["source"]),
        ("google_cloud_tasks_", &["cloudtasks"]),
        ("google_dataproc_", &["dataproc"]),
        ("google_healthcare_", &["healthcare"]),
        ("google_notebooks_", &["notebooks"]),
        ("google_workflows_", &["workflows"]),
    ];
    TABLE
        .iter()
        .find(|(prefix, _)| rtype.starts_with(prefix))
        .map(|(_, services)| *services)
}

/// A permission to create the very kind of resource a resource-level grant is on
/// (`storage.buckets.create` on a bucket): it is checked on the parent, so it does not apply.
fn creates_itself(rtype: &str, permission: &str) -> bool {
    const TABLE: &[(&str, &str)] = &[
        ("google_storage_bucket_iam_", "storage.buckets.create"),
        ("google_pubsub_topic_iam_", "pubsub.topics.create"),
        (
            "google_pubsub_subscription_iam_",
            "pubsub.subscriptions.create",
        ),
        (
            "google_secret_manager_secret_iam_",
            "secretmanager.secrets.create",
        ),
        ("google_cloud_run_service_iam_", "run.services.create"),
        ("google_cloud_run_v2_service_iam_", "run.services.create"),
        ("google_cloud_run_v2_job_iam_", "run.jobs.create"),
        (
            "google_artifact_registry_repository_iam_",
            "artifactregistry.repositories.create",
        ),
        ("google_bigquery_dataset_iam_", "bigquery.datasets.create"),
        ("google_bigquery_table_iam_", "bigquery.tables.create"),
        (
            "google_cloudfunctions_function_iam_",
            "cloudfunctions.functions.create",
        ),
        (
            "google_cloudfunctions2_function_iam_",
            "cloudfunctions.functions.create",
        ),
        ("google_kms_crypto_key_iam_", "cloudkms.cryptoKeys.create"),
        ("google_kms_key_ring_iam_", "cloudkms.keyRings.create"),
        ("google_service_account_iam_", "iam.serviceAccounts.create"),
        ("google_spanner_instance_iam_", "spanner.instances.create"),
        ("google_spanner_database_iam_", "spanner.databases.create"),
    ];
    TABLE
        .iter()
        .any(|(prefix, own)| rtype.starts_with(prefix) && permission == *own)
}

/// `run.services.delete` -> ("delete", "Cloud Run services").
fn describe(permission: &str) -> (&str, String) {
    let (rest, verb) = permission.rsplit_once('.').unwrap_or(("", permission));
    let (service, resource) = match rest.rsplit_once(['.', '/']) {
        Some((service, resource)) => (service, resource),
        None => (rest, ""),
    };
    let resource = data::words(resource).join(" ");
    let what = match data::service_name(service) {
        Some(name) => format!("{name} {resource}"),
        None => format!("`{service}` {resource}"),
    };
    (verb, what.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn describes_permissions() {
        assert_eq!(
            describe("run.services.delete"),
            ("delete", "Cloud Run services".into())
        );
        assert_eq!(
            describe("compute.instanceTemplates.create"),
            ("create", "Compute Engine instance templates".into())
        );
        assert_eq!(describe("foo.bars.create"), ("create", "`foo` bars".into()));
    }
}
