//! Writes a deterministic corpus of realistic Google Cloud Terraform for benchmarks and
//! robustness runs: the same `--files` and `--seed` always give the same bytes (for a given
//! iamlint catalog: the permission names are drawn from it).
//!
//! ```text
//! cargo run --release --example gen_corpus -- --files 40000 --seed 1 OUT_DIR
//! cargo run --release --example gen_corpus -- --files 40000 --seed 1 --check OUT_DIR  # write, then parse back
//! cargo run --release --example gen_corpus -- --check OUT_DIR                  # parse every file, classify failures
//! cargo run --release --example gen_corpus -- --parse-only OUT_DIR --threads 1 # time hcl-edit parsing alone
//! cargo run --release --example gen_corpus -- --one-file 30 OUT_DIR       # one module, one 30 MB main.tf
//! ```
//!
//! Layout: `OUT/env-NN/module-NNNNN/`, 200 modules an environment, 3 to 8 files a module
//! (`main.tf`, `iam.tf`, `variables.tf`, `roles.tf`, `service_accounts.tf`, `locals.tf`,
//! `outputs.tf`, `providers.tf`; a module with fewer files has the rest folded into `main.tf`),
//! exactly `--files` `.tf` files in all, about 2.5 KB a file.
//!
//! Content: custom roles with long permission lists (about a third of modules have a deployer
//! role, `cdDeployer` / "Cloud Run Deployer" and the like, some holding `*.create`/`*.delete`),
//! grants at every level and in every form (`*_iam_member`, `*_iam_binding`,
//! `google_project_iam_policy` from `data "google_iam_policy"`), members as literals, as
//! `"serviceAccount:${google_service_account.x.email}"`, as `google_service_account.x.member`,
//! and sometimes the default compute identity or a person; service accounts; workloads of every kind with and
//! without an identity; providers with and without impersonation; variables, locals with
//! `concat`, `for_each = toset(...)`, `dynamic` blocks, heredocs and `%{ for }` templates, and all
//! three comment styles.
//!
//! Deliberate syntax errors: exactly one file in every 2,000 (a missing closing brace, an
//! unterminated string or an unterminated heredoc). Each starts with the line
//! `# gen_corpus: deliberate syntax error (...)`, so that `--check` can tell them from
//! generator bugs: `--check` exits 1 when any other file fails to parse, or a marked one parses.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The first line of every deliberately broken file.
const BROKEN_MARKER: &str = "# gen_corpus: deliberate syntax error";
/// One file in this many is broken on purpose.
const BREAK_EVERY: usize = 2000;
/// Modules per `env-NN` directory.
const MODULES_PER_ENV: usize = 200;

/// splitmix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SERVICES: &[(&str, &[&str])] = &[
    (
        "run",
        &[
            "services",
            "revisions",
            "jobs",
            "executions",
            "configurations",
            "routes",
        ],
    ),
    ("storage", &["objects", "buckets", "managedFolders"]),
    (
        "compute",
        &[
            "instances",
            "disks",
            "instanceTemplates",
            "firewalls",
            "networks",
            "subnetworks",
        ],
    ),
    ("cloudfunctions", &["functions"]),
    ("pubsub", &["topics", "subscriptions", "snapshots"]),
    ("bigquery", &["datasets", "tables", "jobs"]),
    ("secretmanager", &["secrets", "versions"]),
    ("logging", &["logEntries", "sinks", "logMetrics"]),
    ("cloudsql", &["instances", "databases", "users"]),
    (
        "artifactregistry",
        &["repositories", "dockerimages", "tags"],
    ),
];
const VERBS: &[&str] = &["get", "list", "update", "create", "delete"];
/// What a deployer role is for: ship new revisions of what exists.
const DEPLOYER_PERMISSIONS: &[&str] = &[
    "run.services.get",
    "run.services.list",
    "run.services.update",
    "run.revisions.get",
    "run.revisions.list",
    "run.operations.get",
    "run.jobs.update",
    "run.jobs.run",
    "iam.serviceAccounts.actAs",
    "artifactregistry.repositories.downloadArtifacts",
    "artifactregistry.repositories.uploadArtifacts",
    "cloudfunctions.functions.get",
    "cloudfunctions.functions.update",
    "cloudfunctions.functions.sourceCodeSet",
    "container.deployments.get",
    "container.deployments.update",
    "storage.objects.get",
    "storage.objects.list",
    "storage.objects.update",
    "compute.instances.get",
    "compute.instances.setMetadata",
    "resourcemanager.projects.get",
    "logging.logEntries.create",
    "monitoring.timeSeries.create",
];
/// What a deployer role should not have, and often does.
const DEPLOYER_OVERREACH: &[&str] = &[
    "run.services.create",
    "run.services.delete",
    "storage.objects.create",
    "storage.objects.delete",
    "compute.instances.create",
    "compute.instances.delete",
    "cloudbuild.builds.create",
];
const DEPLOYER_NAMES: &[(&str, &str)] = &[
    ("cdDeployer", "Cloud Run Deployer"),
    ("cloudRunDeployer", "Cloud Run Deployer"),
    ("cd_deployer", "CD deployer"),
    ("releaseManager", "Release manager"),
    ("ciCdPipeline", "CI/CD pipeline"),
    ("functionsDeployer", "Cloud Functions Deployer"),
];
const ROLES: &[&str] = &[
    "roles/viewer",
    "roles/run.invoker",
    "roles/run.developer",
    "roles/run.viewer",
    "roles/storage.objectViewer",
    "roles/storage.objectCreator",
    "roles/pubsub.publisher",
    "roles/pubsub.subscriber",
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/secretmanager.secretAccessor",
    "roles/cloudsql.client",
    "roles/bigquery.dataViewer",
    "roles/artifactregistry.reader",
    "roles/iam.serviceAccountUser",
    "roles/iam.serviceAccountTokenCreator",
    "roles/editor",
];
const TEAMS: &[&str] = &[
    "payments", "search", "platform", "data", "growth", "identity", "media", "billing",
];
const REGIONS: &[&str] = &[
    "europe-west1",
    "europe-west4",
    "us-central1",
    "us-east4",
    "asia-northeast1",
];
const PEOPLE: &[&str] = &["alice", "bob", "carol", "dan", "erin", "frank"];

