//! `iamlint server`: a language server over stdio.
//!
//! The main loop owns the documents and answers every request itself (hover, completion and
//! code actions read the documents and the last diagnostics, so they never wait for a lint).
//! Lints run on one worker thread, a workspace folder at a time, exactly as `iamlint .` run in
//! that folder, with the open documents' unsaved texts read instead of the disk. A change is
//! linted after a pause in typing (the debounce); an edit to a folder whose run is under way
//! cancels that run (the engine stops at the next module, the result is dropped) and waits,
//! with any others, in one pending run per folder.

mod assist;
mod lint;
mod text;
mod transport;

use crossbeam_channel::{Receiver, Sender};
use lint::{Job, Outcome, Published};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, CompletionItem, CompletionItemKind, CompletionList,
    CompletionOptions, CompletionParams, CompletionTextEdit, Diagnostic,
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, FileSystemWatcher, GlobPattern, Hover,
    HoverContents, HoverParams, HoverProviderCapability, InitializeParams, InitializeResult,
    MarkupContent, MarkupKind, Position, PublishDiagnosticsParams, Registration,
    RegistrationParams, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, TextEdit, Url,
    WorkspaceEdit,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use text::{Encoding, Lines};

/// The pause in typing after which a change is linted, unless the client sets
/// `initializationOptions.debounceMs`.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// Runs the server on stdin and stdout until the client says `exit` or goes away. Exit
/// status 0 after `shutdown`, 1 otherwise (as LSP asks).
pub fn run() -> ExitCode {
    let (connection, threads) = transport::stdio();
    let code = serve(connection);
    threads.join();
    code
}

/// The server on any connection (stdio, or in memory for tests).
pub(crate) fn serve(connection: Connection) -> ExitCode {
    let Connection { sender, receiver } = connection;
    let Some(params) = initialize(&sender, &receiver) else {
        return ExitCode::from(1);
    };
    let (jobs, job_queue) = crossbeam_channel::unbounded::<Job>();
    let (outcomes_tx, outcomes) = crossbeam_channel::unbounded::<(u64, Option<Outcome>)>();
    let worker = std::thread::spawn(move || {
        let mut worker = lint::Worker::default();
        for job in job_queue {
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| worker.run(&job))).ok();
            if outcomes_tx.send((job.id, outcome)).is_err() {
                return;
            }
        }
    });
    let mut server = Server::new(sender, jobs, &params);
    let code = server.main_loop(&receiver, &outcomes);
    drop(server);
    let _ = worker.join();
    code
}

/// The `initialize` handshake: requests before it get an error, a malformed one too.
fn initialize(sender: &Sender<Message>, receiver: &Receiver<Message>) -> Option<InitializeParams> {
    loop {
        match receiver.recv().ok()? {
            Message::Request(req) if req.method == "initialize" => {
                match serde_json::from_value::<InitializeParams>(req.params) {
                    Ok(params) => {
                        let result = InitializeResult {
                            capabilities: capabilities(Encoding::negotiate(&params)),
                            server_info: Some(ServerInfo {
                                name: "iamlint".into(),
                                version: Some(env!("CARGO_PKG_VERSION").into()),
                            }),
                        };
                        sender.send(Response::new_ok(req.id, result).into()).ok()?;
                        return Some(params);
                    }
                    Err(e) => {
                        let response = Response::new_err(
                            req.id,
                            ErrorCode::InvalidParams as i32,
                            format!("invalid initialize parameters: {e}"),
                        );
                        sender.send(response.into()).ok()?;
                    }
                }
            }
            Message::Request(req) => {
                let response = Response::new_err(
                    req.id,
                    ErrorCode::ServerNotInitialized as i32,
                    "the server is not initialized".into(),
                );
                sender.send(response.into()).ok()?;
            }
            Message::Notification(n) if n.method == "exit" => return None,
            _ => {}
        }
    }
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["\"".into(), ".".into(), "/".into()]),
            ..CompletionOptions::default()
        }),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

