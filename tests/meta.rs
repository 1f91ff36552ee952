//! Tests about the rules as a whole: ids, docs, fixtures, and the docs' examples.

mod common;

use iamlint::Severity;
use iamlint::registry::RULES;
use std::fs;
use std::path::{Path, PathBuf};

#[test]
fn ids_are_kebab_case_unique_and_sorted() {
    let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        ids, sorted,
        "registry::RULES must be sorted by id, without duplicates"
    );
    for id in ids {
        assert!(
            id.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                && !id.starts_with('-')
                && !id.ends_with('-'),
            "`{id}` is not kebab-case"
        );
    }
}

#[test]
fn summaries_follow_the_message_convention() {
    for rule in RULES {
        let summary = rule.summary;
        assert!(
            summary.starts_with(|c: char| c.is_lowercase()) && !summary.ends_with('.'),
            "{}: summary starts lowercase and has no period",
            rule.id
        );
    }
}

#[test]
fn every_rule_has_a_doc_matching_its_metadata() {
    for meta in iamlint::registry::all_metas() {
        let path = format!("rules/{}.md", meta.id);
        let on_disk = fs::read_to_string(&path).unwrap_or_else(|_| panic!("{path} is missing"));
        assert_eq!(on_disk, meta.docs, "{path} differs from the embedded docs");
        assert!(
            on_disk.starts_with(&format!("# {}\n", meta.id)),
            "{path} starts with `# {}`",
            meta.id
        );
        let severity = match meta.default_severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        assert!(
            on_disk.contains(&format!("Default severity: **{severity}**")),
            "{path} states the default severity `{severity}`"
        );
        for heading in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Use instead",
            "## References",
        ] {
            assert!(
                on_disk.contains(heading),
                "{path} has no `{heading}` section"
            );
        }
    }
}

fn fixture_cases(rule: &str) -> Vec<PathBuf> {
    let dir = Path::new("fixtures").join(rule);
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|_| panic!("{} is missing", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

fn rules_fired(dir: &Path) -> Vec<&'static str> {
    common::lint_case(dir)
        .diagnostics
        .iter()
        .map(|d| d.rule)
        .collect()
}

/// Engine diagnostics whose cases live elsewhere: `io-error` needs paths that cannot be
/// committed (tests/cli.rs makes them), `parse-error` lives in fixtures/_engine/.
const CASES_ELSEWHERE: &[&str] = &["io-error", "parse-error"];

#[test]
fn every_rule_has_fixtures_that_fire_and_that_stay_silent() {
    for meta in iamlint::registry::all_metas().filter(|m| !CASES_ELSEWHERE.contains(&m.id)) {
        let id = meta.id;
        let cases = fixture_cases(id);
        let fired: Vec<bool> = cases.iter().map(|c| rules_fired(c).contains(&id)).collect();
        assert!(
            fired.iter().any(|&f| f),
            "fixtures/{id}/ has no case where it fires"
        );
        assert!(
            fired.iter().any(|&f| !f),
            "fixtures/{id}/ has no near-miss case where it stays silent"
        );
        for case in &cases {
            assert!(
                case.join("expected.txt").exists(),
                "{}/expected.txt is missing",
                case.display()
            );
        }
    }
}

/// The first ```hcl block after a heading.
fn example(doc: &str, heading: &str) -> String {
    let rest = &doc[doc.find(heading).unwrap_or_else(|| panic!("no {heading}"))..];
    let start = rest.find("```hcl\n").expect("an ```hcl block") + "```hcl\n".len();
    let end = rest[start..].find("```").expect("a closing ```");
    rest[start..start + end].to_string()
}

#[test]
fn doc_examples_fire_and_their_fixes_do_not() {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("doc-examples");
    for meta in iamlint::registry::all_metas().filter(|m| m.id != "io-error") {
        for (heading, should_fire) in [("## Example", true), ("## Use instead", false)] {
            let dir = base
                .join(meta.id)
                .join(if should_fire { "bad" } else { "good" });
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join("main.tf"), example(meta.docs, heading)).unwrap();
            // A rule that needs configuration shows it in its doc's `## Configuration` block.
            if let Some(at) = meta.docs.find("## Configuration") {
                let block = &meta.docs[at..];
                let start = block.find("```toml\n").expect("a ```toml block") + "```toml\n".len();
                let end = block[start..].find("```").expect("a closing ```");
                fs::write(dir.join("iamlint.toml"), &block[start..start + end]).unwrap();
            }
            let fired = rules_fired(&dir);
            assert!(
                meta.id == "parse-error" || !fired.contains(&"parse-error"),
                "{}: {heading} does not parse",
                meta.id
            );
            if !should_fire {
                assert!(
                    fired.is_empty(),
                    "{}: the `{heading}` example is not clean: {fired:?}",
                    meta.id
                );
            }
            assert_eq!(
                fired.contains(&meta.id),
                should_fire,
                "{}: the `{heading}` example {}",
                meta.id,
                if should_fire {
                    "does not fire"
                } else {
                    "fires"
                }
            );
        }
    }
}