/// A real permission of one of the services above (from iamlint's catalog), or, once in 300,
/// a misspelt one.
fn permission(rng: &mut Rng) -> String {
    let catalog = iamlint::Catalog::get();
    let (service, resources) = SERVICES[rng.below(SERVICES.len())];
    let resource = resources[rng.below(resources.len())];
    let real = catalog.glob(&format!("{service}.{resource}.*"));
    let name = match real.is_empty() {
        true => format!("{service}.{resource}.{}", rng.pick(VERBS)),
        false => catalog
            .permission_name(real[rng.below(real.len())])
            .to_string(),
    };
    // Custom roles are written to do a job: a permission that lets its holder change IAM or
    // act as another account turns up in about one role in fifty, as in real estates.
    let escalates = |n: &str| n.ends_with("IamPolicy") || n.ends_with(".actAs");
    let name = if escalates(&name) && rng.below(50) != 0 {
        let plain: Vec<&str> = real
            .iter()
            .map(|&id| catalog.permission_name(id))
            .filter(|n| !escalates(n))
            .collect();
        match plain.is_empty() {
            true => name,
            false => plain[rng.below(plain.len())].to_string(),
        }
    } else {
        name
    };
    if rng.below(300) == 0 {
        let at = name.len() - 2;
        format!(
            "{}{}{}",
            &name[..at],
            &name[at + 1..at + 2],
            &name[at..at + 1]
        )
    } else {
        name
    }
}

/// About `n` distinct permissions, as people write them: a repeated one in about one list of 50.
fn permissions(rng: &mut Rng, n: usize) -> Vec<String> {
    let mut list: Vec<String> = Vec::with_capacity(n + 1);
    for _ in 0..n * 2 {
        if list.len() == n {
            break;
        }
        let p = permission(rng);
        if !list.contains(&p) {
            list.push(p);
        }
    }
    if rng.below(50) == 0 {
        let again = list[rng.below(list.len())].clone();
        list.push(again);
    }
    list
}

struct Module<'a> {
    rng: &'a mut Rng,
    env: usize,
    index: usize,
    team: &'static str,
    project: String,
}

