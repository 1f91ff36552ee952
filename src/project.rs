//! The module graph, built before any rule runs (TFLint's model: load the roots, walk their
//! calls, then check). A module is the `.tf` files of one directory. The graph holds every
//! module found, every `module` block with its `source` and the module it resolves to, the
//! roots (modules nobody in the scan calls), and how many roots reach each module.
//!
//! Calls are found by a lexical scan of the files (cheap next to parsing, so the syntax trees of
//! a called module can be shared by its callers and dropped after the last one). A local source
//! (`./x`, `../x`) resolves to that directory. A registry or git source resolves through
//! `.terraform/modules/modules.json` beside the root that reaches it, as `terraform init` wrote
//! it: the downloaded directory becomes a module of the graph. Nothing is ever fetched.

use crate::diagnostic::{Diagnostic, FileId, Label, Severity};
use crate::discover::Found;
use crate::util::paths::normalize;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::registry::MODULE_CYCLE;

/// The file bytes the scan keeps for the parse, at most: the first files scanned are read once,
/// the others twice. All of them (93 MB on the real corpus of bench/README.md) would double the
/// peak memory, since the scan is over before the first parse.
const KEEP_BYTES: usize = 48 << 20;

/// Files in one downloaded module directory read at most; a module that has more is cut.
const MAX_DOWNLOADED_FILES: usize = 10_000;

/// The bytes of a module's files, in its files' order: `None` for one not kept.
pub type FileBytes = Vec<Option<Vec<u8>>>;

/// One module: the files of one directory.
#[derive(Debug)]
pub struct ModuleDir {
    /// The directory as displayed: `modules/run`, `envs/prod/.terraform/modules/iam`.
    pub dir: PathBuf,
    pub files: Vec<(FileId, Found)>,
    /// Not found by the walk: downloaded by `terraform init` (through `modules.json`), or a
    /// directory a local call names outside the paths checked.
    pub downloaded: bool,
}

/// A `module` block as the lexical scan found it, and what it resolves to.
#[derive(Clone, Debug)]
pub struct Call {
    pub name: String,
    pub source: String,
    pub file: FileId,
    /// The name label, with its quotes.
    pub label: Range<usize>,
    /// The 1-based line of the label.
    pub line: usize,
    pub target: Target,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The module (index into [`Project::modules`]).
    Module(usize),
    /// A registry or git source that no `modules.json` maps: `terraform init` has not run.
    NotInstalled,
    /// A local path with no Terraform files in the scan.
    Missing,
    /// A call back into a module that is already calling it: not followed.
    Cycle,
}

/// A module call that could not be followed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Unfollowed {
    /// `envs/prod/main.tf:12`
    pub at: String,
    pub name: String,
    pub source: String,
    /// A registry or git source with no `terraform init` copy; otherwise a local path that is
    /// not among the paths checked.
    pub not_installed: bool,
}

/// The graph.
#[derive(Debug, Default)]
pub struct Project {
    pub modules: Vec<ModuleDir>,
    /// Per module: its calls in file and offset order.
    pub calls: Vec<Vec<Call>>,
    /// Modules nobody in the scan calls, in directory order; each is checked on its own and
    /// reaches its callees with its inputs.
    pub roots: Vec<usize>,
    /// Per module: how many roots reach it (a root reaches itself).
    pub uses: Vec<usize>,
    /// Per module: the first root that reaches it, which reports its syntax errors.
    pub owner: Vec<Option<usize>>,
    /// Files of downloaded and context modules, with ids after the walk's.
    pub extra_files: Vec<Found>,
    /// Cycles, at the call that closes them.
    pub diagnostics: Vec<Diagnostic>,
    /// Registry and git calls with no downloaded copy.
    pub unfollowed: Vec<Unfollowed>,
    /// Per module: the bytes of its files as the scan read them (`None` for one it could not
    /// read), until the engine takes them to parse: each file is read once.
    pub bytes: Vec<std::sync::Mutex<FileBytes>>,
    /// Each module's index by its directory.
    by_dir: HashMap<PathBuf, usize>,
}

impl Project {
    /// The bytes the scan read of a module's files, in its files' order; the first call only.
    pub fn take_bytes(&self, module: usize) -> FileBytes {
        self.bytes.get(module).map_or_else(Vec::new, |b| {
            std::mem::take(&mut *b.lock().unwrap_or_else(|e| e.into_inner()))
        })
    }

