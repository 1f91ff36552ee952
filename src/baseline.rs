//! Fingerprints that survive unrelated edits and however the path is typed, and baselines built
//! from them: `--write-baseline FILE` records today's findings, `--baseline FILE` reports only
//! the ones that are new. SARIF's `partialFingerprints` are the same fingerprints.
//!
//! A fingerprint hashes stable facts only: the rule, the file's path relative to its repository
//! root (the nearest directory with a `.git`, else a fallback: the baseline file's directory, or
//! the current directory for SARIF), the address of the block the finding is in
//! (`resource "google_project_iam_member" "ci"`), the flagged text with its whitespace collapsed,
//! and the message with line numbers taken out (a message may name another resource's
//! `iam.tf:12`). Never a line number or the current directory: adding a line, moving a block,
//! running from a subdirectory or with an absolute path keep every fingerprint.

use crate::diagnostic::Diagnostic;
use crate::report::Report;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

/// The baseline format this iamlint writes and reads.
const VERSION: u32 = 2;

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

/// Where paths are made relative to: each file's repository root, found once per directory.
pub(crate) struct Roots {
    cwd: PathBuf,
    /// For files in no repository.
    fallback: PathBuf,
    /// Directory -> its repository root, if any.
    cache: HashMap<PathBuf, Option<PathBuf>>,
}

impl Roots {
    /// `fallback`: the directory paths outside any repository are relative to (the current
    /// directory when `None`).
    pub fn new(fallback: Option<&Path>) -> Roots {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let fallback = match fallback {
            Some(dir) => real(&absolute(&cwd, dir)),
            None => real(&cwd),
        };
        Roots {
            cwd,
            fallback,
            cache: HashMap::new(),
        }
    }

    /// The file's absolute path with links resolved (lexically cleaned if it does not exist).
    fn real_path(&self, path: &Path) -> PathBuf {
        real(&absolute(&self.cwd, path))
    }

    /// The nearest directory at or above `dir` that holds a `.git` (a directory, or the file
    /// of a worktree or submodule).
    fn repository(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(found) = self.cache.get(dir) {
            return found.clone();
        }
        let found = if dir.join(".git").exists() {
            Some(dir.to_path_buf())
        } else {
            dir.parent().and_then(|p| self.repository(p))
        };
        self.cache.insert(dir.to_path_buf(), found.clone());
        found
    }

    /// The root a path is relative to, and the path relative to it with `/` separators.
    pub fn locate(&mut self, path: &Path) -> (PathBuf, String) {
        let real = self.real_path(path);
        let dir = if real.is_dir() {
            real.clone()
        } else {
            real.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let root = self
            .repository(&dir)
            .unwrap_or_else(|| self.fallback.clone());
        let relative = relative_to(&real, &root);
        (root, relative)
    }

    /// The path relative to its root (see [`Roots::locate`]).
    pub fn relative(&mut self, path: &Path) -> String {
        self.locate(path).1
    }
}

fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    }
}

/// Links resolved when the path exists; `.` and `..` taken out lexically when it does not.
fn real(path: &Path) -> PathBuf {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return canonical;
    }
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// `path` relative to `root`, with `..` when it is outside; `/` separators.
fn relative_to(path: &Path, root: &Path) -> String {
    let path: Vec<Component> = path.components().collect();
    let root: Vec<Component> = root.components().collect();
    let common = path.iter().zip(&root).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); root.len() - common];
    parts.extend(
        path[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// The header of the top-level block the offset is in: `resource "t" "n"`, `locals`, ...
/// Blocks start at the beginning of a line in nearly all Terraform; when the text is not HCL
/// (JSON), or the header cannot be read, it is empty.
fn enclosing_block(text: &str, offset: usize) -> String {
    // Up to the end of the offset's line: a finding on a header is in that block.
    let end = text
        .get(offset..)
        .and_then(|rest| rest.find('\n'))
        .map_or(text.len(), |i| offset + i);
    let before = text.get(..end).unwrap_or("");
    for line in before.rsplit('\n') {
        // `EOT` closing a heredoc also starts a line: a header opens a body.
        if !line.starts_with(|c: char| c.is_ascii_alphabetic()) || !line.contains('{') {
            continue;
        }
        let Some(head) = line.split('{').next() else {
            continue;
        };
        let words: Vec<&str> = head.split_whitespace().collect();
        if words.is_empty() || words.iter().skip(1).any(|w| !w.starts_with('"')) {
            continue;
        }
        return words.join(" ");
    }
    String::new()
}

/// The message without line numbers: `(iam.tf:12)` becomes `(iam.tf:#)`.
fn without_lines(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == ':' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('#');
        }
    }
    out
}

/// The fingerprint of one diagnostic, before duplicates are numbered.
fn hash(report: &Report, d: &Diagnostic, path: &str) -> u64 {
    let text = report.files.text(d.primary.file);
    let snippet = text
        .get(d.primary.range.clone())
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let block = enclosing_block(text, d.primary.range.start);
    fnv1a(&[d.rule, path, &block, &snippet, &without_lines(&d.message)])
}

/// A fingerprint per diagnostic, in order (`hash:n`, `n` counting identical ones), and the
/// path each is relative to its root.
pub(crate) fn fingerprints_with(report: &Report, roots: &mut Roots) -> Vec<(String, String)> {
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let mut paths: HashMap<usize, String> = HashMap::new();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let path = paths
                .entry(d.primary.file)
                .or_insert_with(|| roots.relative(Path::new(report.files.display(d.primary.file))))
                .clone();
            let hash = hash(report, d, &path);
            let n = seen.entry(hash).or_insert(0);
            *n += 1;
            (format!("{hash:016x}:{n}"), path)
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
    /// Relative to the repository root (or to the baseline file's directory).
    path: String,
    message: String,
}

