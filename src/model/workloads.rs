//! Which attribute sets each workload's runtime identity, and what GCP uses when it is left out.
//! Restated from the provider and product docs (see `rules/data/gcp-iam/IDENTITIES.md`). Only defaults the
//! docs confirm are listed; where a fallback is unconfirmed the attribute is still read (a default
//! identity set explicitly is a finding) but its absence is not.

use super::principal::DefaultIdentity::{self, *};

/// What it means when a block on the path to the identity attribute is absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfAbsent {
    /// The resource cannot be read statically without it (a required block, or a typo).
    Unknown,
    /// The workload then has no identity at all.
    NoIdentity,
    /// The workload then runs as the slot's default identity.
    Default,
}

#[derive(Debug)]
pub struct Step {
    pub block: &'static str,
    pub if_absent: IfAbsent,
}

#[derive(Debug)]
pub struct SlotSpec {
    /// Nested blocks leading to the attribute.
    pub path: &'static [Step],
    pub attr: &'static str,
    /// The full attribute path, for messages.
    pub display: &'static str,
    /// The identity used when the attribute is absent; `None` when absence means no identity
    /// or the fallback is not documented.
    pub default: Option<DefaultIdentity>,
    /// The identity the workload's own code runs as (not a token it sends, not its build).
    pub runtime: bool,
}

#[derive(Debug)]
pub struct WorkloadSpec {
    pub rtype: &'static str,
    pub product: &'static str,
    pub slots: &'static [SlotSpec],
}

const fn step(block: &'static str, if_absent: IfAbsent) -> Step {
    Step { block, if_absent }
}

use IfAbsent::{Default as Dflt, NoIdentity as NoId, Unknown as Unk};