    pub fn module_of(&self, dir: &Path) -> Option<usize> {
        self.by_dir.get(dir).copied()
    }
}

/// `terraform init`'s record of the modules it installed.
#[derive(serde::Deserialize)]
struct ModulesJson {
    #[serde(rename = "Modules", default)]
    modules: Vec<InstalledModule>,
}

#[derive(serde::Deserialize)]
struct InstalledModule {
    #[serde(rename = "Key", default)]
    key: String,
    #[serde(rename = "Dir", default)]
    dir: String,
}

/// The key -> directory map of a root's `.terraform/modules/modules.json`, directories
/// relative to the root as displayed. Empty when there is none or it cannot be read, or
/// when the walk listed `root_path` and saw no `.terraform` there (`uninitialised`).
fn installed(
    root: &Path,
    root_path: &Path,
    uninitialised: &HashSet<PathBuf>,
) -> HashMap<String, PathBuf> {
    if uninitialised.contains(root_path) {
        return HashMap::new();
    }
    let path = root_path.join(".terraform/modules/modules.json");
    let Ok(bytes) = std::fs::read(&path) else {
        return HashMap::new();
    };
    let Ok(json) = serde_json::from_slice::<ModulesJson>(&bytes) else {
        return HashMap::new();
    };
    json.modules
        .into_iter()
        .filter(|m| !m.key.is_empty())
        .map(|m| (m.key, normalize(&root.join(&m.dir))))
        .collect()
}

