//! The pipeline: discover -> read and parse (parallel) -> model per module -> rules (parallel)
//! -> filter, one central sort. Emitting is left to the caller, on one thread.

use crate::config::Config;
use crate::diagnostic::{Diagnostic, FileId, Label, Severity};
use crate::discover::{self, Excludes, Found};
use crate::model::{self, FileSource, ModuleSource};
use crate::parse;
use crate::registry::Ctx;
use crate::rules::ALL_RULES;
use crate::source::{Files, Kept};
use crate::suppress;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub const IO_ERROR: &str = "io-error";

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Files and directories to lint (`.` when empty).
    pub paths: Vec<PathBuf>,
    /// `--exclude` globs.
    pub exclude: Vec<String>,
    /// Threads; all cores when `None`.
    pub jobs: Option<usize>,
    /// Severities and rule options.
    pub config: Config,
    /// `--var-file` files: variable values applied to every module, after its own tfvars.
    pub var_files: Vec<PathBuf>,
    /// Keep only lines and columns of the files with findings, not their text: for output
    /// formats without snippets, when nothing is fixed or fingerprinted. Saves memory.
    pub positions_only: bool,
}

/// The outcome of a run: sorted diagnostics and the files they point into.
#[derive(Debug)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub files: Files,
    /// Files linted and reported on (context files not counted).
    pub files_checked: usize,
    /// How much of the IAM in the files could be known statically.
    pub stats: Stats,
}

/// What the model could and could not know, summed over modules (`--stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub modules: usize,
    pub custom_roles: usize,
    /// Custom roles whose every permission is known.
    pub custom_roles_known: usize,
    /// Permission strings read from custom roles.
    pub permissions: usize,
    pub grants: usize,
    /// Grants whose role and every member are known.
    pub grants_known: usize,
    pub identities: usize,
    /// Workload identity slots that are known: set to a known account, or absent.
    pub identities_known: usize,
}

impl Stats {
    fn of(module: &model::Module) -> Stats {
        let known_role = |r: &model::CustomRole| {
            r.permissions
                .as_ref()
                .is_some_and(|p| p.elements().iter().all(|v| v.as_str().is_some()))
        };
        Stats {
            modules: 1,
            custom_roles: module.custom_roles.len(),
            custom_roles_known: module.custom_roles.iter().filter(|r| known_role(r)).count(),
            permissions: module
                .custom_roles
                .iter()
                .map(|r| r.known_permissions().count())
                .sum(),
            grants: module.grants.len(),
            grants_known: module
                .grants
                .iter()
                .filter(|g| {
                    g.target != model::RoleTarget::Unknown
                        && !g.members.is_empty()
                        && g.members
                            .iter()
                            .all(|m| m.principal != model::principal::Principal::Unknown)
                })
                .count(),
            identities: module.workloads.iter().map(|w| w.slots.len()).sum(),
            identities_known: module
                .workloads
                .iter()
                .flat_map(|w| &w.slots)
                .filter(|s| match &s.state {
                    model::SlotState::Set { sa, .. } => *sa != model::principal::SaRef::Unknown,
                    model::SlotState::Unknown => false,
                    _ => true,
                })
                .count(),
        }
    }

