//! The command line: parse arguments, run the engine, print on this thread, pick the exit status.

use clap::{Parser, ValueEnum};
use iamlint::Query;
use iamlint::emit::{self, Format};
use iamlint::{Options, Report, Severity};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "iamlint",
    version,
    about = "Find Google Cloud IAM mistakes in Terraform before they are applied",
    args_conflicts_with_subcommands = true,
    after_help = "Exit status: 0 when nothing at or above --fail-on was found (or with --exit-zero), 1 when something was, 2 when the run could not be done (usage error such as a path that does not exist, configuration or I/O error)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Show what a member can do, or who can do a permission, according to the Terraform
    /// (predefined roles expanded, custom roles read, impersonation followed).
    Access(AccessArgs),
    /// List every rule: id, default severity, summary.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// The rule id, for example `basic-role`.
        #[arg(value_name = "RULE")]
        rule: String,
    },
    /// Run as a language server (LSP) on stdin and stdout, for editors: live diagnostics,
    /// fixes and suppressions as code actions, hover and completion of roles and permissions.
    Server,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to lint (default: `.`). Directories are searched for `.tf` files;
    /// a file named here is linted with the other `.tf` files of its directory read as context.
    /// A path that does not exist is a usage error (exit status 2).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,

    #[command(flatten)]
    pub walk: WalkArgs,

    /// Exit with status 1 when a diagnostic at or above this severity is found. JUnit
    /// reports the ones below it as passing test cases.
    #[arg(long, value_enum, default_value_t = Severity::Error)]
    pub fail_on: Severity,

    /// Exit with status 0 even when something at or above --fail-on was found (for jobs that
    /// upload a report); usage, configuration and I/O errors still exit 2.
    #[arg(long)]
    pub exit_zero: bool,

    /// Print to stderr how much of the IAM iamlint could know statically.
    #[arg(long)]
    pub stats: bool,

    /// Print the GitHub Actions problem matcher for `--format gcc` (one matcher per severity)
    /// and exit: `iamlint --print-matcher > m.json && echo "::add-matcher::m.json"`.
    #[arg(long)]
    pub print_matcher: bool,

    /// Run only these rules (comma-separated or repeated); overrides the configuration.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Do not run these rules (comma-separated or repeated); overrides the configuration.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Report only findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,

    /// Record today's findings in this file (written atomically) and exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Check the planned resources of `terraform show -json PLAN > plan.json` instead of
    /// the source: every value is known there. Findings point into the plan file. No PATH
    /// may be given with it.
    #[arg(long, value_name = "FILE", conflicts_with = "fix")]
    pub plan: Option<PathBuf>,

    /// Apply the safe fixes (remove a repeated permission, rename a misspelt one to its one
    /// close match), then lint again. Without it, iamlint writes nothing.
    #[arg(long, conflicts_with_all = ["write_baseline", "baseline"])]
    pub fix: bool,

    /// Also apply the fixes that change what is granted (remove a create or delete permission
    /// from a deployer role); implies --fix.
    #[arg(long, conflicts_with_all = ["write_baseline", "baseline", "plan"])]
    pub unsafe_fixes: bool,

    /// Print the fixes --fix (with --unsafe-fixes, those too) would make as a unified diff on
    /// stdout, and write nothing. Exits 1 when there is something to change.
    #[arg(long, conflicts_with_all = ["write_baseline", "baseline", "plan", "output"])]
    pub diff: bool,

    /// Write the report to this file instead of standard output. The file is replaced
    /// atomically: a reader sees the old report or the new one, never half of one.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// How files are found and read, shared by every command.
#[derive(Debug, clap::Args)]
pub struct WalkArgs {
    /// Skip files and directories matching this glob (repeatable). A glob without `/` matches
    /// names anywhere; one with `/` matches paths relative to the directory searched (or with
    /// that directory in front, as typed). Files named on the command line are excluded too.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Lint files and directories named on the command line even when an exclude (from
    /// --exclude or the configuration) matches them.
    #[arg(long)]
    pub no_force_exclude: bool,

