//! `file()` and its kind read only inside the module's tree: a path that climbs out of it, an
//! absolute path elsewhere and a symlink that points out of it are all unknown, and nothing
//! outside is read (if it were, its `allUsers` would be reported).

use iamlint::{Options, config, lint};
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
        config: config::Config::default(),
        ..Options::default()
    })
    .unwrap();
    let lines: Vec<usize> = report
        .diagnostics
        .iter()
        .map(|d| {
            assert_eq!(d.rule, "public-member", "{d:?}");
            tf[..d.primary.range.start].lines().count()
        })
        .collect();
    let inside_line = tf[..tf.find("\"inside\"").unwrap()].lines().count() + 3;
    assert_eq!(
        lines,
        [inside_line],
        "only the file inside the module is read"
    );
}