/// The table, sorted by resource type. `google_container_cluster` is read by code of its own
/// (its default node pool, inline node pools and Autopilot each have their rules).
pub static WORKLOADS: &[WorkloadSpec] = &[
    WorkloadSpec {
        rtype: "google_app_engine_flexible_app_version",
        product: "App Engine flexible version",
        slots: &[SlotSpec {
            path: &[],
            attr: "service_account",
            display: "service_account",
            default: Some(AppEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_app_engine_standard_app_version",
        product: "App Engine standard version",
        slots: &[SlotSpec {
            path: &[],
            attr: "service_account",
            display: "service_account",
            default: Some(AppEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_bigquery_data_transfer_config",
        product: "BigQuery data transfer",
        slots: &[SlotSpec {
            path: &[],
            attr: "service_account_name",
            display: "service_account_name",
            default: None,
            runtime: false,
        }],
    },
    WorkloadSpec {
        rtype: "google_cloud_run_service",
        product: "Cloud Run service",
        slots: &[SlotSpec {
            path: &[step("template", Unk), step("spec", Unk)],
            attr: "service_account_name",
            display: "template.spec.service_account_name",
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_cloud_run_v2_job",
        product: "Cloud Run job",
        slots: &[SlotSpec {
            path: &[step("template", Unk), step("template", Unk)],
            attr: "service_account",
            display: "template.template.service_account",
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_cloud_run_v2_service",
        product: "Cloud Run service",
        slots: &[SlotSpec {
            path: &[step("template", Unk)],
            attr: "service_account",
            display: "template.service_account",
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_cloud_run_v2_worker_pool",
        product: "Cloud Run worker pool",
        slots: &[SlotSpec {
            path: &[step("template", Unk)],
            attr: "service_account",
            display: "template.service_account",
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_cloud_scheduler_job",
        product: "Cloud Scheduler job",
        slots: &[
            SlotSpec {
                path: &[step("http_target", NoId), step("oidc_token", NoId)],
                attr: "service_account_email",
                display: "http_target.oidc_token.service_account_email",
                default: None,
                runtime: false,
            },
            SlotSpec {
                path: &[step("http_target", NoId), step("oauth_token", NoId)],
                attr: "service_account_email",
                display: "http_target.oauth_token.service_account_email",
                default: None,
                runtime: false,
            },
        ],
    },
    WorkloadSpec {
        rtype: "google_cloud_tasks_queue",
        product: "Cloud Tasks queue",
        slots: &[
            SlotSpec {
                path: &[step("http_target", NoId), step("oidc_token", NoId)],
                attr: "service_account_email",
                display: "http_target.oidc_token.service_account_email",
                default: None,
                runtime: false,
            },
            SlotSpec {
                path: &[step("http_target", NoId), step("oauth_token", NoId)],
                attr: "service_account_email",
                display: "http_target.oauth_token.service_account_email",
                default: None,
                runtime: false,
            },
        ],
    },
    WorkloadSpec {
        rtype: "google_cloudbuild_trigger",
        product: "Cloud Build trigger",
        slots: &[SlotSpec {
            path: &[],
            attr: "service_account",
            display: "service_account",
            default: Some(CloudBuildDefault),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_clouddeploy_target",
        product: "Cloud Deploy target",
        slots: &[SlotSpec {
            path: &[step("execution_configs", Dflt)],
            attr: "service_account",
            display: "execution_configs.service_account",
            default: Some(ComputeEngine),
            runtime: false,
        }],
    },
    WorkloadSpec {
        rtype: "google_cloudfunctions2_function",
        product: "Cloud Function",
        slots: &[
            SlotSpec {
                path: &[step("service_config", Dflt)],
                attr: "service_account_email",
                display: "service_config.service_account_email",
                default: Some(ComputeEngine),
                runtime: true,
            },
            SlotSpec {
                path: &[step("event_trigger", NoId)],
                attr: "service_account_email",
                display: "event_trigger.service_account_email",
                default: Some(ComputeEngine),
                runtime: false,
            },
            SlotSpec {
                path: &[step("build_config", NoId)],
                attr: "service_account",
                display: "build_config.service_account",
                default: None,
                runtime: false,
            },
        ],
    },
    WorkloadSpec {
        rtype: "google_cloudfunctions_function",
        product: "Cloud Function (1st gen)",
        slots: &[
            SlotSpec {
                path: &[],
                attr: "service_account_email",
                display: "service_account_email",
                default: Some(AppEngine),
                runtime: true,
            },
            SlotSpec {
                path: &[],
                attr: "build_service_account",
                display: "build_service_account",
                default: None,
                runtime: false,
            },
        ],
    },
    WorkloadSpec {
        rtype: "google_composer_environment",
        product: "Composer environment",
        slots: &[SlotSpec {
            path: &[step("config", Dflt), step("node_config", Dflt)],
            attr: "service_account",
            display: "config.node_config.service_account",
            // The provider doc: without it, the "default" Compute Engine service account.
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_compute_instance",
        product: "Compute Engine instance",
        slots: &[SlotSpec {
            path: &[step("service_account", NoId)],
            attr: "email",
            display: "service_account.email",
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_compute_instance_template",
        product: "instance template",
        slots: &[SlotSpec {
            path: &[step("service_account", NoId)],
            attr: "email",
            display: "service_account.email",
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_compute_region_instance_template",
        product: "instance template",
        slots: &[SlotSpec {
            path: &[step("service_account", NoId)],
            attr: "email",
            display: "service_account.email",
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_container_node_pool",
        product: "GKE node pool",
        slots: &[SlotSpec {
            path: &[step("node_config", Dflt)],
            attr: "service_account",
            display: "node_config.service_account",
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_dataflow_flex_template_job",
        product: "Dataflow Flex Template job",
        slots: &[SlotSpec {
            path: &[],
            attr: "service_account_email",
            display: "service_account_email",
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_dataflow_job",
        product: "Dataflow job",
        slots: &[SlotSpec {
            path: &[],
            attr: "service_account_email",
            display: "service_account_email",
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_dataproc_cluster",
        product: "Dataproc cluster",
        slots: &[SlotSpec {
            path: &[
                step("cluster_config", Dflt),
                step("gce_cluster_config", Dflt),
            ],
            attr: "service_account",
            display: "cluster_config.gce_cluster_config.service_account",
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_eventarc_trigger",
        product: "Eventarc trigger",
        slots: &[SlotSpec {
            path: &[],
            attr: "service_account",
            display: "service_account",
            default: None,
            runtime: false,
        }],
    },
    WorkloadSpec {
        // User-managed notebooks: "If not specified, the Compute Engine default service
        // account is used" (Notebooks API `Instance.service_account`).
        rtype: "google_notebooks_instance",
        product: "Notebooks instance",
        slots: &[SlotSpec {
            path: &[],
            attr: "service_account",
            display: "service_account",
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_pubsub_subscription",
        product: "Pub/Sub subscription",
        slots: &[
            SlotSpec {
                path: &[step("push_config", NoId), step("oidc_token", NoId)],
                attr: "service_account_email",
                display: "push_config.oidc_token.service_account_email",
                default: None,
                runtime: false,
            },
            SlotSpec {
                path: &[step("bigquery_config", NoId)],
                attr: "service_account_email",
                display: "bigquery_config.service_account_email",
                default: None,
                runtime: false,
            },
            SlotSpec {
                path: &[step("cloud_storage_config", NoId)],
                attr: "service_account_email",
                display: "cloud_storage_config.service_account_email",
                default: None,
                runtime: false,
            },
        ],
    },
    WorkloadSpec {
        // "If None is specified, the default compute service account will be used" (TPU API
        // `Node.serviceAccount`); an empty `email` likewise. (`google_tpu_node`, the older
        // API, has no identity to set: its `service_account` is output only.)
        rtype: "google_tpu_v2_vm",
        product: "TPU VM",
        slots: &[SlotSpec {
            path: &[step("service_account", Dflt)],
            attr: "email",
            display: "service_account.email",
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_vertex_ai_reasoning_engine",
        product: "Vertex AI reasoning engine",
        slots: &[SlotSpec {
            path: &[step("spec", NoId)],
            attr: "service_account",
            display: "spec.service_account",
            default: None,
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_workbench_instance",
        product: "Workbench instance",
        slots: &[SlotSpec {
            path: &[step("gce_setup", NoId), step("service_accounts", NoId)],
            attr: "email",
            display: "gce_setup.service_accounts.email",
            default: None,
            runtime: true,
        }],
    },
    WorkloadSpec {
        rtype: "google_workflows_workflow",
        product: "workflow",
        slots: &[SlotSpec {
            path: &[],
            attr: "service_account",
            display: "service_account",
            default: Some(ComputeEngine),
            runtime: true,
        }],
    },
];

pub fn spec(rtype: &str) -> Option<&'static WorkloadSpec> {
    WORKLOADS
        .binary_search_by(|w| w.rtype.cmp(rtype))
        .ok()
        .map(|i| &WORKLOADS[i])
}

/// GKE clusters: node identities for the default pool, inline node pools and auto-provisioned nodes.
pub const CLUSTER: &str = "google_container_cluster";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in WORKLOADS.windows(2) {
            assert!(
                pair[0].rtype < pair[1].rtype,
                "{} !< {}",
                pair[0].rtype,
                pair[1].rtype
            );
        }
        assert!(spec("google_cloud_run_v2_service").is_some());
        assert!(spec(CLUSTER).is_none());
    }
}