/// Builds the graph of the files the walk found (ids in `files` order; `first_free` is the
/// first id not yet used, for the files of downloaded and context modules). Context modules are
/// read only inside `within` (canonical directories: the paths checked and the working
/// directory). Files are read through `overlay` (see [`crate::load::Overlay`]).
/// `uninitialised`: directories the walk saw without `.terraform`
/// ([`crate::discover::Discovered::uninitialised`]), where no `modules.json` is looked for.
pub fn build(
    files: &[Found],
    first_free: FileId,
    within: &[PathBuf],
    overlay: &crate::load::Overlay,
    uninitialised: &HashSet<PathBuf>,
) -> Project {
    // Grouped by the cleaned path, so `main.tf` and `./iam.tf` are one module; by the text of
    // the directory first (paths compare slowly, component by component), then in path order.
    let mut groups: HashMap<&str, Vec<(FileId, Found)>> = HashMap::new();
    for (id, found) in files.iter().enumerate() {
        let dir = Path::new(&found.display)
            .parent()
            .and_then(Path::to_str)
            .unwrap_or_default();
        groups.entry(dir).or_default().push((id, found.clone()));
    }
    let mut groups: Vec<(PathBuf, Vec<(FileId, Found)>)> = groups
        .into_iter()
        .map(|(dir, files)| (PathBuf::from(dir), files))
        .collect();
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let mut project = Project {
        modules: groups
            .into_iter()
            .map(|(dir, files)| ModuleDir {
                dir,
                files,
                downloaded: false,
            })
            .collect(),
        ..Project::default()
    };
    let budget = AtomicUsize::new(KEEP_BYTES);
    let scans: Vec<(Vec<Call>, FileBytes)> = project
        .modules
        .par_iter()
        .map(|m| scan_module(m, overlay, &budget))
        .collect();
    let (scans, bytes): (Vec<Vec<Call>>, Vec<_>) = scans.into_iter().unzip();
    project.bytes = bytes.into_iter().map(std::sync::Mutex::new).collect();
    let mut by_dir: HashMap<PathBuf, usize> = project
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.dir.clone(), i))
        .collect();

    // Local calls first: they decide which walked modules are roots.
    project.calls = scans;
    for i in 0..project.modules.len() {
        resolve_local(&mut project, i, &by_dir);
    }
    let mut called = vec![false; project.modules.len()];
    for calls in &project.calls {
        for call in calls {
            if let Target::Module(j) = call.target {
                called[j] = true;
            }
        }
    }

    let mut next_id = first_free;
    // Each module's own `modules.json`, read once, for modules initialised as roots themselves.
    let mut own_json: HashMap<usize, HashMap<String, PathBuf>> = HashMap::new();
    let walked = project.modules.len();
    let mut roots: Vec<usize> = (0..walked).filter(|&i| !called[i]).collect();
    let mut owner: Vec<Option<usize>> = vec![None; walked];
    let mut uses: Vec<usize> = vec![0; walked];
    // Keys (`a.b`) under which a module was reached, for the registry calls it makes.
    let mut keys: Vec<Option<String>> = vec![None; walked];

    let mut next_root = 0;
    loop {
        // Walked modules no root reaches (only in cycles) become roots too, in order.
        if next_root == roots.len() {
            match (0..walked).find(|&i| owner[i].is_none()) {
                Some(i) => roots.push(i),
                None => break,
            }
        }
        let root = roots[next_root];
        next_root += 1;
        let root_dir = project.modules[root].dir.clone();
        let root_path = project.modules[root]
            .files
            .first()
            .and_then(|(_, f)| f.path.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        // Read when a registry or git call first needs it: most roots have none.
        let mut json: Option<HashMap<String, PathBuf>> = None;
        // Iterative depth-first walk; `on_stack` finds cycles.
        let mut seen: HashMap<usize, bool> = HashMap::new(); // module -> still on the stack
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        seen.insert(root, true);
        keys[root].get_or_insert_with(String::new);
        visit_first(root, root, &mut owner, &mut uses);
        while let Some(&mut (module, ref mut next)) = stack.last_mut() {
            let Some(call) = project.calls[module].get(*next).cloned() else {
                seen.insert(module, false);
                stack.pop();
                continue;
            };
            *next += 1;
            let index = *next - 1;
            let key = match keys[module].as_deref() {
                Some("") | None => call.name.clone(),
                Some(k) => format!("{k}.{}", call.name),
            };
            let target = match call.target {
                Target::Cycle | Target::Module(_) => call.target,
                Target::NotInstalled | Target::Missing => {
                    let dir = if is_local(&call.source) {
                        // A local call inside a downloaded module: its directory is there too.
                        Some(normalize(&project.modules[module].dir.join(&call.source)))
                    } else {
                        json.get_or_insert_with(|| installed(&root_dir, &root_path, uninitialised))
                            .get(&key)
                            .cloned()
                            .or_else(|| {
                                // A module that was initialised as a root of its own.
                                own_json
                                    .entry(module)
                                    .or_insert_with(|| {
                                        let m = &project.modules[module];
                                        m.files
                                            .first()
                                            .and_then(|(_, f)| f.path.parent())
                                            .map(|p| installed(&m.dir, p, uninitialised))
                                            .unwrap_or_default()
                                    })
                                    .get(&call.name)
                                    .cloned()
                            })
                    };
                    match dir {
                        None => call.target,
                        Some(dir) => match by_dir.get(&dir) {
                            Some(&j) => Target::Module(j),
                            None => {
                                // A downloaded module, or (for a local call) a directory the walk
                                // did not reach, read as unreported context.
                                let files = if is_download(&dir) {
                                    downloaded_files(&dir, &root_dir, &root_path)
                                } else if is_local(&call.source) {
                                    context_files(
                                        &project.modules[module],
                                        &call.source,
                                        &dir,
                                        within,
                                    )
                                } else {
                                    Vec::new()
                                };
                                if files.is_empty() {
                                    call.target
                                } else {
                                    let files: Vec<(FileId, Found)> = files
                                        .into_iter()
                                        .map(|f| {
                                            next_id += 1;
                                            (next_id - 1, f)
                                        })
                                        .collect();
                                    let m = ModuleDir {
                                        dir: dir.clone(),
                                        files,
                                        downloaded: true,
                                    };
                                    let (calls, bytes) = scan_module(&m, overlay, &budget);
                                    let j = project.modules.len();
                                    project.modules.push(m);
                                    project.calls.push(calls);
                                    project.bytes.push(std::sync::Mutex::new(bytes));
                                    owner.push(None);
                                    uses.push(0);
                                    keys.push(Some(key.clone()));
                                    by_dir.insert(dir, j);
                                    // Its own local calls.
                                    resolve_local(&mut project, j, &by_dir);
                                    Target::Module(j)
                                }
                            }
                        },
                    }
                }
            };
            let target = match target {
                Target::Module(j) if seen.get(&j) == Some(&true) => Target::Cycle,
                other => other,
            };
            project.calls[module][index].target = target;
            if let Target::Module(j) = target
                && !seen.contains_key(&j)
            {
                seen.insert(j, true);
                keys[j].get_or_insert(key);
                visit_first(j, root, &mut owner, &mut uses);
                stack.push((j, 0));
            }
        }
    }
    // Calls that stayed unresolved in every walk.
    for (i, calls) in project.calls.iter().enumerate() {
        for call in calls {
            if matches!(call.target, Target::NotInstalled | Target::Missing) {
                let found = project.modules[i]
                    .files
                    .iter()
                    .find(|(id, _)| *id == call.file);
                let at =
                    found.map_or_else(String::new, |(_, f)| format!("{}:{}", f.display, call.line));
                project.unfollowed.push(Unfollowed {
                    at,
                    name: call.name.clone(),
                    source: call.source.clone(),
                    not_installed: call.target == Target::NotInstalled,
                });
            }
        }
    }
    project.unfollowed.sort();
    for (i, calls) in project.calls.iter().enumerate() {
        for call in calls.iter().filter(|c| c.target == Target::Cycle) {
            let own = is_local(&call.source)
                && normalize(&project.modules[i].dir.join(&call.source)) == project.modules[i].dir;
            let (message, label) = if own {
                (
                    format!(
                        "module `{}` names its own directory as its source",
                        call.name
                    ),
                    "this module",
                )
            } else {
                (
                    format!(
                        "module `{}` calls a module that is already calling this one",
                        call.name
                    ),
                    "closes a cycle of module calls",
                )
            };
            project.diagnostics.push(
                Diagnostic::new(
                    MODULE_CYCLE,
                    Severity::Error,
                    Label::new(call.file, call.label.clone(), label),
                    message,
                )
                .note("iamlint does not follow this call; `terraform init` rejects it")
                .help("a module cannot contain itself: point `source` at another directory"),
            );
        }
    }
    project.by_dir = by_dir;
    project.roots = roots;
    project.uses = uses;
    project.owner = owner;
    project.extra_files = project
        .modules
        .iter()
        .filter(|m| m.downloaded)
        .flat_map(|m| m.files.iter().map(|(_, f)| f.clone()))
        .collect();
    project
}

