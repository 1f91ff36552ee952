//! The library's public surface, pinned: what `src/lib.rs` exports, and the public items of
//! the modules it makes public. Everything else is private to the crate, so that the
//! dead-code lint sees what nothing uses. Widening the surface means changing this list, on
//! purpose. (A rule's metadata entry in `src/registry.rs`, `pub static ID: RuleMeta`, is part
//! of the read-only registry and not listed one by one.)

use std::collections::BTreeSet;
use std::path::Path;

/// The top-level `pub` items of one file: `fn x` gives `x`, `pub use a::{b, c as d}` gives
/// `b` and `d`, `pub mod m` gives `mod m`.
fn public_items(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("pub ") else {
            continue;
        };
        if let Some(used) = rest.strip_prefix("use ") {
            // Gather a use that spans lines.
            let mut whole = used.to_string();
            while !whole.trim_end().ends_with(';') {
                match lines.next() {
                    Some(next) => whole.push_str(next),
                    None => break,
                }
            }
            let whole = whole.trim_end().trim_end_matches(';');
            let names = match whole.split_once('{') {
                Some((_, group)) => group.trim_end_matches('}').to_string(),
                None => whole.rsplit("::").next().unwrap_or(whole).to_string(),
            };
            for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                let shown = name.rsplit(" as ").next().unwrap_or(name);
                out.insert(shown.rsplit("::").next().unwrap_or(shown).to_string());
            }
            continue;
        }
        let mut words = rest.split(|c: char| !(c.is_alphanumeric() || c == '_'));
        let kind = words.next().unwrap_or_default();
        let name = words.find(|w| !w.is_empty()).unwrap_or_default();
        let item = match kind {
            "mod" => format!("mod {name}"),
            "fn" | "struct" | "enum" | "const" | "static" | "type" | "trait" => {
                format!("{kind} {name}")
            }
            _ => format!("{kind} {name}"),
        };
        out.insert(item);
    }
    out
}

fn read(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn check(root: &Path, file: &str, expected: &[&str], problems: &mut Vec<String>) {
    let mut found = public_items(&read(root, file));
    if file == "src/registry.rs" {
        found.retain(|item| {
            !(item.starts_with("static ")
                && item[7..]
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_')
                && !["static RULES", "static ENGINE_RULES"].contains(&item.as_str()))
        });
    }
    let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
    for extra in found.difference(&expected) {
        problems.push(format!(
            "{file} makes `{extra}` public, which the pinned surface does not list (make it pub(crate), or add it to tests/surface.rs on purpose)"
        ));
    }
    for gone in expected.difference(&found) {
        problems.push(format!(
            "{file} no longer makes `{gone}` public (update tests/surface.rs)"
        ));
    }
}

#[test]
fn the_public_surface_is_the_pinned_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    check(
        root,
        "src/lib.rs",
        &[
            // Lint and report.
            "lint",
            "lint_source",
            "lint_plan",
            "Options",
            "Report",
            "Stats",
            "Fatal",
            "Diagnostic",
            "Label",
            "Group",
            "Fix",
            "Edit",
            "FileId",
            "Severity",
            "Config",
            "ConfigError",
            "load_config",
            "parse_config",
            "find_config",
            "mod emit",
            "mod registry",
            // The other commands' entry points.
            "access",
            "Query",
            "Row",
            "Via",
            "NotCounted",
            "Catalog",
            "mod fix",
            "mod baseline",
            "mod server",
            "mod util",
            // The outline scanner, checked against hcl-edit by the fuzz target and an example.
            "mod outline",
        ],
        &mut problems,
    );
    check(
        root,
        "src/outline.rs",
        &[
            "struct Block",
            "struct Attr",
            "fn scan",
            "fn differs_from_hcl_edit",
            "fn plain",
        ],
        &mut problems,
    );
    check(
        root,
        "src/emit/mod.rs",
        &["mod access", "enum Format", "fn emit", "fn emit_with"],
        &mut problems,
    );
    check(
        root,
        "src/emit/access.rs",
        &["fn human", "fn json"],
        &mut problems,
    );
    check(
        root,
        "src/registry.rs",
        &[
            "enum Scope",
            "struct RuleMeta",
            "const EXPIRED_SUPPRESSION",
            "const INVALID_SUPPRESSION",
            "const UNUSED_SUPPRESSION",
            "const IO_ERROR",
            "const MODULE_CYCLE",
            "const PARSE_ERROR",
            "static ENGINE_RULES",
            "static RULES",
            "fn all_metas",
            "fn meta",
            "fn suggest_id",
        ],
        &mut problems,
    );
    check(
        root,
        "src/fix.rs",
        &[
            "struct Applied",
            "struct Mode",
            "struct Outcome",
            "fn apply",
        ],
        &mut problems,
    );
    check(
        root,
        "src/baseline.rs",
        &["fn write", "fn apply", "struct Applied"],
        &mut problems,
    );
    check(root, "src/server/mod.rs", &["fn run"], &mut problems);
    check(
        root,
        "src/util/mod.rs",
        &["mod alloc", "mod optfile", "mod paths"],
        &mut problems,
    );
    check(
        root,
        "src/util/alloc.rs",
        &["fn tune_mimalloc"],
        &mut problems,
    );
    check(
        root,
        "src/util/optfile.rs",
        &[
            "const MAX_OPTION_FILE",
            "const MAX_PLAN_FILE",
            "struct NotRead",
            "fn check",
            "fn write_atomically",
        ],
        &mut problems,
    );
    check(root, "src/util/paths.rs", &["fn io_message"], &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_reader_sees_every_kind_of_item() {
    let items = public_items(
        "pub fn a() {}\npub(crate) fn hidden() {}\npub use x::{B, c::D as E};\npub use y::F;\npub mod g;\npub struct H;\n    pub fn inner() {}\n",
    );
    let items: Vec<&str> = items.iter().map(String::as_str).collect();
    assert_eq!(items, ["B", "E", "F", "fn a", "mod g", "struct H"]);
}
