//! A newcomer adopting iamlint on an existing estate (issue 15): a baseline and SARIF
//! fingerprints survive unrelated edits, moved code, runs from a subdirectory and absolute
//! paths; stale baseline entries are counted.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn iamlint_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("iamlint runs")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh directory; with `git`, it is a repository root (a `.git` directory is all iamlint
/// looks for).
fn scratch(base: &Path, name: &str, git: bool) -> PathBuf {
    let dir = base.join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    if git {
        fs::create_dir(dir.join(".git")).unwrap();
    }
    dir.canonicalize().unwrap()
}

/// An estate with findings of several rules in two files of `infra/`, one of them an
/// authoritative-iam conflict whose message names the other resource's `main.tf:LINE`.
fn estate(root: &Path) -> PathBuf {
    let infra = root.join("infra");
    fs::create_dir_all(&infra).unwrap();
    fs::copy(
        "fixtures/authoritative-iam/conflicts/main.tf",
        infra.join("main.tf"),
    )
    .unwrap();
    fs::copy("fixtures/user-member/fires/main.tf", infra.join("users.tf")).unwrap();
    infra
}

fn sarif_prints(dir: &Path, path: &str) -> Vec<(String, String)> {
    let out = iamlint_in(dir, &["--format", "sarif", "--fail-on", "note", path]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut prints: Vec<(String, String)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["partialFingerprints"]["iamlint/v2"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    prints.sort();
    prints
}

#[test]
fn the_newcomer_walk_through() {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("adoption");
    let root = scratch(&tmp, "walk-through", true);
    let infra = estate(&root);
    let before = sarif_prints(&root, ".");
    assert!(before.len() >= 5, "{before:?}");
    assert!(before.iter().all(|(_, uri)| uri.starts_with("infra/")));

    let out = iamlint_in(
        &root,
        &[
            "--fail-on",
            "note",
            "--write-baseline",
            "iamlint-baseline.json",
            ".",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let written = fs::read_to_string(root.join("iamlint-baseline.json")).unwrap();
    assert!(
        written.contains("\"path\": \"infra/users.tf\""),
        "{written}"
    );
    assert!(
        !written.contains(&*root.to_string_lossy()),
        "no absolute path: {written}"
    );

    // An unrelated edit: one comment line at the top of main.tf moves every line of it,
    // including the `main.tf:9` the authoritative-iam message names.
    let main = fs::read_to_string(infra.join("main.tf")).unwrap();
    fs::write(
        infra.join("main.tf"),
        format!("# owned by the platform team\n{main}"),
    )
    .unwrap();
    // Moved code: the blocks of users.tf in the other order, re-indented.
    let users = fs::read_to_string(infra.join("users.tf")).unwrap();
    let (first, second) = users.split_once("\n\n").unwrap();
    fs::write(
        infra.join("users.tf"),
        format!("{}\n\n\n{first}\n", second.trim_end()).replace("  role", "    role"),
    )
    .unwrap();

    let quiet = |dir: &Path, baseline: &str, path: &str| {
        let out = iamlint_in(
            dir,
            &[
                "--format",
                "gcc",
                "--fail-on",
                "note",
                "--baseline",
                baseline,
                path,
            ],
        );
        assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
        assert_eq!(stdout(&out), "", "every old finding stays hidden");
        assert!(
            stderr(&out).contains("are in the baseline"),
            "{}",
            stderr(&out)
        );
        assert!(
            !stderr(&out).contains("no longer match"),
            "{}",
            stderr(&out)
        );
    };
    quiet(&root, "iamlint-baseline.json", ".");
    quiet(&root, "iamlint-baseline.json", "infra");
    quiet(&infra, "../iamlint-baseline.json", ".");
    quiet(&infra, "../iamlint-baseline.json", "main.tf");
    let abs_baseline = root.join("iamlint-baseline.json");
    quiet(&tmp, abs_baseline.to_str().unwrap(), root.to_str().unwrap());
    quiet(
        Path::new("/"),
        abs_baseline.to_str().unwrap(),
        infra.to_str().unwrap(),
    );

    // SARIF: the same fingerprints and repository-relative uris, whatever the edit or the way
    // the path is typed.
    assert_eq!(sarif_prints(&root, "."), before);
    assert_eq!(sarif_prints(&infra, "."), before);
    assert_eq!(sarif_prints(Path::new("/"), root.to_str().unwrap()), before);

    // A new finding is reported; a fixed one leaves a stale entry, which is counted.
    fs::write(
        infra.join("users.tf"),
        "resource \"google_project_iam_member\" \"carol\" {\n  project = \"acme-prod\"\n  role    = \"roles/run.viewer\"\n  member  = \"user:carol@example.com\"\n}\n",
    )
    .unwrap();
    let out = iamlint_in(
        &infra,
        &[
            "--format",
            "gcc",
            "--fail-on",
            "note",
            "--baseline",
            "../iamlint-baseline.json",
            ".",
        ],
    );
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("carol@example.com"), "{text}");
    assert!(
        stderr(&out).contains("3 baseline entries no longer match: rewrite with --write-baseline"),
        "{}",
        stderr(&out)
    );
    // Entries of files not checked are not stale: they were not looked at.
    let out = iamlint_in(
        &infra,
        &[
            "--format",
            "gcc",
            "--fail-on",
            "note",
            "--baseline",
            "../iamlint-baseline.json",
            "main.tf",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(
        !stderr(&out).contains("no longer match"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn outside_a_repository_paths_are_relative_to_the_baseline() {
    // Under the system's temporary directory: no `.git` above it (the target directory is
    // inside this repository's checkout).
    let tmp = std::env::temp_dir().join(format!("iamlint-adoption-{}", std::process::id()));
    let root = scratch(&tmp, "estate", false);
    assert!(
        !root.ancestors().any(|a| a.join(".git").exists()),
        "{} must not be in a repository for this test",
        root.display()
    );
    let infra = estate(&root);
    let out = iamlint_in(
        &root,
        &[
            "--fail-on",
            "note",
            "--write-baseline",
            "baseline.json",
            "infra",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let written = fs::read_to_string(root.join("baseline.json")).unwrap();
    assert!(written.contains("\"path\": \"infra/main.tf\""), "{written}");
    for (dir, baseline, path) in [
        (&infra, "../baseline.json", "."),
        (&root, "baseline.json", "infra/users.tf"),
        (&tmp, "estate/baseline.json", "estate"),
    ] {
        let out = iamlint_in(dir, &["--fail-on", "note", "--baseline", baseline, path]);
        assert_eq!(
            code(&out),
            0,
            "{}: {}{}",
            dir.display(),
            stdout(&out),
            stderr(&out)
        );
    }
    let _ = fs::remove_dir_all(&tmp);
}

#[test]
fn a_baseline_of_the_old_format_asks_to_be_rewritten() {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("adoption");
    let dir = scratch(&tmp, "old-format", true);
    fs::write(dir.join("b.json"), "{\"version\": 1, \"findings\": []}\n").unwrap();
    fs::write(dir.join("main.tf"), "locals {}\n").unwrap();
    let out = iamlint_in(&dir, &["--baseline", "b.json", "."]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out)
            .contains("version 1, this iamlint reads version 2: rewrite it with --write-baseline"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_path_that_does_not_exist_is_a_usage_error() {
    let out = iamlint_in(Path::new("."), &["does-not-exist"]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(
        stderr(&out).contains("iamlint: error: `does-not-exist`: no such file or directory"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "", "nothing is linted");
    // Even next to a path that exists.
    let out = iamlint_in(Path::new("."), &["fixtures/basic-role/silent", "nope.tf"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("`nope.tf`: no such file or directory"));
}

#[test]
fn zero_files_checked_is_said_on_stderr() {
    // A directory with no Terraform in it: this repository's `src/`.
    let out = iamlint_in(Path::new("."), &["src/"]);
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains(
            "iamlint: warning: no Terraform files (`.tf`, `.tf.json`) to check in `src/`: nothing was checked"
        ),
        "{}",
        stderr(&out)
    );
    // An exclude that removes everything says what it excluded.
    let out = iamlint_in(
        Path::new("."),
        &["--exclude", "*.tf", "fixtures/basic-role/silent"],
    );
    assert!(
        stderr(&out).contains("(excluded: *.tf)"),
        "{}",
        stderr(&out)
    );
    // A run that checks files does not warn.
    let out = iamlint_in(Path::new("."), &["fixtures/basic-role/silent"]);
    assert_eq!(stderr(&out), "");
}

#[test]
fn exit_zero_for_jobs_that_upload_reports() {
    let args = [
        "--format",
        "sarif",
        "fixtures/default-service-account/grants",
    ];
    assert_eq!(code(&iamlint_in(Path::new("."), &args)), 1);
    let out = iamlint_in(
        Path::new("."),
        &[
            "--exit-zero",
            "--format",
            "sarif",
            "fixtures/default-service-account/grants",
        ],
    );
    assert_eq!(code(&out), 0);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    // Usage errors still exit 2.
    assert_eq!(
        code(&iamlint_in(
            Path::new("."),
            &["--exit-zero", "does-not-exist"]
        )),
        2
    );
}

#[test]
fn junit_failures_are_what_fails_the_run() {
    // Only warnings: iamlint exits 0 at the default --fail-on error, so no test case fails.
    let dir = "fixtures/missing-service-account/gke";
    let out = iamlint_in(Path::new("."), &["--format", "junit", dir]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.attribute("failures"), Some("0"), "{text}");
    assert_eq!(root.attribute("tests"), Some("6"), "{text}");
    assert!(
        !doc.descendants().any(|n| n.has_tag_name("failure")),
        "{text}"
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("system-out"))
            .count(),
        6
    );
    // At --fail-on warning the same findings fail, and so does the run.
    let out = iamlint_in(
        Path::new("."),
        &["--format", "junit", "--fail-on", "warning", dir],
    );
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(doc.root_element().attribute("failures"), Some("6"));
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        6
    );
}

#[test]
fn plan_mistakes_are_usage_errors() {
    let out = iamlint_in(
        Path::new("."),
        &["--plan", "tests/data/plan/for-each.plan.json", "."],
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("drop the paths (.) or drop --plan"),
        "{}",
        stderr(&out)
    );

    // `terraform plan -out` writes a zip archive.
    let dir = scratch(
        &Path::new(env!("CARGO_TARGET_TMPDIR")).join("adoption"),
        "plan",
        false,
    );
    let plan = dir.join("plan.bin");
    fs::write(&plan, b"PK\x03\x04\x14\x00\x00\x00\x08\x00binary plan").unwrap();
    let out = iamlint_in(&dir, &["--plan", "plan.bin"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("`plan.bin` is a binary plan: convert it with `terraform show -json plan.bin > plan.json`"),
        "{}",
        stderr(&out)
    );
}

/// `repo/{app,legacy,test}/main.tf`, each with findings.
fn three_dirs(name: &str) -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("adoption");
    let base = scratch(&tmp, name, false);
    for dir in ["app", "legacy", "test"] {
        let d = base.join("repo").join(dir);
        fs::create_dir_all(&d).unwrap();
        fs::copy(
            "fixtures/default-service-account/grants/main.tf",
            d.join("main.tf"),
        )
        .unwrap();
    }
    base
}

fn dirs_reported(out: &Output) -> Vec<String> {
    let mut dirs: Vec<String> = stdout(out)
        .lines()
        .map(|l| l.split("/main.tf").next().unwrap().to_string())
        .collect();
    dirs.dedup();
    dirs
}

#[test]
fn an_exclude_typed_with_the_path_prefix_works() {
    let base = three_dirs("prefix");
    for pattern in ["repo/test/**", "test/**", "./repo/test/**", "test"] {
        let out = iamlint_in(&base, &["--format", "gcc", "--exclude", pattern, "repo"]);
        assert_eq!(
            dirs_reported(&out),
            ["repo/app", "repo/legacy"],
            "{pattern}"
        );
        assert!(
            !stderr(&out).contains("matched nothing"),
            "{pattern}: {}",
            stderr(&out)
        );
    }
    // An exclude that matches nothing is said, with the paths searched.
    let out = iamlint_in(
        &base,
        &[
            "--format",
            "gcc",
            "--exclude",
            "repo/tests/**",
            "--exclude",
            "legacy",
            "repo",
        ],
    );
    assert_eq!(dirs_reported(&out), ["repo/app", "repo/test"]);
    assert_eq!(
        stderr(&out),
        "iamlint: warning: --exclude `repo/tests/**` matched nothing in `repo`\n"
    );
}

#[test]
fn configured_excludes_apply_to_named_files() {
    let base = three_dirs("force-exclude");
    let repo = base.join("repo");
    fs::write(repo.join("iamlint.toml"), "exclude = [\"legacy/**\"]\n").unwrap();
    // What pre-commit does: name the staged files.
    let out = iamlint_in(&repo, &["--format", "gcc", "legacy/main.tf", "app/main.tf"]);
    assert_eq!(code(&out), 1);
    assert_eq!(dirs_reported(&out), ["app"]);
    let out = iamlint_in(&repo, &["--format", "gcc", "legacy/main.tf"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("(excluded: legacy/**)"),
        "{}",
        stderr(&out)
    );
    // From a subdirectory, the configuration's patterns are relative to its own directory.
    let out = iamlint_in(&repo.join("app"), &["--format", "gcc", "../legacy/main.tf"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    // The same for a directory named, and for --exclude.
    assert_eq!(code(&iamlint_in(&repo, &["legacy"])), 0);
    let out = iamlint_in(&repo, &["--exclude", "app", "app/main.tf"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    // Linting an excluded file anyway.
    let out = iamlint_in(
        &repo,
        &["--format", "gcc", "--no-force-exclude", "legacy/main.tf"],
    );
    assert_eq!(code(&out), 1);
    assert_eq!(dirs_reported(&out), ["legacy"]);
}

#[test]
fn the_problem_matcher_is_printed_for_jobs_that_have_no_copy() {
    let out = iamlint_in(Path::new("."), &["--print-matcher"]);
    assert_eq!(code(&out), 0);
    assert_eq!(
        stdout(&out),
        fs::read_to_string(".github/iamlint-matcher.json").unwrap()
    );
    let matcher: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let owners: Vec<&str> = matcher["problemMatcher"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["owner"].as_str().unwrap())
        .collect();
    assert_eq!(owners, ["iamlint-error", "iamlint-warning", "iamlint-note"]);
    // Its patterns read the gcc format.
    let gcc = iamlint_in(
        Path::new("."),
        &["--format", "gcc", "fixtures/default-service-account/grants"],
    );
    let pattern = regex::Regex::new(
        matcher["problemMatcher"][0]["pattern"][0]["regexp"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let first = stdout(&gcc).lines().next().unwrap().to_string();
    assert!(pattern.is_match(&first), "{first}");
}
