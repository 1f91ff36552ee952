//! SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.

use crate::baseline::{Roots, fingerprints_with};
use crate::diagnostic::{Label, Severity};
use crate::registry;
use crate::report::Report;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where a rule's documentation lives, pinned to this version.
pub fn help_uri(id: &str) -> String {
    format!(
        "https://github.com/iamlint/iamlint/blob/v{}/rules/{id}.md",
        env!("CARGO_PKG_VERSION")
    )
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// How file paths become URIs: relative to the repository root (`%SRCROOT%`, which code
/// scanning maps to the checkout), or absolute `file://` URIs for files outside it.
struct Uris {
    roots: Roots,
    srcroot: PathBuf,
    cache: HashMap<usize, Value>,
}

impl Uris {
    fn new(report: &Report) -> Uris {
        let mut roots = Roots::new(None);
        let first = report.diagnostics.first().map_or(Path::new("."), |d| {
            Path::new(report.files.display(d.primary.file))
        });
        let srcroot = roots.locate(first).0;
        Uris {
            roots,
            srcroot,
            cache: HashMap::new(),
        }
    }

    fn artifact(&mut self, report: &Report, file: usize) -> Value {
        if let Some(v) = self.cache.get(&file) {
            return v.clone();
        }
        let (root, relative) = self.roots.locate(Path::new(report.files.display(file)));
        let v = if root == self.srcroot {
            json!({ "uri": uri(&relative), "uriBaseId": "%SRCROOT%" })
        } else {
            json!({ "uri": file_uri(&root, &relative) })
        };
        self.cache.insert(file, v.clone());
        v
    }
}

/// `file:///abs/dir/` for a directory, or `file:///abs/dir/rel` for a path under it.
fn file_uri(dir: &Path, relative: &str) -> String {
    let mut text = uri(&dir.to_string_lossy());
    if !text.ends_with('/') {
        text.push('/');
    }
    if relative != "." {
        text.push_str(&uri(relative));
    }
    if text.starts_with('/') {
        format!("file://{text}")
    } else {
        format!("file:///{text}")
    }
}

fn location(report: &Report, uris: &mut Uris, label: &Label) -> Value {
    let (start, end) = report.files.span(label.file, &label.range);
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": uris.artifact(report, label.file),
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column,
            }
        }
    });
    if !label.message.is_empty() {
        loc["message"] = json!({ "text": label.message });
    }
    loc
}

/// GitHub code scanning's scale: 7.0 and above is high, 4.0 to 6.9 medium, below 4.0 low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "7.5",
        Severity::Warning => "5.0",
        Severity::Note => "2.0",
    }
}

/// A relative path as a URI reference: forward slashes, spaces and `%` escaped.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.replace('\\', "/").chars() {
        match c {
            '%' => out.push_str("%25"),
            ' ' => out.push_str("%20"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            c => out.push(c),
        }
    }
    out
}

pub fn emit(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let metas: Vec<_> = registry::all_metas().collect();
    let mut sorted = metas.clone();
    sorted.sort_by_key(|m| m.id);
    let rules: Vec<Value> = sorted
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": m.summary },
                "help": { "text": m.docs, "markdown": m.docs },
                "helpUri": help_uri(m.id),
                "defaultConfiguration": { "level": level(m.default_severity) },
                "properties": {
                    "tags": ["security"],
                    "security-severity": security_severity(m.default_severity),
                },
            })
        })
        .collect();
    let mut uris = Uris::new(report);
    let prints = fingerprints_with(report, &mut uris.roots);
    let srcroot = file_uri(&uris.srcroot, ".");
    let results = report
        .diagnostics
        .iter()
        .zip(prints)
        .map(|(d, (fingerprint, _))| (d, fingerprint))
        .map(|(d, fingerprint)| {
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let mut result = json!({
                "ruleId": d.rule,
                "level": level(d.severity),
                "message": { "text": text },
                "locations": [location(report, &mut uris, &d.primary)],
                "partialFingerprints": { "iamlint/v2": fingerprint },
            });
            if let Some(index) = sorted.iter().position(|m| m.id == d.rule) {
                result["ruleIndex"] = json!(index);
            }
            if !d.secondary.is_empty() {
                result["relatedLocations"] = Value::Array(
                    d.secondary
                        .iter()
                        .enumerate()
                        .map(|(i, l)| {
                            let mut loc = location(report, &mut uris, l);
                            loc["id"] = json!(i);
                            loc
                        })
                        .collect(),
                );
            }
            result
        });
    // The document without its results, which are written one at a time where the placeholder
    // is: the tree of every result at once took more memory than the rest of the run (400 MB
    // for the 28,000 findings of a 30 MB module). The bytes are those of the whole tree
    // written by `to_writer_pretty`.
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "iamlint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/iamlint/iamlint",
                    "rules": rules,
                }
            },
            "originalUriBaseIds": {
                "%SRCROOT%": {
                    "uri": srcroot,
                    "description": { "text": "the repository root: the nearest directory with a .git" },
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": RESULTS,
        }]
    });
    let skeleton = serde_json::to_string_pretty(&sarif)?;
    let placeholder = serde_json::to_string(RESULTS)?;
    let Some(at) = skeleton.find(&placeholder) else {
        unreachable!("the placeholder is in the document")
    };
    out.write_all(&skeleton.as_bytes()[..at])?;
    // `"results": [` at the indentation of its line; each result one level deeper.
    let line = &skeleton[skeleton[..at].rfind('\n').map_or(0, |i| i + 1)..at];
    let indent = &line[..line.len() - line.trim_start().len()];
    let mut any = false;
    for result in results {
        out.write_all(if any { b",\n" } else { b"[\n" })?;
        any = true;
        let text = serde_json::to_string_pretty(&result)?;
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            write!(out, "{indent}  {line}")?;
        }
    }
    match any {
        true => write!(out, "\n{indent}]")?,
        false => out.write_all(b"[]")?,
    }
    out.write_all(&skeleton.as_bytes()[at + placeholder.len()..])?;
    writeln!(out)
}

/// Stands for the results in the document written around them: no rule's text holds it.
const RESULTS: &str = "\u{0}iamlint: the results go here";