/// An open document.
struct Doc {
    text: String,
    version: i32,
    /// Its file, when it is one.
    path: Option<PathBuf>,
}

/// A run waiting for its time.
struct Pending {
    due: Instant,
    modules: BTreeSet<PathBuf>,
}

/// The run under way.
struct InFlight {
    id: u64,
    cancel: Arc<std::sync::atomic::AtomicBool>,
    root: PathBuf,
    modules: BTreeSet<PathBuf>,
    versions: HashMap<PathBuf, i32>,
}

struct Server {
    sender: Sender<Message>,
    jobs: Sender<Job>,
    /// What positions' columns count: the client's choice at `initialize`.
    encoding: Encoding,
    docs: HashMap<Url, Doc>,
    /// Workspace folders, absolute; the first is the working directory.
    folders: Vec<PathBuf>,
    cwd_root: Option<PathBuf>,
    debounce: Duration,
    next_id: u64,
    pending: BTreeMap<PathBuf, Pending>,
    busy: Option<InFlight>,
    /// What was last published for each file (absolute path), with the version linted.
    published: HashMap<PathBuf, (Option<i32>, Vec<Published>)>,
    /// Per root, the files with diagnostics published, to clear those that went away.
    root_files: HashMap<PathBuf, BTreeSet<PathBuf>>,
    watch: bool,
    shutdown: bool,
}

fn is_config(path: &Path) -> bool {
    matches!(
        path.file_name().and_then(|n| n.to_str()),
        Some("iamlint.toml" | ".iamlint.toml")
    )
}

/// Files whose text a lint reads: module files, tfvars, the configuration.
fn is_tracked(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    lint::is_lintable(path)
        || name.ends_with(".tfvars")
        || name.ends_with(".tfvars.json")
        || is_config(path)
}

fn path_of(uri: &Url) -> Option<PathBuf> {
    (uri.scheme() == "file")
        .then(|| uri.to_file_path().ok())
        .flatten()
        .map(|p| lint::absolute(&p))
}

enum Flow {
    Go,
    Exit(ExitCode),
}

