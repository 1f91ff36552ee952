//! The run: discover files -> build the module graph ([`crate::project`]) -> walk it from each
//! root on the thread pool, reading and parsing each module once ([`crate::load`]), extracting
//! its model in every context it is called in and running the rules ([`crate::model`],
//! [`crate::rules`]) -> one [`crate::report::finish`]. Emitting is left to the caller.
//!
//! A module nobody in the scan calls is checked on its own, with its defaults and tfvars. A
//! called module is checked only with the inputs of each call that reaches it (each instance of
//! a `count`/`for_each` call, at any depth), so a resource that no call creates produces
//! nothing, and each finding carries a label at the call whose inputs produce it.

use crate::config::{Config, ConfigError};
use crate::diagnostic::{Diagnostic, Edit, FileId, Label, Severity};
use crate::discover::{self, Excludes, Found};
use crate::eval::DataFiles;
use crate::gcp::access::{self, NotCounted, Query, Row};
use crate::load::{
    Overlay, ParsedFile, map_json_labels, parse_bytes, parse_files, read_and_parse, source_of,
};
use crate::model::{self, ModuleSource};
use crate::parse;
use crate::project::{self, Project, Target};
use crate::report::{self, CONTEXT_LABEL};
use crate::rules::ALL_RULES;
use crate::rules::{Ctx, Settings};
use crate::source::{Files, Kept};
use crate::suppress::Suppression;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::registry::{IO_ERROR, PARSE_ERROR, Scope};
pub use crate::report::{Report, Stats};

/// Calls followed below a root, at most: deeper ones are not checked.
const MAX_DEPTH: usize = 32;
/// Module contexts extracted in one walk from a root, at most.
const MAX_RUNS: usize = 5_000;

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
    /// Unsaved texts read instead of the files on disk (`iamlint server`).
    pub overlay: Arc<Overlay>,
    /// Set from another thread to stop the run early (`iamlint server`, when an edit makes it
    /// stale): modules not yet checked are skipped, and the report is incomplete.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Options {
    /// The `--exclude` globs that match nothing under the paths: probably a typo. A bad glob
    /// is left for the run to report.
    pub fn unmatched_excludes(&self) -> Vec<String> {
        match Excludes::new(&self.exclude) {
            Ok(excludes) if !self.exclude.is_empty() => excludes.unmatched(&self.paths),
            _ => Vec::new(),
        }
    }

    /// Takes out of `paths` the ones the excludes (configuration and `--exclude`) match, as
    /// ruff's force-exclude does: a pre-commit hook names every changed file. A bad glob is
    /// left for the run to report.
    pub fn force_exclude(&mut self) {
        let mut patterns = self.config.exclude.clone();
        patterns.extend(self.exclude.iter().cloned());
        if patterns.is_empty() {
            return;
        }
        let Ok(excludes) = Excludes::new(&patterns) else {
            return;
        };
        let base = self
            .config
            .path
            .as_deref()
            .map(|p| match Path::new(p).parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
                _ => PathBuf::from("."),
            });
        self.paths
            .retain(|p| !excludes.excludes_named(p, base.as_deref()));
    }
}

/// `iamlint access`: what `member` can do (its permissions matching `permission`, when
/// given), or who holds `permission`, over every module found; and what could not be
/// counted (grants iamlint cannot read, files that could not be read or parsed).
pub fn access(
    options: &Options,
    member: Option<(&Query, &str)>,
    permission: Option<&str>,
) -> Result<(Vec<Row>, Vec<NotCounted>), Fatal> {
    let (answers, report) = visit(options, |module| {
        let answer = match (member, permission) {
            (Some((query, text)), _) => access::member_rows(module, query, text, permission),
            (None, Some(p)) => access::permission_rows(module, p),
            (None, None) => Default::default(),
        };
        (answer, Vec::new())
    })?;
    let mut rows = Vec::new();
    let mut not_counted = Vec::new();
    for (r, n) in answers {
        rows.extend(r);
        not_counted.extend(n);
    }
    rows.sort();
    not_counted.sort();
    // Files that could not be read or parsed hold grants the answer does not count.
    for d in &report.diagnostics {
        let pos = report.files.position(d.primary.file, d.primary.range.start);
        not_counted.push(NotCounted {
            at: format!("{}:{}", report.files.display(d.primary.file), pos.line),
            reason: d.message.clone(),
        });
    }
    Ok((rows, not_counted))
}

