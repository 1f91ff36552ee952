//! The real binary: exit statuses, formats, determinism, file selection and bad input.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn iamlint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(args)
        .output()
        .expect("iamlint runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally, not by a signal")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn exit_status_follows_fail_on() {
    let clean = iamlint(&["fixtures/missing-service-account/silent"]);
    assert_eq!(code(&clean), 0, "{}", stdout(&clean));
    assert!(stdout(&clean).ends_with("checked 1 file: no problems found\n"));

    let errors = iamlint(&["fixtures/default-service-account/grants"]);
    assert_eq!(code(&errors), 1);

    // Only warnings: fine at the default threshold, a failure at `--fail-on warning`.
    let warnings = iamlint(&["fixtures/missing-service-account/gke"]);
    assert_eq!(code(&warnings), 0);
    assert!(stdout(&warnings).contains("0 errors, 6 warnings"));
    assert_eq!(
        code(&iamlint(&[
            "--fail-on",
            "warning",
            "fixtures/missing-service-account/gke"
        ])),
        1
    );
    assert_eq!(
        code(&iamlint(&[
            "--fail-on",
            "note",
            "fixtures/missing-service-account/silent"
        ])),
        0
    );
}

#[test]
fn usage_errors_exit_2() {
    let unknown = iamlint(&["--no-such-flag"]);
    assert_eq!(code(&unknown), 2);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--no-such-flag"));
    assert_eq!(code(&iamlint(&["--format", "xml", "fixtures"])), 2);
    assert_eq!(code(&iamlint(&["--jobs", "0", "fixtures"])), 2);
    let glob = iamlint(&["--exclude", "a[", "fixtures"]);
    assert_eq!(code(&glob), 2);
    assert!(String::from_utf8_lossy(&glob.stderr).contains("invalid --exclude glob `a[`"));
    assert!(glob.stdout.is_empty());
}

