# Shapes of permissions `--fix` must not edit (each finding says why), and one it edits in a
# single pass (adjacent inline duplicates at the end of a list).

# Every element of `split` is located at the whole string: removing one would remove all.
resource "google_project_iam_custom_role" "split_duplicate" {
  role_id     = "splitDuplicate"
  title       = "Split duplicate"
  permissions = split(",", "run.services.get,run.services.update,run.services.get")
}

# A rename inside the string would drop the other permissions.
resource "google_project_iam_custom_role" "split_typo" {
  role_id     = "splitTypo"
  title       = "Split typo"
  permissions = split(",", "run.services.get,run.servics.list")
}

# One template for every instance: a literal would replace it for all of them.
resource "google_project_iam_custom_role" "template" {
  for_each    = toset(["services"])
  role_id     = "template${each.key}"
  title       = "Template"
  permissions = ["run.${each.key}.get", "run.${each.key}.lst"]
}

# A computed permission.
resource "google_project_iam_custom_role" "computed" {
  role_id     = "computed"
  title       = "Computed"
  permissions = ["run.services.get", format("run.%s.get", "services")]
}

# The repeated permission is the `for_each` value: removing it would remove an instance.
resource "google_project_iam_custom_role" "each_value" {
  for_each    = toset(["run.services.get"])
  role_id     = "eachValue"
  title       = "Each value"
  permissions = ["run.services.get", each.value]
}

# Two repeated permissions side by side at the end of an inline list: one pass.
resource "google_project_iam_custom_role" "adjacent" {
  role_id     = "adjacent"
  title       = "Adjacent"
  permissions = ["run.services.get", "run.services.update", "run.services.get", "run.services.update"]
}