    /// Number of threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Read settings from this file instead of the nearest `iamlint.toml` or `.iamlint.toml`
    /// in the current directory or above.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Variable values, as `terraform -var-file` (repeatable; applied after each module's
    /// `terraform.tfvars` and `*.auto.tfvars`).
    #[arg(long, value_name = "FILE")]
    pub var_file: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct AccessArgs {
    /// Files or directories to read, as for linting.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// The member to ask about: `serviceAccount:EMAIL`, `user:EMAIL`, `group:EMAIL`,
    /// `domain:NAME` or `google_service_account.NAME`.
    #[arg(long, value_name = "MEMBER", required_unless_present = "permission")]
    pub member: Option<String>,

    /// Only this permission (a glob such as `run.services.*`); without --member, who can do it.
    #[arg(long, value_name = "PERMISSION")]
    pub permission: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = AccessFormat::Human)]
    pub format: AccessFormat,

    #[command(flatten)]
    pub walk: WalkArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AccessFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
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
    match cli.command {
        Some(Command::Access(args)) => access(args),
        Some(Command::Rules) => match write_stdout(|out| out.write_all(rules_table().as_bytes())) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        Some(Command::Explain { rule }) => explain(&rule),
        Some(Command::Server) => iamlint::server::run(),
        None => check(cli.check),
    }
}

/// The run's options: paths, excludes, threads and the configuration file.
fn options(paths: &[PathBuf], walk: &WalkArgs) -> Result<Options, ExitCode> {
    let path = match &walk.config {
        Some(path) => Some(path.clone()),
        None => std::env::current_dir()
            .ok()
            .and_then(|dir| iamlint::find_config(&dir)),
    };
    let config = match path.map(|p| iamlint::load_config(&p)).transpose() {
        Ok(config) => config.unwrap_or_default(),
        Err(err) => {
            eprintln!("{}", err.render());
            return Err(ExitCode::from(2));
        }
    };
    Ok(Options {
        paths: paths.to_vec(),
        exclude: walk.exclude.clone(),
        jobs: walk.jobs.map(usize::from),
        config,
        var_files: walk.var_file.clone(),
        positions_only: false,
        overlay: Default::default(),
        cancel: None,
    })
}

/// Writes to stdout; a reader that went away (`| head -1`) is not an error.
fn write_stdout(f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match f(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => {
            eprintln!("iamlint: error: cannot write the report: {err}");
            Err(ExitCode::from(2))
        }
    }
}

/// The files named by options are regular files of bounded size, checked before any is opened
/// (a FIFO would block, `/dev/zero` never ends): otherwise a usage error.
fn check_option_files(cli: &CheckArgs) -> Result<(), ExitCode> {
    use iamlint::util::optfile::{MAX_OPTION_FILE, MAX_PLAN_FILE, check};
    // `--config` is checked the same way by `iamlint::load_config`, which renders its own errors.
    let named = cli
        .walk
        .var_file
        .iter()
        .map(|p| ("--var-file", p, MAX_OPTION_FILE))
        .chain(
            cli.baseline
                .iter()
                .map(|p| ("--baseline", p, MAX_OPTION_FILE)),
        )
        .chain(cli.plan.iter().map(|p| ("--plan", p, MAX_PLAN_FILE)));
    for (option, path, max) in named {
        if let Err(why) = check(path, max) {
            eprintln!(
                "iamlint: error: cannot read `{}` ({option}): {why}",
                path.display()
            );
            return Err(ExitCode::from(2));
        }
    }
    Ok(())
}

