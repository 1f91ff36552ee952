//! SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.

use crate::baseline::fingerprints;
use crate::diagnostic::{Label, Severity};
use crate::engine::Report;
use crate::registry;
use serde_json::{Value, json};
use std::io::{self, Write};

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

fn location(report: &Report, label: &Label) -> Value {
    let (start, end) = report.files.span(label.file, &label.range);
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(report.files.display(label.file)) },
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
            })
        })
        .collect();
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .zip(fingerprints(report))
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
                "locations": [location(report, &d.primary)],
                "partialFingerprints": { "iamlint/v1": fingerprint },
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
                            let mut loc = location(report, l);
                            loc["id"] = json!(i);
                            loc
                        })
                        .collect(),
                );
            }
            result
        })
        .collect();
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
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}
