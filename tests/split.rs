//! Large files are parsed block by block (src/parse.rs, `parse_pieces`) and extracted a batch
//! of blocks at a time. `IAMLINT_SPLIT_ABOVE=0` sends every file down that path: the output on
//! every fixture, in every format, must be what the whole-file path gives.

mod knobs;

use knobs::run;
use std::path::Path;

/// Every file down the block-by-block path.
const SPLIT: (&str, &str) = ("IAMLINT_SPLIT_ABOVE", "0");

#[test]
fn block_by_block_gives_the_same_output_on_every_fixture() {
    knobs::same_output_on_every_fixture(SPLIT, "parsed block by block");
}

#[test]
fn a_syntax_error_in_a_split_file_loses_only_its_block() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("split-error");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let text = "resource \"google_project_iam_member\" \"a\" {\n  project = \"p\"\n  role    = \"roles/owner\"\n  member  = \"user:a@example.com\"\n}\n\nresource \"google_project_iam_member\" \"broken\" {\n  role = [\n}\n\nresource \"google_project_iam_member\" \"b\" {\n  project = \"p\"\n  role    = \"roles/editor\"\n  member  = \"user:b@example.com\"\n}\n";
    std::fs::write(dir.join("main.tf"), text).unwrap();
    let d = dir.display().to_string();
    let args = ["--format", "json", d.as_str()];
    let whole = run(None, &args);
    let split = run(Some(SPLIT), &args);
    assert_eq!(whole, split);
    let json = String::from_utf8(split.1).unwrap();
    assert!(json.contains("parse-error"), "{json}");
    assert!(
        json.contains("roles/owner") && json.contains("roles/editor"),
        "{json}"
    );
}

/// A module whose files are each under the threshold but together over it is parsed block by
/// block, every file of it: the same output as whole files, here with references across the
/// files and resources repeated by `count` and `for_each` (their instances are read from
/// another file).
#[test]
fn a_large_module_of_small_files_is_parsed_block_by_block_with_the_same_output() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("split-module");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        (
            "variables.tf",
            "variable \"project\" {\n  default = \"acme\"\n}\n\nvariable \"admins\" {\n  type    = list(string)\n  default = [\"user:a@example.com\", \"user:b@example.com\"]\n}\n\nlocals {\n  roles = toset([\"roles/editor\", \"roles/owner\"])\n}\n",
        ),
        (
            "roles.tf",
            "resource \"google_project_iam_custom_role\" \"deployer\" {\n  project     = var.project\n  role_id     = \"deployer\"\n  title       = \"Deployer\"\n  permissions = [\"iam.serviceAccounts.actAs\", \"run.services.update\", \"iam.serviceAccounts.actAs\"]\n}\n\nresource \"google_service_account\" \"ci\" {\n  count      = 2\n  account_id = \"ci-${count.index}\"\n}\n",
        ),
        (
            "grants.tf",
            "resource \"google_project_iam_member\" \"deployer\" {\n  project = var.project\n  role    = google_project_iam_custom_role.deployer.id\n  member  = \"serviceAccount:${google_service_account.ci[1].email}\"\n}\n\nresource \"google_project_iam_member\" \"admins\" {\n  for_each = local.roles\n  project  = var.project\n  role     = each.value\n  member   = var.admins[0]\n}\n\nresource \"google_project_iam_binding\" \"owners\" {\n  project = var.project\n  role    = \"roles/owner\"\n  members = [for sa in google_service_account.ci : \"serviceAccount:${sa.email}\"]\n}\n",
        ),
    ];
    let mut largest = 0;
    let mut total = 0;
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
        largest = largest.max(text.len());
        total += text.len();
    }
    let threshold = ((largest + total) / 2).to_string();
    let d = dir.display().to_string();
    for format in ["json", "human", "sarif"] {
        let args = ["--format", format, "--color", "never", d.as_str()];
        let whole = run(None, &args);
        let split = run(Some(("IAMLINT_SPLIT_ABOVE", &threshold)), &args);
        assert_eq!(whole, split, "{format}");
        assert!(!whole.1.is_empty());
    }
    let json = String::from_utf8(run(None, &["--format", "json", d.as_str()]).1).unwrap();
    // Findings that need the other files: the role's duplicate permission, the basic roles
    // of the for_each instances.
    assert!(json.contains("duplicate-permission"), "{json}");
    assert!(json.contains("basic-role"), "{json}");
}