fn visit_first(module: usize, root: usize, owner: &mut [Option<usize>], uses: &mut [usize]) {
    owner[module].get_or_insert(root);
    uses[module] += 1;
}

fn resolve_local(project: &mut Project, i: usize, by_dir: &HashMap<PathBuf, usize>) {
    let dir = project.modules[i].dir.clone();
    for call in &mut project.calls[i] {
        if is_local(&call.source) {
            let target = normalize(&dir.join(&call.source));
            call.target = match by_dir.get(&target) {
                Some(&j) if j == i => Target::Cycle,
                Some(&j) => Target::Module(j),
                None => Target::Missing,
            };
        }
    }
}

pub fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// A directory under some `.terraform/modules/`: only there does iamlint read modules that
/// the walk did not find.
fn is_download(dir: &Path) -> bool {
    let parts: Vec<&std::ffi::OsStr> = dir.iter().collect();
    parts
        .windows(2)
        .any(|w| w[0] == ".terraform" && w[1] == "modules")
        && !parts.iter().any(|p| *p == "..")
}

/// The files of a module a local call names but the walk did not find, as unreported context,
/// when its directory is inside `within`.
fn context_files(caller: &ModuleDir, source: &str, dir: &Path, within: &[PathBuf]) -> Vec<Found> {
    let Some(real) = caller
        .files
        .first()
        .and_then(|(_, f)| f.path.parent())
        .map(|p| p.join(source))
    else {
        return Vec::new();
    };
    let Ok(canonical) = real.canonicalize() else {
        return Vec::new();
    };
    if !within.iter().any(|w| canonical.starts_with(w)) || !canonical.is_dir() {
        return Vec::new();
    }
    let mut files = module_files(&real, dir);
    for f in &mut files {
        f.reported = false;
    }
    files
}

