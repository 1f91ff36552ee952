//! `file()` and its kind read only inside the module's tree: a path that climbs out of it, an
//! absolute path elsewhere and a symlink (to a file or a directory) that points out of it are
//! all unknown, and nothing
//! outside is read (if it were, its `allUsers` would be reported).

use iamlint::{Options, lint};
use std::fs;
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("data_files")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn grant(name: &str, member: &str) -> String {
    format!(
        "resource \"google_storage_bucket_iam_member\" \"{name}\" {{\n  bucket = \"b\"\n  role   = \"roles/storage.objectViewer\"\n  member = {member}\n}}\n\n"
    )
}

#[test]
fn nothing_outside_the_tree_is_read() {
    let root = scratch("outside");
    let module = root.join("tree").join("module");
    fs::create_dir_all(&module).unwrap();
    fs::write(root.join("outside.yaml"), "member: allUsers\n").unwrap();
    fs::write(module.join("inside.yaml"), "member: allUsers\n").unwrap();
    let outside = root.join("outside.yaml").canonicalize().unwrap();
    let mut tf = String::new();
    tf += &grant("climbs", "yamldecode(file(\"../../outside.yaml\")).member");
    tf += &grant(
        "climbs_from_module",
        "yamldecode(file(\"${path.module}/../../outside.yaml\")).member",
    );
    tf += &grant(
        "absolute",
        &format!("yamldecode(file(\"{}\")).member", outside.display()),
    );
    tf += &grant(
        "passwd",
        "trimspace(file(\"../../../../../../../../../../etc/passwd\"))",
    );
    tf += &grant(
        "fileset",
        "one([for f in fileset(\"${path.module}/../..\", \"*.yaml\") : yamldecode(file(f)).member])",
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&outside, module.join("link.yaml")).unwrap();
        tf += &grant(
            "symlink",
            "yamldecode(file(\"${path.module}/link.yaml\")).member",
        );
        tf += &grant(
            "symlink_exists",
            "fileexists(\"${path.module}/link.yaml\") ? \"allUsers\" : \"group:x@acme.com\"",
        );
        // A directory link out of the tree: the file under it is not a link itself, but it
        // resolves outside (the directory's canonical path is what is checked).
        std::os::unix::fs::symlink(&root, module.join("linkdir")).unwrap();
        tf += &grant(
            "dir_symlink",
            "yamldecode(file(\"${path.module}/linkdir/outside.yaml\")).member",
        );
        tf += &grant(
            "dir_symlink_exists",
            "fileexists(\"${path.module}/linkdir/outside.yaml\") ? \"allUsers\" : \"group:x@acme.com\"",
        );
    }
    // The control: the same file inside the module is read.
    tf += &grant(
        "inside",
        "yamldecode(file(\"${path.module}/inside.yaml\")).member",
    );
    fs::write(module.join("main.tf"), &tf).unwrap();

    let report = lint(&Options {
        paths: vec![root.join("tree")],
        jobs: Some(1),
        config: iamlint::Config::default(),
        ..Options::default()
    })
    .unwrap();
    // The one finding is located in the YAML file read, labelled at the grant that used it.
    let found: Vec<(String, usize)> = report
        .diagnostics
        .iter()
        .map(|d| {
            assert_eq!(d.rule, "public-member", "{d:?}");
            let file = report.files.display(d.primary.file).to_string();
            let used_at = d
                .secondary
                .iter()
                .find(|l| {
                    report.files.display(l.file).ends_with("main.tf")
                        && l.message.starts_with("used by")
                })
                .map(|l| tf[..l.range.start].lines().count())
                .unwrap_or(0);
            (file, used_at)
        })
        .collect();
    let inside_line = tf[..tf.find("\"inside\"").unwrap()].lines().count();
    assert_eq!(
        found.len(),
        1,
        "only the file inside the tree is read: {found:?}"
    );
    assert!(found[0].0.ends_with("module/inside.yaml"), "{found:?}");
    assert_eq!(found[0].1, inside_line, "{found:?}");
}

/// A module reads a data file beside it in the scanned tree (`${path.module}/../data`): the
/// finding is located at the YAML line, and the call that decoded it is labelled.
#[test]
fn a_sibling_folder_in_the_tree_is_read_and_located() {
    let root = scratch("sibling");
    let module = root.join("modules").join("iam");
    fs::create_dir_all(&module).unwrap();
    fs::create_dir_all(root.join("data")).unwrap();
    fs::write(
        root.join("data").join("iam.yaml"),
        "# bindings\nmember: \"allUsers\"\n",
    )
    .unwrap();
    let tf = grant(
        "shared",
        "yamldecode(file(\"${path.module}/../../data/iam.yaml\")).member",
    );
    fs::write(module.join("main.tf"), &tf).unwrap();
    let report = lint(&Options {
        paths: vec![root.clone()],
        jobs: Some(1),
        config: iamlint::Config::default(),
        ..Options::default()
    })
    .unwrap();
    assert_eq!(report.diagnostics.len(), 1, "{:?}", report.diagnostics);
    let d = &report.diagnostics[0];
    assert_eq!(d.rule, "public-member");
    let at = report.files.position(d.primary.file, d.primary.range.start);
    assert!(
        report
            .files
            .display(d.primary.file)
            .ends_with("data/iam.yaml")
    );
    assert_eq!((at.line, at.column), (2, 9));
    assert!(
        d.secondary
            .iter()
            .any(|l| l.message == "decoded from this file here"
                && report.files.display(l.file).ends_with("main.tf")),
        "{d:?}"
    );
    assert_eq!(
        report.files.text(d.primary.file),
        "# bindings\nmember: \"allUsers\"\n"
    );
}
