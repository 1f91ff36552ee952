use crate::report::Report;
use std::io::{self, Write};

/// `roles.tf:12:5: error: deployer role ... [deployer-role-create-delete]`: what editors' problem matchers read.
pub fn emit(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        let pos = report.files.position(d.primary.file, d.primary.range.start);
        writeln!(
            out,
            "{}:{}:{}: {}: {} [{}]",
            report.files.display(d.primary.file),
            pos.line,
            pos.column,
            d.severity.as_str(),
            single_line(&d.message),
            d.rule
        )?;
    }
    Ok(())
}

fn single_line(message: &str) -> String {
    message.replace(['\n', '\r'], " ")
}
