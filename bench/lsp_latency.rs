//! Latency of `iamlint server`: from a `textDocument/didChange` to the
//! `textDocument/publishDiagnostics` of that version, for one module of `--files` files (50 by
//! default), with `--extra-modules` other modules of the same size in the workspace (the server
//! lints the whole workspace folder, so they cost too). The debounce is set to 0: what is
//! measured is the server's own work; an editor adds the debounce (150 ms by default) on top.
//!
//! ```sh
//! cargo build --release && cargo run --release --example lsp_latency -- --runs 200
//! ```

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

fn module_file(i: usize, n: usize, duplicate: bool) -> String {
    let next = (i + 1) % n;
    let extra = if duplicate {
        "    \"run.services.get\",\n"
    } else {
        ""
    };
    let mut out = format!(
        r#"resource "google_service_account" "sa_{i}" {{
  project    = "acme-prod"
  account_id = "svc-{i}"
}}

resource "google_project_iam_custom_role" "role_{i}" {{
  project = "acme-prod"
  role_id = "role{i}"
  title   = "Role {i}"
  permissions = [
    "run.services.get",
    "run.services.list",
    "storage.objects.get",
    "storage.objects.list",
{extra}  ]
}}

resource "google_project_iam_member" "grant_{i}" {{
  project = "acme-prod"
  role    = google_project_iam_custom_role.role_{i}.id
  member  = "serviceAccount:${{google_service_account.sa_{next}.email}}"
}}

resource "google_project_iam_member" "viewer_{i}" {{
  project = "acme-prod"
  role    = "roles/viewer"
  member  = "group:team-{i}@example.com"
}}

resource "google_cloud_run_v2_service" "svc_{i}" {{
  name     = "svc-{i}"
  location = "europe-west1"
  template {{
    service_account = google_service_account.sa_{i}.email
    containers {{
      image = "europe-docker.pkg.dev/acme/app/svc:{i}"
    }}
  }}
}}
"#
    );
    if i.is_multiple_of(10) {
        out.push_str(&format!(
            "\nresource \"google_project_iam_member\" \"owner_{i}\" {{\n  project = \"acme-prod\"\n  role    = \"roles/owner\"\n  member  = \"user:admin{i}@example.com\"\n}}\n"
        ));
    }
    out
}

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let files = arg(&args, "--files", 50).max(1);
    let extra = arg(&args, "--extra-modules", 0);
    let runs = arg(&args, "--runs", 100).max(1);
    let bin = args
        .iter()
        .position(|a| a == "--bin")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/iamlint"));

    let root = std::env::temp_dir().join(format!("iamlint-lsp-latency-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for m in 0..=extra {
        let dir = root.join(format!("module{m}"));
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..files {
            std::fs::write(
                dir.join(format!("f{i:02}.tf")),
                module_file(i, files, false),
            )
            .unwrap();
        }
    }
    let edited = root.join("module0/f01.tf");

    let mut child = Command::new(&bin)
        .arg("server")
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = channel::<Value>();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        loop {
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                match line.trim_end().strip_prefix("Content-Length: ") {
                    Some(n) => length = n.parse().unwrap(),
                    None if line.trim_end().is_empty() => break,
                    None => {}
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        }
    });
    let mut send = |value: Value| {
        let body = value.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    };
    let uri = format!("file://{}", edited.display());
    let wait_for_version = |version: i64| loop {
        let m = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("a publication");
        if m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri.as_str()
            && m["params"]["version"] == version
        {
            return m["params"]["diagnostics"].as_array().map_or(0, Vec::len);
        }
    };

    send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {},
        "initializationOptions": {"debounceMs": 0}}}),
    );
    send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    send(
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "terraform", "version": 1, "text": module_file(1, files, false)}}}),
    );
    wait_for_version(1);

    let warmup = 10;
    let mut times = Vec::with_capacity(runs);
    let mut counts = (usize::MAX, 0);
    for k in 0..runs + warmup {
        let version = k as i64 + 2;
        let text = module_file(1, files, k.is_multiple_of(2));
        let start = Instant::now();
        send(
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"text": text}]}}),
        );
        let n = wait_for_version(version);
        let elapsed = start.elapsed();
        counts = (counts.0.min(n), counts.1.max(n));
        if k >= warmup {
            times.push(elapsed);
        }
    }
    send(json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
    send(json!({"jsonrpc": "2.0", "method": "exit"}));
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&root);

    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "didChange -> publishDiagnostics, {} module(s) of {files} files, {runs} runs \
         (diagnostics on the edited file: {} to {}):",
        extra + 1,
        counts.0,
        counts.1
    );
    println!(
        "median {:.1} ms, p95 {:.1} ms, min {:.1} ms, max {:.1} ms",
        ms(pct(0.5)),
        ms(pct(0.95)),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
}