    fn add(&mut self, o: Stats) {
        self.modules += o.modules;
        self.custom_roles += o.custom_roles;
        self.custom_roles_known += o.custom_roles_known;
        self.permissions += o.permissions;
        self.grants += o.grants;
        self.grants_known += o.grants_known;
        self.identities += o.identities;
        self.identities_known += o.identities_known;
    }
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// An error that stops the run (exit status 2).
#[derive(Debug)]
pub struct Fatal(pub String);

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn lint(options: &Options) -> Result<Report, Fatal> {
    let config = &options.config;
    let (stats, mut report) = visit(options, |module| (Stats::of(module), check(module, config)))?;
    for s in stats {
        report.stats.add(s);
    }
    configure_engine_diagnostics(&mut report, config);
    Ok(report)
}

/// Every rule on a module, at the configured severities.
fn check(module: &model::Module, config: &Config) -> Vec<Diagnostic> {
    let cx = Ctx { config };
    let mut diagnostics = Vec::new();
    for rule in ALL_RULES {
        let meta = rule.meta();
        // An estate view holds only what crosses modules: the rules about one module have
        // already seen each of its parts.
        if module.estate && meta.id != "shared-service-account" {
            continue;
        }
        let Some(severity) = config.severity(meta.id, meta.default_severity) else {
            continue; // turned off
        };
        let start = diagnostics.len();
        rule.check(module, &cx, &mut diagnostics);
        if config.severities.contains_key(meta.id) {
            diagnostics[start..]
                .iter_mut()
                .for_each(|d| d.severity = severity);
        }
    }
    diagnostics
}

/// The engine's own diagnostics can be configured too.
fn configure_engine_diagnostics(report: &mut Report, config: &Config) {
    report
        .diagnostics
        .retain_mut(|d| match config.severities.get(d.rule) {
            Some(Some(severity)) => {
                d.severity = *severity;
                true
            }
            Some(None) => false,
            None => true,
        });
}

/// `--plan FILE`: the planned resources of `terraform show -json PLAN`, checked by the same
/// rules; findings point into the plan file and name resources by their addresses.
pub fn lint_plan(path: &Path, config: &Config) -> Report {
    let display = discover::display_path(path);
    let found = Found {
        path: path.to_path_buf(),
        display: display.clone(),
        reported: true,
    };
    let mut files = Files::new(vec![display]);
    let (parsed, diagnostics) = match std::fs::read(path) {
        Err(err) => (
            None,
            vec![Diagnostic::new(
                IO_ERROR,
                Severity::Error,
                Label::new(0, 0..0, ""),
                format!(
                    "cannot read `{}`: {}",
                    found.display,
                    discover::io_message(&err)
                ),
            )],
        ),
        Ok(bytes) => {
            let (text, decode_error) = parse::decode(0, bytes);
            match (decode_error, crate::tfjson::translate_plan(&text)) {
                (Some(diag), _) => (None, vec![diag]),
                (None, Err(err)) => {
                    let at = err.offset.min(text.len());
                    let diag = Diagnostic::new(
                        parse::PARSE_ERROR,
                        Severity::Error,
                        Label::new(0, at..at, "here"),
                        format!("not a readable plan: {}", err.message),
                    );
                    files.set_text(0, text);
                    (None, vec![diag])
                }
                (None, Ok((hcl, map))) => {
                    let (chunks, diags) = parse::parse(0, &hcl);
                    let file = ParsedFile {
                        id: 0,
                        name: found.display.clone(),
                        display: found.display.clone(),
                        text: text.into(),
                        chunks,
                        suppressions: Vec::new(),
                        map: Some(map),
                    };
                    let mut diags = diags;
                    map_json_labels(std::slice::from_ref(&file), &mut diags);
                    (Some(file), diags)
                }
            }
        }
    };
    single_file(parsed, diagnostics, files, true, config)
}

/// One file given as bytes, not read from disk: parse -> model -> rules -> suppressions, as
/// for a module of that one file. `display` names it (`main.tf`, `main.tf.json`). For the fuzz
/// target and the mutation test: whatever the bytes, the result is a report.
pub fn lint_source(display: &str, bytes: Vec<u8>, config: &Config) -> Report {
    let (parsed, diagnostics) = parse_bytes(0, display.to_string(), display, bytes);
    let files = Files::new(vec![display.to_string()]);
    single_file(parsed, diagnostics, files, false, config)
}

/// One parsed file checked as a module of its own (`--plan`, [`lint_source`]): rules,
/// suppressions, sorted diagnostics.
fn single_file(
    parsed: Option<ParsedFile>,
    mut diagnostics: Vec<Diagnostic>,
    mut files: Files,
    plan: bool,
    config: &Config,
) -> Report {
    let mut stats = Stats::default();
    if let Some(mut file) = parsed {
        let module = model::extract(&ModuleSource {
            files: vec![source_of(&file)],
            var_files: Vec::new(),
            inputs: Vec::new(),
            call: None,
            plan,
            called_by_others: false,
            module_outputs: Vec::new(),
        });
        stats = Stats::of(&module);
        let mut diags = check(&module, config);
        drop(module);
        map_json_labels(std::slice::from_ref(&file), &mut diags);
        diagnostics.extend(diags);
        let mut suppressions = std::mem::take(&mut file.suppressions);
        if !suppressions.is_empty() {
            diagnostics = suppress::apply(&mut suppressions, diagnostics);
        }
        files.set_text(0, file.text.to_string());
    }
    diagnostics.sort_by(|a, b| {
        (
            a.primary.range.start,
            a.primary.range.end,
            a.rule,
            &a.message,
        )
            .cmp(&(
                b.primary.range.start,
                b.primary.range.end,
                b.rule,
                &b.message,
            ))
    });
    diagnostics
        .dedup_by(|a, b| a.primary == b.primary && a.rule == b.rule && a.message == b.message);
    let mut report = Report {
        diagnostics,
        files,
        files_checked: 1,
        stats,
    };
    configure_engine_diagnostics(&mut report, config);
    report
}

/// Runs `f` on the model of every module found (in parallel) and returns what it returned,
/// in module order, with the report of its diagnostics and of the files that could not be read
/// or parsed.
pub fn visit<T, F>(options: &Options, f: F) -> Result<(Vec<T>, Report), Fatal>
where
    T: Send,
    F: Fn(&model::Module) -> (T, Vec<Diagnostic>) + Sync,
{
    let mut exclude = options.config.exclude.clone();
    exclude.extend(options.exclude.iter().cloned());
    let excludes = Excludes::new(&exclude).map_err(Fatal)?;
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(jobs) = options.jobs {
        builder = builder.num_threads(jobs.max(1));
    }
    let pool = builder
        .build()
        .map_err(|e| Fatal(format!("cannot start worker threads: {e}")))?;
    let default_root = [PathBuf::from(".")];
    let roots = if options.paths.is_empty() {
        &default_root[..]
    } else {
        &options.paths[..]
    };
    Ok(pool.install(|| {
        run(
            roots,
            &excludes,
            &options.var_files,
            options.positions_only,
            &f,
        )
    }))
}

fn run<T, F>(
    roots: &[PathBuf],
    excludes: &Excludes,
    var_files: &[PathBuf],
    positions_only: bool,
    f: &F,
) -> (Vec<T>, Report)
where
    T: Send,
    F: Fn(&model::Module) -> (T, Vec<Diagnostic>) + Sync,
{
    let discovered = discover::discover(roots, excludes);

    // File ids: discovered files in display order, then paths with problems.
    let mut displays: Vec<String> = discovered.files.iter().map(|f| f.display.clone()).collect();
    let mut diagnostics = Vec::new();
    for problem in &discovered.problems {
        let id = displays.len();
        displays.push(problem.display.clone());
        diagnostics.push(Diagnostic::new(
            IO_ERROR,
            Severity::Error,
            Label::new(id, 0..0, ""),
            format!("cannot read `{}`: {}", problem.display, problem.message),
        ));
    }

    // `--var-file` files: parsed once, applied to every module.
    let mut vars = Vec::new();
    for path in var_files {
        let id = displays.len();
        let found = Found {
            path: path.clone(),
            display: discover::display_path(path),
            reported: true,
        };
        displays.push(found.display.clone());
        let (parsed, diags) = read_and_parse(id, &found);
        diagnostics.extend(diags);
        vars.extend(parsed);
    }

    let mut modules: BTreeMap<PathBuf, Vec<(FileId, &Found)>> = BTreeMap::new();
    for (id, found) in discovered.files.iter().enumerate() {
        // Grouped by the cleaned path, so `main.tf` and `./iam.tf` are one module.
        let dir = Path::new(&found.display)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        modules.entry(dir).or_default().push((id, found));
    }
    let modules: Vec<(PathBuf, Vec<(FileId, &Found)>)> = modules.into_iter().collect();
    let by_dir: HashMap<&Path, &[(FileId, &Found)]> = modules
        .iter()
        .map(|(dir, files)| (dir.as_path(), &files[..]))
        .collect();
    // Which modules other modules call: a lexical pre-scan of `source = "./..."` lines.
    let called = called_dirs(&modules, &by_dir);
    let callees: Callees = called
        .into_iter()
        .map(|(dir, calls)| (dir, CalleeSlot::new(calls + 1)))
        .collect();

    let outputs: Vec<(T, ModuleOutput)> = modules
        .par_iter()
        .map(|(dir, m)| analyze_module(dir, m, &vars, &by_dir, &callees, positions_only, f))
        .collect();

    let mut files = Files::new(displays);
    let mut results = Vec::with_capacity(outputs.len());
    for (result, output) in outputs {
        results.push(result);
        diagnostics.extend(output.diagnostics);
        for (id, text) in output.texts {
            files.set(id, text);
        }
    }

    for var_file in vars {
        if diagnostics.iter().any(|d| d.primary.file == var_file.id) {
            files.set(var_file.id, Kept::new(&var_file.text, !positions_only));
        }
    }

    // Sorted with the instance keys taken out of the messages, so that the same finding from
    // several instances (`count`, `for_each`, a module called twice) is adjacent: it becomes
    // one diagnostic, with every instance's labels and the instances named in a note.
    let mut keyed: Vec<(String, Diagnostic)> = diagnostics
        .into_iter()
        .map(|d| (without_instances(&d.message).0, d))
        .collect();
    keyed.sort_by(|(ka, a), (kb, b)| {
        (
            files.display(a.primary.file),
            a.primary.range.start,
            a.primary.range.end,
            a.rule,
            ka,
            &a.message,
        )
            .cmp(&(
                files.display(b.primary.file),
                b.primary.range.start,
                b.primary.range.end,
                b.rule,
                kb,
                &b.message,
            ))
    });
    let mut merged: Vec<(String, Diagnostic, Vec<String>)> = Vec::with_capacity(keyed.len());
    for (k, d) in keyed {
        match merged.last_mut() {
            Some((last_key, last, instances))
                if last.primary == d.primary && last.rule == d.rule && *last_key == k =>
            {
                if last.message != d.message {
                    if instances.is_empty() {
                        instances.extend(without_instances(&last.message).1);
                    }
                    for instance in without_instances(&d.message).1 {
                        if !instances.contains(&instance) {
                            instances.push(instance);
                        }
                    }
                }
                for label in d.secondary {
                    if !last.secondary.contains(&label) {
                        last.secondary.push(label);
                    }
                }
            }
            _ => merged.push((k, d, Vec::new())),
        }
    }
    let merged: Vec<Diagnostic> = merged
        .into_iter()
        .map(|(k, mut d, instances)| {
            if !instances.is_empty() {
                d.message = k;
                let shown: Vec<String> =
                    instances.iter().take(6).map(|i| format!("`{i}`")).collect();
                let more = match instances.len() - shown.len() {
                    0 => String::new(),
                    n => format!(" and {n} more"),
                };
                d.notes.insert(
                    0,
                    format!("found in the instances {}{more}", shown.join(", ")).into(),
                );
            }
            d
        })
        .collect();
    let diagnostics = merged;

    let report = Report {
        diagnostics,
        files,
        files_checked: discovered.files.iter().filter(|f| f.reported).count(),
        stats: Stats::default(),
    };
    (results, report)
}

struct ModuleOutput {
    /// Diagnostics whose primary location is in a reported file.
    diagnostics: Vec<Diagnostic>,
    /// The text of the files these diagnostics point into; the others are dropped early.
    texts: Vec<(FileId, Kept)>,
}

struct ParsedFile {
    id: FileId,
    name: String,
    display: String,
    text: std::sync::Arc<str>,
    chunks: Vec<parse::Chunk>,
    suppressions: Vec<suppress::Suppression>,
    /// For `.tf.json`: the chunks are of a native-syntax translation; this maps back.
    map: Option<crate::tfjson::OffsetMap>,
}

/// Reads, parses and models one module, and runs `f` on it. Its syntax trees are dropped on return.
fn analyze_module<T, F>(
    dir: &Path,
    files: &[(FileId, &Found)],
    vars: &[ParsedFile],
    by_dir: &HashMap<&Path, &[(FileId, &Found)]>,
    callees: &Callees,
    positions_only: bool,
    f: &F,
) -> (T, ModuleOutput)
where
    F: Fn(&model::Module) -> (T, Vec<Diagnostic>) + Sync,
{
    // A called module is parsed once, for its callers and its own run alike.
    let owned;
    let shared = callees
        .get(dir)
        .map(|slot| slot.get(|| Callee::build(files, vars, f)));
    let (parsed, mut diagnostics, mut suppressions): (&[ParsedFile], _, _) = match &shared {
        Some(callee) => (
            &callee.parsed,
            callee.parse_diagnostics.clone(),
            callee.suppressions.clone(),
        ),
        None => {
            let (files, diagnostics, suppressions) = parse_files(files);
            owned = files;
            (&owned, diagnostics, suppressions)
        }
    };
    let mut source = ModuleSource {
        files: parsed.iter().map(source_of).collect(),
        var_files: vars.iter().map(source_of).collect(),
        inputs: Vec::new(),
        call: None,
        plan: false,
        called_by_others: shared.is_some(),
        module_outputs: Vec::new(),
    };
    let mut module = model::extract(&source);
    // What the local modules it calls export: when some output is known, a second extraction
    // sees `module.NAME.OUTPUT` as that value, here and in the inputs of its other calls.
    let outputs: Vec<(String, Vec<(String, model::value::Val)>)> = module
        .calls
        .iter()
        .map(|call| {
            let outputs = callee_outputs(dir, call, vars, by_dir, callees, f);
            (call.name.clone(), outputs)
        })
        .filter(|(_, outputs)| !outputs.is_empty())
        .collect();
    if !outputs.is_empty() {
        source.module_outputs = outputs;
        module = model::extract(&source);
    }
    drop(source);
    let (result, mut diags) = f(&module);
    map_json_labels(parsed, &mut diags);
    diagnostics.extend(diags);
    let mut callee_texts = Vec::new();
    let mut callee_reported = Vec::new();
    let mut callee_workloads = Vec::new();
    for call in &module.calls {
        let (texts, reported) = analyze_call(
            dir,
            call,
            vars,
            by_dir,
            callees,
            f,
            &mut diagnostics,
            &mut callee_workloads,
        );
        callee_texts.extend(texts);
        callee_reported.extend(reported);
    }
    // The module with the workloads of its calls that it gave an identity: one account used by
    // workloads in different modules (see `Module::estate`).
    if !callee_workloads.is_empty() {
        let mut workloads = std::mem::take(&mut module.workloads);
        workloads.extend(callee_workloads);
        let estate = model::Module {
            workloads,
            service_accounts: std::mem::take(&mut module.service_accounts),
            estate: true,
            ..model::Module::default()
        };
        let (_, mut diags) = f(&estate);
        map_json_labels(parsed, &mut diags);
        diagnostics.extend(diags);
    }
    drop(module);
    let reported: BTreeSet<FileId> = files
        .iter()
        .filter(|(_, found)| found.reported)
        .map(|&(id, _)| id)
        .chain(vars.iter().map(|v| v.id))
        .chain(callee_reported)
        .collect();
    diagnostics.retain(|d| reported.contains(&d.primary.file));
    if !suppressions.is_empty() {
        diagnostics = suppress::apply(&mut suppressions, diagnostics);
        diagnostics.retain(|d| reported.contains(&d.primary.file));
    }
    let needed: BTreeSet<FileId> = diagnostics
        .iter()
        .flat_map(|d| std::iter::once(d.primary.file).chain(d.secondary.iter().map(|l| l.file)))
        .collect();
    let output = ModuleOutput {
        diagnostics,
        texts: parsed
            .iter()
            .map(|f| (f.id, &*f.text))
            .chain(callee_texts.iter().map(|(id, text)| (*id, text.as_str())))
            .filter(|(id, _)| needed.contains(id))
            .collect::<BTreeMap<FileId, &str>>()
            .into_iter()
            .map(|(id, text)| (id, Kept::new(text, !positions_only)))
            .collect(),
    };
    if let Some(slot) = callees.get(dir) {
        drop(shared);
        slot.done();
    }
    (result, output)
}

/// What distinguishes one finding from another, across runs of the same module.
type Key = (FileId, usize, usize, &'static str, String);

/// A message with the instance keys of the names it quotes taken out (`` `r[0]` `` -> `` `r` ``),
/// and the instances taken out (`r[0]`).
fn without_instances(message: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(message.len());
    let mut instances = Vec::new();
    let mut rest = message;
    while let Some(open) = rest.find('`') {
        let Some(len) = rest[open + 1..].find('`') else {
            break;
        };
        let quoted = &rest[open + 1..open + 1 + len];
        out.push_str(&rest[..=open]);
        match quoted.find('[') {
            Some(at)
                if at > 0
                    && quoted.ends_with(']')
                    && quoted[..at]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) =>
            {
                out.push_str(&quoted[..at]);
                instances.push(quoted.to_string());
            }
            _ => out.push_str(quoted),
        }
        out.push('`');
        rest = &rest[open + len + 2..];
    }
    out.push_str(rest);
    (out, instances)
}

fn key(d: &Diagnostic) -> Key {
    (
        d.primary.file,
        d.primary.range.start,
        d.primary.range.end,
        d.rule,
        d.message.clone(),
    )
}

/// A module that other modules call, parsed once per run, with the findings of its own run.
struct Callee {
    parsed: Vec<ParsedFile>,
    /// Syntax errors and the like, reported by the module's own run.
    parse_diagnostics: Vec<Diagnostic>,
    suppressions: Vec<suppress::Suppression>,
    own: BTreeSet<Key>,
    reported: Vec<FileId>,
}

impl Callee {
    /// Parses a called module and runs `f` on it once, for the keys of its own findings.
    fn build<T, F>(files: &[(FileId, &Found)], vars: &[ParsedFile], f: &F) -> Callee
    where
        F: Fn(&model::Module) -> (T, Vec<Diagnostic>) + Sync,
    {
        let (parsed, parse_diagnostics, suppressions) = parse_files(files);
        let own = ModuleSource {
            files: parsed.iter().map(source_of).collect(),
            var_files: vars.iter().map(source_of).collect(),
            inputs: Vec::new(),
            call: None,
            plan: false,
            called_by_others: true,
            module_outputs: Vec::new(),
        };
        let (_, mut own_diags) = f(&model::extract(&own));
        map_json_labels(&parsed, &mut own_diags);
        Callee {
            own: own_diags.iter().map(key).collect(),
            reported: files
                .iter()
                .filter(|(_, found)| found.reported)
                .map(|&(id, _)| id)
                .collect(),
            parsed,
            parse_diagnostics,
            suppressions,
        }
    }
}

/// Reads and parses a module's files (in parallel): the files, their diagnostics, their
/// suppressions.
fn parse_files(
    files: &[(FileId, &Found)],
) -> (Vec<ParsedFile>, Vec<Diagnostic>, Vec<suppress::Suppression>) {
    let results: Vec<(Option<ParsedFile>, Vec<Diagnostic>)> = files
        .par_iter()
        .map(|&(id, found)| read_and_parse(id, found))
        .collect();
    let mut diagnostics = Vec::new();
    let mut parsed = Vec::new();
    let mut suppressions = Vec::new();
    for (file, diags) in results {
        diagnostics.extend(diags);
        if let Some(mut file) = file {
            suppressions.append(&mut file.suppressions);
            parsed.push(file);
        }
    }
    (parsed, diagnostics, suppressions)
}

/// The module directories some `module` block calls with a local `source`, found by scanning
/// the text for `source = "./..."` (or `"../..."`) lines: cheap next to parsing.
/// Each with how many calls the scan found.
fn called_dirs<'a>(
    modules: &'a [(PathBuf, Vec<(FileId, &Found)>)],
    by_dir: &HashMap<&'a Path, &[(FileId, &Found)]>,
) -> Vec<(&'a Path, usize)> {
    let found: Vec<PathBuf> = modules
        .par_iter()
        .flat_map_iter(|(dir, files)| {
            files
                .iter()
                .filter(|(_, found)| found.display.ends_with(".tf"))
                .filter_map(|(_, found)| std::fs::read(&found.path).ok())
                .flat_map(|bytes| local_sources(&bytes))
                .map(|source| normalize(&dir.join(source)))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut counts: HashMap<PathBuf, usize> = HashMap::new();
    for dir in found {
        *counts.entry(dir).or_default() += 1;
    }
    let mut dirs: Vec<(&Path, usize)> = by_dir
        .keys()
        .filter_map(|&d| counts.get(d).map(|&n| (d, n)))
        .collect();
    dirs.sort();
    dirs
}

/// The local paths in `source = "./x"` lines: a substring search for `source`, then a look at
/// what follows it.
fn local_sources(text: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    // Most files call no module.
    if memchr::memmem::find(text, b"module").is_none() {
        return out;
    }
    let mut at = 0;
    while let Some(i) = memchr::memmem::find(&text[at..], b"source") {
        let start = at + i;
        at = start + 6;
        let line_start = text[..start]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |p| p + 1);
        if !text[line_start..start]
            .iter()
            .all(|c| c.is_ascii_whitespace())
        {
            continue;
        }
        let rest = &text[at..];
        let rest = &rest[rest
            .iter()
            .take_while(|c| **c == b' ' || **c == b'\t')
            .count()..];
        let Some(rest) = rest.strip_prefix(b"=") else {
            continue;
        };
        let rest = &rest[rest
            .iter()
            .take_while(|c| **c == b' ' || **c == b'\t')
            .count()..];
        let Some(rest) = rest.strip_prefix(b"\"") else {
            continue;
        };
        let Some(end) = rest.iter().position(|&c| c == b'"' || c == b'\n') else {
            continue;
        };
        let value = &rest[..end];
        if value.starts_with(b"./") || value.starts_with(b"../") {
            out.push(String::from_utf8_lossy(value).into_owned());
        }
    }
    out
}

/// Called modules by directory; filled on first use by whichever module calls them first.
type Callees<'a> = HashMap<&'a Path, CalleeSlot>;

/// A called module's parse, shared while it has uses left (its calls found by the pre-scan,
/// and its own run), then dropped to give the memory back; built again if a use comes later.
struct CalleeSlot {
    callee: Mutex<Option<Arc<Callee>>>,
    uses_left: AtomicUsize,
}

impl CalleeSlot {
    fn new(uses: usize) -> CalleeSlot {
        CalleeSlot {
            callee: Mutex::new(None),
            uses_left: AtomicUsize::new(uses),
        }
    }

    fn get(&self, build: impl FnOnce() -> Callee) -> Arc<Callee> {
        let mut slot = self.callee.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert_with(|| Arc::new(build())).clone()
    }

    /// One use is over: the last one releases the parse.
    fn done(&self) {
        if self.uses_left.fetch_sub(1, Ordering::AcqRel) <= 1 {
            self.callee.lock().unwrap_or_else(|e| e.into_inner()).take();
        }
    }
}

/// A local module called with inputs: checked with them, and the findings the inputs cause
/// (those its own run, without them, does not have) added with a label at the call site.
/// Returns the texts those findings need, and the callee's files that are reported on.
#[allow(clippy::too_many_arguments)]
fn analyze_call<T, F>(
    dir: &Path,
    call: &model::ModuleCall,
    vars: &[ParsedFile],
    by_dir: &HashMap<&Path, &[(FileId, &Found)]>,
    callees: &Callees,
    f: &F,
    out: &mut Vec<Diagnostic>,
    workloads: &mut Vec<model::Workload>,
) -> (Vec<(FileId, String)>, Vec<FileId>)
where
    F: Fn(&model::Module) -> (T, Vec<Diagnostic>) + Sync,
{
    let Some((callee_dir, cell, callee)) = callee_of(dir, call, vars, by_dir, callees, f) else {
        return (Vec::new(), Vec::new());
    };
    let mut called_module = model::extract(&called_source(&callee, call));
    let (_, mut called_diags) = f(&called_module);
    // Its workloads whose identity the caller gave it, for the caller's estate view.
    for mut workload in std::mem::take(&mut called_module.workloads) {
        workload.slots.retain(|slot| match &slot.state {
            model::SlotState::Set { val, sa } => {
                slot.runtime
                    && matches!(
                        sa,
                        model::principal::SaRef::Resource(_) | model::principal::SaRef::Email(_)
                    )
                    && !callee.parsed.iter().any(|p| p.id == val.loc.file)
            }
            _ => false,
        });
        if !workload.slots.is_empty() {
            // Calls of one module are replicas of one process (the same service in two
            // regions): the same workload of the module is one process whatever the call.
            let prefix = format!("module.{}.", call.name);
            let process = workload
                .process
                .strip_prefix(&prefix)
                .unwrap_or(&workload.process);
            workload.process = format!("{}#{process}", callee_dir.display());
            workloads.push(workload);
        }
    }
    drop(called_module);
    map_json_labels(&callee.parsed, &mut called_diags);
    let new: Vec<Diagnostic> = called_diags
        .into_iter()
        .filter(|d| !callee.own.contains(&key(d)))
        .collect();
    let mut suppressions = callee.suppressions.clone();
    let mut texts = Vec::new();
    for mut d in suppress::filter(&mut suppressions, new) {
        d.secondary.push(Label::new(
            call.file,
            call.name_label.clone(),
            format!("with the inputs of `module.{}`", call.name),
        ));
        for label in std::iter::once(&d.primary).chain(&d.secondary) {
            if texts.iter().any(|(id, _)| *id == label.file) {
                continue;
            }
            if let Some(file) = callee.parsed.iter().find(|p| p.id == label.file) {
                texts.push((file.id, file.text.to_string()));
            }
        }
        out.push(d);
    }
    let reported = callee.reported.clone();
    drop(callee);
    cell.done();
    (texts, reported)
}

/// The module a local call names (not the caller itself), with its slot and its shared parse.
fn callee_of<'c, T, F>(
    dir: &Path,
    call: &model::ModuleCall,
    vars: &[ParsedFile],
    by_dir: &HashMap<&Path, &[(FileId, &Found)]>,
    callees: &'c Callees,
    f: &F,
) -> Option<(PathBuf, &'c CalleeSlot, Arc<Callee>)>
where
    F: Fn(&model::Module) -> (T, Vec<Diagnostic>) + Sync,
{
    let callee_dir = normalize(&dir.join(&call.source));
    let (Some(files), Some(cell)) = (
        by_dir.get(callee_dir.as_path()),
        callees.get(callee_dir.as_path()),
    ) else {
        return None;
    };
    if callee_dir == dir {
        return None;
    }
    let callee = cell.get(|| Callee::build(files, vars, f));
    Some((callee_dir, cell, callee))
}

/// A called module's files with the inputs of one call.
fn called_source<'a>(callee: &'a Callee, call: &model::ModuleCall) -> ModuleSource<'a> {
    ModuleSource {
        files: callee.parsed.iter().map(source_of).collect(),
        var_files: Vec::new(),
        inputs: call.inputs.clone(),
        call: Some(format!("module.{}", call.name)),
        plan: false,
        called_by_others: false,
        module_outputs: Vec::new(),
    }
}

