//! Rendering `iamlint access` answers.

use crate::gcp::access::{NotCounted, Row};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Output<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    permission: Option<&'a str>,
    access: &'a [Row],
    not_counted: &'a [NotCounted],
}

pub fn json(
    member: Option<&str>,
    permission: Option<&str>,
    rows: &[Row],
    not_counted: &[NotCounted],
    out: &mut dyn Write,
) -> io::Result<()> {
    let output = Output {
        member,
        permission,
        access: rows,
        not_counted,
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)
}

pub fn human(
    member: Option<&str>,
    permission: Option<&str>,
    rows: &[Row],
    not_counted: &[NotCounted],
    out: &mut dyn Write,
) -> io::Result<()> {
    let question = match (member, permission) {
        (Some(m), Some(p)) => format!("what `{m}` can do matching `{p}`"),
        (Some(m), None) => format!("what `{m}` can do"),
        (None, Some(p)) => format!("who can do `{p}`"),
        (None, None) => "access".to_string(),
    };
    if rows.is_empty() {
        writeln!(
            out,
            "{question}: nothing, according to the grants iamlint can read"
        )?;
    } else {
        writeln!(out, "{question}:")?;
    }
    // By member (for "who can"), then permission; each line says which grant gives it.
    let mut last: (Option<&str>, &str) = (None, "");
    for row in rows {
        if member.is_none() && last.0 != Some(row.member.as_str()) {
            writeln!(out, "  {}", row.member)?;
            last = (Some(row.member.as_str()), "");
        }
        let indent = if member.is_none() { "    " } else { "  " };
        if last.1 != row.permission {
            writeln!(out, "{indent}{}", row.permission)?;
            last.1 = &row.permission;
        }
        let mut how = format!("{} on {}", row.role, row.on);
        if let Some(via) = &row.via {
            how = format!("as {} ({}): {how}", via.account, via.at);
        }
        if row.public {
            how.push_str(" (granted to the public)");
        }
        if let Some(condition) = &row.condition {
            how.push_str(&format!(" if {condition}"));
        }
        writeln!(out, "{indent}    {how}  {}", row.at)?;
    }
    if !not_counted.is_empty() {
        writeln!(out, "not counted, so there may be more:")?;
        for n in not_counted {
            writeln!(out, "  {}: {}", n.at, n.reason)?;
        }
    }
    Ok(())
}