/// Reads a configuration file (`iamlint.toml`) and checks every rule's options in it.
pub fn load_config(path: &Path) -> Result<Config, ConfigError> {
    let config = crate::config::load(path)?;
    Settings::new(&config)?;
    Ok(config)
}

/// A configuration from its text (`display` names the file in errors), every rule's options
/// checked.
pub fn parse_config(display: &str, text: &str) -> Result<Config, ConfigError> {
    let config = crate::config::parse(display, text)?;
    Settings::new(&config)?;
    Ok(config)
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
    let settings = Settings::new(config).map_err(|e| Fatal(e.render()))?;
    let (stats, mut report) = visit(options, |module| {
        (Stats::of(module), check(module, config, &settings))
    })?;
    for s in stats {
        report.stats.add(s);
    }
    Ok(report)
}

/// The rules' settings for a run with `config`. A configuration read by
/// [`load_config`] or [`parse_config`] has been checked, and
/// [`Config::default`] has no options, so this falls back to the defaults only for a
/// configuration that was never checked.
fn settings(config: &Config) -> Settings {
    Settings::new(config).unwrap_or_else(|_| Settings::default())
}

/// Every rule on a module, at the configured severities.
fn check(module: &model::Module, config: &Config, settings: &Settings) -> Vec<Diagnostic> {
    let cx = Ctx { settings };
    let mut diagnostics = Vec::new();
    for rule in ALL_RULES {
        let meta = rule.meta();
        // An estate view holds only what crosses modules: the rules about one module have
        // already seen each of its parts.
        if module.estate && meta.scope != Scope::Estate {
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

/// `--plan FILE`: the planned resources of `terraform show -json PLAN`, checked by the same
/// rules; findings point into the plan file and name resources by their addresses.
pub fn lint_plan(path: &Path, config: &Config) -> Report {
    let display = crate::util::paths::display_path(path);
    let found = Found {
        path: path.to_path_buf(),
        display: display.clone(),
        reported: true,
    };
    let mut files = Files::new(vec![display]);
    let (parsed, diagnostics) =
        match crate::util::optfile::read(path, crate::util::optfile::MAX_PLAN_FILE) {
            Err(why) => (
                None,
                vec![Diagnostic::new(
                    IO_ERROR,
                    Severity::Error,
                    Label::new(0, 0..0, ""),
                    format!("cannot read `{}`: {why}", found.display),
                )],
            ),
            Ok(bytes) => {
                let (text, decode_error) = parse::decode(0, bytes);
                match (decode_error, crate::tfjson::translate_plan(&text)) {
                    (Some(diag), _) => (None, vec![diag]),
                    (None, Err(err)) => {
                        let at = err.offset.min(text.len());
                        let diag = Diagnostic::new(
                            PARSE_ERROR,
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
                            pieces: Vec::new(),
                            suppressions: Vec::new(),
                            map: Some(map),
                            bom: false,
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
    let mut suppressions = Vec::new();
    if let Some(mut file) = parsed {
        let module = model::extract(&ModuleSource {
            files: vec![source_of(&file)],
            var_files: Vec::new(),
            inputs: Vec::new(),
            call: None,
            plan,
            called_by_others: false,
            module_outputs: Vec::new(),
            data: None,
            root_dir: None,
            types: None,
        });
        stats = Stats::of(&module);
        let mut diags = check(&module, config, &settings(config));
        drop(module);
        map_json_labels(std::slice::from_ref(&file), &mut diags);
        diagnostics.extend(diags);
        files.set_text(0, file.text.to_string());
        suppressions = std::mem::take(&mut file.suppressions);
    }
    let diagnostics = report::finish(diagnostics, suppressions, |_| true, &files, config);
    Report {
        diagnostics,
        files,
        files_checked: 1,
        stats,
        unfollowed: Vec::new(),
    }
}

/// Runs `f` on the model of every module found, in every context it is checked in (in
/// parallel), and returns what it returned, in graph order, with the report of its diagnostics
/// and of the files that could not be read or parsed.
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
    Ok(pool.install(|| run(roots, &excludes, options, &f)))
}

fn run<T, F>(roots: &[PathBuf], excludes: &Excludes, options: &Options, f: &F) -> (Vec<T>, Report)
where
    T: Send,
    F: Fn(&model::Module) -> (T, Vec<Diagnostic>) + Sync,
{
    let mut discovered = discover::discover(roots, excludes);
    // An editor's documents never saved count as the files they will be.
    discover::add_unsaved(
        &mut discovered,
        roots,
        excludes,
        options.overlay.keys().map(PathBuf::as_path),
    );

    // File ids: discovered files in display order, then paths with problems, then `--var-file`
    // files, then the files of downloaded modules.
    let mut displays: Vec<String> = discovered.files.iter().map(|f| f.display.clone()).collect();
    let mut reported: Vec<bool> = discovered.files.iter().map(|f| f.reported).collect();
    let mut diagnostics = Vec::new();
    for problem in &discovered.problems {
        let id = displays.len();
        displays.push(problem.display.clone());
        reported.push(true);
        diagnostics.push(Diagnostic::new(
            IO_ERROR,
            Severity::Error,
            Label::new(id, 0..0, ""),
            format!("cannot read `{}`: {}", problem.display, problem.message),
        ));
    }

    // `--var-file` files: parsed once, applied to every root module.
    let mut vars = Vec::new();
    for path in &options.var_files {
        let id = displays.len();
        let found = Found {
            path: path.clone(),
            display: crate::util::paths::display_path(path),
            reported: true,
        };
        displays.push(found.display.clone());
        reported.push(true);
        let (parsed, diags) = read_and_parse(id, &found, &options.overlay);
        diagnostics.extend(diags);
        vars.extend(parsed);
    }

    // The directories of the paths given (a named file's), canonical.
    let given: Vec<PathBuf> = roots
        .iter()
        .filter_map(|r| {
            let dir = match r.is_dir() {
                true => r.as_path(),
                false => r.parent().unwrap_or(Path::new(".")),
            };
            let dir = match dir.as_os_str().is_empty() {
                true => Path::new("."),
                false => dir,
            };
            dir.canonicalize().ok()
        })
        .collect();
    // Modules that calls reach outside the paths given are read inside these only.
    let within: Vec<PathBuf> = given
        .iter()
        .cloned()
        .chain(
            std::env::current_dir()
                .ok()
                .and_then(|d| d.canonicalize().ok()),
        )
        .collect();
    let project = project::build(
        &discovered.files,
        displays.len(),
        &within,
        &options.overlay,
        &discovered.uninitialised,
    );
    let first_downloaded = displays.len();
    for found in &project.extra_files {
        displays.push(found.display.clone());
        reported.push(found.reported);
    }
    diagnostics.extend(project.diagnostics.iter().cloned());
    // Data files are read inside the paths given (a named file's directory) and the
    // directories of the modules their calls reach, whose code is read anyway: never the
    // working directory around them.
    let mut data_within = given;
    for module in project.modules.iter().filter(|m| m.downloaded) {
        if let Ok(dir) = module.dir.canonicalize()
            && !data_within.iter().any(|w| dir.starts_with(w))
        {
            data_within.push(dir);
        }
    }
    let data = Arc::new(DataFiles::new(displays.len(), data_within));

    let runner = Runner {
        project: &project,
        slots: project
            .uses
            .iter()
            .map(|&uses| Slot {
                parsed: Mutex::new(None),
                uses_left: AtomicUsize::new(uses),
                emitted: AtomicBool::new(false),
            })
            .collect(),
        vars: &vars,
        overlay: &options.overlay,
        cancel: options.cancel.as_deref(),
        f,
        first_downloaded,
        positions_only: options.positions_only,
        cycles: project.diagnostics.iter().map(|d| d.primary.file).collect(),
        data: data.clone(),
    };
    let walks: Vec<WalkOut<T>> = project
        .roots
        .par_iter()
        .map(|&root| runner.walk(root))
        .collect();
    // Modules no walk read (called only by calls that create no instance): their syntax
    // errors and suppressions still count.
    let unread: Vec<WalkOut<T>> = (0..project.modules.len())
        .into_par_iter()
        .filter(|&m| !runner.slots[m].emitted.load(Ordering::Acquire))
        .map(|m| runner.read_only(m))
        .collect();

    let mut results = Vec::new();
    let mut suppressions = Vec::new();
    let mut texts: BTreeMap<FileId, Kept> = BTreeMap::new();
    let mut boms: Vec<FileId> = Vec::new();
    for walk in walks.into_iter().chain(unread) {
        results.extend(walk.results);
        diagnostics.extend(walk.diagnostics);
        suppressions.extend(walk.suppressions);
        texts.extend(walk.texts);
        boms.extend(walk.boms);
    }
    // `--var-file` files are no walk's: their text is kept here when a finding points there.
    for var_file in &vars {
        if diagnostics
            .iter()
            .any(|d| d.files().any(|f| f == var_file.id))
        {
            texts.insert(
                var_file.id,
                Kept::new(&var_file.text, !options.positions_only),
            );
        }
    }
    let (data_suppressions, problems) = located_in_data(
        &data,
        &mut displays,
        &mut reported,
        &mut diagnostics,
        &mut texts,
        options,
    );
    suppressions.extend(data_suppressions);
    diagnostics.extend(problems);
    let mut files = Files::new(displays);
    for (id, text) in texts {
        files.set(id, text);
    }
    for id in boms {
        files.set_bom(id);
    }
    let diagnostics = report::finish(
        diagnostics,
        suppressions,
        |id| reported.get(id).copied().unwrap_or(false),
        &files,
        &options.config,
    );
    let report = Report {
        diagnostics,
        files,
        files_checked: discovered.files.iter().filter(|f| f.reported).count(),
        stats: Stats::default(),
        unfollowed: project.unfollowed.clone(),
    };
    (results, report)
}

/// The data files modules read become files of the report: a finding located in one (a role
/// written in a YAML file) shows its text, is reported when the module that decoded it is,
/// and is labelled at the call that decoded it. Its `# iamlint-ignore:` comments are
/// suppressions like a `.tf` file's: they are returned with the problems they have.
fn located_in_data(
    data: &DataFiles,
    displays: &mut Vec<String>,
    reported: &mut Vec<bool>,
    diagnostics: &mut [Diagnostic],
    texts: &mut BTreeMap<FileId, Kept>,
    options: &Options,
) -> (Vec<Suppression>, Vec<Diagnostic>) {
    let first = displays.len();
    let files = data.files();
    for file in &files {
        displays.push(file.display.clone());
        let by = file.reader.as_ref().map(|r| r.file);
        reported.push(by.is_some_and(|id| reported.get(id).copied().unwrap_or(false)));
    }
    for d in diagnostics.iter_mut() {
        // Fixes are written for Terraform's syntax, not YAML's.
        if d.fix.as_ref().is_some_and(|fix| {
            fix.edits.iter().any(|e| match e {
                Edit::Replace { file, .. } | Edit::RemoveElement { file, .. } => *file >= first,
            })
        }) {
            d.fix = None;
        }
        let Some(file) = d.primary.file.checked_sub(first).and_then(|i| files.get(i)) else {
            continue;
        };
        if let Some(reader) = &file.reader
            && !d
                .secondary
                .iter()
                .any(|l| l.file == reader.file && l.range == reader.range)
        {
            d.secondary.push(Label::new(
                reader.file,
                reader.range.clone(),
                "decoded from this file here",
            ));
        }
    }
    let mut suppressions = Vec::new();
    let mut problems = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let id = first + i;
        let mut commented = false;
        if file.reader.is_some() && file.text.contains("iamlint-ignore") {
            let (found, bad) =
                crate::suppress::collect(id, &file.text, &[], crate::suppress::Date::today());
            commented = !found.is_empty() || !bad.is_empty();
            suppressions.extend(found);
            problems.extend(bad);
        }
        if commented || diagnostics.iter().any(|d| d.files().any(|f| f == id)) {
            texts.insert(id, Kept::new(&file.text, !options.positions_only));
        }
    }
    (suppressions, problems)
}

/// The files a walk keeps the text of that start with a byte order mark.
fn boms<T>(walk: &Walk<T>, texts: &[(FileId, Kept)]) -> Vec<FileId> {
    walk.held
        .values()
        .flat_map(|parsed| &parsed.files)
        .filter(|f| f.bom && texts.iter().any(|(id, _)| *id == f.id))
        .map(|f| f.id)
        .collect()
}

/// A module read and parsed once, shared by the walks that reach it.
struct Parsed {
    files: Vec<ParsedFile>,
    /// Syntax errors and the like, reported once.
    diagnostics: Vec<Diagnostic>,
    suppressions: Vec<Suppression>,
    /// It has `output` blocks, so its callers may learn something from it.
    has_outputs: bool,
    /// Its variables' type constraints once read, shared by every context it is checked in,
    /// and freed with it.
    types: Arc<crate::eval::types::Cache>,
}

impl Parsed {
    /// `bytes`: the files as the project's scan read them, if it did.
    fn read(
        files: &[(FileId, Found)],
        overlay: &Overlay,
        bytes: Vec<Option<Vec<u8>>>,
        unfollowed: &crate::load::Unfollowed,
    ) -> Parsed {
        let refs: Vec<(FileId, &Found)> = files.iter().map(|(id, f)| (*id, f)).collect();
        let (files, diagnostics, suppressions) = parse_files(&refs, overlay, bytes, unfollowed);
        let has_outputs = files.iter().any(|p| {
            p.chunks
                .iter()
                .any(|c| c.body.blocks().any(|b| b.ident.as_str() == "output"))
                || p.pieces.iter().any(|piece| piece.output)
        });
        Parsed {
            files,
            diagnostics,
            suppressions,
            has_outputs,
            types: Arc::default(),
        }
    }
}

/// A module's parse while walks that reach it are under way: dropped when the last one is
/// over, read again if a walk the graph did not foresee needs it later.
struct Slot {
    parsed: Mutex<Option<Arc<Parsed>>>,
    uses_left: AtomicUsize,
    /// Its syntax errors and suppressions have been handed to a walk.
    emitted: AtomicBool,
}

struct Runner<'a, F> {
    project: &'a Project,
    slots: Vec<Slot>,
    vars: &'a [ParsedFile],
    overlay: &'a Overlay,
    cancel: Option<&'a AtomicBool>,
    f: &'a F,
    /// Files from this id on are in downloaded modules.
    first_downloaded: FileId,
    positions_only: bool,
    /// Files with the graph's own diagnostics, whose text the report needs.
    cycles: BTreeSet<FileId>,
    /// The data files modules read (`file("data/iam.yaml")`), ids after every other file.
    data: Arc<DataFiles>,
}

/// One context a module is checked in.
struct Context {
    /// `module.a["x"].module.b`: `None` for a root.
    call: Option<String>,
    inputs: Vec<(String, model::value::Val)>,
    /// The label its findings carry: at the innermost call in the user's code.
    site: Option<Label>,
    depth: usize,
}

/// What one walk from a root gathered.
struct WalkOut<T> {
    results: Vec<T>,
    diagnostics: Vec<Diagnostic>,
    suppressions: Vec<Suppression>,
    texts: Vec<(FileId, Kept)>,
    /// Files among `texts` that start with a byte order mark.
    boms: Vec<FileId>,
}

/// One walk's state.
struct Walk<T> {
    held: BTreeMap<usize, Arc<Parsed>>,
    /// Modules already extracted in a called context during this walk (see
    /// [`Runner::extract_in`]).
    extracted: Vec<Extracted>,
    /// The modules being checked, outermost first: a call back into one is not followed.
    stack: Vec<usize>,
    runs: usize,
    results: Vec<T>,
    diagnostics: Vec<Diagnostic>,
    suppressions: Vec<Suppression>,
}

/// A module extracted in a called context, with what the extraction depended on: the same
/// module in the same context, from the same stack of callers, extracts the same. A walk
/// extracts a called module once for its outputs (its caller's inputs) and again to check it.
struct Extracted {
    module: usize,
    call: Option<String>,
    depth: usize,
    inputs: Vec<(String, model::value::Val)>,
    stack: Vec<usize>,
    /// The runs it took (its calls' extractions included), counted again when it is reused.
    runs: usize,
    result: model::Module,
}

impl<T> Walk<T> {
    fn new() -> Walk<T> {
        Walk {
            held: BTreeMap::new(),
            extracted: Vec::new(),
            stack: Vec::new(),
            runs: 0,
            results: Vec::new(),
            diagnostics: Vec::new(),
            suppressions: Vec::new(),
        }
    }
}

impl<F> Runner<'_, F> {
    /// The parse of a module, held until the walk ends; its syntax errors go to the first walk
    /// that reads it.
    fn acquire<T>(&self, walk: &mut Walk<T>, module: usize) -> Arc<Parsed> {
        if let Some(parsed) = walk.held.get(&module) {
            return parsed.clone();
        }
        let slot = &self.slots[module];
        let parsed = {
            let mut guard = slot.parsed.lock().unwrap_or_else(|e| e.into_inner());
            guard
                .get_or_insert_with(|| {
                    // Calls the graph does not follow: [`Runner::target`] finds no module for
                    // them, so their inputs are read by nothing.
                    let unfollowed = self.project.calls[module]
                        .iter()
                        .filter(|c| !matches!(c.target, Target::Module(_)))
                        .map(|c| (c.file, c.name.clone()))
                        .collect();
                    Arc::new(Parsed::read(
                        &self.project.modules[module].files,
                        self.overlay,
                        self.project.take_bytes(module),
                        &unfollowed,
                    ))
                })
                .clone()
        };
        if !slot.emitted.swap(true, Ordering::AcqRel) {
            walk.diagnostics.extend(parsed.diagnostics.iter().cloned());
            walk.suppressions
                .extend(parsed.suppressions.iter().cloned());
        }
        walk.held.insert(module, parsed.clone());
        parsed
    }

    /// A walk is over with a module: the last one releases its parse.
    fn release(&self, module: usize) {
        let slot = &self.slots[module];
        let before = slot
            .uses_left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                Some(n.saturating_sub(1))
            })
            .unwrap_or(0);
        if before <= 1 {
            slot.parsed.lock().unwrap_or_else(|e| e.into_inner()).take();
        }
    }

    /// The texts a walk's diagnostics and suppressions point into.
    fn texts<T>(&self, walk: &Walk<T>) -> Vec<(FileId, Kept)> {
        let needed: BTreeSet<FileId> = walk
            .diagnostics
            .iter()
            .flat_map(Diagnostic::files)
            .chain(walk.suppressions.iter().map(Suppression::file))
            .chain(self.cycles.iter().copied())
            .collect();
        let mut out = Vec::new();
        for parsed in walk.held.values() {
            for file in &parsed.files {
                if needed.contains(&file.id) {
                    out.push((file.id, Kept::new(&file.text, !self.positions_only)));
                }
            }
        }
        out
    }

    /// A context's findings into the walk: labels in `.tf.json` files of the modules the walk
    /// holds mapped into the JSON, and the context's call labelled.
    fn record<T>(&self, walk: &mut Walk<T>, mut diags: Vec<Diagnostic>, context: &Context) {
        for parsed in walk.held.values() {
            if parsed.files.iter().any(|f| f.map.is_some()) {
                map_json_labels(&parsed.files, &mut diags);
            }
        }
        if let Some(site) = &context.site {
            for d in &mut diags {
                d.secondary.push(site.clone());
            }
        }
        // The first findings are moved, not copied: a huge module's findings are not held twice.
        if walk.diagnostics.is_empty() {
            walk.diagnostics = diags;
        } else {
            walk.diagnostics.extend(diags);
        }
    }
}

impl<T, F> Runner<'_, F>
where
    T: Send,
    F: Fn(&model::Module) -> (T, Vec<Diagnostic>) + Sync,
{
    /// Checks a root and, through its calls, every module it reaches.
    fn walk(&self, root: usize) -> WalkOut<T> {
        let mut walk = Walk::new();
        let context = Context {
            call: None,
            inputs: Vec::new(),
            site: None,
            depth: 0,
        };
        self.check_module(&mut walk, root, &context);
        let texts = self.texts(&walk);
        let boms = boms(&walk, &texts);
        for &module in walk.held.keys() {
            self.release(module);
        }
        WalkOut {
            results: walk.results,
            diagnostics: walk.diagnostics,
            suppressions: walk.suppressions,
            texts,
            boms,
        }
    }

    /// A module that no walk read: only its syntax errors and suppressions.
    fn read_only(&self, module: usize) -> WalkOut<T> {
        let mut walk: Walk<T> = Walk::new();
        self.acquire(&mut walk, module);
        let texts = self.texts(&walk);
        let boms = boms(&walk, &texts);
        self.release(module);
        WalkOut {
            results: Vec::new(),
            diagnostics: walk.diagnostics,
            suppressions: walk.suppressions,
            texts,
            boms,
        }
    }

    fn source<'p>(&'p self, parsed: &'p Parsed, context: &Context) -> ModuleSource<'p> {
        ModuleSource {
            files: parsed.files.iter().map(source_of).collect(),
            // `--var-file` values are for the root modules, like Terraform's.
            var_files: match context.call {
                None => self.vars.iter().map(source_of).collect(),
                Some(_) => Vec::new(),
            },
            inputs: context.inputs.clone(),
            call: context.call.clone(),
            plan: false,
            called_by_others: false,
            module_outputs: Vec::new(),
            data: Some(self.data.clone()),
            root_dir: None,
            types: Some(parsed.types.clone()),
        }
    }

    /// The module a call of `module` resolves to, unless following it would loop.
    fn target(&self, walk: &Walk<T>, module: usize, call: &model::ModuleCall) -> Option<usize> {
        let target = self.project.calls[module]
            .iter()
            .find(|c| c.name == call.name && c.file == call.file)
            .map(|c| c.target)
            .or_else(|| {
                // A call the lexical scan did not see: local sources only.
                project::is_local(&call.source)
                    .then(|| {
                        let dir = crate::util::paths::normalize(
                            &self.project.modules[module].dir.join(&call.source),
                        );
                        self.project.module_of(&dir).map(Target::Module)
                    })
                    .flatten()
            })?;
        match target {
            Target::Module(j) if j != module && !walk.stack.contains(&j) => Some(j),
            _ => None,
        }
    }

    /// The context of a call made in `context`.
    fn child(&self, context: &Context, call: &model::ModuleCall) -> Context {
        let here = format!(
            "module.{}{}",
            call.name,
            call.instance.as_deref().unwrap_or("")
        );
        let address = match &context.call {
            None => here,
            Some(outer) => format!("{outer}.{here}"),
        };
        let text = format!("{CONTEXT_LABEL}`{address}`");
        // The label stays in the user's code: a call inside a downloaded module is shown at
        // the call that reached it.
        let site = if call.file < self.first_downloaded {
            Some(Label::new(call.file, call.name_label.clone(), text))
        } else {
            context.site.as_ref().map(|site| Label {
                message: text,
                ..site.clone()
            })
        };
        Context {
            call: Some(address),
            inputs: call.inputs.clone(),
            site,
            depth: context.depth + 1,
        }
    }

    /// The known outputs of the calls of a module (not of `count`/`for_each` calls), each
    /// with that call's inputs, followed to any depth.
    fn call_outputs(
        &self,
        walk: &mut Walk<T>,
        module: usize,
        extracted: &model::Module,
        context: &Context,
    ) -> Vec<(String, Vec<(String, model::value::Val)>)> {
        let mut out = Vec::new();
        if context.depth >= MAX_DEPTH {
            return out;
        }
        // Calls some instance of which was not read: their instances are not a whole
        // collection (`module.sa` is unknown), though each known one still is.
        let mut partial: BTreeSet<&str> = BTreeSet::new();
        for call in &extracted.calls {
            let Some(target) = self.target(walk, module, call) else {
                partial.insert(&call.name);
                continue;
            };
            if walk.runs >= MAX_RUNS {
                partial.insert(&call.name);
                continue;
            }
            if !self.acquire(walk, target).has_outputs {
                continue;
            }
            let child = self.child(context, call);
            walk.stack.push(module);
            let outputs = self.outputs_of(walk, target, &child);
            walk.stack.pop();
            if !outputs.is_empty() {
                // An instance is known by its key: `organization[0]`, `sa["ci"]`.
                let name = format!("{}{}", call.name, call.instance.as_deref().unwrap_or(""));
                out.push((name, outputs));
            }
        }
        for name in partial {
            // Marks the call: no collection of its instances is built.
            out.push((format!("{name}[?]"), Vec::new()));
        }
        out
    }

    /// Extracts a module again with what the modules it calls export, until that stops
    /// growing: an input of one call may be an output of another (a few rounds at most).
    fn with_outputs<'p>(
        &'p self,
        walk: &mut Walk<T>,
        module: usize,
        source: &mut ModuleSource<'p>,
        extracted: &mut model::Module,
        context: &Context,
    ) {
        let mut known = 0;
        for _ in 0..4 {
            let outputs = self.call_outputs(walk, module, extracted, context);
            let now: usize = outputs
                .iter()
                .flat_map(|(_, o)| o)
                .filter(|(_, v)| !v.is_unknown())
                .count();
            if now <= known {
                return;
            }
            known = now;
            source.module_outputs = outputs;
            *extracted = model::extract(source);
        }
    }

    /// What a module exports in a context.
    fn outputs_of(
        &self,
        walk: &mut Walk<T>,
        module: usize,
        context: &Context,
    ) -> Vec<(String, model::value::Val)> {
        self.extract_in(walk, module, context).1.outputs
    }

    /// A module's model in a context, with what the modules it calls export.
    fn extract_in(
        &self,
        walk: &mut Walk<T>,
        module: usize,
        context: &Context,
    ) -> (Arc<Parsed>, model::Module) {
        let start = walk.runs;
        let found = walk.extracted.iter().find(|e| {
            e.module == module
                && e.call == context.call
                && e.depth == context.depth
                && e.stack == walk.stack
                && e.inputs == context.inputs
        });
        // Reused only when extracting it again could not have met the limit on runs either.
        if let Some(e) = found
            && start + e.runs < MAX_RUNS
        {
            let (runs, result) = (e.runs, e.result.clone());
            walk.runs += runs;
            return (self.acquire(walk, module), result);
        }
        walk.runs += 1;
        let parsed = self.acquire(walk, module);
        let mut source = self.source(&parsed, context);
        // Relative paths in file functions are relative to the root module of the walk.
        source.root_dir = walk
            .stack
            .first()
            .map(|&root| self.project.modules[root].dir.clone());
        let mut extracted = model::extract(&source);
        self.with_outputs(walk, module, &mut source, &mut extracted, context);
        drop(source);
        if context.call.is_some() && walk.runs < MAX_RUNS {
            walk.extracted.push(Extracted {
                module,
                call: context.call.clone(),
                depth: context.depth,
                inputs: context.inputs.clone(),
                stack: walk.stack.clone(),
                runs: walk.runs - start,
                result: extracted.clone(),
            });
        }
        (parsed, extracted)
    }

    /// Checks a module in one context, then the modules it calls with their inputs. Returns
    /// the workloads (its own and its callees') whose identity came from its callers, for the
    /// caller's view across modules.
    fn check_module(
        &self,
        walk: &mut Walk<T>,
        module: usize,
        context: &Context,
    ) -> Vec<model::Workload> {
        if self.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Vec::new();
        }
        let (parsed, mut extracted) = self.extract_in(walk, module, context);
        let (result, diags) = (self.f)(&extracted);
        walk.results.push(result);
        self.record(walk, diags, context);

        let mut callee_workloads = Vec::new();
        if context.depth < MAX_DEPTH {
            walk.stack.push(module);
            for call in &extracted.calls {
                if walk.runs >= MAX_RUNS {
                    break;
                }
                if let Some(target) = self.target(walk, module, call) {
                    let child = self.child(context, call);
                    callee_workloads.extend(self.check_module(walk, target, &child));
                }
            }
            walk.stack.pop();
        }

        // Workloads whose identity was set outside this module: the caller's to compare.
        let given = |slot: &model::IdentitySlot| match &slot.state {
            model::SlotState::Set { val, sa } => {
                slot.runtime
                    && matches!(
                        sa,
                        model::principal::SaRef::Resource(_) | model::principal::SaRef::Email(_)
                    )
                    && !parsed.files.iter().any(|f| f.id == val.loc.file)
            }
            _ => false,
        };
        let from_outside = |w: &model::Workload| w.slots.iter().any(given);
        let mut for_caller = Vec::new();
        if let Some(call) = &context.call {
            let dir = self.project.modules[module].dir.display().to_string();
            let prefix = format!("{call}.");
            for workload in extracted.workloads.iter().filter(|w| from_outside(w)) {
                let mut workload = workload.clone();
                workload.slots.retain(given);
                // Calls of one module are replicas of one process (the same service in two
                // regions): the same workload of the module is one process whatever the call.
                // Keyed by the workload's place in the module, not by its image: every call's
                // instance is the same process even when the calls run different images.
                workload.image = None;
                let process = workload
                    .process
                    .strip_prefix(&prefix)
                    .unwrap_or(&workload.process)
                    .to_string();
                workload.process = format!("{dir}#{process}");
                for_caller.push(workload);
            }
            for_caller.extend(callee_workloads.iter().filter(|w| from_outside(w)).cloned());
        }
        // The module with the workloads of its calls that it gave an identity: one account
        // used by workloads in different modules (see `Module::estate`).
        if !callee_workloads.is_empty() {
            let mut workloads = std::mem::take(&mut extracted.workloads);
            workloads.extend(callee_workloads);
            let estate = model::Module {
                workloads,
                service_accounts: std::mem::take(&mut extracted.service_accounts),
                estate: true,
                ..model::Module::default()
            };
            let (_, diags) = (self.f)(&estate);
            self.record(walk, diags, context);
        }
        for_caller
    }
}
