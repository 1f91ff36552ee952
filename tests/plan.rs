//! `--plan`: a hand-written plan mirroring fixtures/_evaluation/for-each gives the same findings
//! as the source; what is unknown until apply is not guessed about.

use std::collections::BTreeSet;
use std::process::Command;

fn findings(args: &[&str]) -> BTreeSet<(String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_plan_gives_the_findings_of_its_source() {
    let from_source = findings(&["fixtures/_evaluation/for-each"]);
    let from_plan = findings(&["--plan", "tests/data/plan/for-each.plan.json"]);
    // The source writes the two folder grants once (one diagnostic, the second folder in a
    // note); the plan has a resource for each, at its own place.
    assert_eq!(from_source.len(), 3, "{from_source:?}");
    let mut expected = from_source.clone();
    expected.insert((
        "basic-role".to_string(),
        "`roles/owner` is granted to a service account on folder `folders/2`".to_string(),
    ));
    assert_eq!(from_plan, expected);
}

#[test]
fn plan_findings_point_into_the_plan_and_name_addresses() {
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args([
            "--plan",
            "tests/data/plan/for-each.plan.json",
            "--color",
            "never",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("--> tests/data/plan/for-each.plan.json:13:50"),
        "{text}"
    );
    assert!(
        text.contains("in `google_project_iam_member.invokers[\"allUsers\"]`"),
        "{text}"
    );
    // `module.web`'s service account is unknown until apply: no missing-service-account.
    assert!(!text.contains("missing-service-account"), "{text}");
}

#[test]
fn a_file_that_is_not_a_plan_is_a_parse_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args([
            "--format",
            "gcc",
            "--plan",
            "fixtures/_evaluation/json/main.tf.json",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.contains("not a readable plan: not a plan: no `planned_values.root_module`"),
        "{text}"
    );
}
