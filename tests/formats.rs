//! Every output format on one small module: goldens in tests/goldens/formats/, SARIF against the
//! official 2.1.0 schema, the XML formats well formed, the GitHub commands escaped.
//! `UPDATE_EXPECT=1 cargo test` rewrites the goldens.

use std::fs;
use std::process::Command;

const MODULE: &str = "fixtures/_formats/module";

fn run(format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", format, "--fail-on", "note", MODULE])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The checkout's absolute `file://` URI, which SARIF's `%SRCROOT%` names, is not in the golden.
fn golden(format: &str, ext: &str) -> String {
    let root = std::env::current_dir().unwrap().canonicalize().unwrap();
    let got = run(format).replace(&format!("file://{}/", root.display()), "file:///CHECKOUT/");
    let path = format!("tests/goldens/formats/module.{ext}");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(&path, &got).unwrap();
    } else {
        let want = fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{path} is missing; run UPDATE_EXPECT=1 cargo test"));
        assert_eq!(
            got, want,
            "{path} differs (UPDATE_EXPECT=1 cargo test rewrites it)"
        );
    }
    got
}

#[test]
fn human_gcc_and_json_goldens() {
    golden("human", "txt");
    golden("gcc", "gcc");
    let json: serde_json::Value = serde_json::from_str(&golden("json", "json")).unwrap();
    assert_eq!(json["summary"]["files_checked"], 2);
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let text = golden("sarif", "sarif");
    let sarif: serde_json::Value = serde_json::from_str(&text).unwrap();
    // The results are written one at a time into the document around them: the bytes are
    // still those of the whole document pretty-printed at once.
    assert_eq!(serde_json::to_string_pretty(&sarif).unwrap() + "\n", text);
    let schema: serde_json::Value =
        serde_json::from_str(&fs::read_to_string("tests/data/sarif-schema-2.1.0.json").unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "driver rules are sorted");
    assert!(rules.iter().all(|r| {
        r["helpUri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("rules/{}.md", r["id"].as_str().unwrap()))
    }));
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(
            result["partialFingerprints"]["iamlint/v2"]
                .as_str()
                .is_some()
        );
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
            "%SRCROOT%"
        );
    }
    for rule in rules {
        assert_eq!(rule["properties"]["tags"], serde_json::json!(["security"]));
        let score: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.1..=10.0).contains(&score), "{rule}");
    }
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        "file:///CHECKOUT/"
    );
    let uris: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.contains(&"fixtures/_formats/module/a%20file,%20with:%20punctuation%25.tf"),
        "{uris:?}"
    );
}

#[test]
fn sarif_fingerprints_survive_moving_code() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fingerprints");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let source = fs::read_to_string(format!("{MODULE}/main.tf")).unwrap();
    let prints = |text: &str| -> Vec<String> {
        fs::write(dir.join("main.tf"), text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
            .args(["--format", "sarif"])
            .arg(&dir)
            .output()
            .unwrap();
        let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["iamlint/v2"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let before = prints(&source);
    let after = prints(&format!(
        "# moved down\n\n\n{}",
        source.replace("  member  =", "    member =")
    ));
    assert_eq!(before.len(), 2);
    assert_eq!(before, after);
}

#[test]
fn github_commands_are_escaped() {
    let text = golden("github", "github");
    for line in text.lines() {
        assert!(
            line.starts_with("::error file=")
                || line.starts_with("::warning file=")
                || line.starts_with("::notice file="),
            "{line}"
        );
        let (props, message) = line[2..].split_once("::").unwrap();
        assert!(!message.contains('\n'));
        for key in ["line=", "col=", "endLine=", "endColumn=", "title="] {
            assert!(props.contains(key), "{line}");
        }
    }
    assert!(
        text.contains("file=fixtures/_formats/module/a file%2C with%3A punctuation%25.tf,"),
        "{text}"
    );
    assert!(
        text.contains("%0Ahelp: "),
        "help lines are joined with an escaped newline"
    );
}

#[test]
fn xml_formats_are_well_formed() {
    for (format, ext, root) in [
        ("junit", "junit.xml", "testsuites"),
        ("checkstyle", "checkstyle.xml", "checkstyle"),
    ] {
        let text = golden(format, ext);
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), root);
        let failures = doc
            .descendants()
            .filter(|n| n.has_tag_name("failure") || n.has_tag_name("error"))
            .count();
        assert_eq!(failures, 3, "{format}");
        assert!(
            text.contains("&lt;Cloud Run&gt; &amp; &quot;friends&quot;")
                || !text.contains("Cloud Run>"),
            "{format} escapes"
        );
    }
}

#[test]
fn a_clean_run_in_every_format() {
    for format in [
        "human",
        "gcc",
        "json",
        "sarif",
        "github",
        "junit",
        "checkstyle",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
            .args(["--format", format, "fixtures/basic-role/silent"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}");
        let text = String::from_utf8(out.stdout).unwrap();
        match format {
            "sarif" => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 0);
                assert_eq!(serde_json::to_string_pretty(&v).unwrap() + "\n", text);
            }
            "junit" => assert!(text.contains("no problems found")),
            "gcc" | "github" => assert!(text.is_empty()),
            _ => {}
        }
    }
}

/// Runs the human format over `files` written into a fresh directory.
fn human_summary(name: &str, files: &[(&str, String)]) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("summary")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        fs::write(dir.join(file), text).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--color", "never"])
        .arg(&dir)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_human_summary_tallies_rules_past_a_screenful() {
    let grant = |i: usize, role: &str, member: &str| {
        format!(
            "resource \"google_project_iam_member\" \"g{i}\" {{\n  project = \"acme\"\n  role    = \"{role}\"\n  member  = \"{member}\"\n}}\n"
        )
    };
    let mut text = String::new();
    for i in 0..15 {
        text += &grant(
            i,
            "roles/editor",
            "serviceAccount:ci@acme.iam.gserviceaccount.com",
        );
    }
    for i in 15..21 {
        text += &grant(i, "roles/viewer", &format!("user:u{i}@gmail.com"));
    }
    let out = human_summary("tally", &[("main.tf", text.clone())]);
    let summary = &out[out.find("checked 1 file").expect(&out)..];
    assert!(
        summary.contains("by rule:\n  15 basic-role\n   6 user-member\n"),
        "{summary}"
    );
    // A screenful or less: no tally.
    let few: String = text
        .lines()
        .take(15 * 5)
        .map(|l| format!("{l}\n"))
        .collect();
    let out = human_summary("no-tally", &[("main.tf", few)]);
    assert!(!out.contains("by rule:"), "{out}");
}

#[test]
fn the_human_summary_says_when_many_grants_could_not_be_evaluated() {
    let mut text = String::from("variable \"member\" {\n  type = string\n}\n");
    for i in 0..6 {
        text += &format!(
            "resource \"google_project_iam_member\" \"g{i}\" {{\n  project = \"acme\"\n  role    = \"roles/viewer\"\n  member  = var.member\n}}\n"
        );
    }
    let out = human_summary("unknown", &[("main.tf", text)]);
    assert!(
        out.contains("6 of 6 grants could not be evaluated (a role or member from an input or a computed value): see --stats"),
        "{out}"
    );
    let known = "resource \"google_project_iam_member\" \"g\" {\n  project = \"acme\"\n  role    = \"roles/viewer\"\n  member  = \"group:a@example.com\"\n}\n";
    let out = human_summary("known", &[("main.tf", known.to_string())]);
    assert!(!out.contains("see --stats"), "{out}");
}
