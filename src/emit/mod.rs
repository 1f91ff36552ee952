//! Rendering a sorted [`Report`]. Called once, on the main thread, after the run.

pub mod access;
mod gcc;
mod github;
mod human;
mod json;
pub(crate) mod sarif;
mod xml;

use crate::diagnostic::Severity;
use crate::report::Report;
use std::io::{self, Write};

/// An output format; `--format` takes their names (see the `clap::ValueEnum` impl).
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
    /// JUnit XML: findings at or above the `fail_on` given to [`emit_with`] are failures, the
    /// others pass.
    Junit,
    /// Checkstyle XML.
    Checkstyle,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Human,
        Format::Gcc,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
        Format::Checkstyle,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Gcc => "gcc",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
            Format::Checkstyle => "checkstyle",
        }
    }
}

/// `--format NAME`. Written out rather than derived so that the variants' documentation stays
/// documentation and does not turn into `--help` text.
impl clap::ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &Format::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

/// The report in `format`; JUnit counts errors as failures.
pub fn emit(report: &Report, format: Format, color: bool, out: &mut dyn Write) -> io::Result<()> {
    emit_with(report, format, color, Severity::Error, out)
}

/// The report in `format`; JUnit counts findings at or above `fail_on` as failures.
pub fn emit_with(
    report: &Report,
    format: Format,
    color: bool,
    fail_on: Severity,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::emit(report, color, out),
        Format::Gcc => gcc::emit(report, out),
        Format::Json => json::emit(report, out),
        Format::Sarif => sarif::emit(report, out),
        Format::Github => github::emit(report, out),
        Format::Junit => xml::junit(report, fail_on, out),
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