impl Module<'_> {
    fn comment(&mut self, out: &mut String, text: &str) {
        match self.rng.below(3) {
            0 => writeln!(out, "# {text}").unwrap(),
            1 => writeln!(out, "// {text}").unwrap(),
            _ => writeln!(out, "/* {text} */").unwrap(),
        }
    }

    /// The header most files of a real repository start with, in one of the three styles.
    fn header(&mut self, out: &mut String, what: &str) {
        let owner = format!(
            "{}-{}@example.com",
            self.team,
            self.rng.pick(&["owners", "sre"])
        );
        match self.rng.below(3) {
            0 => writeln!(
                out,
                "/**\n * {what} for the {team} stack, environment env-{env:02}.\n *\n * Owned by {owner}. Changes go through the platform review; see\n * docs/terraform.md before adding grants or custom roles here.\n */\n",
                team = self.team,
                env = self.env,
            )
            .unwrap(),
            1 => writeln!(
                out,
                "# ---------------------------------------------------------------------------\n# {what} -- {team}, env-{env:02}\n# Owner: {owner}\n# ---------------------------------------------------------------------------\n",
                team = self.team,
                env = self.env,
            )
            .unwrap(),
            _ => writeln!(
                out,
                "// {what} ({team}, env-{env:02}).\n// Owner: {owner}. Generated layout, hand-maintained contents.\n",
                team = self.team,
                env = self.env,
            )
            .unwrap(),
        }
    }

    fn member(&mut self, accounts: &[String]) -> String {
        match self.rng.below(12) {
            0 if self.rng.chance(10) => format!(
                "\"user:{}.{}@example.com\"",
                self.rng.pick(PEOPLE),
                self.team
            ),
            1 | 2 => format!(
                "\"group:{}-{}@example.com\"",
                self.team,
                self.rng.pick(&["devs", "ops", "oncall"])
            ),
            3 if !accounts.is_empty() => format!(
                "google_service_account.{}.member",
                accounts[self.rng.below(accounts.len())]
            ),
            4 | 5 if !accounts.is_empty() => {
                format!(
                    "\"serviceAccount:${{google_service_account.{}.email}}\"",
                    accounts[self.rng.below(accounts.len())]
                )
            }
            6 if self.rng.chance(15) => {
                "\"serviceAccount:${var.project_number}-compute@developer.gserviceaccount.com\""
                    .into()
            }
            7 if self.rng.chance(10) => {
                "\"serviceAccount:${data.google_compute_default_service_account.default.email}\""
                    .into()
            }
            8 if self.rng.chance(5) => "\"allUsers\"".into(),
            _ => format!(
                "\"serviceAccount:{}-{}@{}.iam.gserviceaccount.com\"",
                self.team,
                self.rng.below(50),
                self.project
            ),
        }
    }

    fn providers(&mut self, out: &mut String) {
        self.header(out, "Providers and backend");
        writeln!(out, "terraform {{\n  required_version = \">= 1.5\"\n  required_providers {{\n    google = {{\n      source  = \"hashicorp/google\"\n      version = \">= 6.0\"\n    }}\n    google-beta = {{\n      source  = \"hashicorp/google-beta\"\n      version = \">= 6.0\"\n    }}\n  }}\n  backend \"gcs\" {{\n    bucket = \"acme-tfstate-env-{:02}\"\n    prefix = \"{}/module-{:05}\"\n  }}\n}}\n", self.env, self.team, self.index).unwrap();
        if self.rng.chance(70) {
            self.comment(
                out,
                "Terraform runs as the stage's deploy account, never as a person.",
            );
            writeln!(out, "provider \"google\" {{\n  project                     = var.project_id\n  region                      = \"{}\"\n  impersonate_service_account = \"terraform-{}@seed-{}.iam.gserviceaccount.com\"\n  default_labels = {{\n    managed_by = \"terraform\"\n  }}\n}}\n", self.rng.pick(REGIONS), self.env, self.env).unwrap();
        } else if self.rng.chance(20) {
            writeln!(out, "provider \"google\" {{\n  project     = var.project_id\n  credentials = file(\"keys/terraform-{}.json\") // TODO: move to impersonation\n}}\n", self.env).unwrap();
        } else {
            writeln!(out, "provider \"google\" {{\n  project         = var.project_id\n  request_timeout = \"5m\"\n}}\n").unwrap();
        }
        writeln!(
            out,
            "provider \"google-beta\" {{\n  project = var.project_id\n  region  = \"{}\"\n}}",
            self.rng.pick(REGIONS)
        )
        .unwrap();
    }

    fn variables(&mut self, out: &mut String) {
        self.header(out, "Inputs");
        writeln!(out, "variable \"project_id\" {{\n  description = \"The project to deploy {team} into.\"\n  type        = string\n  default     = \"{}\"\n}}\n", self.project, team = self.team).unwrap();
        writeln!(out, "variable \"project_number\" {{\n  description = \"Numeric id of var.project_id, for the default service agents.\"\n  type        = string\n  default     = \"{}\"\n}}\n", 100_000_000_000u64 + self.rng.next() % 900_000_000_000).unwrap();
        writeln!(
            out,
            "variable \"region\" {{\n  type    = string\n  default = \"{}\"\n\n  validation {{\n    condition     = can(regex(\"^[a-z]+-[a-z]+[0-9]$\", var.region))\n    error_message = \"The region must look like europe-west1.\"\n  }}\n}}\n",
            self.rng.pick(REGIONS)
        )
        .unwrap();
        writeln!(out, "variable \"viewers\" {{\n  description = \"Groups that can read {team} resources.\"\n  type        = list(string)\n  default = [\n    \"group:{team}-readers@example.com\",\n    \"group:auditors@example.com\",\n  ]\n}}\n", team = self.team).unwrap();
        write!(out, "variable \"members\" {{\n  description = \"People and robots with run.invoker on the {team} services.\"\n  type        = list(string)\n  default = [\n", team = self.team).unwrap();
        for _ in 0..self.rng.below(4) + 1 {
            // Mostly groups; now and then a person added by hand.
            match self.rng.chance(10) {
                true => writeln!(
                    out,
                    "    \"user:{}.{}@example.com\",",
                    self.rng.pick(PEOPLE),
                    self.team
                ),
                false => writeln!(
                    out,
                    "    \"group:{}-{}@example.com\",",
                    self.team,
                    self.rng.pick(&["callers", "partners", "support", "oncall"])
                ),
            }
            .unwrap();
        }
        writeln!(
            out,
            "    \"group:{}-oncall@example.com\",\n  ]\n}}\n",
            self.team
        )
        .unwrap();
        writeln!(out, "variable \"enable_batch\" {{\n  description = \"Whether to create the batch workloads.\"\n  type        = bool\n  default     = {}\n}}\n", self.rng.chance(50)).unwrap();
        writeln!(out, "variable \"labels\" {{\n  type = map(string)\n  default = {{\n    team        = \"{}\"\n    environment = \"env-{}\"\n    cost_center = \"cc-{}\"\n  }}\n}}", self.team, self.env, self.rng.below(900) + 100).unwrap();
    }

    fn locals(&mut self, out: &mut String) {
        self.header(out, "Shared values");
        self.comment(out, "Permission sets shared by the roles.");
        writeln!(out, "locals {{").unwrap();
        for name in ["read_permissions", "write_permissions"] {
            writeln!(out, "  {name} = [").unwrap();
            let n = self.rng.below(12) + 4;
            for p in permissions(self.rng, n) {
                writeln!(out, "    \"{p}\",").unwrap();
            }
            writeln!(out, "  ]").unwrap();
        }
        writeln!(
            out,
            "  all_permissions = distinct(concat(local.read_permissions, local.write_permissions))"
        )
        .unwrap();
        writeln!(
            out,
            "  service_names   = [for i in range({}) : \"svc-${{i}}\"]",
            self.rng.below(5) + 1
        )
        .unwrap();
        writeln!(
            out,
            "  common_labels   = merge(var.labels, {{ managed_by = \"terraform\" }})"
        )
        .unwrap();
        writeln!(
            out,
            "  invokers        = concat(var.members, [\"group:{}-oncall@example.com\"])",
            self.team
        )
        .unwrap();
        writeln!(
            out,
            "  member_summary  = \"%{{ for m in var.members }}${{m}}, %{{ endfor }}\""
        )
        .unwrap();
        writeln!(
            out,
            "  bucket_name     = \"${{var.project_id}}-%{{ if var.enable_batch }}batch%{{ else }}web%{{ endif }}-assets\""
        )
        .unwrap();
        writeln!(out, "  bindings = {{\n    \"roles/run.invoker\"          = local.invokers\n    \"roles/logging.viewer\"       = var.viewers\n    \"roles/monitoring.viewer\"    = var.viewers\n  }}").unwrap();
        writeln!(out, "  startup_script  = <<-EOT\n    #!/bin/bash\n    set -euo pipefail\n    %{{ for s in local.service_names ~}}\n    echo \"starting ${{s}}\"\n    %{{ endfor ~}}\n    echo \"$${{HOME}} is home\"\n  EOT").unwrap();
        writeln!(out, "}}").unwrap();
    }

    /// Returns whether there is a deployer role.
    fn roles(&mut self, out: &mut String) -> bool {
        self.header(out, "Custom roles");
        let deployer = self.rng.chance(35);
        if deployer {
            let (id, title) = DEPLOYER_NAMES[self.rng.below(DEPLOYER_NAMES.len())];
            let suffix = match self.rng.chance(50) {
                true => String::new(),
                false => format!("{}", self.index),
            };
            self.comment(out, "What the pipeline needs to roll out a new revision.");
            writeln!(out, "resource \"google_project_iam_custom_role\" \"deployer\" {{\n  project     = var.project_id\n  role_id     = \"{id}{suffix}\"\n  title       = \"{title}\"\n  description = \"Used by the {} release pipeline.\"\n  permissions = [", self.team).unwrap();
            for p in DEPLOYER_PERMISSIONS {
                if self.rng.chance(70) {
                    writeln!(out, "    \"{p}\",").unwrap();
                }
            }
            for p in DEPLOYER_OVERREACH {
                if self.rng.chance(15) {
                    writeln!(out, "    \"{p}\", # needed for the first rollout").unwrap();
                }
            }
            writeln!(out, "  ]\n}}\n").unwrap();
        }
        let (id, title) = (
            format!("{}Operator{}", self.team, self.index),
            format!("{} operator", self.team),
        );
        writeln!(out, "resource \"google_project_iam_custom_role\" \"main\" {{\n  project     = var.project_id\n  role_id     = \"{id}\"\n  title       = \"{title}\"\n  description = \"Managed by Terraform for the {} team.\"\n  stage       = \"GA\"\n  permissions = [", self.team).unwrap();
        let n = self.rng.below(44) + 22;
        for p in permissions(self.rng, n) {
            writeln!(out, "    \"{p}\",").unwrap();
        }
        writeln!(out, "  ]\n}}\n").unwrap();
        writeln!(out, "resource \"google_project_iam_custom_role\" \"shared\" {{\n  project     = var.project_id\n  role_id     = \"{}Shared{}\"\n  title       = \"Shared {}\"\n  permissions = local.all_permissions\n}}", self.team, self.index, self.team).unwrap();
        deployer
    }

    fn accounts(&mut self, out: &mut String) -> Vec<String> {
        self.header(out, "Service accounts");
        let mut names = Vec::new();
        for i in 0..self.rng.below(4) + 1 {
            let name = format!(
                "{}_{}",
                self.rng
                    .pick(&["api", "worker", "deployer", "cd", "batch", "web"]),
                i
            );
            writeln!(out, "resource \"google_service_account\" \"{name}\" {{\n  project      = var.project_id\n  account_id   = \"{}-{}\"\n  display_name = \"{} {name}\"\n  description  = \"Runtime identity of {team}/{name}; no keys.\"\n}}\n", self.team, name.replace('_', "-"), self.team, team = self.team).unwrap();
            names.push(name);
        }
        if self.rng.chance(20) {
            writeln!(out, "resource \"google_service_account\" \"workers\" {{\n  for_each     = toset(local.service_names)\n  project      = var.project_id\n  account_id   = \"{}-${{each.key}}\"\n  display_name = \"Worker ${{each.key}}\"\n}}\n", self.team).unwrap();
        }
        names
    }

    fn iam(&mut self, out: &mut String, accounts: &[String], deployer: bool) {
        self.header(out, "IAM grants");
        self.comment(out, "Who can do what in this project.");
        for i in 0..self.rng.below(12) + 6 {
            let member = self.member(accounts);
            let role = if self.rng.chance(20) {
                "google_project_iam_custom_role.main.id".to_string()
            } else {
                format!("\"{}\"", self.rng.pick(ROLES))
            };
            let level = self.rng.below(10);
            let (rtype, scope) = match level {
                0 => (
                    "google_folder_iam_member",
                    format!("folder = \"folders/{}\"", 100000 + self.rng.below(9000)),
                ),
                1 => (
                    "google_organization_iam_member",
                    "org_id = \"123456789012\"".to_string(),
                ),
                2 => (
                    "google_storage_bucket_iam_member",
                    format!("bucket = \"{}-{}-assets\"", self.project, self.team),
                ),
                3 if !accounts.is_empty() => (
                    "google_service_account_iam_member",
                    format!(
                        "service_account_id = google_service_account.{}.name",
                        accounts[self.rng.below(accounts.len())]
                    ),
                ),
                _ => (
                    "google_project_iam_member",
                    "project = var.project_id".to_string(),
                ),
            };
            writeln!(out, "resource \"{rtype}\" \"grant_{i}\" {{\n  {scope}\n  role   = {role}\n  member = {member}").unwrap();
            if self.rng.chance(10) {
                writeln!(out, "  condition {{\n    title      = \"until 2027\"\n    expression = \"request.time < timestamp(\\\"2027-01-01T00:00:00Z\\\")\"\n  }}").unwrap();
            }
            writeln!(out, "}}\n").unwrap();
        }
        if deployer {
            let who = match accounts
                .iter()
                .find(|a| a.starts_with("cd") || a.starts_with("deployer"))
            {
                Some(a) => format!("google_service_account.{a}.member"),
                None => format!(
                    "\"serviceAccount:cd-{}@acme-cicd.iam.gserviceaccount.com\"",
                    self.team
                ),
            };
            writeln!(out, "resource \"google_project_iam_member\" \"deployer\" {{\n  project = var.project_id\n  role    = google_project_iam_custom_role.deployer.name\n  member  = {who}\n}}\n").unwrap();
        }
        writeln!(out, "resource \"google_project_iam_member\" \"viewers\" {{\n  for_each = toset(var.viewers)\n  project  = var.project_id\n  role     = \"roles/viewer\"\n  member   = each.value\n}}\n").unwrap();
        writeln!(out, "resource \"google_cloud_run_v2_service_iam_member\" \"invokers\" {{\n  for_each = toset(var.members)\n  project  = var.project_id\n  location = var.region\n  name     = \"{}-svc-0\"\n  role     = \"roles/run.invoker\"\n  member   = each.value\n}}\n", self.team).unwrap();
        if self.rng.chance(30) {
            writeln!(out, "resource \"google_project_iam_binding\" \"log_writers\" {{\n  project = var.project_id\n  role    = \"roles/logging.logWriter\"\n  members = [\n    {},\n    {},\n  ]\n}}\n", self.member(accounts), self.member(accounts)).unwrap();
        }
        if self.rng.chance(15) {
            writeln!(out, "data \"google_iam_policy\" \"topic\" {{\n  binding {{\n    role    = \"roles/pubsub.publisher\"\n    members = [{}]\n  }}\n  binding {{\n    role    = \"roles/pubsub.subscriber\"\n    members = [{}]\n  }}\n}}\n\nresource \"google_pubsub_topic_iam_policy\" \"events\" {{\n  project     = var.project_id\n  topic       = \"{}-events\"\n  policy_data = data.google_iam_policy.topic.policy_data\n}}\n", self.member(accounts), self.member(accounts), self.team).unwrap();
        }
        if self.rng.chance(8) {
            self.comment(
                out,
                "Authoritative: this policy replaces every other grant on the project.",
            );
            let (editor, user) = (self.member(accounts), self.member(accounts));
            writeln!(out, "data \"google_iam_policy\" \"project\" {{\n  binding {{\n    role = \"roles/editor\"\n    members = [\n      {},\n      \"group:{}-admins@example.com\",\n    ]\n  }}\n  binding {{\n    role    = \"roles/iam.serviceAccountUser\"\n    members = [{}]\n  }}\n  dynamic \"binding\" {{\n    for_each = local.bindings\n    content {{\n      role    = binding.key\n      members = binding.value\n    }}\n  }}\n}}\n\nresource \"google_project_iam_policy\" \"project\" {{\n  project     = var.project_id\n  policy_data = data.google_iam_policy.project.policy_data\n}}\n", editor, self.team, user).unwrap();
        }
        if self.rng.chance(20) {
            writeln!(out, "resource \"google_storage_bucket_iam_binding\" \"assets\" {{\n  bucket  = local.bucket_name\n  role    = \"roles/storage.objectViewer\"\n  members = concat(var.viewers, [{}])\n}}", self.member(accounts)).unwrap();
        }
    }

    fn identity(&mut self, accounts: &[String]) -> Option<String> {
        match self.rng.below(10) {
            0 | 1 => None,
            2 => Some("data.google_compute_default_service_account.default.email".into()),
            3 if self.rng.chance(50) => Some("var.workload_service_account".into()),
            3 => Some("\"${var.project_number}-compute@developer.gserviceaccount.com\"".into()),
            _ if !accounts.is_empty() => Some(format!(
                "google_service_account.{}.email",
                accounts[self.rng.below(accounts.len())]
            )),
            _ => None,
        }
    }

    fn workloads(&mut self, out: &mut String, accounts: &[String]) {
        self.header(out, "Workloads");
        writeln!(out, "data \"google_compute_default_service_account\" \"default\" {{\n  project = var.project_id\n}}\n").unwrap();
        writeln!(
            out,
            "variable \"workload_service_account\" {{\n  type    = string\n  default = \"\"\n}}\n"
        )
        .unwrap();
        writeln!(out, "resource \"google_storage_bucket\" \"assets\" {{\n  name                        = local.bucket_name\n  location                    = \"EU\"\n  uniform_bucket_level_access = true\n  force_destroy               = false\n  labels                      = local.common_labels\n\n  versioning {{\n    enabled = true\n  }}\n\n  lifecycle_rule {{\n    condition {{\n      age = {}\n    }}\n    action {{\n      type = \"Delete\"\n    }}\n  }}\n}}\n", 30 * (self.rng.below(12) + 1)).unwrap();
        if self.rng.chance(40) {
            let member = self.member(accounts);
            writeln!(out, "resource \"google_secret_manager_secret\" \"api_key\" {{\n  secret_id = \"{}-api-key\"\n  replication {{\n    auto {{}}\n  }}\n}}\n\nresource \"google_secret_manager_secret_iam_member\" \"api_key\" {{\n  secret_id = google_secret_manager_secret.api_key.id\n  role      = \"roles/secretmanager.secretAccessor\"\n  member    = {member}\n}}\n", self.team).unwrap();
        }
        for i in 0..self.rng.below(4) + 2 {
            let sa = self.identity(accounts);
            let sa_line = |attr: &str, indent: &str| {
                sa.as_ref()
                    .map(|s| format!("{indent}{attr} = {s}\n"))
                    .unwrap_or_default()
            };
            // Cloud Build wants the account's full name, not its email.
            let build_sa = sa.as_ref().map(|s| match s.strip_suffix(".email") {
                Some(r) if r.starts_with("google_service_account.") => format!("{r}.id"),
                Some(r) if r.starts_with("data.") => format!("{r}.name"),
                _ if s.starts_with('"') => {
                    format!("\"projects/${{var.project_id}}/serviceAccounts/{}", &s[1..])
                }
                _ => s.clone(),
            });
            match self.rng.below(12) {
                0 => write!(out, "resource \"google_cloud_run_v2_service\" \"svc_{i}\" {{\n  name     = \"{}-svc-{i}\"\n  location = var.region\n  labels   = local.common_labels\n  template {{\n{}    scaling {{\n      max_instance_count = {}\n    }}\n    containers {{\n      image = \"europe-docker.pkg.dev/{}/apps/svc:{}\"\n      dynamic \"env\" {{\n        for_each = {{ MODE = \"prod\", TEAM = \"{}\" }}\n        content {{\n          name  = env.key\n          value = env.value\n        }}\n      }}\n    }}\n  }}\n}}\n\n", self.team, sa_line("service_account", "    "), self.rng.below(20) + 1, self.project, self.rng.below(100), self.team).unwrap(),
                1 => write!(out, "resource \"google_cloud_run_service\" \"legacy_{i}\" {{\n  name     = \"{}-legacy-{i}\"\n  location = var.region\n  template {{\n    spec {{\n{}      containers {{\n        image = \"gcr.io/{}/legacy:1\"\n      }}\n    }}\n  }}\n  traffic {{\n    percent         = 100\n    latest_revision = true\n  }}\n}}\n\n", self.team, sa_line("service_account_name", "      "), self.project).unwrap(),
                2 => write!(out, "resource \"google_cloud_run_v2_job\" \"job_{i}\" {{\n  count    = var.enable_batch ? 1 : 0\n  name     = \"{}-job-{i}\"\n  location = var.region\n  template {{\n    template {{\n{}      containers {{\n        image = \"europe-docker.pkg.dev/{}/apps/job:1\"\n      }}\n    }}\n  }}\n}}\n\n", self.team, sa_line("service_account", "      "), self.project).unwrap(),
                3 => write!(out, "resource \"google_cloudfunctions_function\" \"fn_{i}\" {{\n  name        = \"{}-fn-{i}\"\n  runtime     = \"python312\"\n  entry_point = \"main\"\n  trigger_http = true\n{}}}\n\n", self.team, sa_line("service_account_email", "  ")).unwrap(),
                4 => write!(out, "resource \"google_cloudfunctions2_function\" \"fn2_{i}\" {{\n  name     = \"{}-fn2-{i}\"\n  location = var.region\n  build_config {{\n    runtime     = \"go122\"\n    entry_point = \"Handle\"\n  }}\n  service_config {{\n    max_instance_count = 3\n{}  }}\n}}\n\n", self.team, sa_line("service_account_email", "    ")).unwrap(),
                5 => write!(out, "resource \"google_container_cluster\" \"gke_{i}\" {{\n  name                     = \"{}-gke-{i}\"\n  location                 = var.region\n  remove_default_node_pool = true\n  initial_node_count       = 1\n}}\n\nresource \"google_container_node_pool\" \"pool_{i}\" {{\n  name    = \"general\"\n  cluster = google_container_cluster.gke_{i}.id\n  node_config {{\n    machine_type = \"e2-standard-4\"\n{}    oauth_scopes = [\"https://www.googleapis.com/auth/cloud-platform\"]\n  }}\n}}\n\n", self.team, sa_line("service_account", "    ")).unwrap(),
                6 => write!(out, "resource \"google_compute_instance\" \"vm_{i}\" {{\n  name         = \"{}-vm-{i}\"\n  machine_type = \"e2-small\"\n  zone         = \"${{var.region}}-b\"\n  metadata_startup_script = local.startup_script\n  boot_disk {{\n    initialize_params {{\n      image = \"debian-cloud/debian-12\"\n    }}\n  }}\n  dynamic \"attached_disk\" {{\n    for_each = toset([\"data\", \"logs\"])\n    content {{\n      source      = \"{}-${{attached_disk.value}}-{i}\"\n      device_name = attached_disk.value\n    }}\n  }}\n  network_interface {{\n    network = \"default\"\n  }}\n  service_account {{\n{}    scopes = [\"cloud-platform\"]\n  }}\n}}\n\n", self.team, self.team, sa_line("email", "    ")).unwrap(),
                7 => write!(out, "resource \"google_compute_instance_template\" \"tpl_{i}\" {{\n  name_prefix  = \"{}-tpl-{i}-\"\n  machine_type = \"e2-small\"\n  disk {{\n    source_image = \"debian-cloud/debian-12\"\n  }}\n  network_interface {{\n    network = \"default\"\n  }}\n  service_account {{\n{}    scopes = [\"cloud-platform\"]\n  }}\n}}\n\n", self.team, sa_line("email", "    ")).unwrap(),
                8 => write!(out, "resource \"google_workflows_workflow\" \"wf_{i}\" {{\n  name   = \"{}-wf-{i}\"\n  region = var.region\n{}  source_contents = <<-EOF\n    main:\n      steps:\n        - init:\n            assign:\n              - project: $${{sys.get_env(\"GOOGLE_CLOUD_PROJECT_ID\")}}\n        - done:\n            return: \"ok\"\n  EOF\n}}\n\n", self.team, sa_line("service_account", "  ")).unwrap(),
                9 => write!(out, "resource \"google_dataflow_job\" \"df_{i}\" {{\n  name              = \"{}-df-{i}\"\n  template_gcs_path = \"gs://dataflow-templates/latest/PubSub_to_BigQuery\"\n  temp_gcs_location = \"gs://{}-tmp/dataflow\"\n{}  parameters = {{\n    inputTopic      = \"projects/{}/topics/{}-events\"\n    outputTableSpec = \"{}:analytics.events\"\n  }}\n}}\n\n", self.team, self.project, sa_line("service_account_email", "  "), self.project, self.team, self.project).unwrap(),
                10 => write!(out, "resource \"google_dataproc_cluster\" \"etl_{i}\" {{\n  name   = \"{}-etl-{i}\"\n  region = var.region\n  cluster_config {{\n    gce_cluster_config {{\n{}      service_account_scopes = [\"cloud-platform\"]\n    }}\n  }}\n}}\n\n", self.team, sa_line("service_account", "      ")).unwrap(),
                _ => write!(out, "resource \"google_cloudbuild_trigger\" \"build_{i}\" {{\n  name     = \"{}-build-{i}\"\n  filename = \"cloudbuild.yaml\"\n{}  github {{\n    owner = \"acme\"\n    name  = \"{}\"\n    push {{\n      branch = \"^main$\"\n    }}\n  }}\n}}\n\n", self.team, build_sa.as_ref().map(|s| format!("  service_account = {s}\n")).unwrap_or_default(), self.team).unwrap(),
            }
        }
    }

    fn outputs(&mut self, out: &mut String, accounts: &[String]) {
        self.header(out, "Outputs");
        for name in accounts {
            writeln!(out, "output \"{name}_email\" {{\n  description = \"The email of the {name} service account.\"\n  value       = google_service_account.{name}.email\n}}\n").unwrap();
        }
        writeln!(
            out,
            "output \"role_id\" {{\n  value = google_project_iam_custom_role.main.role_id\n}}\n"
        )
        .unwrap();
        writeln!(
            out,
            "output \"summary\" {{\n  value = <<-EOT\n    Team:    {}\n    Members: ${{local.member_summary}}\n    %{{ for sa in [{}] ~}}\n    - ${{sa}}\n    %{{ endfor ~}}\n  EOT\n}}",
            self.team,
            accounts
                .iter()
                .map(|a| format!("google_service_account.{a}.email"))
                .collect::<Vec<_>>()
                .join(", ")
        )
        .unwrap();
    }
}