impl Server {
    fn new(sender: Sender<Message>, jobs: Sender<Job>, params: &InitializeParams) -> Server {
        let mut folders: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| path_of(&f.uri))
            .collect();
        #[allow(deprecated)] // older clients send only `rootUri`
        if folders.is_empty()
            && let Some(root) = params.root_uri.as_ref().and_then(path_of)
        {
            folders.push(root);
        }
        let cwd_root = folders
            .first()
            .filter(|f| std::env::set_current_dir(f).is_ok())
            .cloned();
        let debounce = params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("debounceMs"))
            .and_then(|v| v.as_u64())
            .map_or(DEBOUNCE, |ms| Duration::from_millis(ms.min(10_000)));
        let watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files)
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        Server {
            sender,
            jobs,
            encoding: Encoding::negotiate(params),
            docs: HashMap::new(),
            folders,
            cwd_root,
            debounce,
            next_id: 0,
            pending: BTreeMap::new(),
            busy: None,
            published: HashMap::new(),
            root_files: HashMap::new(),
            watch,
            shutdown: false,
        }
    }

    fn main_loop(
        &mut self,
        receiver: &Receiver<Message>,
        outcomes: &Receiver<(u64, Option<Outcome>)>,
    ) -> ExitCode {
        loop {
            self.dispatch();
            // While a run is under way its outcome wakes the loop; otherwise the next due run.
            let wait = match (&self.busy, self.pending.values().map(|p| p.due).min()) {
                (None, Some(due)) => due.saturating_duration_since(Instant::now()),
                _ => Duration::from_secs(3600),
            };
            crossbeam_channel::select! {
                recv(receiver) -> message => {
                    let Ok(message) = message else {
                        return ExitCode::from(if self.shutdown { 0 } else { 1 });
                    };
                    if let Flow::Exit(code) = self.handle(message) {
                        return code;
                    }
                }
                recv(outcomes) -> outcome => {
                    if let Ok((id, outcome)) = outcome {
                        self.finish(id, outcome);
                    }
                }
                default(wait) => {}
            }
        }
    }

    fn send(&self, message: impl Into<Message>) {
        let _ = self.sender.send(message.into());
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.into(), params));
    }

    fn handle(&mut self, message: Message) -> Flow {
        match message {
            Message::Request(req) => {
                let id = req.id.clone();
                let method = req.method.clone();
                let response = std::panic::catch_unwind(AssertUnwindSafe(|| self.request(req)))
                    .unwrap_or_else(|_| {
                        Response::new_err(
                            id,
                            ErrorCode::InternalError as i32,
                            format!("iamlint failed on `{method}` (please report this)"),
                        )
                    });
                self.send(response);
            }
            Message::Notification(n) => {
                if n.method == "exit" {
                    return Flow::Exit(ExitCode::from(if self.shutdown { 0 } else { 1 }));
                }
                // A notification cannot be answered: one that fails is dropped.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| self.notification(n)));
            }
            Message::Response(_) => {} // to our registration request
        }
        Flow::Go
    }

    fn request(&mut self, req: Request) -> Response {
        fn params<P: serde::de::DeserializeOwned>(req: &Request) -> Result<P, Response> {
            serde_json::from_value(req.params.clone()).map_err(|e| {
                Response::new_err(
                    req.id.clone(),
                    ErrorCode::InvalidParams as i32,
                    format!("invalid parameters for `{}`: {e}", req.method),
                )
            })
        }
        fn ok(id: RequestId, result: impl serde::Serialize) -> Response {
            Response::new_ok(id, result)
        }
        if self.shutdown {
            return Response::new_err(
                req.id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".into(),
            );
        }
        match req.method.as_str() {
            lsp_types::request::Shutdown::METHOD => {
                self.shutdown = true;
                ok(req.id, ())
            }
            lsp_types::request::HoverRequest::METHOD => match params::<HoverParams>(&req) {
                Ok(p) => ok(req.id, self.hover(p)),
                Err(e) => e,
            },
            lsp_types::request::Completion::METHOD => match params::<CompletionParams>(&req) {
                Ok(p) => ok(req.id, self.completion(p)),
                Err(e) => e,
            },
            lsp_types::request::CodeActionRequest::METHOD => {
                match params::<CodeActionParams>(&req) {
                    Ok(p) => ok(req.id, self.code_actions(p)),
                    Err(e) => e,
                }
            }
            lsp_types::request::Initialize::METHOD => Response::new_err(
                req.id,
                ErrorCode::InvalidRequest as i32,
                "already initialized".into(),
            ),
            _ => Response::new_err(
                req.id,
                ErrorCode::MethodNotFound as i32,
                format!("iamlint does not handle `{}`", req.method),
            ),
        }
    }

    fn notification(&mut self, n: Notification) {
        use lsp_types::notification as note;
        match n.method.as_str() {
            note::Initialized::METHOD => self.register_watchers(),
            note::DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) else {
                    return;
                };
                let doc = p.text_document;
                let path = path_of(&doc.uri).filter(|p| is_tracked(p));
                if let Some(path) = &path {
                    self.schedule(path, Duration::ZERO);
                }
                self.docs.insert(
                    doc.uri,
                    Doc {
                        text: doc.text,
                        version: doc.version,
                        path,
                    },
                );
            }
            note::DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) else {
                    return;
                };
                let Some(doc) = self.docs.get_mut(&p.text_document.uri) else {
                    return;
                };
                text::apply_changes(&mut doc.text, p.content_changes, self.encoding);
                doc.version = p.text_document.version;
                if let Some(path) = doc.path.clone() {
                    self.schedule(&path, self.debounce);
                }
            }
            note::DidSaveTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(n.params) else {
                    return;
                };
                if let Some(path) = path_of(&p.text_document.uri).filter(|p| is_tracked(p)) {
                    self.schedule(&path, Duration::ZERO);
                }
            }
            note::DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) else {
                    return;
                };
                if let Some(doc) = self.docs.remove(&p.text_document.uri)
                    && let Some(path) = doc.path
                {
                    // The file on disk counts again.
                    self.schedule(&path, Duration::ZERO);
                }
            }
            note::DidChangeWatchedFiles::METHOD => {
                let Ok(p) = serde_json::from_value::<DidChangeWatchedFilesParams>(n.params) else {
                    return;
                };
                for change in p.changes {
                    if let Some(path) = path_of(&change.uri).filter(|p| is_tracked(p)) {
                        self.schedule(&path, Duration::ZERO);
                    }
                }
            }
            _ => {}
        }
    }

    /// Asks the client to report changes on disk to Terraform files and the configuration
    /// (a `git checkout`, a file written by another tool).
    fn register_watchers(&self) {
        if !self.watch {
            return;
        }
        let watchers = [
            "**/*.tf",
            "**/*.tf.json",
            "**/*.tfvars",
            "**/iamlint.toml",
            "**/.iamlint.toml",
        ]
        .iter()
        .map(|glob| FileSystemWatcher {
            glob_pattern: GlobPattern::String(glob.to_string()),
            kind: None,
        })
        .collect();
        let registration = Registration {
            id: "iamlint-watch".into(),
            method: lsp_types::notification::DidChangeWatchedFiles::METHOD.into(),
            register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                watchers,
            })
            .ok(),
        };
        self.send(Request::new(
            RequestId::from("iamlint-register".to_string()),
            lsp_types::request::RegisterCapability::METHOD.into(),
            RegistrationParams {
                registrations: vec![registration],
            },
        ));
    }

    /// The folder a file is linted in: the innermost workspace folder holding it, else its
    /// directory.
    fn root_of(&self, path: &Path) -> PathBuf {
        self.folders
            .iter()
            .filter(|f| path.starts_with(f))
            .max_by_key(|f| f.as_os_str().len())
            .cloned()
            .unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default())
    }

    /// A run of the file's folder after `delay` (a later change moves it later: the debounce).
    /// A configuration file reruns every folder it may apply to.
    fn schedule(&mut self, path: &Path, delay: Duration) {
        let due = Instant::now() + delay;
        let mut roots = vec![self.root_of(path)];
        if is_config(path) {
            let dir = path.parent().unwrap_or(path);
            roots.extend(self.folders.iter().filter(|f| f.starts_with(dir)).cloned());
            roots.extend(
                self.root_files
                    .keys()
                    .filter(|r| r.starts_with(dir))
                    .cloned(),
            );
        }
        for root in roots {
            // The run under way for this folder is stale: stop it (its result is dropped).
            if let Some(flight) = &self.busy
                && flight.root == root
            {
                flight
                    .cancel
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
            let pending = self.pending.entry(root).or_insert_with(|| Pending {
                due,
                modules: BTreeSet::new(),
            });
            pending.due = due;
            if lint::is_lintable(path)
                && let Some(dir) = path.parent()
            {
                pending.modules.insert(dir.to_path_buf());
            }
        }
    }

    /// Starts the run that is due, when none is under way.
    fn dispatch(&mut self) {
        if self.busy.is_some() {
            return;
        }
        let now = Instant::now();
        let Some(root) = self
            .pending
            .iter()
            .filter(|(_, p)| p.due <= now)
            .min_by_key(|(_, p)| p.due)
            .map(|(r, _)| r.clone())
        else {
            return;
        };
        let Some(pending) = self.pending.remove(&root) else {
            return;
        };
        self.next_id += 1;
        // Under the path the client gave and under its real one, which is what the walk sees
        // when a directory on the way is a symbolic link.
        let mut overlay = crate::load::Overlay::new();
        for doc in self.docs.values() {
            let Some(path) = &doc.path else { continue };
            let text = Arc::<str>::from(doc.text.as_str());
            if let Some(real) = path
                .parent()
                .and_then(|d| d.canonicalize().ok())
                .zip(path.file_name())
                .map(|(d, name)| d.join(name))
                .filter(|real| real != path)
            {
                overlay.insert(real, text.clone());
            }
            overlay.insert(path.clone(), text);
        }
        let versions = self
            .docs
            .values()
            .filter_map(|d| Some((d.path.clone()?, d.version)))
            .filter(|(p, _)| p.starts_with(&root))
            .collect();
        let cancel = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let job = Job {
            id: self.next_id,
            cancel: cancel.clone(),
            is_cwd: self.cwd_root.as_ref() == Some(&root),
            folder: self.folders.contains(&root),
            root: root.clone(),
            overlay: Arc::new(overlay),
            modules: pending.modules.clone(),
            encoding: self.encoding,
        };
        if self.jobs.send(job).is_ok() {
            self.busy = Some(InFlight {
                id: self.next_id,
                cancel,
                root,
                modules: pending.modules,
                versions,
            });
        }
    }

    /// A run is over: publish, unless edits since have made it stale (their run is pending).
    fn finish(&mut self, id: u64, outcome: Option<Outcome>) {
        let Some(flight) = self.busy.take_if(|f| f.id == id) else {
            return;
        };
        if let Some(pending) = self.pending.get_mut(&flight.root) {
            pending.modules.extend(flight.modules);
            return;
        }
        let Some(mut outcome) = outcome else {
            eprintln!("iamlint: the lint of {} failed", flight.root.display());
            return;
        };
        let old = self.root_files.remove(&outcome.root).unwrap_or_default();
        let open_in_modules = self
            .docs
            .values()
            .filter_map(|d| d.path.clone())
            .filter(|p| lint::is_lintable(p))
            .filter(|p| p.parent().is_some_and(|d| flight.modules.contains(d)));
        let always: BTreeSet<PathBuf> = outcome
            .module_files
            .iter()
            .cloned()
            .chain(open_in_modules)
            .collect();
        let targets: BTreeSet<PathBuf> = outcome
            .files
            .keys()
            .cloned()
            .chain(old)
            .chain(always.iter().cloned())
            .collect();
        let mut now_published = BTreeSet::new();
        for path in targets {
            let new = outcome.files.remove(&path).unwrap_or_default();
            let version = flight.versions.get(&path).copied();
            if !new.is_empty() {
                now_published.insert(path.clone());
            }
            let always = always.contains(&path);
            self.publish(path, version, new, always);
        }
        if let Some((path, problem)) = outcome.config {
            let version = flight.versions.get(&path).copied();
            let diags: Vec<Published> = problem
                .into_iter()
                .map(|lsp| Published {
                    lsp,
                    rule: "",
                    fix: None,
                })
                .collect();
            if !diags.is_empty() {
                now_published.insert(path.clone());
            }
            self.publish(path, version, diags, false);
        }
        self.root_files.insert(outcome.root, now_published);
    }

    fn publish(
        &mut self,
        path: PathBuf,
        version: Option<i32>,
        diags: Vec<Published>,
        always: bool,
    ) {
        let same = |old: &[Published]| {
            old.len() == diags.len() && old.iter().zip(&diags).all(|(a, b)| a.lsp == b.lsp)
        };
        let unchanged = match self.published.get(&path) {
            Some((_, old)) => same(old),
            None => diags.is_empty(),
        };
        if unchanged && !always {
            return;
        }
        let Some(uri) = lint::url(&path) else {
            return;
        };
        let lsp: Vec<Diagnostic> = diags.iter().map(|d| d.lsp.clone()).collect();
        self.notify::<lsp_types::notification::PublishDiagnostics>(PublishDiagnosticsParams {
            uri,
            diagnostics: lsp,
            version,
        });
        if diags.is_empty() {
            self.published.remove(&path);
        } else {
            self.published.insert(path, (version, diags));
        }
    }

    /// A document's text: as open, else from disk.
    fn text_of(&self, uri: &Url) -> Option<String> {
        match self.docs.get(uri) {
            Some(doc) => Some(doc.text.clone()),
            None => std::fs::read_to_string(path_of(uri)?).ok(),
        }
    }

    fn offset(&self, uri: &Url, position: Position) -> Option<(String, usize)> {
        let text = self.text_of(uri)?;
        let offset = Lines::new(&text, self.encoding).offset(&text, position);
        Some((text, offset))
    }

    fn hover(&self, p: HoverParams) -> Option<Hover> {
        let doc = p.text_document_position_params;
        let (text, offset) = self.offset(&doc.text_document.uri, doc.position)?;
        let (range, markdown) = assist::hover(&text, offset)?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: markdown,
            }),
            range: Some(Lines::new(&text, self.encoding).range(&text, &range)),
        })
    }

    fn completion(&self, p: CompletionParams) -> Option<CompletionList> {
        let doc = p.text_document_position;
        let (text, offset) = self.offset(&doc.text_document.uri, doc.position)?;
        let (range, items, cut) = assist::complete(&text, offset)?;
        let range = Lines::new(&text, self.encoding).range(&text, &range);
        Some(CompletionList {
            is_incomplete: cut,
            items: items
                .into_iter()
                .map(|item| CompletionItem {
                    text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                        range,
                        new_text: item.label.clone(),
                    })),
                    filter_text: Some(item.label.clone()),
                    kind: Some(if item.role {
                        CompletionItemKind::CONSTANT
                    } else {
                        CompletionItemKind::VALUE
                    }),
                    detail: Some(item.detail),
                    label: item.label,
                    ..CompletionItem::default()
                })
                .collect(),
        })
    }

    fn code_actions(&self, p: CodeActionParams) -> Vec<CodeActionOrCommand> {
        let uri = &p.text_document.uri;
        let Some(path) = path_of(uri) else {
            return Vec::new();
        };
        let Some((version, diags)) = self.published.get(&path) else {
            return Vec::new();
        };
        let current = self.docs.get(uri).map(|d| d.version);
        let fresh = current.is_none() || current == *version;
        let wanted = |kind: &CodeActionKind| {
            p.context.only.as_ref().is_none_or(|only| {
                only.iter().any(|o| {
                    kind.as_str() == o.as_str()
                        || kind.as_str().starts_with(&format!("{}.", o.as_str()))
                })
            })
        };
        let touches = |r: &lsp_types::Range| r.start <= p.range.end && p.range.start <= r.end;
        let text = self.text_of(uri);
        let mut actions = Vec::new();
        for d in diags.iter().filter(|d| touches(&d.lsp.range)) {
            if let Some(fix) = &d.fix
                && fresh
            {
                let kind = if fix.safe {
                    CodeActionKind::QUICKFIX
                } else {
                    CodeActionKind::REFACTOR_REWRITE
                };
                if wanted(&kind) {
                    let title = if fix.safe {
                        format!("Fix: {}", fix.title)
                    } else {
                        format!("Fix: {} (changes what is granted: review it)", fix.title)
                    };
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title,
                        kind: Some(kind),
                        diagnostics: Some(vec![d.lsp.clone()]),
                        edit: Some(WorkspaceEdit {
                            changes: Some(fix.edits.clone()),
                            ..WorkspaceEdit::default()
                        }),
                        is_preferred: Some(fix.safe),
                        ..CodeAction::default()
                    }));
                }
            }
            let json = path.to_string_lossy().ends_with(".json");
            if lint::suppressible(d.rule)
                && !json
                && wanted(&CodeActionKind::QUICKFIX)
                && let Some(text) = &text
            {
                let line = d.lsp.range.start.line;
                let lines = Lines::new(text, self.encoding);
                let start = lines.line_start(text, line);
                let indent: String = text[start..]
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                let edit = TextEdit {
                    range: lsp_types::Range::new(Position::new(line, 0), Position::new(line, 0)),
                    new_text: format!("{indent}# iamlint-ignore: {} -- \n", d.rule),
                };
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!("Suppress `{}` here with a reason", d.rule),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![d.lsp.clone()]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                        ..WorkspaceEdit::default()
                    }),
                    ..CodeAction::default()
                }));
            }
        }
        actions
    }
}
