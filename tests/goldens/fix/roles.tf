# Before --fix: a deployer role that can delete, a repeated permission, a typo, and one
# finding that has no certain fix (the permission comes from a shared local).

locals {
  shared = ["run.services.create"]
}

resource "google_project_iam_custom_role" "deployer" {
  project = "acme-prod"
  role_id = "runDeployer"
  title   = "Cloud Run Deployer"
  permissions = concat([
    "run.services.get",
    "run.services.update", # rolls out revisions
    "run.services.delete", # to be removed
    "run.services.get",
    "run.servics.list",
  ], local.shared)
}

resource "google_project_iam_custom_role" "reader" {
  project     = "acme-prod"
  role_id     = "reader"
  title       = "Reader"
  permissions = ["storage.objects.get", "storage.objects.list", "storage.objects.get"]
}

# Removing its only permission would leave `permissions = []`, which the provider rejects: reported,
# not fixed.
resource "google_project_iam_custom_role" "cleanup" {
  project     = "acme-prod"
  role_id     = "cleanupDeployer"
  title       = "Cleanup Deployer"
  permissions = ["run.services.delete"]
}