/// Breaks a file the way people do, and says how. The file then starts with the marker line.
fn break_file(text: &str, rng: &mut Rng) -> String {
    let (broken, how) = match rng.below(3) {
        0 => {
            // An unterminated quoted string: drop the closing quote of the first `= "..."`.
            match text.find("= \"") {
                Some(at) => {
                    let end = text[at + 3..].find('"').map_or(text.len(), |e| at + 3 + e);
                    (
                        format!("{}{}", &text[..end], &text[end + 1..]),
                        "unterminated string",
                    )
                }
                None => (
                    format!("{text}\nlocals {{\n  x = \"unterminated\n}}\n"),
                    "unterminated string",
                ),
            }
        }
        1 if text.contains("\n  EOT\n") => {
            // An unterminated heredoc: the last closing marker lost in an edit, so the last
            // heredoc runs to the end of the file.
            let close = text.rfind("\n  EOT\n").unwrap();
            (
                format!(
                    "{}{}",
                    &text[..close + 1],
                    &text[close + "\n  EOT\n".len()..]
                ),
                "unterminated heredoc",
            )
        }
        _ => match text.rfind('}') {
            Some(at) => (
                format!("{}{}", &text[..at], &text[at + 1..]),
                "missing closing brace",
            ),
            None => (
                format!("{text}\nresource \"x\" \"y\" {{\n"),
                "missing closing brace",
            ),
        },
    };
    format!("{BROKEN_MARKER} ({how})\n{broken}")
}

