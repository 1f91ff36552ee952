//! The lint runs, on a worker thread: a workspace folder linted as the command line lints it
//! (`iamlint .` there, so callers and callees come from the module graph), with the open
//! documents' unsaved texts in [`crate::load::Overlay`], and the report turned into LSP
//! diagnostics per file, each with its fix.

use super::text::{Encoding, Lines};
use crate::config::{self, Config};
use crate::diagnostic::{Diagnostic as Finding, Severity};
use crate::engine::{self, Options};
use crate::load::Overlay;
use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag,
    Location, NumberOrString, TextEdit, Url,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// One run asked of the worker.
pub struct Job {
    pub id: u64,
    /// The workspace folder (or a lone document's directory), absolute.
    pub root: PathBuf,
    /// Lint it as `.` (the server's working directory), so paths read as on the command line.
    pub is_cwd: bool,
    /// A workspace folder, walked with its subdirectories; otherwise the directory of a file
    /// opened outside every folder, whose own files only are linted (not a home directory's
    /// whole tree).
    pub folder: bool,
    pub overlay: Arc<Overlay>,
    /// Directories whose every document gets diagnostics published, even an empty list.
    pub modules: BTreeSet<PathBuf>,
    /// Set by the main loop when an edit makes the run stale: the engine stops early.
    pub cancel: Arc<AtomicBool>,
    /// What positions' columns count, as agreed at `initialize`.
    pub encoding: Encoding,
}

/// A diagnostic as published, with what its code actions need.
#[derive(Clone, Debug)]
pub struct Published {
    pub lsp: Diagnostic,
    pub rule: &'static str,
    pub fix: Option<FixAction>,
}

#[derive(Clone, Debug)]
pub struct FixAction {
    pub title: String,
    pub safe: bool,
    pub edits: HashMap<Url, Vec<TextEdit>>,
}

/// What a run found.
pub struct Outcome {
    pub root: PathBuf,
    /// Diagnostics by file (absolute path), files with none left out.
    pub files: BTreeMap<PathBuf, Vec<Published>>,
    /// Every `.tf`/`.tf.json` file of [`Job::modules`] on disk.
    pub module_files: BTreeSet<PathBuf>,
    /// The configuration file and its problem, if it has one.
    pub config: Option<(PathBuf, Option<Diagnostic>)>,
}

/// The worker's memory: the last configuration of each root that loaded, used while the file
/// has an error.
#[derive(Default)]
pub struct Worker {
    good: HashMap<PathBuf, Config>,
}

/// `a/./b/../c` made absolute, as overlay keys are.
pub fn absolute(path: &Path) -> PathBuf {
    crate::util::paths::normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Paths of the report as the client names them: the working directory is the folder's real
/// path (symbolic links resolved), the client's may go through a link.
struct Paths {
    root: PathBuf,
    real: Option<PathBuf>,
}

impl Paths {
    fn new(root: &Path) -> Paths {
        Paths {
            root: root.to_path_buf(),
            real: root.canonicalize().ok().filter(|r| r != root),
        }
    }

    fn of(&self, display: &str) -> PathBuf {
        let path = absolute(Path::new(display));
        match &self.real {
            Some(real) => match path.strip_prefix(real) {
                Ok(rest) => self.root.join(rest),
                Err(_) => path,
            },
            None => path,
        }
    }
}

pub fn is_lintable(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

impl Worker {
    pub fn run(&mut self, job: &Job) -> Outcome {
        let (config, config_state) = self.config(job);
        let paths = if !job.folder {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&job.root)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| is_lintable(p) && p.is_file())
                .collect();
            // Documents of this directory never saved: linted as the files they will be.
            files.extend(
                job.overlay
                    .keys()
                    .filter(|p| p.parent() == Some(job.root.as_path()) && is_lintable(p))
                    .filter(|p| std::fs::symlink_metadata(p).is_err())
                    .cloned(),
            );
            files.sort();
            files
        } else if job.is_cwd {
            vec![PathBuf::from(".")]
        } else {
            vec![job.root.clone()]
        };
        // No file on disk yet: nothing to lint (no paths would mean the working directory).
        let result = (!paths.is_empty()).then(|| {
            engine::lint(&Options {
                paths,
                jobs: None,
                config,
                overlay: job.overlay.clone(),
                cancel: Some(job.cancel.clone()),
                ..Options::default()
            })
        });
        let mut files: BTreeMap<PathBuf, Vec<Published>> = BTreeMap::new();
        match result {
            None => {}
            Some(Ok(report)) => {
                let paths = Paths::new(&job.root);
                let mut lines: HashMap<usize, Lines> = HashMap::new();
                for d in &report.diagnostics {
                    let path = paths.of(report.files.display(d.primary.file));
                    files.entry(path).or_default().push(convert(
                        d,
                        &report,
                        &paths,
                        &mut lines,
                        job.encoding,
                    ));
                }
            }
            Some(Err(fatal)) => {
                // A bad exclude glob: shown on the configuration, which is where it comes from.
                if let Some((path, None)) = &config_state {
                    return Outcome {
                        root: job.root.clone(),
                        files,
                        module_files: BTreeSet::new(),
                        config: Some((path.clone(), Some(plain(&fatal.0)))),
                    };
                }
            }
        }
        let module_files = job
            .modules
            .iter()
            .flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten())
            .filter_map(Result::ok)
            .map(|e| absolute(&e.path()))
            .filter(|p| is_lintable(p))
            .collect();
        Outcome {
            root: job.root.clone(),
            files,
            module_files,
            config: config_state,
        }
    }

    /// The root's `iamlint.toml` (its unsaved text when open), or the last one that loaded
    /// when it has an error, which is returned as a diagnostic on it.
    fn config(&mut self, job: &Job) -> (Config, Option<(PathBuf, Option<Diagnostic>)>) {
        let Some(path) = config::discover(&job.root) else {
            self.good.remove(&job.root);
            return (Config::default(), None);
        };
        let path = absolute(&path);
        let text = match job.overlay.get(&path) {
            Some(text) => Ok(text.to_string()),
            None => std::fs::read_to_string(&path),
        };
        let parsed = match text {
            Ok(text) => {
                crate::engine::parse_config(&crate::util::paths::display_path(&path), &text)
                    .map_err(|e| {
                        let lines = Lines::new(&e.text, job.encoding);
                        let mut message = e.message.clone();
                        if let Some(help) = &e.help {
                            message.push_str(&format!("\nhelp: {help}"));
                        }
                        Diagnostic {
                            range: lines.range(&e.text, &e.range),
                            severity: Some(DiagnosticSeverity::ERROR),
                            source: Some("iamlint".into()),
                            message,
                            ..Diagnostic::default()
                        }
                    })
            }
            Err(err) => Err(plain(&format!(
                "cannot read the configuration: {}",
                crate::util::paths::io_message(&err)
            ))),
        };
        match parsed {
            Ok(config) => {
                self.good.insert(job.root.clone(), config.clone());
                (config, Some((path, None)))
            }
            Err(diagnostic) => {
                let config = self.good.get(&job.root).cloned().unwrap_or_default();
                (config, Some((path, Some(diagnostic))))
            }
        }
    }
}

