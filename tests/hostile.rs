//! Hostile input (issue 7): whatever the file system hands iamlint, it reports and goes on. No
//! panic, no hang, no abort, no write. Every test runs the real binary.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DEFAULT_SA_GRANT: &str = "resource \"google_project_iam_member\" \"m\" {\n  project = \"acme-prod\"\n  role    = \"roles/viewer\"\n  member  = \"serviceAccount:123456789012-compute@developer.gserviceaccount.com\"\n}\n";

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", "gcc"])
        .args(args)
        .output()
        .expect("iamlint runs")
}

fn run_dir(dir: &Path) -> Output {
    run(&[dir.as_os_str()])
}

fn text(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

/// Exited by itself (not killed by a signal: no abort, no stack overflow), with 0 or 1, and
/// printed no panic.
fn assert_normal(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let code = out.status.code().expect("exited normally, not by a signal");
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn tabs_count_as_one_column() {
    let dir = scratch("tabs");
    fs::write(
        dir.join("main.tf"),
        DEFAULT_SA_GRANT.replace("  member  =", "\tmember\t="),
    )
    .unwrap();
    let out = run_dir(&dir);
    assert_normal(&out);
    let text = text(&out);
    // `\tmember\t= "`: the string starts at the 11th character.
    assert!(
        text.contains("main.tf:4:11: error: the Compute Engine default service account"),
        "{text}"
    );
}

#[test]
fn deep_nesting_is_a_parse_error_not_a_stack_overflow() {
    let dir = scratch("deep");
    let n = 100_000;
    let cases = [
        (
            "brackets.tf",
            format!("locals {{\n  x = {}{}\n}}\n", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "objects.tf",
            format!(
                "locals {{\n  x = {}1{}\n}}\n",
                "{a = ".repeat(n),
                "}".repeat(n)
            ),
        ),
        (
            "parens.tf",
            format!("locals {{\n  x = {}1{}\n}}\n", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "blocks.tf",
            format!("{}{}", "a {\n".repeat(n), "}\n".repeat(n)),
        ),
        (
            "calls.tf",
            format!("locals {{\n  x = {}{}\n}}\n", "f(".repeat(n), ")".repeat(n)),
        ),
        (
            "not.tf",
            format!("locals {{\n  x = {}true\n}}\n", "!".repeat(n)),
        ),
        (
            "templates.tf",
            format!(
                "locals {{\n  x = \"{}{}\"\n}}\n",
                "${\"".repeat(n / 2),
                "\"}".repeat(n / 2)
            ),
        ),
        (
            "conditionals.tf",
            format!(
                "locals {{\n  x = {}1{}\n}}\n",
                "true ? ".repeat(n / 2),
                " : 2".repeat(n / 2)
            ),
        ),
        (
            "operators.tf",
            format!("locals {{\n  x = 1{}\n}}\n", " + 1".repeat(n)),
        ),
    ];
    for (name, body) in &cases {
        fs::write(dir.join(name), body).unwrap();
    }
    // Long chains that parse: evaluated without recursion limits being hit.
    fs::write(
        dir.join("chains.tf"),
        format!(
            "locals {{\n  t = local.y{}\n  i = local.y{}\n  y = {{}}\n}}\n",
            ".a".repeat(n),
            "[0]".repeat(n)
        ),
    )
    .unwrap();
    fs::write(dir.join("ok.tf"), DEFAULT_SA_GRANT).unwrap();
    let out = run_dir(&dir);
    assert_normal(&out);
    let text = text(&out);
    for (name, _) in &cases {
        assert!(
            text.lines()
                .any(|l| l.contains(&format!("/{name}:")) && l.ends_with("[parse-error]")),
            "{name}: {text}"
        );
    }
    assert!(!text.contains("chains.tf"), "{text}");
    assert!(
        text.contains("ok.tf:4:13: error: the Compute Engine default"),
        "{text}"
    );
}

#[test]
fn long_reference_chains_and_cycles_end() {
    let dir = scratch("chains");
    // 20,000 locals, each naming the next; a cycle; a module that calls itself.
    let mut chain = String::from("locals {\n");
    for i in 0..20_000 {
        chain.push_str(&format!("  l{i} = local.l{}\n", i + 1));
    }
    chain.push_str("  l20000 = \"roles/editor\"\n  a = local.b\n  b = [local.a]\n}\n");
    chain.push_str("module \"again\" {\n  source = \"./\"\n  x      = local.a\n}\n");
    chain.push_str("resource \"google_project_iam_member\" \"m\" {\n  project = \"p\"\n  role    = local.l0\n  member  = \"group:g@acme.com\"\n}\n");
    fs::write(dir.join("main.tf"), chain).unwrap();
    // Modules calling each other in a ring.
    for (me, next) in [("ring-a", "ring-b"), ("ring-b", "ring-a")] {
        fs::create_dir_all(dir.join(me)).unwrap();
        fs::write(
            dir.join(me).join("main.tf"),
            format!("variable \"x\" {{\n  default = \"\"\n}}\nmodule \"next\" {{\n  source = \"../{next}\"\n  x      = var.x\n}}\n"),
        )
        .unwrap();
    }
    let out = run_dir(&dir);
    assert_normal(&out);
}

#[test]
fn a_50_mb_file_is_checked() {
    let dir = scratch("big");
    // A real finding at the start and at the end, 50 MB of Terraform between them: long comments
    // (cheap to build here, and every byte still goes through the reader, lexer and parser).
    let mut body = String::with_capacity(52 * 1024 * 1024);
    body.push_str(DEFAULT_SA_GRANT);
    let comment = format!("# {}\n", "x".repeat(1000));
    while body.len() < 50 * 1024 * 1024 {
        body.push_str(&comment);
    }
    body.push_str(&DEFAULT_SA_GRANT.replace("\"m\"", "\"last\""));
    let lines = body.lines().count();
    fs::write(dir.join("main.tf"), &body).unwrap();
    let out = run_dir(&dir);
    assert_normal(&out);
    let text = text(&out);
    assert!(
        text.contains("main.tf:4:13: error: the Compute Engine default"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "main.tf:{}:13: error: the Compute Engine default",
            lines - 1
        )),
        "{text}"
    );
}

#[test]
fn symlink_loops_and_unreadable_files_are_reported_and_the_rest_is_checked() {
    let dir = scratch("links");
    fs::write(dir.join("ok.tf"), DEFAULT_SA_GRANT).unwrap();
    let sub = dir.join("sub");
    fs::create_dir(&sub).unwrap();
    // A directory link back to its parent, and two file links naming each other.
    std::os::unix::fs::symlink("..", sub.join("up")).unwrap();
    std::os::unix::fs::symlink("b.tf", dir.join("a.tf")).unwrap();
    std::os::unix::fs::symlink("a.tf", dir.join("b.tf")).unwrap();
    // A file that cannot be read, even by root: reading /proc/self/mem at offset 0 fails.
    std::os::unix::fs::symlink("/proc/self/mem", dir.join("mem.tf")).unwrap();
    // And, when not running as root, a file without read permission.
    let locked = dir.join("locked.tf");
    fs::write(&locked, DEFAULT_SA_GRANT).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let root = fs::read(&locked).is_ok();

    let out = run_dir(&dir);
    assert_normal(&out);
    let text = text(&out);
    let d = dir.display();
    assert!(
        text.contains(&format!(
            "{d}/ok.tf:4:13: error: the Compute Engine default"
        )),
        "{text}"
    );
    for name in ["a.tf", "b.tf", "mem.tf"] {
        assert!(
            text.lines().any(
                |l| l.starts_with(&format!("{d}/{name}:1:1: error: cannot read"))
                    && l.ends_with("[io-error]")
            ),
            "{name}: {text}"
        );
    }
    if !root {
        assert!(
            text.contains(&format!(
                "{d}/locked.tf:1:1: error: cannot read `{d}/locked.tf`: permission denied"
            )),
            "{text}"
        );
    }
    // The loop through `sub/up` is walked once, not forever.
    assert!(!text.contains("sub/up/"), "{text}");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn paths_with_spaces_and_non_ascii_names() {
    let dir = scratch("names");
    let sub = dir.join("my modules").join("zürich прод");
    fs::create_dir_all(&sub).unwrap();
    fs::write(sub.join("rôles é.tf"), DEFAULT_SA_GRANT).unwrap();
    let out = run_dir(&dir);
    assert_normal(&out);
    let text = text(&out);
    assert!(
        text.contains(&format!(
            "{}/my modules/zürich прод/rôles é.tf:4:13: error:",
            dir.display()
        )),
        "{text}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["diagnostics"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("zürich прод/rôles é.tf")
    );
}

#[test]
fn files_in_any_order_give_the_same_bytes() {
    let files = [
        "fixtures/default-service-account/grants/main.tf",
        "fixtures/missing-service-account/gke/main.tf",
        "fixtures/_engine/encodings/crlf.tf",
        "fixtures/basic-role/fires/main.tf",
    ];
    for format in ["human", "json", "sarif", "gcc"] {
        let forward = Command::new(env!("CARGO_BIN_EXE_iamlint"))
            .args(["--format", format])
            .args(files)
            .output()
            .unwrap();
        let backward = Command::new(env!("CARGO_BIN_EXE_iamlint"))
            .args(["--format", format, "-j", "1"])
            .args(files.iter().rev())
            .output()
            .unwrap();
        assert_normal(&forward);
        assert!(!forward.stdout.is_empty());
        assert_eq!(forward.stdout, backward.stdout, "{format}");
    }
}

#[test]
fn files_that_vanish_during_the_run_are_reported_or_skipped() {
    let dir = scratch("vanish");
    for i in 0..400 {
        fs::create_dir_all(dir.join(format!("m{i}"))).unwrap();
        fs::write(dir.join(format!("m{i}/main.tf")), DEFAULT_SA_GRANT).unwrap();
    }
    let child = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", "gcc", "-j", "1"])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Delete while it walks and reads; whatever it saw, it must end normally.
    for i in (0..400).rev() {
        let _ = fs::remove_dir_all(dir.join(format!("m{i}")));
    }
    let out = child.wait_with_output().unwrap();
    assert_normal(&out);
    for line in text(&out).lines() {
        assert!(
            line.ends_with("[default-service-account]") || line.ends_with("[io-error]"),
            "{line}"
        );
    }
}

/// A fingerprint of a tree: every path with its length and modification time.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let meta = fs::symlink_metadata(entry.path()).unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            }
            out.push((entry.path(), meta.len(), meta.modified().unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn nothing_is_written_without_fix_and_output_is_atomic() {
    let dir = scratch("writes");
    fs::write(dir.join("main.tf"), DEFAULT_SA_GRANT).unwrap();
    fs::write(
        dir.join("roles.tf"),
        "resource \"google_project_iam_custom_role\" \"d\" {\n  role_id     = \"runDeployer\"\n  title       = \"Deployer\"\n  permissions = [\"run.services.get\", \"run.services.delete\", \"run.servics.list\"]\n}\n",
    )
    .unwrap();
    let before = snapshot(&dir);
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
            .args(["--format", format])
            .arg(&dir)
            .output()
            .unwrap();
        assert_normal(&out);
    }
    assert_eq!(
        snapshot(&dir),
        before,
        "a run without --fix wrote into the tree"
    );

    // --output replaces the file in one step and leaves no temporary file behind.
    let reports = scratch("writes-out");
    let report = reports.join("report.sarif");
    fs::write(&report, "old report").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", "sarif", "--output"])
        .arg(&report)
        .arg(&dir)
        .output()
        .unwrap();
    assert_normal(&out);
    assert!(out.stdout.is_empty());
    let sarif: serde_json::Value = serde_json::from_slice(&fs::read(&report).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 3);
    let names: Vec<_> = fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["report.sarif"]);
    assert_eq!(snapshot(&dir), before);

    // Into a directory that does not exist: a clear error, exit 2, nothing half-written.
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--output"])
        .arg(reports.join("missing/report.txt"))
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot write the report to"), "{stderr}");
    assert!(stderr.contains("missing/report.txt"), "{stderr}");
}

#[test]
fn control_characters_from_the_input_never_reach_the_output() {
    // ESC, BEL, a lone CR, LF (escaped inside a string) and NUL in values that messages quote,
    // in the source lines that snippets show, and in a file's name; and a binary file named
    // `.tf`. No format may print a raw control byte other than its own line ends and tabs.
    let dir = scratch("controls");
    let hostile = "resource \"google_project_iam_member\" \"m\" {\n  project = \"acme\u{1b}[31m\u{7}\r\\n-prod\"\n  role    = \"roles/editor\"\n  member  = \"user:eve\u{1b}]0;pwned\u{7}@example.com\" # \u{0}\u{1b}[2J\n}\n";
    fs::write(dir.join("main.tf"), hostile).unwrap();
    fs::write(dir.join("esc\u{1b}[1mname.tf"), DEFAULT_SA_GRANT).unwrap();
    let mut binary: Vec<u8> = (0u8..=255).collect();
    binary.extend_from_slice(b"\x1b[2J\x00\x07");
    fs::write(dir.join("binary.tf"), binary).unwrap();
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
            .args(["--format", format, "--color", "never"])
            .arg(&dir)
            .output()
            .unwrap();
        assert_normal(&out);
        assert!(!out.stdout.is_empty(), "{format}: no output");
        for (i, &b) in out.stdout.iter().enumerate() {
            let allowed =
                b == b'\n' || b == b'\t' || (b == b'\r' && out.stdout.get(i + 1) == Some(&b'\n'));
            assert!(
                b >= 0x20 && b != 0x7f || allowed,
                "{format}: raw control byte {b:#04x} at {i}: {}",
                String::from_utf8_lossy(
                    &out.stdout[i.saturating_sub(60)..(i + 20).min(out.stdout.len())]
                )
            );
        }
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains('\u{9b}'),
            "{format}: C1 CSI"
        );
    }
}

/// Locals that double `levels` times from two permissions, the last one a custom role's.
fn doubling_locals(levels: usize) -> String {
    let mut text = String::from("locals {\n  a0 = [\"run.services.get\", \"iam.roles.create\"]\n");
    for i in 1..=levels {
        text += &format!("  a{i} = concat(local.a{}, local.a{})\n", i - 1, i - 1);
    }
    text += &format!(
        "}}\nresource \"google_project_iam_custom_role\" \"r\" {{\n  role_id     = \"r\"\n  title       = \"r\"\n  permissions = local.a{levels}\n}}\n"
    );
    text
}

/// The number `--stats` gives for values past an evaluation budget (0 when it says nothing).
fn budget_hits(out: &Output) -> usize {
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("iamlint: ")?
                .strip_suffix(" values past an evaluation budget were taken as unknown (see \"Evaluation budgets\" in the README)")?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

fn run_stats(dir: &Path) -> Output {
    run(&["--stats".as_ref(), dir.as_os_str()])
}

#[test]
fn values_that_double_at_each_level_are_unknown_past_the_budget() {
    // 2 × 2^20 permissions: past the element budget at level 15; the role's permissions are
    // unknown, not a guess, and nothing about them is reported.
    let dir = scratch("doubling");
    fs::write(dir.join("main.tf"), doubling_locals(20)).unwrap();
    let out = run_stats(&dir);
    assert_normal(&out);
    assert_eq!(text(&out), "", "unknown permissions are not reported on");
    assert!(
        budget_hits(&out) >= 1,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("custom roles 0 of 1 fully known"));

    // Within the budget (2 × 2^10 = 2,048 permissions) the value is known.
    let dir = scratch("doubling-within");
    fs::write(dir.join("main.tf"), doubling_locals(10)).unwrap();
    let out = run_stats(&dir);
    assert_normal(&out);
    assert!(
        text(&out).contains("[privilege-escalation-permission]"),
        "{}",
        text(&out)
    );
    assert_eq!(budget_hits(&out), 0);
}

#[test]
fn nested_for_expressions_are_unknown_past_the_budget() {
    let dir = scratch("nested-for");
    let nested = |depth: usize| {
        let mut e = "\"iam.roles.create\"".to_string();
        for i in 0..depth {
            e = format!("[for x{i} in local.xs : {e}]");
        }
        format!(
            "locals {{\n  xs = range(100)\n  p  = flatten({e})\n}}\nresource \"google_project_iam_custom_role\" \"r\" {{\n  role_id     = \"r\"\n  title       = \"r\"\n  permissions = local.p\n}}\n"
        )
    };
    // 100^4 elements: unknown.
    fs::write(dir.join("main.tf"), nested(4)).unwrap();
    let out = run_stats(&dir);
    assert_normal(&out);
    assert_eq!(text(&out), "");
    assert!(budget_hits(&out) >= 1);
    // 100^2: known, and the duplicate and escalation findings are reported.
    fs::write(dir.join("main.tf"), nested(2)).unwrap();
    let out = run_stats(&dir);
    assert_normal(&out);
    assert!(
        text(&out).contains("[privilege-escalation-permission]"),
        "{}",
        text(&out)
    );
    assert_eq!(budget_hits(&out), 0);
}

#[test]
fn string_and_replace_growth_is_bounded() {
    // A string that doubles in a template, and a `replace` that multiplies one.
    let dir = scratch("strings");
    let mut text_tf = String::from("locals {\n  s0 = \"abcdefghijklmnop\"\n");
    for i in 1..=40 {
        text_tf += &format!("  s{i} = \"${{local.s{}}}${{local.s{}}}\"\n", i - 1, i - 1);
    }
    text_tf += "  r = replace(local.s15, \"a\", local.s15)\n  f = formatlist(local.s16, range(4000))\n}\nresource \"google_project_iam_member\" \"m\" {\n  project = \"p\"\n  role    = \"roles/${local.s40}${local.r}${local.f[0]}\"\n  member  = \"group:admins@example.com\"\n}\n";
    fs::write(dir.join("main.tf"), text_tf).unwrap();
    let out = run_stats(&dir);
    assert_normal(&out);
    assert_eq!(text(&out), "");
    assert!(
        budget_hits(&out) >= 2,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs iamlint with `args` in `dir`, killed after 60 s so that a hang fails the test
/// instead of stalling the suite.
fn run_bounded(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("iamlint runs");
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("iamlint {args:?} did not end within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn option_files_must_be_regular_files_of_bounded_size() {
    let dir = scratch("option-files");
    fs::write(dir.join("main.tf"), DEFAULT_SA_GRANT).unwrap();
    let fifo = dir.join("fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    for option in ["--config", "--var-file", "--baseline", "--plan"] {
        for file in ["fifo", "/dev/zero", "."] {
            let mut args = vec![option, file];
            if option != "--plan" {
                args.push("main.tf");
            }
            let out = run_bounded(&dir, &args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{option} {file}: {stderr}");
            assert!(
                stderr.contains("not a regular file"),
                "{option} {file}: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
    }
}

#[test]
fn a_configuration_that_is_a_directory_is_an_error_not_skipped() {
    let dir = scratch("config-dir");
    fs::write(
        dir.join("iamlint.toml"),
        "[rules]\ndefault-service-account = \"off\"\n",
    )
    .unwrap();
    let sub = dir.join("sub");
    fs::create_dir_all(sub.join("iamlint.toml")).unwrap();
    fs::write(sub.join("main.tf"), DEFAULT_SA_GRANT).unwrap();
    let out = run_bounded(&sub, &["--format", "gcc", "."]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("a directory, not a regular file"),
        "{stderr}"
    );
}

/// A caller file named alone (as pre-commit does) reads the local modules it calls as context:
/// the finding its input causes in the callee is reported in it, as for the directory.
#[test]
fn a_named_file_reads_the_modules_it_calls() {
    let dir = scratch("named-caller");
    fs::create_dir_all(dir.join("modules/m")).unwrap();
    fs::write(
        dir.join("main.tf"),
        "module \"m\" {\n  source = \"./modules/m\"\n  member = \"serviceAccount:123456789012-compute@developer.gserviceaccount.com\"\n}\n",
    )
    .unwrap();
    fs::write(
        dir.join("modules/m/main.tf"),
        "variable \"member\" {}\n\nresource \"google_project_iam_member\" \"x\" {\n  project = \"p\"\n  role    = \"roles/viewer\"\n  member  = var.member\n}\n",
    )
    .unwrap();
    let named = run_bounded(&dir, &["--format", "gcc", "main.tf"]);
    let whole = run_bounded(&dir, &["--format", "gcc", "."]);
    assert_normal(&named);
    let finding = "main.tf:3:12: error: the Compute Engine default service account is granted `roles/viewer` [default-service-account]\n";
    assert_eq!(text(&named), finding);
    assert_eq!(text(&whole), finding);
}

/// A `terraform show -json` plan on one line: one grant that is a finding, then `padding`
/// bytes of buckets.
fn one_line_plan(padding: usize) -> String {
    let grant = r#"{"address":"google_project_iam_member.ci","mode":"managed","type":"google_project_iam_member","name":"ci","values":{"condition":[],"member":"serviceAccount:ci@acme-prod.iam.gserviceaccount.com","project":"acme-prod","role":"roles/editor"}}"#;
    let mut resources = vec![grant.to_string()];
    let mut size = 0;
    let mut i = 0;
    while size < padding {
        let bucket = format!(
            r#"{{"address":"google_storage_bucket.b{i}","mode":"managed","type":"google_storage_bucket","name":"b{i}","values":{{"name":"bucket-{i}","location":"EU","labels":{{"team":"{}"}}}}}}"#,
            "x".repeat(150)
        );
        size += bucket.len() + 1;
        resources.push(bucket);
        i += 1;
    }
    format!(
        r#"{{"format_version":"1.2","terraform_version":"1.9.5","planned_values":{{"root_module":{{"resources":[{}]}}}}}}"#,
        resources.join(",")
    )
}

#[test]
fn a_one_line_plan_of_a_megabyte_gives_a_small_report_in_every_format() {
    // Snippets show a window of a long line around its labels, not the line: a 1 MB plan on
    // one line with one finding gives a report under 10 KB. SARIF always carries the rules'
    // documentation (the same for every run), so for it the growth over the same finding in
    // a small plan is measured.
    let dir = scratch("one-line-plan");
    let big = dir.join("big.plan.json");
    let small = dir.join("small.plan.json");
    fs::write(&big, one_line_plan(1 << 20)).unwrap();
    fs::write(&small, one_line_plan(0)).unwrap();
    assert!(fs::metadata(&big).unwrap().len() > 1 << 20);
    let report = |plan: &Path, format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
            .args(["--format", format, "--color", "never", "--plan"])
            .arg(plan)
            .output()
            .unwrap();
        assert_normal(&out);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: the finding is reported"
        );
        out.stdout
    };
    for format in [
        "human",
        "gcc",
        "json",
        "sarif",
        "github",
        "junit",
        "checkstyle",
    ] {
        let out = report(&big, format);
        let size = match format {
            "sarif" => out.len().saturating_sub(report(&small, format).len()),
            _ => out.len(),
        };
        assert!(
            size < 10_000,
            "{format}: {size} bytes: {}",
            String::from_utf8_lossy(&out[..out.len().min(2000)])
        );
        if format == "human" {
            let text = String::from_utf8_lossy(&out);
            // The location is the file's own, the window shows the role and its label.
            assert!(text.contains("big.plan.json:1:"), "{text}");
            assert!(text.contains(r#""role":"roles/editor""#), "{text}");
            assert!(text.contains("^^^^^^^^^^^^^^ basic role"), "{text}");
            assert!(text.contains("..."), "{text}");
        }
    }
    // The gcc location in the big plan is the real column of the role.
    let gcc = String::from_utf8(report(&big, "gcc")).unwrap();
    let text = fs::read_to_string(&big).unwrap();
    let column = text.find(r#""roles/editor""#).unwrap() + 1;
    assert!(gcc.contains(&format!("big.plan.json:1:{column}:")), "{gcc}");
    let human = String::from_utf8(report(&big, "human")).unwrap();
    assert!(
        human.contains(&format!("big.plan.json:1:{column}\n")),
        "{human}"
    );
}

#[test]
fn a_file_that_is_not_text_gets_no_snippet() {
    let dir = scratch("not-text");
    let mut binary: Vec<u8> = (0u8..=255).collect();
    binary.extend_from_slice(b"\x1b[2J\x00\x07");
    fs::write(dir.join("binary.tf"), binary).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--color", "never"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_normal(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error[parse-error]"), "{text}");
    assert!(text.contains("binary.tf:"), "{text}");
    assert!(text.contains("not shown: the file is not text"), "{text}");
    assert!(!text.contains(" | "), "a snippet was printed: {text}");
}

/// JSON `offset`/`end_offset` are byte offsets into the file as stored: a byte order mark
/// counts, and a file that is not UTF-8 is reported at its first invalid byte.
#[test]
fn json_offsets_are_offsets_into_the_stored_file() {
    let dir = scratch("json-offsets");
    let tf = "resource \"google_storage_bucket_iam_member\" \"p\" {\n  bucket = \"b\"\n  role   = \"roles/storage.objectViewer\"\n  member = \"allUsers\"\n}\n";
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(tf.as_bytes());
    fs::write(dir.join("bom.tf"), &with_bom).unwrap();
    let mut latin1 = b"# caf\xE9\n".to_vec();
    latin1.extend_from_slice(tf.as_bytes());
    fs::write(dir.join("latin1.tf"), &latin1).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let at = |file: &str| {
        diagnostics
            .iter()
            .find(|d| d["path"].as_str().unwrap().ends_with(file))
            .map(|d| {
                (
                    d["offset"].as_u64().unwrap() as usize,
                    d["end_offset"].as_u64().unwrap() as usize,
                )
            })
            .unwrap_or_else(|| panic!("no finding in {file}: {report}"))
    };
    let (start, end) = at("bom.tf");
    assert_eq!(&with_bom[start..end], b"\"allUsers\"");
    let (start, _) = at("latin1.tf");
    assert_eq!(start, 5, "the first byte that is not UTF-8");
    assert_eq!(latin1[start], 0xE9);
}
