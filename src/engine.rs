//! The pipeline: discover -> read and parse (parallel) -> model per module -> rules (parallel)
//! -> filter, one central sort. Emitting is left to the caller, on one thread.

use crate::config::Config;
use crate::diagnostic::{Diagnostic, FileId, Label, Severity};
use crate::discover::{self, Excludes, Found};
use crate::model::{self, FileSource, ModuleSource};
use crate::parse;
use crate::registry::Ctx;
use crate::rules::ALL_RULES;
use crate::source::Files;
use crate::suppress;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

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
    let (parsed, mut diagnostics) = match std::fs::read(path) {
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
                        text,
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
    let mut stats = Stats::default();
    if let Some(file) = parsed {
        let source = ModuleSource {
            files: vec![source_of(&file)],
            var_files: Vec::new(),
            inputs: Vec::new(),
            call: None,
            plan: true,
        };
        let module = model::extract(&source);
        stats = Stats::of(&module);
        let mut diags = check(&module, config);
        map_json_labels(std::slice::from_ref(&file), &mut diags);
        diagnostics.extend(diags);
        files.set_text(0, file.text);
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
    Ok(pool.install(|| run(roots, &excludes, &options.var_files, &f)))
}

fn run<T, F>(
    roots: &[PathBuf],
    excludes: &Excludes,
    var_files: &[PathBuf],
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

    let outputs: Vec<(T, ModuleOutput)> = modules
        .par_iter()
        .map(|(dir, m)| analyze_module(dir, m, &vars, &by_dir, f))
        .collect();

    let mut files = Files::new(displays);
    let mut results = Vec::with_capacity(outputs.len());
    for (result, output) in outputs {
        results.push(result);
        diagnostics.extend(output.diagnostics);
        for (id, text) in output.texts {
            files.set_text(id, text);
        }
    }

    for var_file in vars {
        if diagnostics.iter().any(|d| d.primary.file == var_file.id) {
            files.set_text(var_file.id, var_file.text);
        }
    }

    diagnostics.sort_by(|a, b| {
        (
            files.display(a.primary.file),
            a.primary.range.start,
            a.primary.range.end,
            a.rule,
            &a.message,
        )
            .cmp(&(
                files.display(b.primary.file),
                b.primary.range.start,
                b.primary.range.end,
                b.rule,
                &b.message,
            ))
    });
    // The same finding from several instances (`for_each`, a module called twice): one
    // diagnostic, with every instance's labels.
    let mut merged: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    for d in diagnostics {
        match merged.last_mut() {
            Some(last)
                if last.primary == d.primary
                    && last.rule == d.rule
                    && last.message == d.message =>
            {
                for label in d.secondary {
                    if !last.secondary.contains(&label) {
                        last.secondary.push(label);
                    }
                }
            }
            _ => merged.push(d),
        }
    }
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
    texts: Vec<(FileId, String)>,
}

struct ParsedFile {
    id: FileId,
    name: String,
    display: String,
    text: String,
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
    f: &F,
) -> (T, ModuleOutput)
where
    F: Fn(&model::Module) -> (T, Vec<Diagnostic>) + Sync,
{
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
    let source = ModuleSource {
        files: parsed.iter().map(source_of).collect(),
        var_files: vars.iter().map(source_of).collect(),
        inputs: Vec::new(),
        call: None,
        plan: false,
    };
    let module = model::extract(&source);
    drop(source);
    let (result, mut diags) = f(&module);
    map_json_labels(&parsed, &mut diags);
    diagnostics.extend(diags);
    let mut callees = Vec::new();
    let mut callee_reported = Vec::new();
    for call in &module.calls {
        let (parsed, reported) = analyze_call(dir, call, vars, by_dir, f, &mut diagnostics);
        callees.extend(parsed);
        callee_reported.extend(reported);
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
            .into_iter()
            .chain(callees)
            .filter(|f| needed.contains(&f.id))
            .map(|f| (f.id, f.text))
            .collect(),
    };
    (result, output)
}

/// A local module called with inputs: checked with them, and the findings the inputs cause
/// (those its own run, without them, does not have) added with a label at the call site.
/// Returns the callee's parsed files, whose text the findings may need, and those reported on.
fn analyze_call<T, F>(
    dir: &Path,
    call: &model::ModuleCall,
    vars: &[ParsedFile],
    by_dir: &HashMap<&Path, &[(FileId, &Found)]>,
    f: &F,
    out: &mut Vec<Diagnostic>,
) -> (Vec<ParsedFile>, Vec<FileId>)
where
    F: Fn(&model::Module) -> (T, Vec<Diagnostic>) + Sync,
{
    let callee_dir = normalize(&dir.join(&call.source));
    let Some(files) = by_dir
        .get(callee_dir.as_path())
        .filter(|_| callee_dir != dir)
    else {
        return (Vec::new(), Vec::new());
    };
    let reported = files
        .iter()
        .filter(|(_, found)| found.reported)
        .map(|&(id, _)| id)
        .collect();
    let mut parsed = Vec::new();
    let mut suppressions = Vec::new();
    for &(id, found) in files.iter() {
        if let (Some(mut file), _) = read_and_parse(id, found) {
            suppressions.append(&mut file.suppressions);
            parsed.push(file);
        }
    }
    let own = ModuleSource {
        files: parsed.iter().map(source_of).collect(),
        var_files: vars.iter().map(source_of).collect(),
        inputs: Vec::new(),
        call: None,
        plan: false,
    };
    let called = ModuleSource {
        files: parsed.iter().map(source_of).collect(),
        var_files: Vec::new(),
        inputs: call.inputs.clone(),
        call: Some(format!("module.{}", call.name)),
        plan: false,
    };
    let (_, mut own_diags) = f(&model::extract(&own));
    let (_, mut called_diags) = f(&model::extract(&called));
    map_json_labels(&parsed, &mut own_diags);
    map_json_labels(&parsed, &mut called_diags);
    let key = |d: &Diagnostic| {
        (
            d.primary.file,
            d.primary.range.start,
            d.primary.range.end,
            d.rule,
            d.message.clone(),
        )
    };
    let known: BTreeSet<_> = own_diags.iter().map(key).collect();
    let new: Vec<Diagnostic> = called_diags
        .into_iter()
        .filter(|d| !known.contains(&key(d)))
        .collect();
    for mut d in suppress::filter(&mut suppressions, new) {
        d.secondary.push(Label::new(
            call.file,
            call.name_label.clone(),
            format!("with the inputs of `module.{}`", call.name),
        ));
        out.push(d);
    }
    (parsed, reported)
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
    let (text, decode_error) = parse::decode(id, bytes);
    if decode_error.is_none() && found.display.ends_with(".tf.json") {
        return read_json(id, name, found, text);
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
        display: found.display.clone(),
        text,
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
    found: &Found,
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
        display: found.display.clone(),
        text,
        chunks,
        suppressions: Vec::new(),
        map,
    };
    (Some(file), diags)
}
