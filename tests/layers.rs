//! The crate's module graph, read from the code's own paths (`crate::a::b`, `use crate::{..}`,
//! `super::x`; comments, strings and `#[cfg(test)]` modules left out): no module may depend,
//! directly or through others, on one that depends on it. Edges are counted between siblings
//! (two top-level modules, or two modules of one folder); a module and its own parent or child
//! are one unit. `cargo test --test layers -- --nocapture` prints the picture, lowest layer
//! first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every module of the library: its path (`["gcp", "catalog"]`) and its code.
fn modules(src: &Path) -> BTreeMap<Vec<String>, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let rel: PathBuf = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            // The binary's tree (main.rs, cli.rs) is its own crate.
            if parts == ["lib"] || parts == ["main"] || parts == ["cli"] {
                continue;
            }
            out.insert(parts, code(&std::fs::read_to_string(&path).unwrap()));
        }
    }
    out
}

/// The text without comments, string and char literals, and `#[cfg(test)]` items.
fn code(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if text[i..].starts_with("//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if text[i..].starts_with("/*") {
            let mut depth = 0;
            while i < b.len() {
                if text[i..].starts_with("/*") {
                    depth += 1;
                    i += 2;
                } else if text[i..].starts_with("*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if text[i..].starts_with("r#\"") || text[i..].starts_with("r\"") {
            let hashes = text[i + 1..].bytes().take_while(|&c| c == b'#').count();
            let close = format!("\"{}", "#".repeat(hashes));
            let start = i + 2 + hashes;
            i = text[start..]
                .find(&close)
                .map_or(b.len(), |at| start + at + close.len());
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && i + 2 < b.len() && (b[i + 2] == b'\'' || b[i + 1] == b'\\') {
            // A char literal (a lifetime has no closing quote).
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    strip_test_items(&out)
}

/// `#[cfg(test)]` and the item after it (up to its matching `}` or `;`).
fn strip_test_items(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        let end = match (item.find('{'), item.find(';')) {
            (Some(open), semi) if semi.is_none_or(|s| open < s) => {
                let mut depth = 0;
                let mut end = item.len();
                for (j, c) in item[open..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = open + j + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (_, Some(semi)) => semi + 1,
            _ => item.len(),
        };
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// The paths a piece of code names from `crate::` or `super::`, expanded (`crate::{a, b::c}`
/// gives `a` and `b::c`), relative to the crate root.
fn paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent(module))] {
        let mut from = 0;
        while let Some(at) = code[from..].find(prefix) {
            let start = from + at;
            from = start + prefix.len();
            let before = code[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut base = base.clone();
            let mut rest = &code[from..];
            // `super::super::x`
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
            expand(&base, rest, &mut out);
        }
    }
    out
}

fn parent(module: &[String]) -> Vec<String> {
    module[..module.len().saturating_sub(1)].to_vec()
}

/// One use tree at the start of `text`, each of its paths pushed after `base`.
fn expand(base: &[String], text: &str, out: &mut Vec<Vec<String>>) {
    let mut path = base.to_vec();
    let mut rest = text.trim_start();
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            for item in split_group(group) {
                expand(&path, item, out);
            }
            return;
        }
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            break;
        }
        let name = &rest[..len];
        if name != "self" {
            path.push(name.to_string());
        }
        rest = &rest[len..];
        match rest.strip_prefix("::") {
            Some(r) => rest = r.trim_start(),
            None => break,
        }
    }
    out.push(path);
}

/// The items of a `{ .. }` group whose opening brace is already consumed.
fn split_group(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&text[start..i]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

/// The dependency edges between siblings: (parent path, from, to).
fn edges(mods: &BTreeMap<Vec<String>, String>) -> BTreeSet<(Vec<String>, String, String)> {
    let mut out = BTreeSet::new();
    for (module, code) in mods {
        for path in paths(module, code) {
            // The longest prefix of the path that is a module.
            let Some(target) = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| mods.contains_key(p))
            else {
                continue;
            };
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            // A module and its own ancestor or descendant are one unit.
            if common == module.len() || common == target.len() {
                continue;
            }
            out.insert((
                module[..common].to_vec(),
                module[common].clone(),
                target[common].clone(),
            ));
        }
    }
    out
}

/// The modules of one folder in layers: each depends only on layers below it. `Err` holds
/// the modules left on a cycle.
fn layers(
    nodes: &BTreeSet<String>,
    deps: &BTreeMap<String, BTreeSet<String>>,
) -> Result<Vec<Vec<String>>, Vec<String>> {
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    while placed.len() < nodes.len() {
        let layer: Vec<String> = nodes
            .iter()
            .filter(|n| !placed.contains(*n))
            .filter(|n| {
                deps.get(*n)
                    .is_none_or(|d| d.iter().all(|t| placed.contains(t)))
            })
            .cloned()
            .collect();
        if layer.is_empty() {
            return Err(nodes
                .iter()
                .filter(|n| !placed.contains(*n))
                .cloned()
                .collect());
        }
        placed.extend(layer.iter().cloned());
        out.push(layer);
    }
    Ok(out)
}

/// The modules of one folder and the dependencies among them.
type Folder = (BTreeSet<String>, BTreeMap<String, BTreeSet<String>>);

#[test]
fn no_module_depends_on_itself_through_others() {
    // `IAMLINT_LAYERS_SRC=DIR` reads another tree (an older commit's `src/`, to compare).
    let src = match std::env::var_os("IAMLINT_LAYERS_SRC") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
    };
    let mods = modules(&src);
    assert!(
        mods.contains_key(&vec!["engine".to_string()]),
        "no modules read"
    );
    let edges = edges(&mods);
    let mut folders: BTreeMap<Vec<String>, Folder> = BTreeMap::new();
    for module in mods.keys() {
        let folder = parent(module);
        folders
            .entry(folder)
            .or_default()
            .0
            .insert(module.last().unwrap().clone());
    }
    for (folder, from, to) in &edges {
        let entry = folders.entry(folder.clone()).or_default();
        entry.1.entry(from.clone()).or_default().insert(to.clone());
    }
    let mut problems = Vec::new();
    for (folder, (nodes, deps)) in &folders {
        let name = if folder.is_empty() {
            "crate".to_string()
        } else {
            folder.join("::")
        };
        match layers(nodes, deps) {
            Ok(layers) => {
                println!("{name}:");
                for (i, layer) in layers.iter().enumerate() {
                    let shown: Vec<String> = layer
                        .iter()
                        .map(|m| match deps.get(m) {
                            Some(d) => format!(
                                "{m} (-> {})",
                                d.iter().cloned().collect::<Vec<_>>().join(" ")
                            ),
                            None => m.clone(),
                        })
                        .collect();
                    println!("  {i}: {}", shown.join(", "));
                }
            }
            Err(cycle) => {
                let shown: Vec<String> = cycle
                    .iter()
                    .map(|m| {
                        let d: Vec<&String> = deps
                            .get(m)
                            .into_iter()
                            .flatten()
                            .filter(|t| cycle.contains(t))
                            .collect();
                        format!("{m} -> {d:?}")
                    })
                    .collect();
                problems.push(format!("in {name}, a cycle among: {}", shown.join("; ")));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_reader_sees_groups_and_ignores_comments() {
    let module = vec!["rules".to_string(), "a".to_string()];
    let code = code(
        "use crate::{gcp::catalog::{self, Catalog}, model};\n// crate::engine\nlet s = \"crate::server\";\nfn f() { super::b::g(); crate::util::paths::x() }\n#[cfg(test)]\nmod tests { use crate::cli; }\n",
    );
    let found = paths(&module, &code);
    let found: Vec<String> = found.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        found,
        [
            "gcp::catalog",
            "gcp::catalog::Catalog",
            "model",
            "util::paths::x",
            "rules::b::g"
        ]
    );
}
