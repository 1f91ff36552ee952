//! Checks of the source tree itself, read as text so that they also run on a scratch copy
//! without building it (issue 17):
//!
//! - the four pieces of a rule agree: its file in `src/rules/`, its registration in
//!   `src/rules/mod.rs` (`mod` line and `ALL_RULES` entry), its doc page `rules/<id>.md` and its
//!   fixtures `fixtures/<id>/`; nothing is an orphan (a doc page, fixture folder or rule file
//!   without its rule);
//! - a rule's metadata is its entry in `src/registry.rs`, listed in `RULES`, and its file names
//!   that entry;
//! - every option a rule reads from `[rules.<id>]` (a field of its `pub struct Options`) is
//!   named on its doc page;
//! - the README's layout section names every module of `src/` and nothing else;
//! - `scripts/new-rule.sh` writes the four pieces, and removing any one of them makes the
//!   matching check fail, naming the missing piece (on a scratch copy of the tree).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_default()
}

/// The names in `dir` (files and folders), sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The text between the first `"` pair after `key` on `line`, if any: `id: "x"` gives `x`.
fn quoted_after<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = &line[line.find(key)? + key.len()..];
    let start = rest.find('"')? + 1;
    let end = rest[start..].find('"')?;
    Some(&rest[start..start + end])
}

/// What `src/rules/` holds, read from the text.
struct RulesTree {
    /// Modules declared in `src/rules/mod.rs`.
    mods: BTreeSet<String>,
    /// Modules named in its `ALL_RULES` list (`&module::Type`).
    registered: BTreeSet<String>,
    /// Files `src/rules/<module>.rs` (or `<module>/mod.rs`), without `mod.rs` itself.
    files: BTreeSet<String>,
    /// The rule files (those with `impl Rule for`) and the id each declares.
    rules: Vec<(String, String)>,
    /// The engine's diagnostic ids (`ENGINE_RULES` in `src/registry.rs`).
    engine_ids: BTreeSet<String>,
    /// The registry entries listed in its `RULES`.
    listed: BTreeSet<String>,
    /// The registry's entries: name -> id.
    entries: std::collections::BTreeMap<String, String>,
}

fn rules_tree(root: &Path) -> RulesTree {
    let registry = registry(root);
    let dir = root.join("src/rules");
    let mod_rs = read(&dir.join("mod.rs"));
    let mut mods = BTreeSet::new();
    let mut registered = BTreeSet::new();
    let mut in_all_rules = false;
    for line in mod_rs.lines() {
        let t = line.trim();
        if let Some(name) = t
            .strip_prefix("mod ")
            .or_else(|| t.strip_prefix("pub mod "))
            .or_else(|| t.strip_prefix("pub(crate) mod "))
            .and_then(|r| r.strip_suffix(';'))
        {
            mods.insert(name.to_string());
        }
        if t.starts_with("pub static ALL_RULES") {
            in_all_rules = true;
        } else if in_all_rules && t.starts_with("];") {
            in_all_rules = false;
        } else if in_all_rules
            && let Some((module, _)) = t.strip_prefix('&').and_then(|r| r.split_once("::"))
        {
            registered.insert(module.to_string());
        }
    }
    let mut files = BTreeSet::new();
    let mut rules = Vec::new();
    for name in names(&dir) {
        let (module, path) = if let Some(stem) = name.strip_suffix(".rs") {
            (stem.to_string(), dir.join(&name))
        } else if dir.join(&name).join("mod.rs").is_file() {
            (name.clone(), dir.join(&name).join("mod.rs"))
        } else {
            continue;
        };
        if module == "mod" {
            continue;
        }
        let text = read(&path);
        if text.contains("impl Rule for") {
            let id = text
                .split("&registry::")
                .nth(1)
                .and_then(|rest| rest.split(';').next())
                .map(|name| match registry.entries.get(name.trim()) {
                    Some(id) => id.clone(),
                    None => format!("<registry::{}>", name.trim()),
                })
                .unwrap_or_else(|| format!("<src/rules/{module}.rs names no registry entry>"));
            rules.push((module.clone(), id));
        }
        files.insert(module);
    }
    RulesTree {
        mods,
        registered,
        files,
        rules,
        engine_ids: registry.engine_ids,
        listed: registry.listed,
        entries: registry.entries,
    }
}