/// The module's files, in a fixed order; a module that keeps fewer folds the rest into `main.tf`.
fn module_files(rng: &mut Rng, env: usize, index: usize) -> Vec<(&'static str, String)> {
    let team = TEAMS[rng.below(TEAMS.len())];
    let project = format!("acme-{team}-{}", rng.below(40));
    let mut m = Module {
        rng,
        env,
        index,
        team,
        project,
    };
    let mut buf = String::new();
    let take = std::mem::take::<String>;
    m.providers(&mut buf);
    let providers = take(&mut buf);
    m.variables(&mut buf);
    let variables = take(&mut buf);
    let accounts = m.accounts(&mut buf);
    let service_accounts = take(&mut buf);
    m.locals(&mut buf);
    let locals = take(&mut buf);
    let deployer = m.roles(&mut buf);
    let roles = take(&mut buf);
    m.iam(&mut buf, &accounts, deployer);
    let iam = take(&mut buf);
    m.workloads(&mut buf, &accounts);
    let main = take(&mut buf);
    m.outputs(&mut buf, &accounts);
    let outputs = take(&mut buf);
    let mut contents = vec![
        ("main.tf", main),
        ("variables.tf", variables),
        ("iam.tf", iam),
        ("roles.tf", roles),
        ("service_accounts.tf", service_accounts),
        ("locals.tf", locals),
        ("outputs.tf", outputs),
        ("providers.tf", providers),
    ];
    let keep = m.rng.below(6) + 3;
    while contents.len() > keep {
        let (_, last) = contents.pop().expect("more files than kept");
        contents[0].1.push('\n');
        contents[0].1.push_str(&last);
    }
    contents
}

