//! GitHub Actions workflow commands: annotations on the pull request's diff.

use crate::diagnostic::Severity;
use crate::report::Report;
use std::io::{self, Write};

/// Escapes a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// `::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=RULE::MESSAGE`
pub fn emit(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        let (start, end) = report.files.span(d.primary.file, &d.primary.range);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(report.files.display(d.primary.file)),
            start.line,
            start.column,
            end.line,
            end.column,
            property(d.rule),
            data(&message)
        )?;
    }
    Ok(())
}