/// `rules/README.md` is the index of rules, generated from their metadata.
#[test]
fn rules_index_is_fresh() {
    let mut index = String::from(
        "# Rules\n\nGenerated from the rules' metadata by `tests/meta.rs` (`UPDATE_EXPECT=1 cargo test` rewrites it).\n`iamlint rules` prints the same list; `iamlint explain <id>` prints a rule's page.\n\n| id | default severity | what it finds |\n| --- | --- | --- |\n",
    );
    for meta in iamlint::registry::all_metas() {
        let severity = match meta.default_severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        index.push_str(&format!(
            "| [`{0}`]({0}.md) | {severity} | {1} |\n",
            meta.id, meta.summary
        ));
    }
    index.push_str("\nThe last six are the engine's own diagnostics: they have no check of their own but can be configured like rules.\n\nRule data: `data/` (deployment words, escalation permissions, personal mailbox domains, service names) and `data/gcp-iam/` (the IAM catalog; provenance in `data/gcp-iam/SOURCE.md`).\n");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write("rules/README.md", &index).unwrap();
    }
    assert_eq!(
        fs::read_to_string("rules/README.md").unwrap_or_default(),
        index,
        "rules/README.md is stale: run UPDATE_EXPECT=1 cargo test"
    );
}

/// Every directory under `fixtures/` with a `.tf` or `.tf.json` file.
fn all_fixture_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    if entries.iter().any(|p| {
        p.file_name().is_some_and(|n| {
            n.to_string_lossy().ends_with(".tf") || n.to_string_lossy().ends_with(".tf.json")
        })
    }) {
        out.push(dir.to_path_buf());
    }
    for entry in entries {
        if entry.is_dir() {
            all_fixture_dirs(&entry, out);
        }
    }
}

/// Why a message breaks the style every emitted message follows (clippy's
/// `lint_message_convention`): it starts lowercase (or with a backticked name), has no trailing
/// period, never shows a raw `${...}` template, never embeds a `file:line` (which breaks
/// baselines: lines belong in labels), and never ends a target in an empty slot ("on project").
fn message_style(message: &str) -> Option<&'static str> {
    let first = message.chars().next()?;
    // Product names keep their capitals (`Cloud Run service `api` runs as ...`).
    const PRODUCTS: &[&str] = &[
        "App Engine ",
        "Autopilot ",
        "Cloud ",
        "Composer ",
        "Compute Engine ",
        "Dataflow ",
        "Dataproc ",
        "GKE ",
        "Notebooks ",
        "TPU ",
    ];
    if !(first.is_lowercase()
        || first == '`'
        || first.is_ascii_digit()
        || PRODUCTS.iter().any(|p| message.starts_with(p)))
    {
        return Some("starts with a capital");
    }
    if message.ends_with('.') {
        return Some("ends with a period");
    }
    if message.contains("${") {
        return Some("shows a raw `${...}` template");
    }
    let bytes = message.as_bytes();
    for (i, _) in message.match_indices(".tf:") {
        if bytes.get(i + 4).is_some_and(u8::is_ascii_digit) {
            return Some("embeds a file:line");
        }
    }
    for (i, _) in message.match_indices(".json:") {
        if bytes.get(i + 6).is_some_and(u8::is_ascii_digit) {
            return Some("embeds a file:line");
        }
    }
    for slot in [
        " on project",
        " on folder",
        " on organization",
        " on service account",
    ] {
        for (i, _) in message.match_indices(slot) {
            let rest = &message[i + slot.len()..];
            if rest.is_empty() || rest.starts_with([':', ',', ';']) {
                return Some("names no target (a bare \"on project\")");
            }
        }
    }
    None
}

#[test]
fn message_style_catches_what_it_should() {
    assert_eq!(
        message_style("`roles/editor` is granted on project"),
        Some("names no target (a bare \"on project\")")
    );
    assert_eq!(
        message_style("shared with `x` in iam.tf:12"),
        Some("embeds a file:line")
    );
    assert_eq!(
        message_style("on cloud run service `${google_cloud_run_service.x.name}`"),
        Some("shows a raw `${...}` template")
    );
    assert_eq!(message_style("Capital"), Some("starts with a capital"));
    assert_eq!(message_style("a period."), Some("ends with a period"));
    assert_eq!(
        message_style("`allUsers` is granted `roles/run.invoker` on project `acme`"),
        None
    );
}

#[test]
fn every_emitted_message_follows_the_style() {
    let mut dirs = Vec::new();
    all_fixture_dirs(Path::new("fixtures"), &mut dirs);
    let mut bad = Vec::new();
    let mut checked = 0;
    for dir in &dirs {
        let report = common::lint_case(dir);
        for d in &report.diagnostics {
            checked += 1;
            if let Some(why) = message_style(&d.message) {
                bad.push(format!(
                    "{}: [{}] {why}: {}",
                    dir.display(),
                    d.rule,
                    d.message
                ));
            }
        }
    }
    assert!(checked > 200, "only {checked} messages were checked");
    assert!(
        bad.is_empty(),
        "messages that break the style:\n{}",
        bad.join("\n")
    );
}

/// A rule grades its findings only among the severities its registry entry declares, and its
/// page says when each applies; no rule sets a severity by hand.
#[test]
fn severities_are_declared_and_documented() {
    for meta in iamlint::registry::all_metas() {
        assert_eq!(
            meta.severities.first(),
            Some(&meta.default_severity),
            "{}: the default severity comes first",
            meta.id
        );
        for severity in meta.severities {
            assert!(
                meta.docs.contains(&format!("**{}**", severity.as_str())),
                "rules/{}.md does not say when a finding is **{}**, a severity the rule declares",
                meta.id,
                severity.as_str()
            );
        }
    }
    for entry in fs::read_dir("src/rules").unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            assert!(
                !line.contains(".severity ="),
                "{}:{}: a rule sets a severity by hand; declare it in src/registry.rs and use `META.diagnostic_at`",
                path.display(),
                n + 1
            );
        }
    }
}
