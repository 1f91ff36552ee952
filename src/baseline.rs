//! Fingerprints that survive line moves, and baselines built from them: `--write-baseline FILE`
//! records today's findings, `--baseline FILE` reports only the ones that are new.

use crate::diagnostic::Diagnostic;
use crate::engine::Report;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// FNV-1a, 64 bits: stable across runs, platforms and versions of Rust.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// A fingerprint per diagnostic, in order: the rule, the path, the message and the text at the
/// primary location (whitespace collapsed), plus how many identical ones came before. Moving
/// code up or down, or re-indenting it, keeps the fingerprint.
pub fn fingerprints(report: &Report) -> Vec<String> {
    let mut seen: HashMap<u64, usize> = HashMap::new();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let text = report.files.text(d.primary.file);
            let snippet = text
                .get(d.primary.range.clone())
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let hash = fnv1a(&[
                d.rule,
                report.files.display(d.primary.file),
                &d.message,
                &snippet,
            ]);
            let n = seen.entry(hash).or_insert(0);
            *n += 1;
            format!("{hash:016x}:{n}")
        })
        .collect()
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Finding>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Finding {
    fingerprint: String,
    rule: String,
    path: String,
    message: String,
}

/// Writes the report's findings as a baseline, atomically (a temporary file renamed over the target).
pub fn write(report: &Report, path: &Path) -> std::io::Result<usize> {
    let findings: Vec<Finding> = report
        .diagnostics
        .iter()
        .zip(fingerprints(report))
        .map(|(d, fingerprint)| Finding {
            fingerprint,
            rule: d.rule.to_string(),
            path: report.files.display(d.primary.file).to_string(),
            message: d.message.clone(),
        })
        .collect();
    let count = findings.len();
    let mut text = serde_json::to_string_pretty(&BaselineFile {
        version: 1,
        findings,
    })?;
    text.push('\n');
    crate::source::write_atomically(path, text.as_bytes())?;
    Ok(count)
}

/// Removes from the report every finding recorded in the baseline (each recorded one matches
/// once). Returns how many were removed.
pub fn apply(report: &mut Report, path: &Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read the baseline `{}`: {}",
            path.display(),
            crate::discover::io_message(&e)
        )
    })?;
    let baseline: BaselineFile = serde_json::from_str(&text)
        .map_err(|e| format!("`{}` is not an iamlint baseline: {e}", path.display()))?;
    if baseline.version != 1 {
        return Err(format!(
            "`{}` is a baseline of version {}, this iamlint reads version 1",
            path.display(),
            baseline.version
        ));
    }
    let mut known: HashMap<String, usize> = HashMap::new();
    for f in baseline.findings {
        *known.entry(f.fingerprint).or_insert(0) += 1;
    }
    let prints = fingerprints(report);
    let mut keep = prints.iter().map(|p| match known.get_mut(p) {
        Some(n) if *n > 0 => {
            *n -= 1;
            false
        }
        _ => true,
    });
    let before = report.diagnostics.len();
    report
        .diagnostics
        .retain(|_: &Diagnostic| keep.next().unwrap_or(true));
    Ok(before - report.diagnostics.len())
}