/// The paths to lint: `.` when none is given. A path that does not exist is a usage error.
fn check_paths(cli: &CheckArgs) -> Result<Vec<PathBuf>, ExitCode> {
    if let Some(plan) = &cli.plan {
        if !cli.paths.is_empty() {
            eprintln!(
                "iamlint: error: --plan checks only the plan `{}`: drop the paths ({}) or drop --plan",
                plan.display(),
                cli.paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return Err(ExitCode::from(2));
        }
        // `terraform plan -out` writes a zip archive; iamlint reads the JSON `terraform show`
        // makes of it.
        let mut magic = [0u8; 4];
        let is_zip = std::fs::File::open(plan)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
            .is_ok_and(|()| magic == *b"PK\x03\x04");
        if is_zip {
            eprintln!(
                "iamlint: error: `{0}` is a binary plan: convert it with `terraform show -json {0} > plan.json`, then run `iamlint --plan plan.json`",
                plan.display()
            );
            return Err(ExitCode::from(2));
        }
        return Ok(Vec::new());
    }
    if cli.paths.is_empty() {
        return Ok(vec![PathBuf::from(".")]);
    }
    let missing: Vec<&PathBuf> = cli
        .paths
        .iter()
        .filter(|p| {
            std::fs::symlink_metadata(p).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        })
        .collect();
    for path in &missing {
        eprintln!(
            "iamlint: error: `{}`: no such file or directory",
            path.display()
        );
    }
    if missing.is_empty() {
        Ok(cli.paths.clone())
    } else {
        Err(ExitCode::from(2))
    }
}

/// The problem matcher the GitHub Action registers, as shipped in the repository.
const MATCHER: &str = include_str!("../.github/iamlint-matcher.json");

fn check(cli: CheckArgs) -> ExitCode {
    if cli.print_matcher {
        return match write_stdout(|out| out.write_all(MATCHER.as_bytes())) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        };
    }
    if let Err(code) = check_option_files(&cli) {
        return code;
    }
    let paths = match check_paths(&cli) {
        Ok(paths) => paths,
        Err(code) => return code,
    };
    let mut options = match options(&paths, &cli.walk) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let unmatched = match cli.plan {
        None => options.unmatched_excludes(),
        Some(_) => Vec::new(),
    };
    for pattern in &unmatched {
        eprintln!(
            "iamlint: warning: --exclude `{pattern}` matched nothing in {}",
            quoted_paths(&paths)
        );
    }
    // Named paths that an exclude matches are left out, unless asked for (ruff's
    // force-exclude); when every one is, nothing is linted.
    let named = options.paths.len();
    if !cli.walk.no_force_exclude && cli.plan.is_none() {
        options.force_exclude();
    }
    let nothing_left = named > 0 && options.paths.is_empty();
    for id in cli.select.iter().chain(&cli.ignore) {
        if iamlint::registry::meta(id).is_none() {
            match iamlint::registry::suggest_id(id) {
                Some(near) => {
                    eprintln!("iamlint: error: unknown rule `{id}`; did you mean `{near}`?")
                }
                None => {
                    eprintln!("iamlint: error: unknown rule `{id}`; `iamlint rules` lists them")
                }
            }
            return ExitCode::from(2);
        }
    }
    if !cli.select.is_empty() {
        for rule in iamlint::registry::RULES {
            let id = rule.id;
            if !cli.select.iter().any(|s| s == id) {
                options.config.severities.insert(id.to_string(), None);
            } else if options.config.severities.get(id) == Some(&None) {
                options.config.severities.remove(id);
            }
        }
    }
    for id in &cli.ignore {
        options.config.severities.insert(id.clone(), None);
    }
    // Only snippets, fixes and baselines need the text of the files; the other formats need
    // lines and columns.
    // (SARIF's partialFingerprints are the baseline's.)
    let fixing = cli.fix || cli.unsafe_fixes || cli.diff;
    options.positions_only = !matches!(cli.format, Format::Human | Format::Sarif)
        && !fixing
        && cli.baseline.is_none()
        && cli.write_baseline.is_none();
    let linted = match &cli.plan {
        Some(plan) => Ok(iamlint::lint_plan(plan, &options.config)),
        None if nothing_left => Ok(Report::default()),
        None => iamlint::lint(&options),
    };
    let mut report = match linted {
        Ok(report) => report,
        Err(fatal) => {
            eprintln!("iamlint: error: {fatal}");
            return ExitCode::from(2);
        }
    };
    if cli.diff {
        let outcome = iamlint::fix::apply(
            &report,
            iamlint::fix::Mode {
                unsafe_fixes: cli.unsafe_fixes,
                diff: true,
            },
        );
        for p in &outcome.problems {
            eprintln!("iamlint: {p}");
        }
        if let Err(code) = write_stdout(|out| out.write_all(outcome.diff.as_bytes())) {
            return code;
        }
        let manual = report
            .diagnostics
            .len()
            .saturating_sub(outcome.applied.len() + outcome.unsafe_left);
        eprintln!("{}", fix_summary("would apply", &outcome, manual));
        return if outcome.diff.is_empty() || cli.exit_zero {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    if cli.fix || cli.unsafe_fixes {
        let outcome = iamlint::fix::apply(
            &report,
            iamlint::fix::Mode {
                unsafe_fixes: cli.unsafe_fixes,
                diff: false,
            },
        );
        for a in &outcome.applied {
            eprintln!("fixed {}:{}: {} [{}]", a.path, a.line, a.title, a.rule);
        }
        for p in &outcome.problems {
            eprintln!("iamlint: {p}");
        }
        if !outcome.applied.is_empty() {
            report = match iamlint::lint(&options) {
                Ok(report) => report,
                Err(fatal) => {
                    eprintln!("iamlint: error: {fatal}");
                    return ExitCode::from(2);
                }
            };
        }
        eprintln!(
            "{}",
            fix_summary(
                "applied",
                &outcome,
                report.diagnostics.len().saturating_sub(outcome.unsafe_left)
            )
        );
    }
    if let Some(path) = &cli.write_baseline {
        return match iamlint::baseline::write(&report, path) {
            Ok(n) => {
                eprintln!("iamlint: wrote {n} findings to {}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!(
                    "iamlint: error: cannot write the baseline `{}`: {e}",
                    path.display()
                );
                ExitCode::from(2)
            }
        };
    }
    if let Some(path) = &cli.baseline {
        match iamlint::baseline::apply(&mut report, path, &paths) {
            Ok(applied) => {
                if applied.hidden > 0 {
                    eprintln!(
                        "iamlint: {} findings are in the baseline and not reported",
                        applied.hidden
                    );
                }
                if applied.stale > 0 {
                    eprintln!(
                        "iamlint: {} baseline {} no longer match: rewrite with --write-baseline",
                        applied.stale,
                        if applied.stale == 1 {
                            "entry"
                        } else {
                            "entries"
                        }
                    );
                }
            }
            Err(message) => {
                eprintln!("iamlint: error: {message}");
                return ExitCode::from(2);
            }
        }
    }
    let format = cli.format;
    let color = match cli.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    match &cli.output {
        Some(path) => {
            let mut bytes = Vec::new();
            let written = emit::emit_with(&report, format, false, cli.fail_on, &mut bytes)
                .and_then(|()| iamlint::util::optfile::write_atomically(path, &bytes));
            if let Err(err) = written {
                eprintln!(
                    "iamlint: error: cannot write the report to `{}`: {}",
                    path.display(),
                    iamlint::util::paths::io_message(&err)
                );
                return ExitCode::from(2);
            }
        }
        None => {
            if let Err(code) =
                write_stdout(|out| emit::emit_with(&report, format, color, cli.fail_on, out))
            {
                return code;
            }
        }
    }
    if cli.stats {
        let s = report.stats;
        eprintln!(
            "iamlint: {} module contexts (a called module counts once per call); custom roles {} of {} fully known ({} permissions read); grants {} of {} fully known; workload identities {} of {} known",
            s.modules,
            s.custom_roles_known,
            s.custom_roles,
            s.permissions,
            s.grants_known,
            s.grants,
            s.identities_known,
            s.identities
        );
        if s.budget_hits > 0 {
            eprintln!(
                "iamlint: {} values past an evaluation budget were taken as unknown (see \"Evaluation budgets\" in the README)",
                s.budget_hits
            );
        }
        if !report.unfollowed.is_empty() {
            eprintln!(
                "iamlint: module calls not followed (registry/git with no `terraform init` copy in .terraform/modules, or a local path outside the paths checked): {}",
                report.unfollowed.len()
            );
            for u in &report.unfollowed {
                let why = if u.not_installed {
                    "not installed"
                } else {
                    "outside the paths checked"
                };
                eprintln!(
                    "  {}: module `{}` from `{}` ({why})",
                    u.at, u.name, u.source
                );
            }
        }
    }
    if cli.plan.is_none() && report.files_checked == 0 {
        let mut excluded: Vec<&str> = options.config.exclude.iter().map(String::as_str).collect();
        excluded.extend(cli.walk.exclude.iter().map(String::as_str));
        eprintln!(
            "iamlint: warning: no Terraform files (`.tf`, `.tf.json`) to check in {}{}: nothing was checked",
            quoted_paths(&paths),
            if excluded.is_empty() {
                String::new()
            } else {
                format!(" (excluded: {})", excluded.join(", "))
            }
        );
    }
    if cli.exit_zero {
        return ExitCode::SUCCESS;
    }
    exit_status(&report, cli.fail_on)
}

fn access(args: AccessArgs) -> ExitCode {
    let query = match args.member.as_deref().map(Query::parse).transpose() {
        Ok(query) => query,
        Err(message) => {
            eprintln!("iamlint: error: {message}");
            return ExitCode::from(2);
        }
    };
    let pattern = args.permission.as_deref();
    let options = match options(&args.paths, &args.walk) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let member = query.as_ref().zip(args.member.as_deref());
    let (rows, not_counted) = match iamlint::access(&options, member, pattern) {
        Ok(answer) => answer,
        Err(fatal) => {
            eprintln!("iamlint: error: {fatal}");
            return ExitCode::from(2);
        }
    };
    let member = args.member.as_deref();
    let written = write_stdout(|out| match args.format {
        AccessFormat::Human => emit::access::human(member, pattern, &rows, &not_counted, out),
        AccessFormat::Json => emit::access::json(member, pattern, &rows, &not_counted, out),
    });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// `iamlint rules`: one line per rule, then the engine's own diagnostics.
pub fn rules_table() -> String {
    iamlint::registry::all_metas()
        .map(|m| {
            format!(
                "{:<32} {:<8} {}\n",
                m.id,
                m.default_severity.as_str(),
                m.summary
            )
        })
        .collect()
}

fn explain(id: &str) -> ExitCode {
    match iamlint::registry::meta(id) {
        Some(meta) => match write_stdout(|out| out.write_all(meta.docs.as_bytes())) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        None => {
            match iamlint::registry::suggest_id(id) {
                Some(near) => {
                    eprintln!("iamlint: error: unknown rule `{id}`; did you mean `{near}`?")
                }
                None => {
                    eprintln!("iamlint: error: unknown rule `{id}`; `iamlint rules` lists them")
                }
            }
            ExitCode::from(2)
        }
    }
}

/// "iamlint: applied 2 fixes; 3 findings need a manual change; 1 behaviour-changing fix not
/// applied (...): review with --diff --unsafe-fixes, apply with --unsafe-fixes"
fn fix_summary(verb: &str, outcome: &iamlint::fix::Outcome, manual: usize) -> String {
    let n = outcome.applied.len();
    let mut text = format!(
        "iamlint: {verb} {n} {}; {manual} {} a manual change",
        if n == 1 { "fix" } else { "fixes" },
        if manual == 1 {
            "finding needs"
        } else {
            "findings need"
        }
    );
    let left = outcome.unsafe_left;
    if left > 0 {
        text.push_str(&format!(
            "; {left} behaviour-changing {} not applied (removing a permission someone may use): review with --diff --unsafe-fixes, apply with --unsafe-fixes",
            if left == 1 { "fix" } else { "fixes" }
        ));
    }
    text
}

/// "`a`, `b`"
fn quoted_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn exit_status(report: &Report, fail_on: Severity) -> ExitCode {
    if report.diagnostics.iter().any(|d| d.severity >= fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