/// What `src/registry.rs` declares.
struct Registry {
    /// `pub static NAME: RuleMeta` entries: name -> id.
    entries: std::collections::BTreeMap<String, String>,
    /// The names listed in `pub static RULES`.
    listed: BTreeSet<String>,
    /// The ids of `ENGINE_RULES` (their docs are `rules/<id>.md`).
    engine_ids: BTreeSet<String>,
}

fn registry(root: &Path) -> Registry {
    let text = read(&root.join("src/registry.rs"));
    let mut entries = std::collections::BTreeMap::new();
    let mut current: Option<String> = None;
    let mut listed = BTreeSet::new();
    let mut engine_ids = BTreeSet::new();
    let mut block = "";
    for line in text.lines() {
        let t = line.trim();
        if let Some(name) = t
            .strip_prefix("pub static ")
            .and_then(|r| r.strip_suffix(": RuleMeta = RuleMeta {"))
        {
            current = Some(name.to_string());
        } else if let (Some(name), Some(id)) = (&current, quoted_after(t, "id:")) {
            entries.insert(name.clone(), id.to_string());
            current = None;
        }
        if t.starts_with("pub static RULES") {
            block = "rules";
        } else if t.starts_with("pub static ENGINE_RULES") {
            block = "engine";
        } else if t.starts_with("];") {
            block = "";
        } else if block == "rules"
            && let Some(name) = t.strip_prefix('&').and_then(|r| r.strip_suffix(','))
        {
            listed.insert(name.to_string());
        } else if block == "engine"
            && let Some(id) = quoted_after(t, "include_str!(")
                .and_then(|doc| doc.strip_prefix("../rules/"))
                .and_then(|d| d.strip_suffix(".md"))
        {
            engine_ids.insert(id.to_string());
        }
    }
    Registry {
        entries,
        listed,
        engine_ids,
    }
}

/// Rule files that are not declared or not registered, and registrations without a file.
fn rule_file_problems(root: &Path) -> Vec<String> {
    let tree = rules_tree(root);
    let mut out = Vec::new();
    for module in tree.files.difference(&tree.mods) {
        out.push(format!(
            "src/rules/{module}.rs is an orphan rule file: src/rules/mod.rs has no `mod {module};`"
        ));
    }
    for (module, id) in &tree.rules {
        if let Some(name) = id
            .strip_prefix("<registry::")
            .and_then(|n| n.strip_suffix('>'))
        {
            out.push(format!(
                "src/rules/{module}.rs names `registry::{name}`, which src/registry.rs does not declare"
            ));
        }
    }
    for module in tree.mods.difference(&tree.files) {
        out.push(format!(
            "src/rules/mod.rs declares `mod {module};` but the rule file src/rules/{module}.rs is missing"
        ));
    }
    for (module, id) in &tree.rules {
        if tree.mods.contains(module) && !tree.registered.contains(module) {
            out.push(format!(
                "rule `{id}` (src/rules/{module}.rs) is not registered in ALL_RULES (src/rules/mod.rs)"
            ));
        }
    }
    for name in &tree.listed {
        let id = tree.entries.get(name).cloned().unwrap_or_default();
        if !tree.rules.iter().any(|(_, r)| *r == id) {
            out.push(format!(
                "the registry entry `{name}` (`{id}`, src/registry.rs) has no rule file naming it (`&registry::{name}`)"
            ));
        }
    }
    for (name, id) in &tree.entries {
        if !tree.listed.contains(name) {
            out.push(format!(
                "the registry entry `{name}` (`{id}`) is not listed in `RULES` (src/registry.rs)"
            ));
        }
    }
    for module in tree.registered.difference(&tree.mods) {
        out.push(format!(
            "ALL_RULES names `{module}` but src/rules/mod.rs has no `mod {module};`"
        ));
    }
    out
}

/// Doc pages without a rule, and rules without a doc page.
fn doc_problems(root: &Path) -> Vec<String> {
    let tree = rules_tree(root);
    let mut known: BTreeSet<&str> = tree.engine_ids.iter().map(String::as_str).collect();
    known.extend(tree.rules.iter().map(|(_, id)| id.as_str()));
    let mut out = Vec::new();
    for (module, id) in &tree.rules {
        if !root.join("rules").join(format!("{id}.md")).is_file() {
            out.push(format!(
                "rule `{id}` (src/rules/{module}.rs) has no doc page: rules/{id}.md is missing"
            ));
        }
    }
    for name in names(&root.join("rules")) {
        let Some(id) = name.strip_suffix(".md") else {
            continue;
        };
        if id != "README" && !known.contains(id) {
            out.push(format!(
                "rules/{name} is an orphan doc page: no rule or engine diagnostic has the id `{id}`"
            ));
        }
    }
    out
}

