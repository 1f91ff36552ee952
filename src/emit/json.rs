use crate::diagnostic::{Label, Severity};
use crate::report::Report;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Output<'a> {
    diagnostics: Vec<Diag<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Summary {
    files_checked: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    /// Module calls not followed: registry and git sources without a `terraform init` copy,
    /// local paths outside the paths checked.
    module_calls_not_followed: usize,
    /// Of those, the registry and git sources.
    module_calls_not_installed: usize,
}

#[derive(Serialize)]
struct Diag<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    #[serde(flatten)]
    location: Location<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<Related<'a>>,
}

#[derive(Serialize)]
struct Related<'a> {
    #[serde(flatten)]
    location: Location<'a>,
    message: &'a str,
}

/// 1-based lines and columns (columns in characters; `end_column` is just past the last one),
/// and 0-based byte offsets.
#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    offset: usize,
    end_offset: usize,
}

fn location<'a>(report: &'a Report, label: &Label) -> Location<'a> {
    let (start, end) = report.files.span(label.file, &label.range);
    Location {
        path: report.files.display(label.file),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        // Byte offsets into the file as stored, byte order mark included.
        offset: report.files.stored_offset(label.file, label.range.start),
        end_offset: report.files.stored_offset(label.file, label.range.end),
    }
}

pub fn emit(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let output = Output {
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| Diag {
                rule: d.rule,
                severity: d.severity.as_str(),
                message: &d.message,
                location: location(report, &d.primary),
                label: Some(d.primary.message.as_str()).filter(|m| !m.is_empty()),
                notes: d.notes.iter().map(|n| n.as_ref()).collect(),
                help: d.help.as_deref(),
                related: d
                    .secondary
                    .iter()
                    .map(|l| Related {
                        location: location(report, l),
                        message: &l.message,
                    })
                    .collect(),
            })
            .collect(),
        summary: Summary {
            files_checked: report.files_checked,
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            notes: report.count(Severity::Note),
            module_calls_not_followed: report.unfollowed.len(),
            module_calls_not_installed: report
                .unfollowed
                .iter()
                .filter(|u| u.not_installed)
                .count(),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)
}