fn generate(files: usize, seed: u64, out: &Path) -> std::io::Result<(usize, usize)> {
    let mut rng = Rng(seed);
    // Which file of every BREAK_EVERY is broken: fixed by the seed, so a run of N files has
    // exactly N / BREAK_EVERY (rounded one way or the other) broken ones.
    let break_at = Rng(seed ^ 0x5EED_B4D5_EED5_B4D5).below(BREAK_EVERY);
    let mut written = 0;
    let mut bytes = 0;
    let mut broken = 0;
    let mut index = 0;
    while written < files {
        let env = index / MODULES_PER_ENV;
        let dir = out
            .join(format!("env-{env:02}"))
            .join(format!("module-{index:05}"));
        fs::create_dir_all(&dir)?;
        for (name, mut text) in module_files(&mut rng, env, index) {
            if written == files {
                break;
            }
            if written % BREAK_EVERY == break_at {
                text = break_file(&text, &mut rng);
                broken += 1;
            }
            bytes += text.len();
            fs::write(dir.join(name), text)?;
            written += 1;
        }
        index += 1;
    }
    Ok((bytes, broken))
}

fn tf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            tf_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "tf") {
            out.push(path);
        }
    }
}

fn read_all(dir: &Path) -> (Vec<PathBuf>, Vec<String>) {
    let mut paths = Vec::new();
    tf_files(dir, &mut paths);
    let texts = paths
        .iter()
        .map(|p| fs::read_to_string(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display())))
        .collect();
    (paths, texts)
}