/// The outputs a local module exports to its caller, with the inputs of this call.
fn callee_outputs<T, F>(
    dir: &Path,
    call: &model::ModuleCall,
    vars: &[ParsedFile],
    by_dir: &HashMap<&Path, &[(FileId, &Found)]>,
    callees: &Callees,
    f: &F,
) -> Vec<(String, model::value::Val)>
where
    F: Fn(&model::Module) -> (T, Vec<Diagnostic>) + Sync,
{
    // The slot stays until `analyze_call` marks this call done.
    let Some((_, _, callee)) = callee_of(dir, call, vars, by_dir, callees, f) else {
        return Vec::new();
    };
    let has_outputs = callee.parsed.iter().any(|p| {
        p.chunks
            .iter()
            .any(|c| c.body.blocks().any(|b| b.ident.as_str() == "output"))
    });
    if !has_outputs {
        return Vec::new();
    }
    model::extract(&called_source(&callee, call)).outputs
}

/// Labels in `.tf.json` files are in their translation's offsets: map them into the JSON. Their
/// fixes, written for native syntax, are dropped.
fn map_json_labels(files: &[ParsedFile], diags: &mut [Diagnostic]) {
    let map_of = |id: FileId| {
        files
            .iter()
            .find(|f| f.id == id)
            .and_then(|f| f.map.as_ref())
    };
    if files.iter().all(|f| f.map.is_none()) {
        return;
    }
    for d in diags {
        let mut json = false;
        for label in std::iter::once(&mut d.primary).chain(d.secondary.iter_mut()) {
            if let Some(map) = map_of(label.file) {
                label.range = map.range(&label.range);
                json = true;
            }
        }
        if json {
            d.fix = None;
        }
    }
}