fn plain(message: &str) -> Diagnostic {
    Diagnostic {
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some("iamlint".into()),
        message: message.to_string(),
        ..Diagnostic::default()
    }
}

pub fn url(path: &Path) -> Option<Url> {
    Url::from_file_path(path).ok()
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    }
}

/// Tags the client may render (greyed-out, struck through): what can be deleted.
fn tags(rule: &str) -> Option<Vec<DiagnosticTag>> {
    match rule {
        "unused-suppression" | "duplicate-permission" => Some(vec![DiagnosticTag::UNNECESSARY]),
        _ => None,
    }
}

/// Rules that are about suppressions or the input itself: not suppressible by a comment.
pub fn suppressible(rule: &str) -> bool {
    crate::registry::meta(rule).is_some()
        && !matches!(
            rule,
            crate::registry::INVALID_SUPPRESSION
                | crate::registry::EXPIRED_SUPPRESSION
                | crate::registry::UNUSED_SUPPRESSION
                | crate::registry::PARSE_ERROR
                | crate::registry::IO_ERROR
        )
}

fn convert(
    d: &Finding,
    report: &engine::Report,
    paths: &Paths,
    lines: &mut HashMap<usize, Lines>,
    encoding: Encoding,
) -> Published {
    let mut range_of = |label: &crate::diagnostic::Label| {
        let text = report.files.text(label.file);
        lines
            .entry(label.file)
            .or_insert_with(|| Lines::new(text, encoding))
            .range(text, &label.range)
    };
    let range = range_of(&d.primary);
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|label| {
            let uri = url(&paths.of(report.files.display(label.file)))?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri, range_of(label)),
                message: label.message.clone(),
            })
        })
        .collect();
    let mut message = d.message.clone();
    if !d.primary.message.is_empty() {
        message.push_str(&format!("\n{}", d.primary.message));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let fix = d.fix.as_ref().and_then(|fix| {
        let mut edits: HashMap<Url, Vec<TextEdit>> = HashMap::new();
        for edit in &fix.edits {
            let file = match edit {
                crate::diagnostic::Edit::Replace { file, .. }
                | crate::diagnostic::Edit::RemoveElement { file, .. } => *file,
            };
            let text = report.files.text(file);
            let (bytes, new_text) = crate::fix::resolve(text, file, edit)?;
            let uri = url(&paths.of(report.files.display(file)))?;
            let range = lines
                .entry(file)
                .or_insert_with(|| Lines::new(text, encoding))
                .range(text, &bytes);
            edits
                .entry(uri)
                .or_default()
                .push(TextEdit { range, new_text });
        }
        Some(FixAction {
            title: fix.title.clone(),
            safe: crate::fix::is_safe(d.rule),
            edits,
        })
    });
    let registered = crate::registry::meta(d.rule).is_some();
    Published {
        lsp: Diagnostic {
            range,
            severity: Some(severity(d.severity)),
            code: Some(NumberOrString::String(d.rule.to_string())),
            code_description: registered
                .then(|| Url::parse(&crate::emit::sarif::help_uri(d.rule)).ok())
                .flatten()
                .map(|href| CodeDescription { href }),
            source: Some("iamlint".into()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: tags(d.rule),
            data: None,
        },
        rule: d.rule,
        fix,
    }
}
