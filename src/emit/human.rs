use super::plural;
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::Report;
use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label as CsLabel, Severity as CsSeverity,
};
use codespan_reporting::term::termcolor::{Ansi, NoColor};
use codespan_reporting::term::{self, Chars, Config};
use std::io::{self, Write};

pub fn emit(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    for d in &report.diagnostics {
        let diagnostic = to_codespan(report, d);
        let result = if color {
            term::emit_to_write_style(
                &mut Ansi::new(&mut *out),
                &config,
                &report.files,
                &diagnostic,
            )
        } else {
            term::emit_to_write_style(
                &mut NoColor::new(&mut *out),
                &config,
                &report.files,
                &diagnostic,
            )
        };
        result.map_err(|e| match e {
            codespan_reporting::files::Error::Io(io) => io,
            other => io::Error::other(other.to_string()),
        })?;
    }
    let (errors, warnings, notes) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Note),
    );
    let checked = plural(report.files_checked, "file");
    if errors + warnings + notes == 0 {
        writeln!(out, "checked {checked}: no problems found")?;
    } else {
        writeln!(
            out,
            "checked {checked}: {}, {}, {}",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(notes, "note")
        )?;
    }
    let not_installed = report.unfollowed.iter().filter(|u| u.not_installed).count();
    if not_installed > 0 {
        writeln!(
            out,
            "{} not followed (run `terraform init` to let iamlint read them)",
            plural(not_installed, "module call")
        )?;
    }
    let outside = report.unfollowed.len() - not_installed;
    if outside > 0 {
        writeln!(
            out,
            "{} to a directory outside the paths checked not followed",
            plural(outside, "module call")
        )?;
    }
    Ok(())
}

fn to_codespan(report: &Report, d: &Diagnostic) -> CsDiagnostic<usize> {
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Note => CsSeverity::Note,
    };
    // A file with no text (it could not be read) gets no snippet: its path is in the message.
    let has_text = |file| !report.files.text(file).is_empty() || d.rule != crate::engine::IO_ERROR;
    let mut labels = Vec::new();
    if has_text(d.primary.file) {
        labels.push(
            CsLabel::primary(d.primary.file, d.primary.range.clone())
                .with_message(&d.primary.message),
        );
    }
    for l in &d.secondary {
        labels.push(CsLabel::secondary(l.file, l.range.clone()).with_message(&l.message));
    }
    let mut notes: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    CsDiagnostic::new(severity)
        .with_code(d.rule)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}