/// Parses every file; exit status 1 when a file fails that is not marked as broken on purpose,
/// or a marked one parses.
fn check(dir: &Path) -> ExitCode {
    let (paths, texts) = read_all(dir);
    let mut failed = 0;
    let mut deliberate = 0;
    let mut unexpected = Vec::new();
    let mut still_parse = Vec::new();
    for (path, text) in paths.iter().zip(&texts) {
        let marked = text.starts_with(BROKEN_MARKER);
        deliberate += usize::from(marked);
        match hcl_edit::parser::parse_body(text) {
            Err(e) => {
                failed += 1;
                if !marked {
                    let message = e.to_string().replace('\n', " ");
                    unexpected.push(format!("{}: {message}", path.display()));
                }
            }
            Ok(_) if marked => still_parse.push(path.display().to_string()),
            Ok(_) => {}
        }
    }
    println!(
        "checked {} files: {failed} do not parse; {deliberate} broken on purpose, {} unexpected failures, {} broken on purpose but parse",
        paths.len(),
        unexpected.len(),
        still_parse.len()
    );
    for u in unexpected.iter().take(20) {
        println!("UNEXPECTED parse failure: {u}");
    }
    for s in still_parse.iter().take(20) {
        println!("broken on purpose but parses: {s}");
    }
    if unexpected.len() + still_parse.len() > 40 {
        println!("(listing cut)");
    }
    match unexpected.is_empty() && still_parse.is_empty() && !paths.is_empty() {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    }
}

/// Reads every file first, then times only the parsing.
fn parse_only(dir: &Path, threads: usize) -> ExitCode {
    let (paths, texts) = read_all(dir);
    let bytes: usize = texts.iter().map(String::len).sum();
    let parse = |t: &String| hcl_edit::parser::parse_body(t).is_err();
    let start = Instant::now();
    let failed = if threads <= 1 {
        texts.iter().filter(|t| parse(t)).count()
    } else {
        use rayon::prelude::*;
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool")
            .install(|| texts.par_iter().filter(|t| parse(t)).count())
    };
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "parse_only_seconds={seconds:.4} threads={threads} files={} bytes={bytes} failed={failed}",
        paths.len()
    );
    ExitCode::SUCCESS
}

const USAGE: &str = "usage: gen_corpus [--files N] [--seed S] [--check] OUT_DIR\n       gen_corpus --check DIR\n       gen_corpus --parse-only DIR [--threads N]\n       gen_corpus --one-module MB OUT_DIR\n       gen_corpus --one-file MB [--seed S] OUT_DIR";

/// Units of [`one_module_unit`] written to one file of `--one-module`.
const UNITS_PER_FILE: usize = 1000;

/// One unit of the cross-referenced module of `--one-module` (about 1.4 KB): an account, a
/// custom role, a grant of another unit's role to a third unit's account, a Cloud Run service
/// running as a fourth unit's account, and an authoritative binding with a member grant of the
/// same role (an authoritative-iam pair). References go across units, so resolving them joins
/// facts of the whole module.
fn one_module_unit(i: usize, n: usize) -> String {
    let (r, a, w) = ((i * 7 + 3) % n, (i * 13 + 5) % n, (i * 11 + 1) % n);
    format!(
        r#"resource "google_service_account" "sa_{i}" {{
  account_id   = "sa-{i}"
  display_name = "Service account {i}"
}}

resource "google_project_iam_custom_role" "role_{i}" {{
  role_id     = "role_{i}"
  title       = "Deployer {i}"
  permissions = ["run.services.get", "run.services.update", "run.services.list", "iam.serviceAccounts.actAs"]
}}

resource "google_project_iam_member" "grant_{i}" {{
  project = "acme-{i}"
  role    = google_project_iam_custom_role.role_{r}.id
  member  = "serviceAccount:${{google_service_account.sa_{a}.email}}"
}}

resource "google_cloud_run_v2_service" "svc_{i}" {{
  name     = "svc-{i}"
  location = "europe-west1"
  template {{
    service_account = google_service_account.sa_{w}.email
    containers {{
      image = "europe-docker.pkg.dev/acme/app/svc-{i}:1"
    }}
  }}
}}

resource "google_project_iam_binding" "bind_{i}" {{
  project = "acme-{i}"
  role    = google_project_iam_custom_role.role_{i}.id
  members = ["serviceAccount:${{google_service_account.sa_{i}.email}}"]
}}

resource "google_project_iam_member" "extra_{i}" {{
  project = "acme-{i}"
  role    = google_project_iam_custom_role.role_{i}.id
  member  = "user:dev-{i}@example.com"
}}

