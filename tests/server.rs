//! `iamlint server` driven over stdio with JSON-RPC, as an editor drives it: the published
//! diagnostics against the CLI's JSON for every fixture case, unsaved edits across a module and
//! its callers, code actions, hover, completion, a bad configuration, malformed requests, and
//! a real editor (Neovim, when installed).

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_iamlint");
const WAIT: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// The last diagnostics published for each URI, and how many times each was published.
    diagnostics: BTreeMap<String, Value>,
    publishes: BTreeMap<String, usize>,
}

fn file_uri(path: &Path) -> String {
    lsp_types::Url::from_file_path(path).unwrap().to_string()
}

impl Client {
    fn start(root: &Path, options: Value) -> Client {
        Client::start_with(root, options, json!({})).0
    }

    /// A client with these capabilities; also the `initialize` result.
    fn start_with(root: &Path, options: Value, capabilities: Value) -> (Client, Value) {
        let mut child = Command::new(BIN)
            .arg("server")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start iamlint server");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let value: Value = serde_json::from_slice(&body).expect("the server sends JSON");
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming,
            next_id: 0,
            diagnostics: BTreeMap::new(),
            publishes: BTreeMap::new(),
        };
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": file_uri(root),
                "capabilities": capabilities,
                "initializationOptions": options,
            }),
        );
        assert_eq!(
            result["result"]["serverInfo"]["name"], "iamlint",
            "{result}"
        );
        client.notify("initialized", json!({}));
        (client, result)
    }

    fn write_raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string();
        self.write_raw(&body);
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let body =
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        self.write_raw(&body);
        self.until(|m| m["id"] == json!(id))
    }

    /// Reads messages (recording diagnostics) until one satisfies `done`, which is returned.
    fn until(&mut self, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = match self.incoming.recv_timeout(left) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => panic!("no answer from the server in {WAIT:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server went away"),
            };
            if message["method"] == "textDocument/publishDiagnostics" {
                let uri = message["params"]["uri"].as_str().unwrap().to_string();
                *self.publishes.entry(uri.clone()).or_default() += 1;
                self.diagnostics
                    .insert(uri, message["params"]["diagnostics"].clone());
            }
            if done(&message) {
                return message;
            }
        }
    }

    /// Waits for a publication for `uri` that satisfies `check`; returns its diagnostics.
    fn diagnostics_for(&mut self, uri: &str, check: impl Fn(&Value) -> bool) -> Value {
        if self.diagnostics.get(uri).is_some_and(&check) {
            return self.diagnostics[uri].clone();
        }
        let message = self.until(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && check(&m["params"]["diagnostics"])
        });
        message["params"]["diagnostics"].clone()
    }

    /// Waits for a publication for `uri` with a finding of `rule`; returns that finding.
    fn diagnostic(&mut self, uri: &str, rule: &'static str) -> Value {
        let diags = self.diagnostics_for(uri, has(rule));
        diags
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == rule)
            .unwrap()
            .clone()
    }

    /// The answer to a completion request at `line`, `character` of `uri`.
    fn completion(&mut self, uri: &str, line: u64, character: u64) -> Value {
        self.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
    }

    /// Everything published so far has arrived: a request's answer comes after the
    /// publications of any run that finished before it.
    fn settle(&mut self) {
        let r = self.request(
            "textDocument/hover",
            hover_params("file:///nonexistent.tf", 0, 0),
        );
        assert!(r.get("error").is_none(), "{r}");
    }

    fn open(&mut self, path: &Path, version: i64) -> String {
        let uri = file_uri(path);
        let text = std::fs::read_to_string(path).unwrap();
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "terraform", "version": version, "text": text}}),
        );
        uri
    }

    /// Opens a document that is not on disk (a new buffer, never saved).
    fn open_unsaved(&mut self, path: &Path, text: &str) -> String {
        let uri = file_uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "terraform", "version": 1, "text": text}}),
        );
        uri
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r["result"], Value::Null, "{r}");
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "exit after shutdown: {status}");
    }
}