/// Whether a fixture case (a folder) has a `# expect:` marker naming `id` in one of its files.
fn case_expects(case: &Path, id: &str) -> bool {
    fn walk(dir: &Path, id: &str) -> bool {
        names(dir).iter().any(|name| {
            let path = dir.join(name);
            if path.is_dir() {
                return walk(&path, id);
            }
            read(&path).lines().any(|line| {
                line.split_once("# expect:")
                    .is_some_and(|(_, rules)| rules.split(',').any(|r| r.trim() == id))
            })
        })
    }
    walk(case, id)
}

/// Fixture folders without a rule, and rules without fixtures that fire and stay silent.
/// Folders whose name starts with `_` belong to no rule: `_engine` (parsing, encodings,
/// suppressions), `_evaluation` (expressions and instances), `_modules` (module calls and the
/// estate), `_access` (`iamlint access`) and `_formats` (output formats).
fn fixture_problems(root: &Path) -> Vec<String> {
    let tree = rules_tree(root);
    let mut known: BTreeSet<&str> = tree.engine_ids.iter().map(String::as_str).collect();
    known.extend(tree.rules.iter().map(|(_, id)| id.as_str()));
    let fixtures = root.join("fixtures");
    let mut out = Vec::new();
    for name in names(&fixtures) {
        if name.starts_with('_') || !fixtures.join(&name).is_dir() {
            continue;
        }
        if !known.contains(name.as_str()) {
            out.push(format!(
                "fixtures/{name}/ is an orphan fixture folder: no rule or engine diagnostic has the id `{name}`"
            ));
        }
    }
    for (module, id) in &tree.rules {
        let dir = fixtures.join(id);
        let cases: Vec<PathBuf> = names(&dir)
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| p.is_dir())
            .collect();
        if cases.is_empty() {
            out.push(format!(
                "rule `{id}` (src/rules/{module}.rs) has no fixtures: fixtures/{id}/ is missing or empty"
            ));
            continue;
        }
        let fires = cases.iter().filter(|c| case_expects(c, id)).count();
        if fires == 0 {
            out.push(format!(
                "rule `{id}` has no fixture case that fires (a `# expect: {id}` marker) in fixtures/{id}/"
            ));
        }
        if fires == cases.len() {
            out.push(format!(
                "rule `{id}` has no silent fixture case (one without `# expect: {id}`) in fixtures/{id}/"
            ));
        }
    }
    out
}

