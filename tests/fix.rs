//! `--fix` end to end: the file is rewritten with its formatting and comments kept, and matches
//! tests/goldens/fix/roles.tf.fixed; what has no certain fix is still reported; without `--fix`
//! nothing is written. `UPDATE_EXPECT=1 cargo test` rewrites the golden.

use std::fs;
use std::process::Command;

#[test]
fn fix_rewrites_only_what_is_certain_and_relints() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fix");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let original = fs::read_to_string("tests/goldens/fix/roles.tf").unwrap();
    let file = dir.join("roles.tf");
    fs::write(&file, &original).unwrap();

    // Without --fix, nothing is written.
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", "gcc"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(fs::read_to_string(&file).unwrap(), original);
    let before = String::from_utf8(out.stdout).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", "gcc", "--fix"])
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stderr.contains("remove `run.services.delete` from deployer role `runDeployer` [deployer-role-create-delete]"), "{stderr}");
    assert!(
        stderr.contains("rename `run.servics.list` to `run.services.list` [unknown-permission]"),
        "{stderr}"
    );
    assert!(stderr.contains("applied 4 fixes"), "{stderr}");
    // The shared local's create is not fixable with certainty, and removing a role's only
    // permission would leave an empty list the provider rejects: both are still reported.
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stdout.contains("can create Cloud Run services"), "{stdout}");
    assert!(
        stdout.contains("`cleanupDeployer` can delete Cloud Run services"),
        "{stdout}"
    );
    assert!(before.lines().count() > 4);

    let fixed = fs::read_to_string(&file).unwrap();
    let golden = "tests/goldens/fix/roles.tf.fixed";
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(golden, &fixed).unwrap();
    } else {
        assert_eq!(
            fixed,
            fs::read_to_string(golden).unwrap(),
            "{golden} differs"
        );
    }
    assert!(fixed.contains("# rolls out revisions"), "comments are kept");
    let leftovers = fs::read_dir(&dir).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary files are left");

    // Fixing again changes nothing.
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--fix"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("fixed "));
    assert_eq!(fs::read_to_string(&file).unwrap(), fixed);
}