/// The `.tf` and `.tf.json` files of a downloaded module directory (not its subdirectories),
/// in name order. `dir` is as displayed; the root's display and real path map it to disk.
fn downloaded_files(dir: &Path, root: &Path, root_path: &Path) -> Vec<Found> {
    let Ok(relative) = dir.strip_prefix(root) else {
        return Vec::new();
    };
    module_files(&root_path.join(relative), dir)
}

/// The `.tf` and `.tf.json` files of a directory on disk (`real`), not its subdirectories, in
/// name order, displayed under `dir`.
fn module_files(real: &Path, dir: &Path) -> Vec<Found> {
    let Ok(entries) = std::fs::read_dir(real) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tf") || n.ends_with(".tf.json"))
        .collect();
    names.sort();
    names.truncate(MAX_DOWNLOADED_FILES);
    names
        .into_iter()
        .map(|name| Found {
            path: real.join(&name),
            display: crate::util::paths::display_path(&dir.join(&name)),
            reported: true,
        })
        .collect()
}

/// The `module` blocks of a module's files, and the bytes of each file while `budget` lasts
/// (kept for the parse, so that the file is not read again).
fn scan_module(
    module: &ModuleDir,
    overlay: &crate::load::Overlay,
    budget: &AtomicUsize,
) -> (Vec<Call>, FileBytes) {
    let mut out = Vec::new();
    let mut read = Vec::with_capacity(module.files.len());
    for (id, found) in &module.files {
        let Ok(bytes) = crate::load::read(&found.path, overlay) else {
            read.push(None);
            continue;
        };
        scan_file(*id, found, &bytes, &mut out);
        let keep = budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(bytes.len())
            })
            .is_ok();
        read.push(keep.then_some(bytes));
    }
    (out, read)
}

/// The `module` blocks of one file.
fn scan_file(id: FileId, found: &Found, bytes: &[u8], out: &mut Vec<Call>) {
    let json = found.display.ends_with(".tf.json");
    // Most files call no module.
    let maybe = if json {
        memchr::memmem::find(bytes, b"\"module\"").is_some()
    } else {
        has_module_header(bytes)
    };
    if !maybe {
        return;
    }
    let text = String::from_utf8_lossy(bytes);
    let calls = if json {
        scan_json(&text)
    } else {
        scan_native(&text)
    };
    out.extend(calls.into_iter().map(|(name, label, source)| Call {
        name,
        source,
        file: id,
        line: memchr::memchr_iter(b'\n', &text.as_bytes()[..label.start]).count() + 1,
        label,
        target: Target::NotInstalled,
    }));
}

/// A line that starts (after blanks) with `module` and a quote: the cheap test before a scan.
fn has_module_header(bytes: &[u8]) -> bool {
    memchr::memmem::find_iter(bytes, b"module").any(|at| {
        let line_start = bytes[..at]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |p| p + 1);
        bytes[line_start..at]
            .iter()
            .all(|c| *c == b' ' || *c == b'\t')
            && bytes[at + 6..].iter().find(|c| **c != b' ' && **c != b'\t') == Some(&b'"')
    })
}

/// `module "NAME" { ... source = "S" ... }` at the top level of native syntax: the name, the
/// range of its label, the source. A lexical scan that skips strings, comments and heredocs.
fn scan_native(text: &str) -> Vec<(String, Range<usize>, String)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    // The module block being read: its name, label, and depth inside.
    let mut current: Option<(String, Range<usize>)> = None;
    let mut line_start = true;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |p| i + p);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |p| i + p);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |p| i + 2 + p + 2);
                continue;
            }
            b'"' => {
                i = skip_string(b, i);
                line_start = false;
                continue;
            }
            b'<' if b.get(i + 1) == Some(&b'<') => {
                i = skip_heredoc(b, i);
                continue;
            }
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    current = None;
                }
            }
            _ if line_start && c.is_ascii_alphabetic() => {
                let end = i + b[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'-')
                    .count();
                let word = &text[i..end];
                if depth == 0 && word == "module" {
                    if let Some((name, label, after)) = module_header(text, end) {
                        current = Some((name, label));
                        depth = 1;
                        i = after;
                        line_start = false;
                        continue;
                    }
                } else if depth == 1
                    && word == "source"
                    && let Some((name, label)) = &current
                    && let Some(source) = assigned_string(text, end)
                {
                    out.push((name.clone(), label.clone(), source));
                    current = None;
                }
                i = end;
                line_start = false;
                continue;
            }
            _ => {}
        }
        line_start = false;
        i += 1;
    }
    out
}

