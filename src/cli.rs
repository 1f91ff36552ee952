//! The command line: parse arguments, run the engine, print on this thread, pick the exit status.

use crate::diagnostic::Severity;
use crate::emit::{self, Format};
use crate::engine::{self, Options};
use clap::{Parser, ValueEnum};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "iamlint",
    version,
    about = "Find Google Cloud IAM mistakes in Terraform before they are applied",
    after_help = "Exit status: 0 when nothing at or above --fail-on was found, 1 when something was, 2 when the run could not be done (usage, configuration or I/O error)."
)]
pub struct Cli {
    /// Files or directories to lint. Directories are searched for `.tf` files; a file named
    /// here is linted with the other `.tf` files of its directory read as context.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,

    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,

    /// Skip files and directories matching this glob (repeatable). A glob without `/` matches
    /// names anywhere; one with `/` matches paths relative to the directory searched.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Number of threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Exit with status 1 when a diagnostic at or above this severity is found.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Human,
    Gcc,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
}

pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    let options = Options {
        paths: cli.paths.clone(),
        exclude: cli.exclude.clone(),
        jobs: cli.jobs.map(usize::from),
    };
    let report = match engine::lint(&options) {
        Ok(report) => report,
        Err(fatal) => {
            eprintln!("iamlint: error: {fatal}");
            return ExitCode::from(2);
        }
    };
    let format = match cli.format {
        FormatArg::Human => Format::Human,
        FormatArg::Gcc => Format::Gcc,
        FormatArg::Json => Format::Json,
    };
    let stdout = std::io::stdout();
    let color = match cli.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = emit::emit(&report, format, color, &mut out).and_then(|()| out.flush());
    if let Err(err) = written {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            // `iamlint . | head -1`: the reader has what it wanted.
            return exit_status(&report, cli.fail_on);
        }
        eprintln!("iamlint: error: cannot write the report: {err}");
        return ExitCode::from(2);
    }
    exit_status(&report, cli.fail_on)
}

fn exit_status(report: &engine::Report, fail_on: FailOn) -> ExitCode {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Note => Severity::Note,
    };
    if report.diagnostics.iter().any(|d| d.severity >= threshold) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
