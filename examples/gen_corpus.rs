//! Writes a deterministic corpus of realistic Google Cloud Terraform for benchmarks and
//! robustness runs: the same `--files` and `--seed` always give the same bytes.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --files 40000 --seed 1 OUT_DIR
//! cargo run --release --example gen_corpus -- --check OUT_DIR        # parse every file, count failures
//! cargo run --release --example gen_corpus -- --parse-only OUT_DIR    # time hcl-edit parsing alone, one thread
//! ```
//!
//! Modules of 3 to 8 files (`env-NN/module-NNNN/`), about 2.5 KB a file: custom roles with long
//! permission lists (some of them deployer roles), grants at every level and in every form,
//! service accounts, workloads of every kind with and without identities, providers, variables,
//! locals with `concat`, `for_each`, `dynamic` blocks, heredocs with template directives, all three
//! comment styles, and one deliberate syntax error in about 2,000 files.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

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

struct Module<'a> {
    rng: &'a mut Rng,
    env: usize,
    index: usize,
    team: &'static str,
    project: String,
}

/// A real permission of one of the services above (from iamlint's catalog), or, once in 300,
/// a misspelt one.
fn permission(rng: &mut Rng) -> String {
    let catalog = iamlint::catalog::Catalog::get();
    let (service, resources) = SERVICES[rng.below(SERVICES.len())];
    let resource = resources[rng.below(resources.len())];
    let real = catalog.glob(&format!("{service}.{resource}.*"));
    let name = match real.is_empty() {
        true => format!("{service}.{resource}.{}", rng.pick(VERBS)),
        false => catalog
            .permission_name(real[rng.below(real.len())])
            .to_string(),
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

impl Module<'_> {
    fn comment(&mut self, out: &mut String, text: &str) {
        match self.rng.below(3) {
            0 => writeln!(out, "# {text}").unwrap(),
            1 => writeln!(out, "// {text}").unwrap(),
            _ => writeln!(out, "/* {text} */").unwrap(),
        }
    }

    fn member(&mut self, accounts: &[String]) -> String {
        match self.rng.below(10) {
            0 => format!(
                "\"user:{}.{}@example.com\"",
                self.rng.pick(&["alice", "bob", "carol", "dan"]),
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
            4 if !accounts.is_empty() => {
                format!(
                    "\"serviceAccount:${{google_service_account.{}.email}}\"",
                    accounts[self.rng.below(accounts.len())]
                )
            }
            5 if self.rng.chance(10) => {
                "\"serviceAccount:${var.project_number}-compute@developer.gserviceaccount.com\""
                    .into()
            }
            6 if self.rng.chance(5) => "\"allUsers\"".into(),
            _ => format!(
                "\"serviceAccount:{}-{}@{}.iam.gserviceaccount.com\"",
                self.team,
                self.rng.below(50),
                self.project
            ),
        }
    }

    fn providers(&mut self, out: &mut String) {
        self.comment(out, "Providers for this stage.");
        writeln!(out, "terraform {{\n  required_version = \">= 1.5\"\n  required_providers {{\n    google = {{\n      source  = \"hashicorp/google\"\n      version = \">= 6.0\"\n    }}\n  }}\n}}\n").unwrap();
        if self.rng.chance(70) {
            writeln!(out, "provider \"google\" {{\n  project                     = var.project_id\n  region                      = \"{}\"\n  impersonate_service_account = \"terraform-{}@seed-{}.iam.gserviceaccount.com\"\n}}\n", self.rng.pick(REGIONS), self.env, self.env).unwrap();
        } else if self.rng.chance(20) {
            writeln!(out, "provider \"google\" {{\n  project     = var.project_id\n  credentials = file(\"keys/terraform-{}.json\")\n}}\n", self.env).unwrap();
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
        writeln!(out, "variable \"project_id\" {{\n  description = \"The project to deploy {team} into.\"\n  type        = string\n  default     = \"{}\"\n}}\n", self.project, team = self.team).unwrap();
        writeln!(out, "variable \"project_number\" {{\n  type = string\n}}\n").unwrap();
        writeln!(
            out,
            "variable \"region\" {{\n  type    = string\n  default = \"{}\"\n}}\n",
            self.rng.pick(REGIONS)
        )
        .unwrap();
        writeln!(out, "variable \"viewers\" {{\n  description = \"Groups that can read {team} resources.\"\n  type        = list(string)\n  default = [\n    \"group:{team}-readers@example.com\",\n    \"group:auditors@example.com\",\n  ]\n}}\n", team = self.team).unwrap();
        writeln!(out, "variable \"labels\" {{\n  type = map(string)\n  default = {{\n    team        = \"{}\"\n    environment = \"env-{}\"\n    cost_center = \"cc-{}\"\n  }}\n}}", self.team, self.env, self.rng.below(900) + 100).unwrap();
    }

    fn locals(&mut self, out: &mut String) {
        self.comment(out, "Permission sets shared by the roles below.");
        writeln!(out, "locals {{").unwrap();
        for name in ["read_permissions", "write_permissions"] {
            writeln!(out, "  {name} = [").unwrap();
            for _ in 0..self.rng.below(12) + 4 {
                writeln!(out, "    \"{}\",", permission(self.rng)).unwrap();
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
        writeln!(out, "  startup_script  = <<-EOT\n    #!/bin/bash\n    %{{ for s in local.service_names ~}}\n    echo \"starting ${{s}}\"\n    %{{ endfor ~}}\n    echo \"$${{HOME}} is home\"\n  EOT").unwrap();
        writeln!(out, "}}").unwrap();
    }

    fn roles(&mut self, out: &mut String) {
        let deployer = self.rng.chance(30);
        let (id, title) = if deployer {
            (
                format!("{}Deployer{}", self.team, self.index),
                format!("{} Cloud Run Deployer", self.team),
            )
        } else {
            (
                format!("{}Operator{}", self.team, self.index),
                format!("{} operator", self.team),
            )
        };
        writeln!(out, "resource \"google_project_iam_custom_role\" \"main\" {{\n  project     = var.project_id\n  role_id     = \"{id}\"\n  title       = \"{title}\"\n  description = \"Managed by Terraform for the {} team.\"\n  permissions = [", self.team).unwrap();
        for _ in 0..self.rng.below(40) + 20 {
            writeln!(out, "    \"{}\",", permission(self.rng)).unwrap();
        }
        writeln!(out, "  ]\n}}\n").unwrap();
        writeln!(out, "resource \"google_project_iam_custom_role\" \"shared\" {{\n  project     = var.project_id\n  role_id     = \"{}Shared{}\"\n  title       = \"Shared {}\"\n  permissions = local.all_permissions\n}}", self.team, self.index, self.team).unwrap();
    }

    fn accounts(&mut self, out: &mut String) -> Vec<String> {
        let mut names = Vec::new();
        for i in 0..self.rng.below(4) + 1 {
            let name = format!(
                "{}_{}",
                self.rng
                    .pick(&["api", "worker", "deployer", "cd", "batch", "web"]),
                i
            );
            writeln!(out, "resource \"google_service_account\" \"{name}\" {{\n  project      = var.project_id\n  account_id   = \"{}-{}\"\n  display_name = \"{} {name}\"\n}}\n", self.team, name.replace('_', "-"), self.team).unwrap();
            names.push(name);
        }
        names
    }

    fn iam(&mut self, out: &mut String, accounts: &[String]) {
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
        writeln!(out, "resource \"google_project_iam_member\" \"viewers\" {{\n  for_each = toset(var.viewers)\n  project  = var.project_id\n  role     = \"roles/viewer\"\n  member   = each.value\n}}\n").unwrap();
        if self.rng.chance(30) {
            writeln!(out, "resource \"google_project_iam_binding\" \"log_writers\" {{\n  project = var.project_id\n  role    = \"roles/logging.logWriter\"\n  members = [\n    {},\n    {},\n  ]\n}}\n", self.member(accounts), self.member(accounts)).unwrap();
        }
        if self.rng.chance(15) {
            writeln!(out, "data \"google_iam_policy\" \"topic\" {{\n  binding {{\n    role    = \"roles/pubsub.publisher\"\n    members = [{}]\n  }}\n  binding {{\n    role    = \"roles/pubsub.subscriber\"\n    members = [{}]\n  }}\n}}\n\nresource \"google_pubsub_topic_iam_policy\" \"events\" {{\n  project     = var.project_id\n  topic       = \"{}-events\"\n  policy_data = data.google_iam_policy.topic.policy_data\n}}", self.member(accounts), self.member(accounts), self.team).unwrap();
        }
    }

    fn identity(&mut self, accounts: &[String]) -> Option<String> {
        match self.rng.below(10) {
            0 | 1 => None,
            2 => Some("data.google_compute_default_service_account.default.email".into()),
            3 => Some("var.workload_service_account".into()),
            _ if !accounts.is_empty() => Some(format!(
                "google_service_account.{}.email",
                accounts[self.rng.below(accounts.len())]
            )),
            _ => None,
        }
    }

    fn workloads(&mut self, out: &mut String, accounts: &[String]) {
        writeln!(out, "data \"google_compute_default_service_account\" \"default\" {{\n  project = var.project_id\n}}\n").unwrap();
        writeln!(
            out,
            "variable \"workload_service_account\" {{\n  type    = string\n  default = \"\"\n}}\n"
        )
        .unwrap();
        for i in 0..self.rng.below(4) + 2 {
            let sa = self.identity(accounts);
            let sa_line = |attr: &str, indent: &str| {
                sa.as_ref()
                    .map(|s| format!("{indent}{attr} = {s}\n"))
                    .unwrap_or_default()
            };
            match self.rng.below(11) {
                0 => write!(out, "resource \"google_cloud_run_v2_service\" \"svc_{i}\" {{\n  name     = \"{}-svc-{i}\"\n  location = var.region\n  labels   = local.common_labels\n  template {{\n{}    containers {{\n      image = \"europe-docker.pkg.dev/{}/apps/svc:{}\"\n      dynamic \"env\" {{\n        for_each = {{ MODE = \"prod\", TEAM = \"{}\" }}\n        content {{\n          name  = env.key\n          value = env.value\n        }}\n      }}\n    }}\n  }}\n}}\n\n", self.team, sa_line("service_account", "    "), self.project, self.rng.below(100), self.team).unwrap(),
                1 => write!(out, "resource \"google_cloud_run_service\" \"legacy_{i}\" {{\n  name     = \"{}-legacy-{i}\"\n  location = var.region\n  template {{\n    spec {{\n{}      containers {{\n        image = \"gcr.io/{}/legacy:1\"\n      }}\n    }}\n  }}\n}}\n\n", self.team, sa_line("service_account_name", "      "), self.project).unwrap(),
                2 => write!(out, "resource \"google_cloud_run_v2_job\" \"job_{i}\" {{\n  name     = \"{}-job-{i}\"\n  location = var.region\n  template {{\n    template {{\n{}      containers {{\n        image = \"europe-docker.pkg.dev/{}/apps/job:1\"\n      }}\n    }}\n  }}\n}}\n\n", self.team, sa_line("service_account", "      "), self.project).unwrap(),
                3 => write!(out, "resource \"google_cloudfunctions_function\" \"fn_{i}\" {{\n  name        = \"{}-fn-{i}\"\n  runtime     = \"python312\"\n  entry_point = \"main\"\n{}}}\n\n", self.team, sa_line("service_account_email", "  ")).unwrap(),
                4 => write!(out, "resource \"google_cloudfunctions2_function\" \"fn2_{i}\" {{\n  name     = \"{}-fn2-{i}\"\n  location = var.region\n  build_config {{\n    runtime     = \"go122\"\n    entry_point = \"Handle\"\n  }}\n  service_config {{\n    max_instance_count = 3\n{}  }}\n}}\n\n", self.team, sa_line("service_account_email", "    ")).unwrap(),
                5 => write!(out, "resource \"google_container_cluster\" \"gke_{i}\" {{\n  name                     = \"{}-gke-{i}\"\n  location                 = var.region\n  remove_default_node_pool = true\n  initial_node_count       = 1\n}}\n\nresource \"google_container_node_pool\" \"pool_{i}\" {{\n  name    = \"general\"\n  cluster = google_container_cluster.gke_{i}.id\n  node_config {{\n    machine_type = \"e2-standard-4\"\n{}  }}\n}}\n\n", self.team, sa_line("service_account", "    ")).unwrap(),
                6 => write!(out, "resource \"google_compute_instance\" \"vm_{i}\" {{\n  name         = \"{}-vm-{i}\"\n  machine_type = \"e2-small\"\n  zone         = \"${{var.region}}-b\"\n  metadata_startup_script = local.startup_script\n  boot_disk {{\n    initialize_params {{\n      image = \"debian-cloud/debian-12\"\n    }}\n  }}\n  network_interface {{\n    network = \"default\"\n  }}\n  service_account {{\n{}    scopes = [\"cloud-platform\"]\n  }}\n}}\n\n", self.team, sa_line("email", "    ")).unwrap(),
                7 => write!(out, "resource \"google_compute_instance_template\" \"tpl_{i}\" {{\n  name_prefix  = \"{}-tpl-{i}-\"\n  machine_type = \"e2-small\"\n  disk {{\n    source_image = \"debian-cloud/debian-12\"\n  }}\n  network_interface {{\n    network = \"default\"\n  }}\n  service_account {{\n{}    scopes = [\"cloud-platform\"]\n  }}\n}}\n\n", self.team, sa_line("email", "    ")).unwrap(),
                8 => write!(out, "resource \"google_workflows_workflow\" \"wf_{i}\" {{\n  name   = \"{}-wf-{i}\"\n  region = var.region\n{}  source_contents = <<-EOF\n    main:\n      steps:\n        - done:\n            return: \"ok\"\n  EOF\n}}\n\n", self.team, sa_line("service_account", "  ")).unwrap(),
                9 => write!(out, "resource \"google_dataflow_job\" \"df_{i}\" {{\n  name              = \"{}-df-{i}\"\n  template_gcs_path = \"gs://dataflow-templates/latest/PubSub_to_BigQuery\"\n  temp_gcs_location = \"gs://{}-tmp/dataflow\"\n{}}}\n\n", self.team, self.project, sa_line("service_account_email", "  ")).unwrap(),
                _ => write!(out, "resource \"google_cloudbuild_trigger\" \"build_{i}\" {{\n  name     = \"{}-build-{i}\"\n  filename = \"cloudbuild.yaml\"\n{}  github {{\n    owner = \"acme\"\n    name  = \"{}\"\n    push {{\n      branch = \"^main$\"\n    }}\n  }}\n}}\n\n", self.team, sa_line("service_account", "  "), self.team).unwrap(),
            }
        }
        if self.rng.chance(10) {
            writeln!(out, "resource \"google_dataproc_cluster\" \"etl\" {{\n  name   = \"{}-etl\"\n  region = var.region\n}}", self.team).unwrap();
        }
    }

    fn outputs(&mut self, out: &mut String, accounts: &[String]) {
        for name in accounts {
            writeln!(out, "output \"{name}_email\" {{\n  description = \"The email of the {name} service account.\"\n  value       = google_service_account.{name}.email\n}}\n").unwrap();
        }
        writeln!(
            out,
            "output \"role_id\" {{\n  value = google_project_iam_custom_role.main.role_id\n}}"
        )
        .unwrap();
    }
}

/// Breaks a file the way people do: a missing closing brace, or an unterminated string.
fn break_file(text: &str, rng: &mut Rng) -> String {
    if rng.chance(50) {
        match text.rfind('}') {
            Some(at) => format!("{}{}", &text[..at], &text[at + 1..]),
            None => format!("{text}\nresource \"x\" \"y\" {{\n"),
        }
    } else {
        match text.find("= \"") {
            Some(at) => {
                let end = text[at + 3..].find('"').map_or(text.len(), |e| at + 3 + e);
                format!("{}{}", &text[..end], &text[end + 1..])
            }
            None => format!("{text}\nlocals {{\n  x = \"unterminated\n}}\n"),
        }
    }
}

fn generate(files: usize, seed: u64, out: &Path) -> std::io::Result<usize> {
    let mut rng = Rng(seed);
    let mut written = 0;
    let mut bytes = 0;
    let mut index = 0;
    while written < files {
        let env = index / 200;
        let dir = out
            .join(format!("env-{env:02}"))
            .join(format!("module-{index:05}"));
        fs::create_dir_all(&dir)?;
        let team = TEAMS[rng.below(TEAMS.len())];
        let project = format!("acme-{team}-{}", rng.below(40));
        let mut m = Module {
            rng: &mut rng,
            env,
            index,
            team,
            project,
        };
        let mut contents: Vec<(&str, String)> = Vec::new();
        let mut buf = String::new();
        m.providers(&mut buf);
        contents.push(("providers.tf", std::mem::take(&mut buf)));
        m.variables(&mut buf);
        contents.push(("variables.tf", std::mem::take(&mut buf)));
        let accounts = m.accounts(&mut buf);
        contents.push(("accounts.tf", std::mem::take(&mut buf)));
        m.locals(&mut buf);
        m.roles(&mut buf);
        contents.push(("roles.tf", std::mem::take(&mut buf)));
        m.iam(&mut buf, &accounts);
        contents.push(("iam.tf", std::mem::take(&mut buf)));
        m.workloads(&mut buf, &accounts);
        contents.push(("workloads.tf", std::mem::take(&mut buf)));
        m.outputs(&mut buf, &accounts);
        contents.push(("outputs.tf", std::mem::take(&mut buf)));
        // 3 to 7 files a module: merge neighbours into main.tf for the smaller ones.
        let keep = rng.below(5) + 3;
        while contents.len() > keep {
            let (_, last) = contents.pop().expect("more files than kept");
            contents[0].1.push('\n');
            contents[0].1.push_str(&last);
            contents[0].0 = "main.tf";
        }
        for (name, mut text) in contents {
            if written == files {
                break;
            }
            if rng.below(2000) == 0 {
                text = break_file(&text, &mut rng);
            }
            bytes += text.len();
            fs::write(dir.join(name), text)?;
            written += 1;
        }
        index += 1;
    }
    Ok(bytes)
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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut files = 4000;
    let mut seed = 1;
    let mut mode = "generate";
    let mut dir = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--files" => {
                i += 1;
                files = args[i].parse().expect("--files N");
            }
            "--seed" => {
                i += 1;
                seed = args[i].parse().expect("--seed S");
            }
            "--check" => mode = "check",
            "--parse-only" => mode = "parse-only",
            other => dir = Some(PathBuf::from(other)),
        }
        i += 1;
    }
    let dir = dir.expect("usage: gen_corpus [--files N] [--seed S] [--check | --parse-only] DIR");
    match mode {
        "generate" => {
            let bytes = generate(files, seed, &dir).expect("write the corpus");
            println!("wrote {files} files, {bytes} bytes, to {}", dir.display());
        }
        _ => {
            let mut paths = Vec::new();
            tf_files(&dir, &mut paths);
            let texts: Vec<String> = paths
                .iter()
                .map(|p| fs::read_to_string(p).expect("read"))
                .collect();
            let bytes: usize = texts.iter().map(String::len).sum();
            let start = Instant::now();
            let failed = texts
                .iter()
                .filter(|t| hcl_edit::parser::parse_body(t).is_err())
                .count();
            let seconds = start.elapsed().as_secs_f64();
            if mode == "check" {
                println!("{} files, {failed} do not parse", paths.len());
            } else {
                println!(
                    "parse_only_seconds={seconds:.4} files={} bytes={bytes} failed={failed}",
                    paths.len()
                );
            }
        }
    }
}