fn hover_params(uri: &str, line: u64, character: u64) -> Value {
    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
}

fn rules(diags: &Value) -> Vec<String> {
    let mut out: Vec<String> = diags
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// The labels of a completion answer's items.
fn labels(answer: &Value) -> Vec<&str> {
    answer["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect()
}

fn has(rule: &'static str) -> impl Fn(&Value) -> bool {
    move |d: &Value| rules(d).iter().any(|r| r == rule)
}

fn lacks(rule: &'static str) -> impl Fn(&Value) -> bool {
    move |d: &Value| d.is_array() && !rules(d).iter().any(|r| r == rule)
}

/// The fixture cases: directories with an `expected.txt`.
fn cases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
    while let Some(dir) = stack.pop() {
        if dir.join("expected.txt").exists() {
            out.push(dir.clone());
        }
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

/// (path, rule, line, column, end line, end column, first line of the message, related count)
type Key = (String, String, u64, u64, u64, u64, String, usize);

fn cli_keys(case: &Path) -> Vec<Key> {
    let out = Command::new(BIN)
        .args(["--format", "json", "."])
        .current_dir(case)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: {}",
            case.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut keys: Vec<Key> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["rule"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["end_line"].as_u64().unwrap(),
                d["end_column"].as_u64().unwrap(),
                d["message"]
                    .as_str()
                    .unwrap()
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string(),
                d["related"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    keys.sort();
    keys
}

fn server_keys(case: &Path, published: &BTreeMap<String, Value>) -> Vec<Key> {
    let mut keys = Vec::new();
    for (uri, diags) in published {
        let file = lsp_types::Url::parse(uri).unwrap().to_file_path().unwrap();
        let path = file
            .strip_prefix(case)
            .unwrap_or(&file)
            .display()
            .to_string();
        for d in diags.as_array().unwrap() {
            let n = |v: &Value| v.as_u64().unwrap() + 1;
            keys.push((
                path.clone(),
                d["code"].as_str().unwrap().to_string(),
                n(&d["range"]["start"]["line"]),
                n(&d["range"]["start"]["character"]),
                n(&d["range"]["end"]["line"]),
                n(&d["range"]["end"]["character"]),
                d["message"]
                    .as_str()
                    .unwrap()
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string(),
                d["relatedInformation"].as_array().map_or(0, Vec::len),
            ));
        }
    }
    keys.sort();
    keys
}

/// Columns in the JSON are in characters, LSP's in UTF-16 units: cases with characters
/// outside the BMP would differ, and there are none.
#[test]
fn published_diagnostics_match_the_cli_json_for_every_fixture() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in cases() {
        let case = case.canonicalize().unwrap();
        let Some(first) = walk_tf(&case).into_iter().next() else {
            continue;
        };
        let expected = cli_keys(&case);
        eprintln!("case {}", case.display());
        let mut client = Client::start(&case, json!({"debounceMs": 0}));
        let uri = client.open(&first, 1);
        client.diagnostics_for(&uri, |d| d.is_array());
        client.settle();
        let got = server_keys(&case, &client.diagnostics);
        if got != expected {
            failures.push(format!(
                "{}:\n  cli:    {expected:?}\n  server: {got:?}",
                case.display()
            ));
        }
        compared += expected.len();
        client.shutdown();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared > 100, "only {compared} diagnostics compared");
}

/// The `.tf` files under a directory, outside `.terraform`, sorted.
fn walk_tf(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() && !name.starts_with('.') {
                stack.push(path);
            } else if name.ends_with(".tf") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamlint-server-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn change(uri: &str, version: i64, changes: Value) -> Value {
    json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes})
}

fn range(l1: u64, c1: u64, l2: u64, c2: u64) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

/// Unsaved text across files: a role edited in one file, granted to a deployer in another on
/// disk; a caller's unsaved input turning on what its module creates.
#[test]
fn unsaved_edits_are_linted_with_the_module_and_its_callers() {
    let dir = temp_dir("overlay");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/deployer-role-create-delete/granted-to-deployer"),
        &dir.join("deploy"),
    );
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/_modules/keycaller"),
        &dir.join("caller"),
    );
    let mut client = Client::start(&dir, json!({"debounceMs": 20}));
    let roles = dir.join("deploy/roles.tf");
    let roles_uri = client.open(&roles, 1);
    let iam_uri = file_uri(&dir.join("deploy/iam.tf"));
    let first = client.diagnostics_for(&roles_uri, has("deployer-role-create-delete"));
    assert_eq!(first.as_array().unwrap().len(), 2, "{first}");
    let d = &first[0];
    assert_eq!(d["source"], "iamlint");
    assert_eq!(d["severity"], 1, "{d}");
    assert!(
        d["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("/rules/deployer-role-create-delete.md"),
        "{d}"
    );
    assert!(
        d["relatedInformation"][0]["message"]
            .as_str()
            .unwrap()
            .contains("granted to `gitlab-deployer` in iam.tf:9"),
        "{d}"
    );
    // Every document of the module is published, the one with no finding of its own too.
    client.diagnostics_for(&iam_uri, |d| rules(d) == ["authoritative-iam"]);

    // Remove `"run.services.delete", # expect: ...` (line 11) without saving.
    client.notify(
        "textDocument/didChange",
        change(
            &roles_uri,
            2,
            json!([{"range": range(10, 0, 11, 0), "text": ""}]),
        ),
    );
    let after = client.diagnostics_for(&roles_uri, |d| d.as_array().is_some_and(|a| a.len() == 1));
    assert!(after[0]["range"]["start"]["line"] == 17, "{after}");
    // Nothing was written.
    assert!(
        std::fs::read_to_string(&roles)
            .unwrap()
            .contains("run.services.delete")
    );

    // The caller's unsaved input creates what its module declares: findings in the callee.
    let caller = dir.join("caller/main.tf");
    let caller_uri = client.open(&caller, 1);
    let callee_uri = file_uri(&dir.join("caller/mod/main.tf"));
    client.diagnostics_for(&caller_uri, |d| d.as_array().is_some_and(Vec::is_empty));
    assert!(
        !client.diagnostics.contains_key(&callee_uri)
            || client.diagnostics[&callee_uri] == json!([])
    );
    client.notify(
        "textDocument/didChange",
        change(
            &caller_uri,
            2,
            json!([{"range": range(4, 12, 4, 17), "text": "true"}]),
        ),
    );
    let callee = client.diagnostics_for(&callee_uri, has("public-member"));
    assert!(
        rules(&callee).contains(&"service-account-key".to_string()),
        "{callee}"
    );
    let related = callee.as_array().unwrap().iter().any(|d| {
        d["relatedInformation"].as_array().is_some_and(|r| {
            r.iter()
                .any(|l| l["message"].as_str().unwrap().contains("module.m"))
        })
    });
    assert!(related, "the call is a related location: {callee}");
    // And back: the callee's diagnostics are cleared.
    client.notify(
        "textDocument/didChange",
        change(
            &caller_uri,
            3,
            json!([{"text": std::fs::read_to_string(&caller).unwrap()}]),
        ),
    );
    client.diagnostics_for(&callee_uri, |d| d.as_array().is_some_and(Vec::is_empty));
    client.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

const MAIN_TF: &str = r#"resource "google_project_iam_custom_role" "r" {
  project     = "p"
  role_id     = "reader"
  title       = "Reader"
  permissions = [
    "run.services.get",
    "run.services.get",
  ]
}

resource "google_project_iam_member" "m" {
  project = "p"
  role    = "roles/viewer"
  member  = "group:readers@example.com"
}
"#;

#[test]
fn code_actions_hover_and_completion() {
    let dir = temp_dir("actions");
    std::fs::write(dir.join("main.tf"), MAIN_TF).unwrap();
    let mut client = Client::start(&dir, json!({"debounceMs": 0}));
    let uri = client.open(&dir.join("main.tf"), 1);
    let dup = client.diagnostic(&uri, "duplicate-permission");
    assert_eq!(dup["tags"], json!([1]), "unnecessary: {dup}");
    assert_eq!(dup["range"]["start"]["line"], 6, "{dup}");

    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": dup["range"], "context": {"diagnostics": [dup]}}),
    );
    let actions = actions["result"].as_array().unwrap().clone();
    let fix = actions
        .iter()
        .find(|a| a["kind"] == "quickfix" && a["isPreferred"] == true)
        .unwrap_or_else(|| panic!("a safe fix: {actions:?}"));
    let edits = &fix["edit"]["changes"][&uri];
    assert_eq!(edits[0]["newText"], "", "{fix}");
    assert_eq!(
        edits[0]["range"],
        range(6, 0, 7, 0),
        "the element's line: {fix}"
    );
    let suppress = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Suppress"))
        .unwrap_or_else(|| panic!("a suppression: {actions:?}"));
    let edit = &suppress["edit"]["changes"][&uri][0];
    assert_eq!(
        edit["newText"],
        "    # iamlint-ignore: duplicate-permission -- \n"
    );
    assert_eq!(edit["range"], range(6, 0, 6, 0));

    // Apply the suppression with a reason: the diagnostic goes.
    client.notify(
        "textDocument/didChange",
        change(&uri, 2, json!([{"range": range(6, 0, 6, 0), "text": "    # iamlint-ignore: duplicate-permission -- kept for the test\n"}])),
    );
    client.diagnostics_for(&uri, lacks("duplicate-permission"));

    // Hover on a role and on a permission (line numbers after the inserted line).
    let role = client.request("textDocument/hover", hover_params(&uri, 13, 16));
    let text = role["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("Viewer") && text.contains("roles/viewer"),
        "{text}"
    );
    let perm = client.request("textDocument/hover", hover_params(&uri, 5, 10));
    let text = perm["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("run.services.get") && text.contains("custom roles"),
        "{text}"
    );

    // Completion inside a permission string being typed, and inside `role = "..."`.
    client.notify(
        "textDocument/didChange",
        change(
            &uri,
            3,
            json!([{"range": range(5, 20, 5, 20), "text": "\n    \"run.services.de"}]),
        ),
    );
    let items = client.completion(&uri, 6, 19);
    let names = labels(&items);
    assert!(names.contains(&"run.services.delete"), "{names:?}");
    // The whole string's content is replaced.
    assert_eq!(
        items["result"]["items"][0]["textEdit"]["range"],
        range(6, 5, 6, 21)
    );
    let roles = client.completion(&uri, 14, 21);
    let names = labels(&roles);
    assert!(
        names.contains(&"roles/viewer") && names.iter().all(|l| l.starts_with("roles/vi")),
        "{names:?}"
    );
    client.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_configuration_is_a_diagnostic_and_is_reloaded() {
    let dir = temp_dir("config");
    std::fs::write(dir.join("main.tf"), MAIN_TF).unwrap();
    std::fs::write(
        dir.join("iamlint.toml"),
        "[rules]\nduplicate-permision = \"off\"\n",
    )
    .unwrap();
    let mut client = Client::start(&dir, json!({"debounceMs": 0}));
    let uri = client.open(&dir.join("main.tf"), 1);
    let config_uri = file_uri(&dir.join("iamlint.toml"));
    let problem =
        client.diagnostics_for(&config_uri, |d| d.as_array().is_some_and(|a| a.len() == 1));
    assert_eq!(problem[0]["range"]["start"]["line"], 1, "{problem}");
    assert!(
        problem[0]["message"]
            .as_str()
            .unwrap()
            .contains("duplicate-permission"),
        "{problem}"
    );
    client.diagnostics_for(&uri, has("duplicate-permission"));

    // Fixed on disk: the client reports the change, the rule is off, the error is gone.
    std::fs::write(
        dir.join("iamlint.toml"),
        "[rules]\nduplicate-permission = \"off\"\n",
    )
    .unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": config_uri, "type": 2}]}),
    );
    client.diagnostics_for(&config_uri, |d| d.as_array().is_some_and(Vec::is_empty));
    client.diagnostics_for(&uri, lacks("duplicate-permission"));

    // Edited in the editor and not saved: the unsaved text counts.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": config_uri, "languageId": "toml", "version": 1, "text": "[rules]\nduplicate-permission = \"warning\"\n"}}),
    );
    let dup = client.diagnostic(&uri, "duplicate-permission");
    assert_eq!(dup["severity"], 2, "{dup}");
    client.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn positions_use_the_encoding_the_client_prefers() {
    // `é` is 2 bytes and 1 UTF-16 unit; `𝄞` 4 bytes, 2 units, 1 character.
    let text = MAIN_TF.replace(
        "    \"run.services.get\",\n  ]",
        "    /* é𝄞 */ \"run.services.get\",\n  ]",
    );
    for (offered, chosen, column) in [
        (json!(null), "utf-16", 14),
        (json!(["utf-8", "utf-16"]), "utf-8", 17),
        (json!(["utf-32"]), "utf-32", 13),
    ] {
        let dir = temp_dir(&format!("encoding-{chosen}"));
        std::fs::write(dir.join("main.tf"), &text).unwrap();
        let capabilities = match offered.is_null() {
            true => json!({}),
            false => json!({"general": {"positionEncodings": offered}}),
        };
        let (mut client, init) = Client::start_with(&dir, json!({"debounceMs": 0}), capabilities);
        assert_eq!(
            init["result"]["capabilities"]["positionEncoding"], chosen,
            "{init}"
        );
        let uri = client.open(&dir.join("main.tf"), 1);
        let dup = client.diagnostic(&uri, "duplicate-permission");
        assert_eq!(dup["range"]["start"]["line"], 6, "{chosen}: {dup}");
        assert_eq!(
            dup["range"]["start"]["character"], column,
            "{chosen}: {dup}"
        );
        // An edit located in the same encoding lands where the client meant: replace the
        // repeated permission's `get` with `list`, which ends the duplicate.
        client.notify(
            "textDocument/didChange",
            change(
                &uri,
                2,
                json!([{"range": range(6, column + 14, 6, column + 17), "text": "list"}]),
            ),
        );
        client.diagnostics_for(&uri, lacks("duplicate-permission"));
        client.shutdown();
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn malformed_messages_get_errors_and_the_server_keeps_running() {
    let dir = temp_dir("malformed");
    let mut client = Client::start(&dir, json!({}));
    client.write_raw("{this is not json");
    let e = client.until(|m| m.get("error").is_some());
    assert_eq!(e["error"]["code"], -32700, "{e}");
    assert_eq!(e["id"], Value::Null);
    client.write_raw(r#"{"jsonrpc": "2.0", "id": 50, "params": {}}"#);
    let e = client.until(|m| m["id"] == 50);
    assert_eq!(e["error"]["code"], -32600, "{e}");
    let e = client.request("textDocument/hover", json!({"textDocument": 3}));
    assert_eq!(e["error"]["code"], -32602, "{e}");
    let e = client.request(
        "textDocument/definition",
        hover_params("file:///x.tf", 0, 0),
    );
    assert_eq!(e["error"]["code"], -32601, "{e}");
    // Positions past the end, unknown documents, a change to a document never opened.
    client.notify(
        "textDocument/didChange",
        change("file:///nowhere.tf", 1, json!([{"text": "x"}])),
    );
    client.notify("textDocument/didOpen", json!({"textDocument": {"uri": "untitled:1", "languageId": "terraform", "version": 1, "text": "\"roles/own"}}));
    let r = client.completion("untitled:1", 99, 99);
    assert!(r.get("error").is_none(), "{r}");
    let r = client.request(
        "textDocument/hover",
        hover_params("untitled:1", 0, 4_000_000_000),
    );
    assert!(r.get("error").is_none(), "{r}");
    client.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Neovim 0.7 (Debian's) has `vim.lsp.start_client` and `vim.lsp.buf_attach_client`, not
/// `vim.lsp.start` (0.8): tests/nvim/lsp.lua uses those, as the README's snippet for 0.7 does.
#[test]
fn neovim_receives_the_diagnostics() {
    let nvim = std::env::var("IAMLINT_NVIM").unwrap_or_else(|_| "nvim".into());
    if Command::new(&nvim).arg("--version").output().is_err() {
        eprintln!(
            "SKIPPED neovim_receives_the_diagnostics: `{nvim}` is not installed (apt-get install neovim; .ci/run does)"
        );
        return;
    }
    let dir = temp_dir("nvim");
    std::fs::write(dir.join("main.tf"), MAIN_TF).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nvim/lsp.lua");
    let out = Command::new(&nvim)
        .args(["--headless", "--clean", "-n", "-i", "NONE"])
        .arg("-c")
        .arg(format!("luafile {}", script.display()))
        .arg(dir.join("main.tf"))
        .env("IAMLINT_BIN", BIN)
        .current_dir(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "nvim failed: {stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with("diag ")).collect();
    // Before the edit: the duplicate; after it (the role made `roles/owner` for a user): the
    // duplicate, the basic role and the user member.
    assert_eq!(
        lines,
        [
            "diag before 7:5 warning duplicate-permission",
            "diag after 7:5 warning duplicate-permission",
            "diag after 13:13 warning basic-role",
            "diag after 14:13 info user-member",
        ],
        "{stdout}\n{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The README's editor snippets start the server the way these tests do.
#[test]
fn readme_editor_snippets_start_the_server() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("## Editors: `iamlint server`")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the README's editor section");
    let mut blocks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, part) in section.split("```").enumerate().filter(|(i, _)| i % 2 == 1) {
        let (lang, body) = part.split_once('\n').unwrap_or((part, ""));
        let _ = i;
        blocks
            .entry(lang.trim().to_string())
            .or_default()
            .push(body.to_string());
    }
    let helix: toml::Table = toml::from_str(&blocks["toml languages.toml"][0]).unwrap();
    assert_eq!(
        helix["language-server"]["iamlint"]["command"].as_str(),
        Some("iamlint")
    );
    assert_eq!(
        helix["language-server"]["iamlint"]["args"][0].as_str(),
        Some("server")
    );
    let vscode: Value = serde_json::from_str(&blocks["json"][0]).unwrap();
    assert_eq!(vscode["glspc.server.commandArguments"], json!(["server"]));
    let lua = &blocks["lua"];
    assert!(
        lua.iter()
            .all(|b| b.contains(r#"cmd = { "iamlint", "server" }"#)),
        "{lua:?}"
    );
    assert!(lua[0].contains("vim.lsp.start("), "0.8 and later");
    let test_script =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nvim/lsp.lua"))
            .unwrap();
    for call in ["vim.lsp.start_client(", "vim.lsp.buf_attach_client("] {
        assert!(
            lua[1].contains(call) && test_script.contains(call),
            "{call}"
        );
    }
}

/// A workspace opened through a symbolic link: the unsaved text is still read, and the
/// diagnostics are published under the client's paths.
#[test]
fn a_workspace_reached_through_a_symbolic_link() {
    let dir = temp_dir("link");
    std::fs::create_dir_all(dir.join("real")).unwrap();
    std::fs::write(dir.join("real/main.tf"), MAIN_TF).unwrap();
    std::os::unix::fs::symlink(dir.join("real"), dir.join("link")).unwrap();
    let link = dir.join("link");
    let mut client = Client::start(&link, json!({"debounceMs": 0}));
    let uri = client.open(&link.join("main.tf"), 1);
    client.diagnostics_for(&uri, has("duplicate-permission"));
    client.notify(
        "textDocument/didChange",
        change(
            &uri,
            2,
            json!([{"text": MAIN_TF.replace("roles/viewer", "roles/owner")}]),
        ),
    );
    client.diagnostics_for(&uri, has("basic-role"));
    assert!(
        client.diagnostics.keys().all(|u| u.contains("/link/")),
        "{:?}",
        client.diagnostics.keys()
    );
    client.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

/// What the server does to a stale run: the engine stops before checking modules.
#[test]
fn a_cancelled_lint_checks_nothing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/deployer-role-create-delete/granted-to-deployer");
    let lint = |cancelled: bool| {
        iamlint::lint(&iamlint::Options {
            paths: vec![dir.clone()],
            jobs: Some(1),
            cancel: Some(std::sync::Arc::new(std::sync::atomic::AtomicBool::new(
                cancelled,
            ))),
            ..iamlint::Options::default()
        })
        .unwrap()
        .diagnostics
        .len()
    };
    assert_eq!(lint(false), 3);
    assert_eq!(lint(true), 0);
}

/// A file outside every workspace folder: its directory's files are linted, not the tree
/// below it.
#[test]
fn a_file_outside_the_workspace_lints_its_directory_only() {
    let dir = temp_dir("outside");
    std::fs::create_dir_all(dir.join("ws")).unwrap();
    std::fs::create_dir_all(dir.join("other/sub")).unwrap();
    std::fs::write(dir.join("other/main.tf"), MAIN_TF).unwrap();
    std::fs::write(dir.join("other/sub/main.tf"), MAIN_TF).unwrap();
    let mut client = Client::start(&dir.join("ws"), json!({"debounceMs": 0}));
    let uri = client.open(&dir.join("other/main.tf"), 1);
    client.diagnostics_for(&uri, has("duplicate-permission"));
    client.settle();
    let sub = file_uri(&dir.join("other/sub/main.tf"));
    assert!(
        !client.diagnostics.contains_key(&sub),
        "{:?}",
        client.diagnostics.keys()
    );
    client.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_document_never_saved_is_linted_as_the_file_it_will_be() {
    let dir = temp_dir("unsaved");
    std::fs::create_dir_all(dir.join("ws/modules/app")).unwrap();
    std::fs::write(dir.join("ws/main.tf"), "locals {}\n").unwrap();
    let mut client = Client::start(&dir.join("ws"), json!({"debounceMs": 0}));
    // In the workspace, in a directory that exists and in one that does not yet.
    for path in [
        dir.join("ws/roles.tf"),
        dir.join("ws/modules/app/roles.tf"),
        dir.join("ws/modules/new/roles.tf"),
    ] {
        assert!(!path.exists());
        let uri = client.open_unsaved(&path, MAIN_TF);
        client.diagnostics_for(&uri, has("duplicate-permission"));
    }
    // Outside every folder: the lone directory's files, this one included.
    std::fs::create_dir_all(dir.join("elsewhere")).unwrap();
    let uri = client.open_unsaved(&dir.join("elsewhere/new.tf"), MAIN_TF);
    client.diagnostics_for(&uri, has("duplicate-permission"));
    // Not a Terraform file: nothing to say.
    client.open_unsaved(&dir.join("ws/notes.txt"), MAIN_TF);
    client.settle();
    assert!(
        !client
            .diagnostics
            .contains_key(&file_uri(&dir.join("ws/notes.txt"))),
        "{:?}",
        client.diagnostics.keys()
    );
    client.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}