"#
    )
}

/// `--one-module MB`: one module of about MB megabytes in files of [`UNITS_PER_FILE`] units.
fn one_module(mb: usize, dir: &Path) -> std::io::Result<usize> {
    let sample = one_module_unit(0, 1).len();
    let n = (mb * 1_000_000 / sample).max(1);
    std::fs::create_dir_all(dir)?;
    let mut bytes = 0;
    for (f, start) in (0..n).step_by(UNITS_PER_FILE).enumerate() {
        let mut text = String::new();
        for i in start..(start + UNITS_PER_FILE).min(n) {
            text += &one_module_unit(i, n);
        }
        bytes += text.len();
        std::fs::write(dir.join(format!("units-{f:04}.tf")), text)?;
    }
    Ok(bytes)
}

/// One module in one `main.tf` of about `mb` megabytes: custom roles and the grants that use
/// them (one in three by reference to a custom role of the file), with the variables and
/// locals they read. For the time and memory iamlint takes on one huge file.
fn one_file(mb: usize, seed: u64, out: &Path) -> std::io::Result<usize> {
    let mut rng = Rng(seed);
    let target = mb * 1_000_000;
    let mut text = String::with_capacity(target + 4096);
    text.push_str("# gen_corpus --one-module: custom roles and the grants that use them.\n\n");
    text.push_str(
        "variable \"project_id\" {\n  type    = string\n  default = \"acme-huge\"\n}\n\n",
    );
    text.push_str("variable \"viewers\" {\n  type    = list(string)\n  default = [\"group:viewers@example.com\"]\n}\n\n");
    text.push_str("locals {\n  team = \"platform\"\n  ci   = \"serviceAccount:ci@acme-cicd.iam.gserviceaccount.com\"\n}\n\n");
    let mut roles = 0usize;
    while text.len() < target {
        let i = roles;
        roles += 1;
        writeln!(text, "resource \"google_project_iam_custom_role\" \"role_{i}\" {{\n  project     = var.project_id\n  role_id     = \"${{local.team}}Role{i}\"\n  title       = \"Role {i}\"\n  permissions = [").unwrap();
        let n = rng.below(20) + 10;
        for p in permissions(&mut rng, n) {
            writeln!(text, "    \"{p}\",").unwrap();
        }
        writeln!(text, "  ]\n}}\n").unwrap();
        for g in 0..3 {
            let role = match rng.below(3) {
                0 => format!("\"{}\"", rng.pick(ROLES)),
                _ => format!(
                    "google_project_iam_custom_role.role_{}.id",
                    rng.below(roles)
                ),
            };
            let member = match rng.below(4) {
                0 => "local.ci".to_string(),
                1 => format!("\"user:{}@example.com\"", rng.pick(PEOPLE)),
                2 => format!("\"group:team-{}@example.com\"", rng.below(100)),
                _ => format!(
                    "\"serviceAccount:sa-{}@acme-huge.iam.gserviceaccount.com\"",
                    rng.below(1000)
                ),
            };
            writeln!(text, "resource \"google_project_iam_member\" \"grant_{i}_{g}\" {{\n  project = var.project_id\n  role    = {role}\n  member  = {member}\n}}\n").unwrap();
        }
    }
    fs::create_dir_all(out)?;
    fs::write(out.join("main.tf"), &text)?;
    Ok(text.len())
}

/// The allocator iamlint uses (src/main.rs), with the same options, so that `--parse-only` is
/// the baseline iamlint's own parsing runs at.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    iamlint::util::alloc::tune_mimalloc();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut files = None;
    let mut seed = 1;
    let mut threads = 1;
    let mut check_flag = false;
    let mut parse_flag = false;
    let mut one = None;
    let mut one_file_mb = None;
    let mut dir = None;
    let mut i = 0;
    let value = |i: usize, what: &str| -> String {
        args.get(i).cloned().unwrap_or_else(|| {
            eprintln!("{what} needs a value\n{USAGE}");
            std::process::exit(2)
        })
    };
    let number = |s: String, what: &str| -> u64 {
        s.parse().unwrap_or_else(|_| {
            eprintln!("{what}: not a number: {s}\n{USAGE}");
            std::process::exit(2)
        })
    };
    while i < args.len() {
        match args[i].as_str() {
            "--files" => {
                i += 1;
                files = Some(number(value(i, "--files"), "--files") as usize);
            }
            "--seed" => {
                i += 1;
                seed = number(value(i, "--seed"), "--seed");
            }
            "--threads" => {
                i += 1;
                threads = number(value(i, "--threads"), "--threads") as usize;
            }
            "--one-module" => {
                i += 1;
                one = Some(number(value(i, "--one-module"), "--one-module") as usize);
            }
            "--one-file" => {
                i += 1;
                one_file_mb = Some(number(value(i, "--one-file"), "--one-file") as usize);
            }
            "--check" => check_flag = true,
            "--parse-only" => parse_flag = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other if other.starts_with('-') => {
                eprintln!("unknown option {other}\n{USAGE}");
                return ExitCode::from(2);
            }
            other if dir.is_none() => dir = Some(PathBuf::from(other)),
            other => {
                eprintln!("one directory only, got a second: {other}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
        i += 1;
    }
    let Some(dir) = dir else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if parse_flag {
        return parse_only(&dir, threads);
    }
    if let Some(mb) = one {
        return match one_module(mb, &dir) {
            Ok(bytes) => {
                println!("wrote one module of {bytes} bytes to {}", dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("writing the module to {}: {e}", dir.display());
                ExitCode::from(2)
            }
        };
    }
    if let Some(mb) = one_file_mb {
        return match one_file(mb, seed, &dir) {
            Ok(bytes) => {
                println!(
                    "wrote one module of {bytes} bytes to {}",
                    dir.join("main.tf").display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("writing the module to {}: {e}", dir.display());
                ExitCode::from(2)
            }
        };
    }
    if check_flag && files.is_none() {
        return check(&dir);
    }
    let files = files.unwrap_or(4000);
    match generate(files, seed, &dir) {
        Ok((bytes, broken)) => println!(
            "wrote {files} files, {bytes} bytes ({} bytes a file), {broken} broken on purpose, to {}",
            bytes / files.max(1),
            dir.display()
        ),
        Err(e) => {
            eprintln!("writing the corpus to {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    }
    match check_flag {
        true => check(&dir),
        false => ExitCode::SUCCESS,
    }
}
