//! JUnit XML and Checkstyle XML, for CI systems that read them.

use crate::diagnostic::Severity;
use crate::report::Report;
use std::collections::BTreeMap;
use std::io::{self, Write};

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// Diagnostics grouped by file, in report order.
fn by_file(report: &Report) -> BTreeMap<&str, Vec<usize>> {
    let mut files: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in report.diagnostics.iter().enumerate() {
        files
            .entry(report.files.display(d.primary.file))
            .or_default()
            .push(i);
    }
    files
}

/// One test suite per file with findings, one test case per finding: a failure when it is at
/// or above `fail_on` (what makes iamlint exit 1), else a passing case with the finding in its
/// `system-out`.
pub fn junit(report: &Report, fail_on: Severity, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    let total = report.diagnostics.len();
    let failing = |d: &crate::diagnostic::Diagnostic| d.severity >= fail_on;
    let failures = report.diagnostics.iter().filter(|d| failing(d)).count();
    writeln!(
        out,
        "<testsuites name=\"iamlint\" tests=\"{}\" failures=\"{failures}\">",
        total.max(1)
    )?;
    if total == 0 {
        writeln!(
            out,
            "  <testsuite name=\"iamlint\" tests=\"1\" failures=\"0\">"
        )?;
        writeln!(
            out,
            "    <testcase name=\"no problems found\" classname=\"iamlint\"/>"
        )?;
        writeln!(out, "  </testsuite>")?;
    }
    for (path, diags) in by_file(report) {
        let failed = diags
            .iter()
            .filter(|&&i| failing(&report.diagnostics[i]))
            .count();
        writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">",
            escape(path),
            diags.len(),
        )?;
        for i in diags {
            let d = &report.diagnostics[i];
            let pos = report.files.position(d.primary.file, d.primary.range.start);
            writeln!(
                out,
                "    <testcase name=\"{}:{}:{} {}\" classname=\"{}\">",
                escape(path),
                pos.line,
                pos.column,
                d.rule,
                escape(path)
            )?;
            let mut body = format!("{path}:{}:{}: {}", pos.line, pos.column, d.message);
            if let Some(help) = &d.help {
                body.push_str(&format!("\nhelp: {help}"));
            }
            if failing(d) {
                writeln!(
                    out,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    d.rule,
                    escape(&format!("{}: {}", d.severity.as_str(), d.message)),
                    escape(&body)
                )?;
            } else {
                writeln!(
                    out,
                    "      <system-out>{}</system-out>",
                    escape(&format!("{}[{}]: {body}", d.severity.as_str(), d.rule))
                )?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// Checkstyle's format: `<file name>` elements holding `<error>` elements.
pub fn checkstyle(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(out, "<checkstyle version=\"4.3\">")?;
    for (path, diags) in by_file(report) {
        writeln!(out, "  <file name=\"{}\">", escape(path))?;
        for i in diags {
            let d = &report.diagnostics[i];
            let pos = report.files.position(d.primary.file, d.primary.range.start);
            let severity = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "info",
            };
            writeln!(
                out,
                "    <error line=\"{}\" column=\"{}\" severity=\"{severity}\" message=\"{}\" source=\"iamlint.{}\"/>",
                pos.line,
                pos.column,
                escape(&d.message),
                d.rule
            )?;
        }
        writeln!(out, "  </file>")?;
    }
    writeln!(out, "</checkstyle>")
}
