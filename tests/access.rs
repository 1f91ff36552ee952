//! `iamlint access` on a multi-file fixture, against goldens in tests/goldens/access/.
//! `UPDATE_EXPECT=1 cargo test` rewrites them.

use std::fs;
use std::process::Command;

const ESTATE: &str = "fixtures/_access/estate";

fn golden(name: &str, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .arg("access")
        .arg(ESTATE)
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = String::from_utf8(out.stdout).unwrap();
    let path = format!("tests/goldens/access/{name}");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(&path, &got).unwrap();
        return;
    }
    let want = fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{path} is missing; run UPDATE_EXPECT=1 cargo test"));
    assert_eq!(
        got, want,
        "{path} differs (UPDATE_EXPECT=1 cargo test rewrites it)"
    );
}

#[test]
fn what_a_service_account_can_do() {
    golden(
        "renderer.txt",
        &[
            "--member",
            "serviceAccount:renderer@acme-prod.iam.gserviceaccount.com",
        ],
    );
}

#[test]
fn what_a_group_inherits_by_impersonation() {
    golden(
        "platform-run.txt",
        &[
            "--member",
            "group:platform@example.com",
            "--permission",
            "run.*",
        ],
    );
}

#[test]
fn who_can_update_services() {
    golden(
        "who-run-services-update.txt",
        &["--permission", "run.services.update"],
    );
}

#[test]
fn json_for_scripts() {
    golden(
        "deployer.json",
        &[
            "--member",
            "google_service_account.deployer",
            "--format",
            "json",
        ],
    );
    let text = fs::read_to_string("tests/goldens/access/deployer.json").unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rows = parsed["access"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["permission"] == "run.services.update"
        && r["at"] == "fixtures/_access/estate/iam.tf:19"));
}

#[test]
fn bad_member_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["access", ESTATE, "--member", "renderer"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("`renderer` is not a member iamlint can look up")
    );
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["access", ESTATE])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "--member or --permission is required"
    );
}
