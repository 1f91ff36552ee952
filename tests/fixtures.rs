//! Every fixture case (a directory of `.tf` files under `fixtures/`) is linted as a module:
//! 1. the diagnostics must match the `# expect: RULE[, RULE]` markers exactly (rule and line), and
//! 2. the human output must match the golden `expected.txt` beside the files.
//!
//! A marker written after code marks its own line; a marker on a line of its own marks the next
//! line that is not blank or a comment. `UPDATE_EXPECT=1 cargo test` rewrites the goldens; it
//! cannot hide a lost or extra diagnostic, because the markers are checked first.

mod common;

use iamlint::emit::{Format, emit};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn case_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    // A directory with a `called-module` file is a module checked through its caller's case.
    let called = entries
        .iter()
        .any(|p| p.file_name().is_some_and(|n| n == "called-module"));
    if !called
        && entries
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "tf"))
    {
        out.push(dir.to_path_buf());
    }
    for entry in entries {
        let hidden = entry
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if entry.is_dir() && !hidden {
            case_dirs(&entry, out);
        }
    }
}

/// The directories whose files belong to a case: its own, and the called modules below it
/// (directories with a `called-module` file).
fn case_files_dirs(case: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![case.to_path_buf()];
    let mut pending = vec![case.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.join("called-module").exists() {
                    dirs.push(path.clone());
                }
                pending.push(path);
            }
        }
    }
    dirs.sort();
    dirs
}

/// (path, line) -> rules, from the markers in a case's files.
fn markers(case: &Path) -> BTreeMap<(String, usize), Vec<String>> {
    let mut out: BTreeMap<(String, usize), Vec<String>> = BTreeMap::new();
    let mut files: Vec<PathBuf> = case_files_dirs(case)
        .iter()
        .flat_map(|d| fs::read_dir(d).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|e| e == "tf" || e == "tfvars"))
        .collect();
    // Data files a module reads (`yamldecode(file(...))`) anywhere under the case: a finding
    // located in one is marked there, in a YAML comment.
    files.extend(
        walkdir::WalkDir::new(case)
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| e.into_path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml")),
    );
    files.sort();
    files.dedup();
    for file in files {
        let text = String::from_utf8_lossy(&fs::read(&file).unwrap()).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        let mut pending: Vec<String> = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim();
            let rules = line.split_once("# expect:").map(|(before, rules)| {
                let rules: Vec<String> = rules
                    .split(',')
                    .map(|r| r.trim().to_string())
                    .filter(|r| !r.is_empty())
                    .collect();
                (before.trim().is_empty(), rules)
            });
            match rules {
                Some((true, rules)) => pending.extend(rules),
                Some((false, rules)) => {
                    let entry = out.entry((file.display().to_string(), i + 1)).or_default();
                    entry.extend(rules);
                    entry.append(&mut pending);
                }
                None if trimmed.is_empty()
                    || trimmed.starts_with('#')
                    || trimmed.starts_with("//") => {}
                None => {
                    if !pending.is_empty() {
                        out.entry((file.display().to_string(), i + 1))
                            .or_default()
                            .append(&mut pending);
                    }
                }
            }
        }
        assert!(
            pending.is_empty(),
            "{}: a marker at the end marks nothing",
            file.display()
        );
    }
    // JSON has no comments: a `.tf.json` file's expectations are `LINE RULE` lines in a sidecar
    // `.tf.json.expect` file; so are those of lines inside a `.tf` file's heredoc, in a
    // `.tf.expect` file.
    let json_files: Vec<PathBuf> = case_files_dirs(case)
        .iter()
        .flat_map(|d| fs::read_dir(d).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".tf.json")
                || (name.ends_with(".tf") && Path::new(&format!("{name}.expect")).exists())
        })
        .collect();
    for file in json_files {
        let sidecar = PathBuf::from(format!("{}.expect", file.display()));
        let text = fs::read_to_string(&sidecar).unwrap_or_default();
        for line in text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let (n, rule) = line.split_once(' ').expect("LINE RULE");
            out.entry((
                file.display().to_string(),
                n.parse().expect("a line number"),
            ))
            .or_default()
            .push(rule.trim().to_string());
        }
    }
    for rules in out.values_mut() {
        rules.sort();
    }
    out
}

fn render(report: &iamlint::Report) -> String {
    let mut out = Vec::new();
    emit(report, Format::Human, false, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn fixtures_match_markers_and_goldens() {
    let mut cases = Vec::new();
    case_dirs(Path::new("fixtures"), &mut cases);
    assert!(
        cases.len() >= 10,
        "found only {} fixture cases",
        cases.len()
    );
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for case in &cases {
        let report = common::lint_case(case);
        // Only this case's files: sub-cases are checked on their own.
        let dirs = case_files_dirs(case);
        let own = |path: &str| {
            let path = Path::new(path);
            path.parent().is_some_and(|p| dirs.iter().any(|d| d == p))
                || (path.starts_with(case)
                    && path.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        };
        let mut got: BTreeMap<(String, usize), Vec<String>> = BTreeMap::new();
        for d in &report.diagnostics {
            let path = report.files.display(d.primary.file);
            if !own(path) {
                continue;
            }
            let line = report
                .files
                .position(d.primary.file, d.primary.range.start)
                .line;
            got.entry((path.to_string(), line))
                .or_default()
                .push(d.rule.to_string());
        }
        for rules in got.values_mut() {
            rules.sort();
        }
        let want = markers(case);
        if got != want {
            let mut lines = vec![format!(
                "{}: diagnostics differ from the markers",
                case.display()
            )];
            for (key, rules) in &want {
                if got.get(key) != Some(rules) {
                    lines.push(format!(
                        "  {}:{} expected {:?}, got {:?}",
                        key.0,
                        key.1,
                        rules,
                        got.get(key)
                    ));
                }
            }
            for (key, rules) in &got {
                if !want.contains_key(key) {
                    lines.push(format!("  {}:{} unexpected {:?}", key.0, key.1, rules));
                }
            }
            failures.push(lines.join("\n"));
            continue;
        }

        let golden = case.join("expected.txt");
        let rendered: String = render(&report);
        if update {
            fs::write(&golden, &rendered).unwrap();
            continue;
        }
        match fs::read_to_string(&golden) {
            Ok(expected) if expected == rendered => {}
            Ok(expected) => failures.push(format!(
                "{}: output differs from expected.txt (UPDATE_EXPECT=1 cargo test rewrites it)\n{}",
                case.display(),
                diff(&expected, &rendered)
            )),
            Err(_) => failures.push(format!(
                "{}: no expected.txt; run UPDATE_EXPECT=1 cargo test and review it",
                case.display()
            )),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// A small line diff: the first differing lines with context.
fn diff(expected: &str, got: &str) -> String {
    let (e, g): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), got.lines().collect());
    let first = e
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(e.len().min(g.len()));
    let mut out = String::new();
    for line in e.iter().skip(first).take(8) {
        out.push_str(&format!("- {line}\n"));
    }
    for line in g.iter().skip(first).take(8) {
        out.push_str(&format!("+ {line}\n"));
    }
    format!("first difference at line {}:\n{out}", first + 1)
}