/// The GitHub problem matcher's patterns, as the runner reads them.
fn matcher_patterns() -> Vec<(String, regex::Regex)> {
    let text = fs::read_to_string(".github/iamlint-matcher.json").unwrap();
    let matcher: serde_json::Value = serde_json::from_str(&text).unwrap();
    matcher["problemMatcher"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let pattern = &m["pattern"][0];
            assert_eq!(
                (
                    pattern["file"].as_u64(),
                    pattern["line"].as_u64(),
                    pattern["column"].as_u64()
                ),
                (Some(1), Some(2), Some(3))
            );
            assert_eq!(
                (pattern["message"].as_u64(), pattern["code"].as_u64()),
                (Some(4), Some(5))
            );
            (
                m["severity"].as_str().unwrap().to_string(),
                regex::Regex::new(pattern["regexp"].as_str().unwrap()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_problem_matcher_reads_every_gcc_line() {
    let patterns = matcher_patterns();
    let text = stdout(&iamlint(&["--format", "gcc", "fixtures"]));
    let json = iamlint(&["--format", "json", "fixtures"]);
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let diags = parsed["diagnostics"].as_array().unwrap();
    assert_eq!(text.lines().count(), diags.len());
    assert!(diags.len() > 100);
    let mut severities = std::collections::BTreeSet::new();
    for (line, diag) in text.lines().zip(diags) {
        let matched: Vec<_> = patterns
            .iter()
            .filter(|(_, re)| re.is_match(line))
            .collect();
        assert_eq!(matched.len(), 1, "exactly one matcher reads {line}");
        let (severity, re) = matched[0];
        let caps = re.captures(line).unwrap();
        assert_eq!(&caps[1], diag["path"].as_str().unwrap(), "{line}");
        assert_eq!(
            caps[2].parse::<u64>().unwrap(),
            diag["line"].as_u64().unwrap()
        );
        assert_eq!(
            caps[3].parse::<u64>().unwrap(),
            diag["column"].as_u64().unwrap()
        );
        assert_eq!(&caps[4], diag["message"].as_str().unwrap());
        assert_eq!(&caps[5], diag["rule"].as_str().unwrap());
        let expected = match diag["severity"].as_str().unwrap() {
            "note" => "notice",
            other => other,
        };
        assert_eq!(severity, expected);
        severities.insert(severity.clone());
    }
    assert_eq!(severities.len(), 3, "the fixtures print every severity");
    // A path with `: ` in it is still read correctly.
    assert!(text.contains("fixtures/_formats/module/a file, with: punctuation%.tf:2:10: warning:"));
}

#[test]
fn json_has_the_documented_fields() {
    let out = iamlint(&[
        "--format",
        "json",
        "fixtures/deployer-role-create-delete/via-locals",
    ]);
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &parsed["diagnostics"][0];
    assert_eq!(d["rule"], "deployer-role-create-delete");
    assert_eq!(d["severity"], "error");
    assert_eq!(
        d["message"],
        "deployer role `deploy_run` can delete Cloud Run services"
    );
    assert_eq!(
        d["path"],
        "fixtures/deployer-role-create-delete/via-locals/locals.tf"
    );
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(10), Some(5))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(10), Some(26))
    );
    assert_eq!(
        d["related"][0]["path"],
        "fixtures/deployer-role-create-delete/via-locals/main.tf"
    );
    assert!(
        d["help"]
            .as_str()
            .unwrap()
            .contains("remove `run.services.delete`")
    );
    assert_eq!(parsed["summary"]["errors"], 1);
    assert_eq!(parsed["summary"]["files_checked"], 2);
}

#[test]
fn output_is_identical_for_any_thread_count() {
    for format in ["human", "gcc", "json"] {
        let one = iamlint(&["--format", format, "--jobs", "1", "fixtures"]);
        let two = iamlint(&["--format", format, "--jobs", "2", "fixtures"]);
        assert_eq!(one.stdout, two.stdout, "{format}");
        assert!(!one.stdout.is_empty());
        // Overlapping paths, in any order, give the same report as the directory alone.
        let overlapping = iamlint(&[
            "--format",
            format,
            "-j",
            "4",
            "fixtures/_engine",
            "./fixtures/",
            "fixtures",
        ]);
        let reordered = iamlint(&[
            "--format",
            format,
            "-j",
            "3",
            "fixtures",
            "fixtures/_engine/encodings",
        ]);
        assert_eq!(one.stdout, overlapping.stdout, "{format}");
        assert_eq!(one.stdout, reordered.stdout, "{format}");
    }
}

#[test]
fn a_named_file_is_linted_with_its_module_as_context() {
    // The role is in roles.tf; what makes it a deployer role is a grant in iam.tf.
    let out = iamlint(&[
        "--format",
        "gcc",
        "fixtures/deployer-role-create-delete/granted-to-deployer/roles.tf",
    ]);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.lines().all(|l| {
        l.starts_with("fixtures/deployer-role-create-delete/granted-to-deployer/roles.tf:")
    }));
    // Naming only iam.tf reports nothing from roles.tf.
    let out = iamlint(&[
        "--format",
        "gcc",
        "fixtures/deployer-role-create-delete/granted-to-deployer/iam.tf",
    ]);
    let text = stdout(&out);
    assert!(!text.is_empty() && !text.contains("roles.tf"), "{text}");
}

