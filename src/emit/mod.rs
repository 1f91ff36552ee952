//! Rendering a sorted [`Report`]. Called once, on the main thread, after the run.

pub mod access;
mod gcc;
mod github;
mod human;
mod json;
pub mod sarif;
mod xml;

use crate::engine::Report;
use std::io::{self, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// codespan-reporting snippets and a summary line.
    Human,
    /// `path:line:col: severity: message [rule]`, one line per diagnostic.
    Gcc,
    /// One JSON object `{"diagnostics": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub Actions workflow commands.
    Github,
    /// JUnit XML: findings at or above `fail_on` are failures, the others pass.
    Junit {
        fail_on: crate::diagnostic::Severity,
    },
    /// Checkstyle XML.
    Checkstyle,
}

pub fn emit(report: &Report, format: Format, color: bool, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::emit(report, color, out),
        Format::Gcc => gcc::emit(report, out),
        Format::Json => json::emit(report, out),
        Format::Sarif => sarif::emit(report, out),
        Format::Github => github::emit(report, out),
        Format::Junit { fail_on } => xml::junit(report, fail_on, out),
        Format::Checkstyle => xml::checkstyle(report, out),
    }
}

/// "1 error", "2 warnings".
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}