/// `a/./b/../c` -> `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if out.file_name().is_some() && !out.ends_with("..") =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn source_of(f: &ParsedFile) -> FileSource<'_> {
    FileSource {
        id: f.id,
        name: f.name.clone(),
        display: f.display.clone(),
        text: &f.text,
        chunks: &f.chunks,
        map: f.map.as_ref(),
    }
}

fn read_and_parse(id: FileId, found: &Found) -> (Option<ParsedFile>, Vec<Diagnostic>) {
    let name = found
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| found.display.clone());
    let bytes = match std::fs::read(&found.path) {
        Ok(bytes) => bytes,
        Err(err) => {
            let diag = Diagnostic::new(
                IO_ERROR,
                Severity::Error,
                Label::new(id, 0..0, ""),
                format!(
                    "cannot read `{}`: {}",
                    found.display,
                    discover::io_message(&err)
                ),
            );
            return (None, vec![diag]);
        }
    };
    parse_bytes(id, name, &found.display, bytes)
}

/// Decodes and parses one file's bytes (`.tf.json` by its name), with its suppressions.
fn parse_bytes(
    id: FileId,
    name: String,
    display: &str,
    bytes: Vec<u8>,
) -> (Option<ParsedFile>, Vec<Diagnostic>) {
    let (text, decode_error) = parse::decode(id, bytes);
    if decode_error.is_none() && display.ends_with(".tf.json") {
        return read_json(id, name, display, text);
    }
    let (chunks, mut diags) = match decode_error {
        Some(diag) => (Vec::new(), vec![diag]),
        None => parse::parse(id, &text),
    };
    let mut suppressions = Vec::new();
    if text.contains("iamlint-ignore") {
        let mut spans = Vec::new();
        for chunk in &chunks {
            suppress::structure_spans(&chunk.body, chunk.base, &mut spans);
        }
        let (found_suppressions, problems) =
            suppress::collect(id, &text, &spans, suppress::Date::today());
        suppressions = found_suppressions;
        diags.extend(problems);
    }
    let file = ParsedFile {
        id,
        name,
        display: display.to_string(),
        text: text.into(),
        chunks,
        suppressions,
        map: None,
    };
    (Some(file), diags)
}