/// The directory a baseline's paths outside any repository are relative to.
fn baseline_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes the report's findings as a baseline, atomically (a temporary file renamed over the target).
pub fn write(report: &Report, path: &Path) -> std::io::Result<usize> {
    let mut roots = Roots::new(Some(&baseline_dir(path)));
    let findings: Vec<Finding> = report
        .diagnostics
        .iter()
        .zip(fingerprints_with(report, &mut roots))
        .map(|(d, (fingerprint, path))| Finding {
            fingerprint,
            rule: d.rule.to_string(),
            path,
            message: d.message.clone(),
        })
        .collect();
    let count = findings.len();
    let mut text = serde_json::to_string_pretty(&BaselineFile {
        version: VERSION,
        findings,
    })?;
    text.push('\n');
    crate::util::optfile::write_atomically(path, text.as_bytes())?;
    Ok(count)
}

/// What applying a baseline did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Findings recorded in the baseline, taken out of the report.
    pub hidden: usize,
    /// Entries of the baseline, for the paths checked, that matched no finding.
    pub stale: usize,
}

/// Removes from the report every finding recorded in the baseline (each recorded one matches
/// once). `checked` are the paths linted (files or directories): entries under them that
/// match nothing are counted as stale.
pub fn apply(report: &mut Report, path: &Path, checked: &[PathBuf]) -> Result<Applied, String> {
    let text = crate::util::optfile::read_text(path, crate::util::optfile::MAX_OPTION_FILE)
        .map_err(|e| format!("cannot read the baseline `{}`: {e}", path.display()))?;
    let version = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("version").and_then(serde_json::Value::as_u64));
    if let Some(v) = version.filter(|v| *v != u64::from(VERSION)) {
        return Err(format!(
            "`{}` is a baseline of version {v}, this iamlint reads version {VERSION}: rewrite it with --write-baseline",
            path.display(),
        ));
    }
    let baseline: BaselineFile = serde_json::from_str(&text)
        .map_err(|e| format!("`{}` is not an iamlint baseline: {e}", path.display()))?;
    let mut roots = Roots::new(Some(&baseline_dir(path)));
    // Fingerprint -> (entries left, their path).
    let mut known: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for f in baseline.findings {
        known.entry(f.fingerprint).or_insert((0, f.path)).0 += 1;
    }
    let prints = fingerprints_with(report, &mut roots);
    let mut keep = prints.iter().map(|(p, _)| match known.get_mut(p) {
        Some((n, _)) if *n > 0 => {
            *n -= 1;
            false
        }
        _ => true,
    });
    let before = report.diagnostics.len();
    report
        .diagnostics
        .retain(|_: &Diagnostic| keep.next().unwrap_or(true));
    let scopes: Vec<String> = checked.iter().map(|p| roots.relative(p)).collect();
    let stale = known
        .values()
        .filter(|(_, path)| scopes.iter().any(|s| within(path, s)))
        .map(|(n, _)| n)
        .sum();
    Ok(Applied {
        hidden: before - report.diagnostics.len(),
        stale,
    })
}

/// `path` is `scope` or inside it (both relative, `/` separators).
fn within(path: &str, scope: &str) -> bool {
    scope == "."
        || path == scope
        || path
            .strip_prefix(scope)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_are_taken_out_of_messages() {
        assert_eq!(
            without_lines("`a` and `b` (iam.tf:12) both manage `roles/x:1`"),
            "`a` and `b` (iam.tf:#) both manage `roles/x:#`"
        );
        assert_eq!(without_lines("no numbers: here"), "no numbers: here");
    }

    #[test]
    fn the_enclosing_block_is_its_header() {
        let text = "locals {\n  a = 1\n}\n\nresource \"google_project_iam_member\" \"ci\" {\n  # a comment\n  role = \"roles/owner\"\n}\n";
        let at = text.find("roles/owner").unwrap();
        assert_eq!(
            enclosing_block(text, at),
            "resource \"google_project_iam_member\" \"ci\""
        );
        assert_eq!(enclosing_block(text, text.find("a =").unwrap()), "locals");
        let heredoc =
            "resource \"t\" \"n\" {\n  policy = <<EOT\nallow\nEOT\n  role = \"roles/owner\"\n}\n";
        assert_eq!(
            enclosing_block(heredoc, heredoc.find("roles/owner").unwrap()),
            "resource \"t\" \"n\""
        );
        assert_eq!(enclosing_block("{\"resource\": {}}", 5), "");
        // A finding on the header's own label is in that block.
        let label = text.find("\"ci\"").unwrap();
        assert_eq!(
            enclosing_block(text, label),
            "resource \"google_project_iam_member\" \"ci\""
        );
    }

    #[test]
    fn relative_paths_climb_when_outside() {
        assert_eq!(
            relative_to(Path::new("/r/a/b.tf"), Path::new("/r")),
            "a/b.tf"
        );
        assert_eq!(
            relative_to(Path::new("/x/b.tf"), Path::new("/r/s")),
            "../../x/b.tf"
        );
        assert!(within("envs/prod/iam.tf", "envs"));
        assert!(!within("envs2/iam.tf", "envs"));
        assert!(within("iam.tf", "."));
    }
}