/// The options each rule accepts in its `[rules.<id>]` table: the fields of the
/// `pub struct Options` in its file (serde reads them in kebab-case).
fn rule_options(root: &Path) -> Result<Vec<(String, Vec<String>)>, String> {
    // Each rule's options are its `pub struct Options` (serde, kebab-case keys), in its file.
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(root.join("src/rules"))
        .map_err(|e| format!("src/rules: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    for path in files {
        let text = read(&path);
        let Some(start) = text.find("pub struct Options {") else {
            continue;
        };
        let Some(id) = text
            .split("&registry::")
            .nth(1)
            .and_then(|rest| rest.split(';').next())
            .map(|c| c.to_lowercase().replace('_', "-"))
        else {
            return Err(format!(
                "{} has `pub struct Options` but names no registry entry (`&registry::ID`)",
                path.display()
            ));
        };
        let body = &text[start..];
        let body = &body[..body.find("\n}").unwrap_or(body.len())];
        let keys: Vec<String> = body
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub "))
            .filter_map(|l| l.split_once(':'))
            .map(|(name, _)| name.trim().replace('_', "-"))
            .collect();
        out.push((id, keys));
    }
    if out.is_empty() {
        return Err("found no `pub struct Options` in src/rules: teach tests/tree.rs::rule_options where rules' options are declared".into());
    }
    Ok(out)
}

/// Options read from `[rules.<id>]` that the rule's doc page does not name (as `` `key` `` or
/// `key =`). `severity` is every rule's and documented in the README.
fn option_problems(root: &Path) -> Vec<String> {
    let options = match rule_options(root) {
        Ok(options) => options,
        Err(e) => return vec![e],
    };
    let mut out = Vec::new();
    for (id, keys) in options {
        let doc = read(&root.join("rules").join(format!("{id}.md")));
        for key in keys.iter().filter(|k| *k != "severity") {
            if !doc.contains(&format!("`{key}`")) && !doc.contains(&format!("{key} =")) {
                out.push(format!(
                    "option `{key}` of `[rules.{id}]` (a field of its `Options`) is not documented on rules/{id}.md"
                ));
            }
        }
    }
    out
}

fn all_problems(root: &Path) -> Vec<String> {
    let mut out = rule_file_problems(root);
    out.extend(doc_problems(root));
    out.extend(fixture_problems(root));
    out.extend(option_problems(root));
    out
}

#[test]
fn the_tree_has_no_orphans_and_every_option_is_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tree = rules_tree(root);
    assert!(
        tree.rules.len() >= 20,
        "found only {} rules",
        tree.rules.len()
    );
    assert!(
        tree.engine_ids.len() >= 6,
        "found only {:?}",
        tree.engine_ids
    );
    let options = rule_options(root).unwrap();
    assert!(options.len() >= 5, "found only {options:?}");
    let problems = all_problems(root);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The modules of `src/`: its `.rs` files (but `lib.rs` and `main.rs`) and folders.
fn src_modules(root: &Path) -> BTreeSet<String> {
    names(&root.join("src"))
        .into_iter()
        .filter_map(|name| match name.strip_suffix(".rs") {
            Some("lib" | "main") => None,
            Some(stem) => Some(stem.to_string()),
            None if root.join("src").join(&name).is_dir() => Some(name),
            None => None,
        })
        .collect()
}

/// The README's `## Layout` section: every module of `src/` is named in backticks, and every
/// module it names (the table's first column, and bare lowercase names in backticks in the
/// prose) exists.
fn layout_problems(root: &Path) -> Vec<String> {
    let readme = read(&root.join("README.md"));
    let Some(start) = readme.find("\n## Layout\n") else {
        return vec!["README.md has no `## Layout` section".into()];
    };
    let section = &readme[start + 1..];
    let section = &section[..section[1..].find("\n## ").map_or(section.len(), |e| e + 1)];
    let modules = src_modules(root);
    // Named: the table's first column, and bare lowercase names in backticks in the prose
    // around it (`config`, `catalog`, ...). The table's second column may quote other things.
    let mut named = BTreeSet::new();
    for line in section.lines() {
        let text = if let Some(row) = line.strip_prefix('|') {
            row.split('|').next().unwrap_or_default()
        } else {
            line
        };
        for (i, piece) in text.split('`').enumerate() {
            if i % 2 == 1
                && !piece.is_empty()
                && piece.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            {
                named.insert(piece.to_string());
            }
        }
    }
    // Besides the top-level modules, the section may name the modules of a folder
    // (`gcp/catalog.rs`) and the binary's root, `main`.
    let mut known = modules.clone();
    known.insert("main".to_string());
    for module in &modules {
        for name in names(&root.join("src").join(module)) {
            if let Some(stem) = name.strip_suffix(".rs").filter(|s| *s != "mod") {
                known.insert(stem.to_string());
            }
        }
    }
    let mut out = Vec::new();
    for module in modules.difference(&named) {
        out.push(format!(
            "src/{module} is not named in README.md's `## Layout` section"
        ));
    }
    for name in named.difference(&known) {
        out.push(format!(
            "README.md's `## Layout` section names `{name}`, which is not a module of src/"
        ));
    }
    out
}

#[test]
fn readme_layout_names_every_module_and_only_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(src_modules(root).len() >= 20);
    let problems = layout_problems(root);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn copy_dir(from: &Path, to: &Path, filter: &dyn Fn(&Path) -> bool) {
    fs::create_dir_all(to).unwrap();
    for name in names(from) {
        let (src, dst) = (from.join(&name), to.join(&name));
        if src.is_dir() {
            copy_dir(&src, &dst, filter);
        } else if filter(&src) {
            fs::copy(&src, &dst).unwrap();
        }
    }
}

/// A scratch copy of what the checks and the script read: `src/`, `fixtures/`, the doc pages,
/// the script, `README.md` and `Cargo.toml` (not the 6 MB of rule data).
fn scratch_copy(dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let _ = fs::remove_dir_all(dir);
    copy_dir(&root.join("src"), &dir.join("src"), &|_| true);
    copy_dir(&root.join("fixtures"), &dir.join("fixtures"), &|_| true);
    fs::create_dir_all(dir.join("rules")).unwrap();
    for name in names(&root.join("rules")) {
        if name.ends_with(".md") {
            fs::copy(
                root.join("rules").join(&name),
                dir.join("rules").join(&name),
            )
            .unwrap();
        }
    }
    fs::create_dir_all(dir.join("scripts")).unwrap();
    fs::copy(
        root.join("scripts/new-rule.sh"),
        dir.join("scripts/new-rule.sh"),
    )
    .unwrap();
    for file in ["README.md", "Cargo.toml"] {
        fs::copy(root.join(file), dir.join(file)).unwrap();
    }
}

fn new_rule(dir: &Path, id: &str) -> std::process::Output {
    Command::new("bash")
        .arg(dir.join("scripts/new-rule.sh"))
        .arg(id)
        .env("NEW_RULE_NO_CARGO", "1")
        .output()
        .expect("bash runs")
}

/// Removes `path` (a file or a folder), runs `check`, puts it back; returns what `check` said.
fn without(path: &Path, check: impl Fn() -> Vec<String>) -> Vec<String> {
    // Kept outside the scratch tree, where no check looks.
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("new-rule-kept");
    let _ = fs::remove_dir_all(&keep);
    let _ = fs::remove_file(&keep);
    fs::rename(path, &keep).unwrap();
    let problems = check();
    fs::rename(&keep, path).unwrap();
    problems
}

#[test]
fn new_rule_writes_four_pieces_and_removing_any_is_caught() {
    // Not `demo-rule`: `scripts/new-rule.sh demo-rule` followed by `cargo test` must pass too.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("new-rule-scratch");
    scratch_copy(&dir);
    let before = read(&dir.join("src/rules/mod.rs"));
    assert!(all_problems(&dir).is_empty(), "{:?}", all_problems(&dir));

    let run = new_rule(&dir, "scaffold-probe");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let rule_file = dir.join("src/rules/scaffold_probe.rs");
    let doc = dir.join("rules/scaffold-probe.md");
    let fixtures = dir.join("fixtures/scaffold-probe");
    let registry_rs = dir.join("src/registry.rs");
    assert!(read(&registry_rs).contains("    id: \"scaffold-probe\",\n"));
    assert!(read(&registry_rs).contains("    &PUBLIC_MEMBER,\n    &SCAFFOLD_PROBE,\n"));
    assert!(read(&rule_file).contains("static META: &RuleMeta = &registry::SCAFFOLD_PROBE;"));
    assert!(read(&rule_file).contains("impl Rule for ScaffoldProbe"));
    assert!(read(&doc).starts_with("# scaffold-probe\n"));
    for heading in [
        "Default severity: **warning**",
        "## What it does",
        "## Why it matters",
        "## Example",
        "## Use instead",
        "## References",
    ] {
        assert!(
            read(&doc).contains(heading),
            "rules/scaffold-probe.md: {heading}"
        );
    }
    assert!(case_expects(&fixtures.join("fires"), "scaffold-probe"));
    assert!(!case_expects(&fixtures.join("silent"), "scaffold-probe"));
    let mod_rs = read(&dir.join("src/rules/mod.rs"));
    assert!(mod_rs.contains("\nmod scaffold_probe;\n"));
    assert!(mod_rs.contains("    &scaffold_probe::ScaffoldProbe,\n"));
    // Sorted: right after `public_member` in both lists.
    assert!(mod_rs.contains("mod public_member;\nmod scaffold_probe;\n"));
    assert!(
        mod_rs.contains("&public_member::PublicMember,\n    &scaffold_probe::ScaffoldProbe,\n")
    );
    // With all four pieces, every check passes.
    assert!(all_problems(&dir).is_empty(), "{:?}", all_problems(&dir));

    // A second run refuses to overwrite; a bad id is refused.
    assert!(!new_rule(&dir, "scaffold-probe").status.success());
    assert!(!new_rule(&dir, "Demo_Rule").status.success());

    let says = |problems: Vec<String>, piece: &str| {
        assert!(
            problems.iter().any(|p| p.contains(piece)),
            "expected a problem naming `{piece}`, got {problems:?}"
        );
    };
    // 1. the rule file.
    says(
        without(&rule_file, || rule_file_problems(&dir)),
        "the rule file src/rules/scaffold_probe.rs is missing",
    );
    // 2. the registration: the `mod` line and the ALL_RULES entry, or only the entry.
    let registered = read(&dir.join("src/rules/mod.rs"));
    fs::write(dir.join("src/rules/mod.rs"), &before).unwrap();
    says(
        rule_file_problems(&dir),
        "src/rules/scaffold_probe.rs is an orphan rule file: src/rules/mod.rs has no `mod scaffold_probe;`",
    );
    fs::write(
        dir.join("src/rules/mod.rs"),
        registered.replace("    &scaffold_probe::ScaffoldProbe,\n", ""),
    )
    .unwrap();
    says(
        rule_file_problems(&dir),
        "rule `scaffold-probe` (src/rules/scaffold_probe.rs) is not registered in ALL_RULES",
    );
    fs::write(dir.join("src/rules/mod.rs"), &registered).unwrap();
    // ... and its metadata in the registry: the entry, or only its place in RULES.
    let entry = read(&registry_rs);
    let start = entry.find("\npub static SCAFFOLD_PROBE").unwrap();
    let end = start + entry[start..].find("};\n").unwrap() + 3;
    fs::write(
        &registry_rs,
        format!("{}{}", &entry[..start], &entry[end..]),
    )
    .unwrap();
    says(
        rule_file_problems(&dir),
        "src/rules/scaffold_probe.rs names `registry::SCAFFOLD_PROBE`, which src/registry.rs does not declare",
    );
    fs::write(&registry_rs, entry.replace("    &SCAFFOLD_PROBE,\n", "")).unwrap();
    says(
        rule_file_problems(&dir),
        "the registry entry `SCAFFOLD_PROBE` (`scaffold-probe`) is not listed in `RULES` (src/registry.rs)",
    );
    fs::write(&registry_rs, &entry).unwrap();
    // 3. the doc page.
    says(
        without(&doc, || doc_problems(&dir)),
        "rules/scaffold-probe.md is missing",
    );
    // 4. the fixtures.
    says(
        without(&fixtures, || fixture_problems(&dir)),
        "rule `scaffold-probe` (src/rules/scaffold_probe.rs) has no fixtures",
    );
    says(
        without(&fixtures.join("fires"), || fixture_problems(&dir)),
        "has no fixture case that fires",
    );
    says(
        without(&fixtures.join("silent"), || fixture_problems(&dir)),
        "has no silent fixture case",
    );
    // Orphans: with the rule file gone, its doc page and fixture folder belong to nothing.
    let orphans = without(&rule_file, || {
        let mut p = doc_problems(&dir);
        p.extend(fixture_problems(&dir));
        p
    });
    says(
        orphans.clone(),
        "rules/scaffold-probe.md is an orphan doc page",
    );
    says(
        orphans,
        "fixtures/scaffold-probe/ is an orphan fixture folder",
    );
    assert!(all_problems(&dir).is_empty(), "{:?}", all_problems(&dir));

    // An option that its page does not name.
    let page = dir.join("rules/default-service-account.md");
    let text = read(&page);
    fs::write(&page, text.replace("extra-identities", "extra_identities")).unwrap();
    says(
        option_problems(&dir),
        "option `extra-identities` of `[rules.default-service-account]` (a field of its `Options`) is not documented on rules/default-service-account.md",
    );
    fs::write(&page, text).unwrap();

    // The README layout check, on a module that is added and on one that is removed.
    fs::write(dir.join("src/newmod.rs"), "").unwrap();
    says(
        layout_problems(&dir),
        "src/newmod is not named in README.md's `## Layout` section",
    );
    fs::remove_file(dir.join("src/newmod.rs")).unwrap();
    says(
        without(&dir.join("src/discover.rs"), || layout_problems(&dir)),
        "names `discover`, which is not a module of src/",
    );
    assert!(all_problems(&dir).is_empty(), "{:?}", all_problems(&dir));
    let _ = fs::remove_dir_all(&dir);
}
