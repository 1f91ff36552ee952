//! `--fix` for `invalid-member`: a misspelt member type is rewritten and nothing else changes;
//! members without a certain fix are still reported.

use std::fs;
use std::process::Command;

#[test]
fn fix_corrects_only_misspelt_prefixes() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("invalid-member-fix");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let original = fs::read_to_string("fixtures/invalid-member/fires/main.tf").unwrap();
    let file = dir.join("main.tf");
    fs::write(&file, &original).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", "gcc", "--select", "invalid-member", "--fix"])
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("applied 4 fixes"), "{stderr}");

    let fixed = fs::read_to_string(&file).unwrap();
    let expected = original
        .replace(
            "\"serviceaccount:ci@acme-prod",
            "\"serviceAccount:ci@acme-prod",
        )
        .replace(
            "\"serviceAcount:${google_service_account.ci.email}\"",
            "\"serviceAccount:${google_service_account.ci.email}\"",
        )
        .replace("\"users:alice@example.com\"", "\"user:alice@example.com\"")
        .replace("\"allusers\"", "\"allUsers\"");
    assert_ne!(expected, original);
    assert_eq!(fixed, expected);

    // What remains has no certain fix.
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", "gcc", "--select", "invalid-member"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 5, "{stdout}");
    assert!(!stdout.contains("misspelt"), "{stdout}");
}