/// After `module`: ` "NAME" {` -> the name, its label range, the offset after `{`.
fn module_header(text: &str, at: usize) -> Option<(String, Range<usize>, usize)> {
    let b = text.as_bytes();
    let mut i = at;
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let start = i;
    let end = start + 1 + text[start + 1..].find(['"', '\n'])?;
    if b[end] != b'"' {
        return None;
    }
    let name = text[start + 1..end].to_string();
    let mut j = end + 1;
    while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
        j += 1;
    }
    (b.get(j) == Some(&b'{')).then(|| (name, start..end + 1, j + 1))
}

/// After `source`: ` = "S"` -> S, when it is a plain string.
fn assigned_string(text: &str, at: usize) -> Option<String> {
    let rest = text[at..].trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix('=')?.trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix('"')?;
    let end = rest.find(['"', '\n', '$'])?;
    (rest.as_bytes()[end] == b'"').then(|| rest[..end].to_string())
}

fn skip_string(b: &[u8], at: usize) -> usize {
    let mut i = at + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' | b'\n' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// `<<EOT` or `<<-EOT` ... `EOT` on a line of its own.
fn skip_heredoc(b: &[u8], at: usize) -> usize {
    let mut i = at + 2;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        i += 1;
    }
    if i == start {
        return at + 2;
    }
    let marker = &b[start..i];
    let mut line = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |p| i + p + 1);
    while line < b.len() {
        let end = memchr::memchr(b'\n', &b[line..]).map_or(b.len(), |p| line + p);
        let trimmed = b[line..end].trim_ascii();
        if trimmed == marker {
            return end;
        }
        line = end + 1;
    }
    b.len()
}

/// The `module` object of a `.tf.json` file.
fn scan_json(text: &str) -> Vec<(String, Range<usize>, String)> {
    let Ok(serde_json::Value::Object(top)) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let Some(serde_json::Value::Object(modules)) = top.get("module") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, body) in modules {
        let bodies: Vec<&serde_json::Value> = match body {
            serde_json::Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for body in bodies {
            if let Some(source) = body.get("source").and_then(|s| s.as_str()) {
                let quoted = format!("\"{name}\"");
                let at = text
                    .find("\"module\"")
                    .and_then(|m| text[m..].find(&quoted).map(|p| m + p))
                    .unwrap_or(0);
                out.push((name.clone(), at..at + quoted.len(), source.to_string()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_module_blocks_and_their_sources() {
        let text = r#"
# module "commented" { source = "./no" }
module "a" {
  # source = "./not-this"
  count  = 1
  tags   = { source = "./nested" }
  source = "./modules/a"
}
locals {
  x = <<EOT
module "in_heredoc" {
  source = "./no"
}
EOT
}
module "reg" {
  source  = "terraform-google-modules/iam/google//modules/projects_iam"
  version = "~> 8.0"
}
resource "x" "y" {
  module "not_top" { source = "./no" }
}
"#;
        let found = scan_native(text);
        let names: Vec<(&str, &str)> = found
            .iter()
            .map(|(n, _, s)| (n.as_str(), s.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("a", "./modules/a"),
                (
                    "reg",
                    "terraform-google-modules/iam/google//modules/projects_iam"
                )
            ]
        );
        let (_, label, _) = &found[0];
        assert_eq!(&text[label.clone()], "\"a\"");
    }

    #[test]
    fn json_module_calls_are_found() {
        let text = r#"{"module": {"m": {"source": "../m", "x": 1}}}"#;
        let found = scan_json(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].2, "../m");
        assert_eq!(&text[found[0].1.clone()], "\"m\"");
    }

    #[test]
    fn only_directories_under_dot_terraform_modules_are_downloads() {
        assert!(is_download(Path::new("envs/prod/.terraform/modules/iam")));
        assert!(!is_download(Path::new("envs/prod/modules/iam")));
        assert!(!is_download(Path::new(
            "envs/.terraform/modules/../../../etc"
        )));
    }
}