#[test]
fn excludes_and_dot_terraform_are_skipped() {
    let all = stdout(&iamlint(&["--format", "gcc", "fixtures"]));
    // `.terraform/` is never walked: only what a call reaches is read there.
    assert!(!all.contains(".terraform/modules/unreached"), "{all}");
    assert!(all.contains(".terraform/modules/vendored"), "{all}");
    assert!(all.contains("granted-to-deployer"));
    let excluded = stdout(&iamlint(&[
        "--format",
        "gcc",
        "--exclude",
        "granted-to-*",
        "--exclude",
        "_engine/**",
        "fixtures",
    ]));
    assert!(!excluded.contains("granted-to-deployer"));
    assert!(!excluded.contains("_engine"));
    assert!(excluded.contains("via-locals"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let always = iamlint(&[
        "--color",
        "always",
        "fixtures/default-service-account/grants",
    ]);
    assert!(always.stdout.contains(&0x1b));
    let auto = iamlint(&["fixtures/default-service-account/grants"]);
    assert!(!auto.stdout.contains(&0x1b), "stdout is a pipe here");
    let never = iamlint(&[
        "--color",
        "never",
        "fixtures/default-service-account/grants",
    ]);
    assert_eq!(auto.stdout, never.stdout);
}

#[test]
fn bad_paths_are_diagnostics_and_the_rest_is_checked() {
    let dir = scratch("bad-paths");
    fs::write(dir.join("ok.tf"), "resource \"google_project_iam_member\" \"m\" {\n  role   = \"roles/viewer\"\n  member = \"serviceAccount:1-compute@developer.gserviceaccount.com\"\n}\n").unwrap();
    std::os::unix::fs::symlink("nowhere.tf", dir.join("dangling.tf")).unwrap();
    fs::create_dir(dir.join("dir.tf")).unwrap();
    fs::write(dir.join("dir.tf").join("inner.tf"), "locals {}\n").unwrap();
    let fifo = dir.join("pipe.tf");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", "gcc"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}");
    let d = dir.display();
    assert!(text.contains(&format!("{d}/dangling.tf:1:1: error: cannot read `{d}/dangling.tf`: broken symbolic link [io-error]")), "{text}");
    assert!(
        text.contains(&format!(
            "{d}/pipe.tf:1:1: error: cannot read `{d}/pipe.tf`: not a regular file [io-error]"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{d}/ok.tf:3:12: error: the Compute Engine default service account"
        )),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(out.stderr.is_empty());

    // Naming a FIFO explicitly never opens it.
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .arg(&fifo)
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("not a regular file"));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--jobs", "1", "fixtures"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(out.status.code().is_some(), "killed by a signal");
}

#[test]
fn rules_and_explain() {
    let out = iamlint(&["rules"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    for rule in iamlint::registry::RULES {
        assert!(text.contains(rule.id), "{}", rule.id);
    }
    let out = iamlint(&["explain", "public-member"]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).starts_with("# public-member\n"));
    let out = iamlint(&["explain", "public-membr"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `public-member`?"));
}

#[test]
fn configuration_is_found_upward_and_errors_stop_the_run() {
    let dir = scratch("config");
    let nested = dir.join("envs").join("prod");
    fs::create_dir_all(&nested).unwrap();
    fs::write(nested.join("main.tf"), "resource \"google_project_iam_member\" \"m\" {\n  project = \"p\"\n  role    = \"roles/viewer\"\n  member  = \"user:a@example.com\"\n}\n").unwrap();
    let run = |cwd: &Path, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_iamlint"))
            .current_dir(cwd)
            .args(args)
            .output()
            .unwrap()
    };
    // No configuration: the default severity (note).
    let out = run(&nested, &["--format", "gcc", "--fail-on", "note"]);
    assert!(
        stdout(&out).contains(": note: `user:a@example.com`"),
        "{}",
        stdout(&out)
    );
    // Found from a parent directory.
    fs::write(
        dir.join("iamlint.toml"),
        "[rules]\nuser-member = \"error\"\n",
    )
    .unwrap();
    let out = run(&nested, &["--format", "gcc"]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains(": error: `user:a@example.com`"),
        "{}",
        stdout(&out)
    );
    // Turned off by an explicit --config.
    fs::write(dir.join("off.toml"), "[rules]\nuser-member = \"off\"\n").unwrap();
    let out = run(
        &nested,
        &["--config", "../../off.toml", "--fail-on", "note"],
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    // A broken configuration stops the run with its location.
    fs::write(dir.join("iamlint.toml"), "[rules]\nuser-membr = \"off\"\n").unwrap();
    let out = run(&nested, &[]);
    assert_eq!(code(&out), 2);
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("iamlint.toml:2:1: error: unknown rule `user-membr`"),
        "{err}"
    );
    assert!(err.contains("did you mean `user-member`?"), "{err}");
    let out = run(&nested, &["--config", "missing.toml"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "missing.toml:1:1: error: cannot read the configuration: no such file or directory"
    ));
}

#[test]
fn select_and_ignore_override_the_configuration() {
    let only = stdout(&iamlint(&[
        "--format",
        "gcc",
        "--select",
        "user-member,basic-role",
        "fixtures",
    ]));
    assert!(!only.is_empty());
    assert!(
        only.lines().all(|l| l.ends_with("[user-member]")
            || l.ends_with("[basic-role]")
            || l.contains("-suppression]")
            || l.ends_with("[parse-error]")
            || l.ends_with("[module-cycle]")),
        "{only}"
    );
    let ignored = stdout(&iamlint(&[
        "--format",
        "gcc",
        "--ignore",
        "user-member",
        "--ignore",
        "basic-role",
        "fixtures",
    ]));
    assert!(!ignored.contains("[user-member]") && !ignored.contains("[basic-role]"));
    assert!(ignored.contains("[public-member]"));
    let out = iamlint(&["--select", "user-membr", "fixtures"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `user-member`?"));
}

#[test]
fn a_baseline_hides_known_findings_even_after_code_moves() {
    let dir = scratch("baseline");
    let original = fs::read_to_string("fixtures/user-member/fires/main.tf").unwrap();
    fs::write(dir.join("main.tf"), &original).unwrap();
    let baseline = dir.join("iamlint-baseline.json");
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--fail-on", "note", "--write-baseline"])
        .arg(&baseline)
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrote 3 findings"));
    let leftovers: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no temporary file is left behind: {leftovers:?}"
    );

    // The same findings, moved down and re-indented, plus one new finding.
    let moved = format!(
        "# a new comment\n\n{}\nresource \"google_project_iam_member\" \"carol\" {{\n  project = \"acme-prod\"\n  role    = \"roles/run.viewer\"\n  member  = \"user:carol@example.com\"\n}}\n",
        original.replace("  member  =", "    member =")
    );
    fs::write(dir.join("main.tf"), moved).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", "gcc", "--fail-on", "note", "--baseline"])
        .arg(&baseline)
        .arg(&dir)
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("user:carol@example.com"));
    assert_eq!(code(&out), 1);

    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .arg("--baseline")
        .arg(dir.join("main.tf"))
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "a file that is not a baseline stops the run");
}

#[test]
fn var_files_apply_after_the_module_tfvars() {
    let dir = scratch("var-file");
    fs::write(dir.join("main.tf"), "variable \"member\" {\n  type = string\n}\n\nresource \"google_project_iam_member\" \"m\" {\n  project = \"acme-prod\"\n  role    = \"roles/run.invoker\"\n  member  = var.member\n}\n").unwrap();
    fs::write(
        dir.join("terraform.tfvars"),
        "member = \"group:callers@example.com\"\n",
    )
    .unwrap();
    let prod = dir.join("prod.tfvars");
    fs::write(&prod, "member = \"allUsers\"\n").unwrap();
    let without = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", "gcc"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(code(&without), 0, "{}", stdout(&without));
    let with = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", "gcc", "--var-file"])
        .arg(&prod)
        .arg(&dir)
        .output()
        .unwrap();
    let text = stdout(&with);
    assert_eq!(code(&with), 1, "{text}");
    assert!(
        text.starts_with(&format!(
            "{}:1:10: error: `allUsers` is granted",
            prod.display()
        )),
        "{text}"
    );
}

#[test]
fn a_dangling_tfvars_link_is_optional_context() {
    let dir = scratch("dangling-tfvars");
    fs::write(dir.join("main.tf"), "locals {}\n").unwrap();
    std::os::unix::fs::symlink("../../terraform.tfvars", dir.join("terraform.tfvars")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn a_named_file_reads_the_modules_it_calls_as_context() {
    // As pre-commit names a caller alone: what its inputs cause in the modules it calls is
    // reported in the caller; what is wrong in the modules themselves is not (not named).
    let text = stdout(&iamlint(&[
        "--format",
        "gcc",
        "fixtures/_modules/estate/main.tf",
    ]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("fixtures/_modules/estate/main.tf:")),
        "{text}"
    );
    let whole = stdout(&iamlint(&["--format", "gcc", "fixtures/_modules/estate"]));
    for line in lines {
        assert!(
            whole.contains(line),
            "{line} is also found in the whole scan"
        );
    }
}