/// A `.tf.json` file: translated to native syntax, parsed, with the offsets mapped back.
fn read_json(
    id: FileId,
    name: String,
    display: &str,
    text: String,
) -> (Option<ParsedFile>, Vec<Diagnostic>) {
    let (chunks, diags, map) = match crate::tfjson::translate(&text) {
        Ok((hcl, map)) => {
            let (chunks, mut diags) = parse::parse(id, &hcl);
            for d in &mut diags {
                d.primary.range = map.range(&d.primary.range);
            }
            (chunks, diags, Some(map))
        }
        Err(err) => {
            let at = err.offset.min(text.len());
            let diag = Diagnostic::new(
                parse::PARSE_ERROR,
                Severity::Error,
                Label::new(id, at..at, "here"),
                format!("invalid JSON: {}", err.message),
            );
            (Vec::new(), vec![diag], None)
        }
    };
    let file = ParsedFile {
        id,
        name,
        display: display.to_string(),
        text: text.into(),
        chunks,
        suppressions: Vec::new(),
        map,
    };
    (Some(file), diags)
}

#[cfg(test)]
mod tests {
    use super::without_instances;

    #[test]
    fn instance_keys_are_taken_out_of_quoted_names() {
        assert_eq!(
            without_instances("Cloud Run service `r[0]` names no `x` in `t[\"a b\"]`"),
            (
                "Cloud Run service `r` names no `x` in `t`".to_string(),
                vec!["r[0]".to_string(), "t[\"a b\"]".to_string()]
            )
        );
        // Not an instance: a list, an unterminated quote.
        assert_eq!(without_instances("`[1]` and `a").0, "`[1]` and `a");
    }
}
