//! Syntax tree -> IAM model. Reads the parsed files of one module and returns its [`Module`];
//! the trees can be dropped afterwards.

use super::federation;
use super::principal::{DefaultIdentity, SaRef, classify_identity, classify_member};
use super::value::{Binding, MAX_ITEMS, Scope, Src, Str, Val, Value};
use super::workloads::{self, IfAbsent, SlotSpec};
use super::*;
use crate::parse::{Chunk, Piece};
use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use std::cell::RefCell;
use std::collections::HashMap;

/// The parsed files of one module.
pub struct ModuleSource<'a> {
    /// Its `.tf` files and the `terraform.tfvars` / `*.auto.tfvars` beside them.
    pub files: Vec<FileSource<'a>>,
    /// `--var-file` files, applied last.
    pub var_files: Vec<FileSource<'a>>,
    /// For a module analysed as called: the caller's inputs, which replace its variables'
    /// defaults (its own tfvars do not apply then).
    pub inputs: Vec<(String, Val)>,
    /// For a module analysed as called: `module.NAME`, prefixed to its resource addresses.
    pub call: Option<String>,
    /// Read from a plan: resources are labelled with their full address.
    pub plan: bool,
    /// The exported outputs of the local modules it calls (see [`Module::outputs`]), by call
    /// name: known when the engine has analysed those calls.
    pub module_outputs: Vec<(String, Vec<(String, Val)>)>,
    /// Its own run, for a module that other modules in the scan call: its variables' values
    /// come from those callers (each call is checked with its inputs), so here a variable
    /// without a tfvars value is unknown instead of its default.
    pub called_by_others: bool,
    /// The run's registry of data files, which file functions read through (inside the
    /// scanned tree); without one they read inside the module's directory only.
    pub data: Option<std::sync::Arc<crate::eval::DataFiles>>,
    /// The directory of the root module of the context, as displayed: relative paths in file
    /// functions resolve against it. The module's own when `None`.
    pub root_dir: Option<std::path::PathBuf>,
    /// The module's type constraints already read, shared by the contexts it is checked in
    /// (see [`crate::eval::types::Cache`]).
    pub types: Option<std::sync::Arc<crate::eval::types::Cache>>,
}

pub struct FileSource<'a> {
    pub id: FileId,
    /// The file name, for messages.
    pub name: String,
    /// The path as shown to the user.
    pub display: String,
    pub text: &'a std::sync::Arc<str>,
    pub chunks: &'a [Chunk],
    /// A large file parsed block by block: its blocks, parsed again here.
    pub pieces: &'a [Piece],
    /// For `.tf.json`: the chunks are of a translation; this maps its offsets into `text`.
    pub map: Option<&'a crate::tfjson::OffsetMap>,
}

/// The process key of node pools whose cluster is named by a literal (or unknown: `?`),
/// resolved to the cluster resource when the module declares it.
const CLUSTER_NAMED: &str = "google_container_cluster named ";

/// Variable values in Terraform's order of precedence: `terraform.tfvars`, then `*.auto.tfvars`
/// in name order, then the `--var-file` files in the order given; a later value wins.
fn apply_tfvars(source: &ModuleSource<'_>, scope: &mut Scope<'_>) {
    let mut auto: Vec<&FileSource> = source
        .files
        .iter()
        .filter(|f| f.name.ends_with(".auto.tfvars"))
        .collect();
    auto.sort_by(|a, b| a.name.cmp(&b.name));
    let files = source
        .files
        .iter()
        .filter(|f| f.name == "terraform.tfvars")
        .chain(auto)
        .chain(source.var_files.iter());
    // tfvars hold literal values: they are evaluated on their own.
    let literal = Scope::default();
    for file in files {
        for chunk in file.chunks {
            let src = Src {
                file: file.id,
                base: chunk.base,
            };
            for attr in chunk.body.attributes() {
                let val = literal.eval(&attr.value, src);
                scope.set_input(attr.key.as_str(), val);
            }
        }
    }
}

/// `module.a.module.b["x"].google_t.n["k"]` -> (`module.a.module.b["x"]`, `n`, `["k"]`).
fn split_address(address: &str) -> (Option<String>, String, Option<String>) {
    let mut rest = address;
    let mut module = String::new();
    while let Some(after) = rest.strip_prefix("module.") {
        // The module's name, and an index in brackets when it has one.
        let end = after.find(['.', '[']).unwrap_or(after.len());
        let mut cut = end;
        if after[end..].starts_with('[') {
            cut = after[end..].find(']').map_or(after.len(), |i| end + i + 1);
        }
        if !module.is_empty() {
            module.push('.');
        }
        module.push_str("module.");
        module.push_str(&after[..cut]);
        rest = after[cut..].trim_start_matches('.');
    }
    let local = rest.split_once('.').map_or(rest, |(_, n)| n);
    let (name, instance) = match local.find('[') {
        Some(i) => (local[..i].to_string(), Some(local[i..].to_string())),
        None => (local.to_string(), None),
    };
    ((!module.is_empty()).then_some(module), name, instance)
}

/// The directory of a module's `.tf` files, where its file functions read.
fn module_dir(source: &ModuleSource<'_>) -> Option<std::path::PathBuf> {
    let file = source.files.iter().find(|f| f.name.ends_with(".tf"))?;
    let dir = std::path::Path::new(&file.display).parent()?;
    Some(match dir.as_os_str().is_empty() {
        true => std::path::PathBuf::from("."),
        false => dir.to_path_buf(),
    })
}

/// Text parsed a batch at a time for a file parsed block by block: enough to keep both threads
/// busy, little next to the file.
const BATCH_BYTES: usize = 1 << 20;

/// A block of a file parsed block by block that is read across the module, so kept while the
/// module is extracted: `locals` and `variable` (the scope), `data "google_iam_policy"` and
/// the `_iam_policy` resources (the policies), and a `resource` or `data` block that may repeat
/// (`count`, `for_each`: the scope's repetitions). The loader asks this of each block as it
/// splits the file, from its header and text ([`Piece::held`]).
pub fn held_block(ident: &str, labels: &[&str], text: &str) -> bool {
    match (ident, labels) {
        ("locals" | "variable", _) => true,
        ("data", [rtype, _]) if *rtype == "google_iam_policy" => true,
        ("resource", [rtype, _]) if matches!(grant_kind(rtype), Some((GrantKind::Policy, _))) => {
            true
        }
        ("resource" | "data", [_, _]) => may_repeat(text),
        _ => false,
    }
}

/// `count` or `for_each` as a word followed by `=` somewhere in a block's text: the block may
/// have either argument (a nested block's or a comment's make it kept for nothing, no harm).
fn may_repeat(text: &str) -> bool {
    let bytes = text.as_bytes();
    ["count", "for_each"].iter().any(|word| {
        memchr::memmem::find_iter(bytes, word.as_bytes()).any(|at| {
            let before = at.checked_sub(1).map(|i| bytes[i]);
            let word_start =
                !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            let after = bytes[at + word.len()..]
                .iter()
                .find(|b| !matches!(b, b' ' | b'\t'));
            word_start && after == Some(&b'=')
        })
    })
}

/// Parses pieces of a file again (in parallel), in order; `None` for one that does not parse
/// (it did when the file was read).
fn parse_pieces(text: &str, pieces: &[&Piece]) -> Vec<Option<Chunk>> {
    use rayon::prelude::*;
    pieces
        .par_iter()
        .map(|p| {
            let body = hcl_edit::parser::parse_body(text.get(p.range.clone())?).ok()?;
            Some(Chunk {
                body,
                base: p.range.start,
                lazy: None,
            })
        })
        .collect()
}

/// A top-level block and where it came from.
struct Top<'a> {
    block: &'a Block,
    src: Src,
    /// Its arguments, parsed when first read, when `block` has none ([`Chunk::lazy`]).
    lazy: Option<&'a crate::parse::Lazy>,
}

impl<'a> Top<'a> {
    /// Its body: the block's, or its lazily parsed arguments.
    fn body(&self) -> &'a dyn crate::eval::LazyBody {
        match self.lazy {
            Some(lazy) => lazy,
            None => &self.block.body,
        }
    }
}

pub fn extract(source: &ModuleSource<'_>) -> Module {
    let files: Vec<&FileSource> = source
        .files
        .iter()
        .filter(|f| !f.name.ends_with(".tfvars"))
        .collect();
    // Of a file parsed block by block, the blocks read across the module (the scope's, the
    // policies') are parsed once and kept; the others are parsed a batch at a time below.
    let held: Vec<Vec<Chunk>> = files
        .iter()
        .map(|file| {
            let wanted: Vec<&Piece> = file.pieces.iter().filter(|p| p.held).collect();
            parse_pieces(file.text, &wanted)
                .into_iter()
                .flatten()
                .collect()
        })
        .collect();
    let mut tops = Vec::new();
    // Per file: its blocks in `tops`.
    let mut file_tops = Vec::with_capacity(files.len());
    for (file, held) in files.iter().zip(&held) {
        let start = tops.len();
        for chunk in file.chunks.iter().chain(held) {
            let src = Src {
                file: file.id,
                base: chunk.base,
            };
            let lazy = chunk.lazy.as_deref();
            tops.extend(chunk.body.blocks().map(|block| Top { block, src, lazy }));
        }
        file_tops.push(start..tops.len());
    }

    let mut scope = Scope::default();
    scope.set_source_bytes(source.files.iter().map(|f| f.text.len()).sum());
    if let Some(cache) = &source.types {
        scope.set_type_cache(cache.clone());
    }
    for top in &tops {
        match top.block.ident.as_str() {
            "locals" => {
                for attr in top.block.body.attributes() {
                    scope.add_local(attr.key.as_str(), &attr.value, top.src);
                }
            }
            "variable" => {
                if let Some(name) = top.block.labels.first() {
                    scope.add_variable_block(name.as_str(), top.body(), top.src);
                }
            }
            kind @ ("resource" | "data") if top.block.labels.len() == 2 => {
                let (rtype, name) = (top.block.labels[0].as_str(), top.block.labels[1].as_str());
                let body = &top.block.body;
                let repetition = match body.get_attribute("for_each") {
                    Some(a) => Some((true, &a.value)),
                    None => body.get_attribute("count").map(|a| (false, &a.value)),
                };
                if let Some((for_each, expr)) = repetition {
                    scope.add_repetition(kind == "data", rtype, name, for_each, expr, top.src);
                }
            }
            _ => {}
        }
    }

    if !source.plan
        && let Some(dir) = module_dir(source)
    {
        scope.set_files(match &source.data {
            Some(data) => crate::eval::Files::in_run(
                &dir,
                source.root_dir.as_deref().unwrap_or(&dir),
                data.clone(),
            ),
            None => crate::eval::Files::new(&dir),
        });
    }
    if source.call.is_some() {
        scope.set_called();
    } else {
        if source.called_by_others {
            scope.set_defaults_unknown();
        }
        apply_tfvars(source, &mut scope);
    }
    for (name, val) in &source.inputs {
        scope.set_input(name, val.clone());
    }
    for (call, outputs) in &source.module_outputs {
        scope.set_module_outputs(call, outputs);
    }
    let cx = Cx {
        scope: &scope,
        instance: RefCell::new(None),
        call: source.call.clone(),
        plan: source.plan,
    };
    let mut module = Module {
        files: source
            .files
            .iter()
            .map(|f| ModuleFile {
                id: f.id,
                name: f.name.clone(),
                display: f.display.clone(),
                text: f.text.clone(),
                lines: Default::default(),
                map: f.map.cloned(),
            })
            .collect(),
        ..Module::default()
    };

    let mut policies: HashMap<&str, &Top> = HashMap::new();
    for top in &tops {
        let block = top.block;
        if block.ident.as_str() == "data"
            && block.labels.len() == 2
            && block.labels[0].as_str() == "google_iam_policy"
        {
            policies.insert(block.labels[1].as_str(), top);
        }
    }
    for (file, range) in files.iter().zip(file_tops) {
        if file.pieces.is_empty() {
            for top in &tops[range] {
                cx.top(top, &mut module);
            }
            continue;
        }
        // Block by block, in batches parsed in parallel: only a batch's trees are held.
        let mut held = tops[range].iter();
        let mut rest = file.pieces;
        while !rest.is_empty() {
            let mut bytes = 0;
            let n = rest
                .iter()
                .take_while(|p| {
                    bytes += p.range.len();
                    bytes <= BATCH_BYTES
                })
                .count()
                .max(1);
            let (batch, after) = rest.split_at(n);
            rest = after;
            let wanted: Vec<&Piece> = batch.iter().filter(|p| !p.held).collect();
            let mut parsed = parse_pieces(file.text, &wanted).into_iter();
            for piece in batch {
                if piece.held {
                    if let Some(top) = held.next() {
                        cx.top(top, &mut module);
                    }
                    continue;
                }
                let Some(Some(chunk)) = parsed.next() else {
                    continue;
                };
                let src = Src {
                    file: file.id,
                    base: chunk.base,
                };
                for block in chunk.body.blocks() {
                    let lazy = None;
                    cx.top(&Top { block, src, lazy }, &mut module);
                }
            }
        }
    }
    cx.policy_bindings(&tops, &policies, &mut module);
    module.budget_hits = scope.budget_hits();

    // Node pools that name their cluster by its `name`: the same process as that cluster.
    let clusters: HashMap<String, String> = module
        .workloads
        .iter()
        .filter_map(|w| Some((w.cluster_name.clone()?, w.process.clone())))
        .collect();
    for w in &mut module.workloads {
        if let Some(process) = w
            .process
            .strip_prefix(CLUSTER_NAMED)
            .and_then(|name| clusters.get(name))
        {
            w.process = process.clone();
        }
    }

    let index = RoleIndex::new(&module.custom_roles);
    let targets: Vec<RoleTarget> = module
        .grants
        .iter()
        .map(|g| role_target(g.role.as_ref(), &index))
        .collect();
    for (grant, target) in module.grants.iter_mut().zip(targets) {
        grant.target = target;
    }
    // Held while the rules run: without the room they grew into (up to half of a huge
    // module's roles and grants).
    module.custom_roles.shrink_to_fit();
    module.grants.shrink_to_fit();
    module
}

/// [`Grant::on`], [`Grant::on_account`] and [`Grant::on_expr`].
type GrantTarget = (
    Option<(&'static str, Val)>,
    Option<Box<SaRef>>,
    Option<Box<str>>,
);

struct Cx<'s, 'a> {
    scope: &'s Scope<'a>,
    /// The instance key being extracted (`["roles/editor"]`, `[0]`), while expanding
    /// `for_each` or `count`.
    instance: RefCell<Option<String>>,
    /// `module.NAME` when the module is analysed as called.
    call: Option<String>,
    /// Read from a plan: the name label is the resource's full address.
    plan: bool,
}

/// The blocks of a name in a body: written out, or generated by `dynamic` blocks (each with
/// its iterator's binding). `Unknown` when a `dynamic` block iterates over something unknown.
enum Blocks<'b> {
    Known(Vec<(&'b Block, Option<(String, Binding)>)>),
    Unknown,
}

impl Cx<'_, '_> {
    /// A top-level block into the module, but for `data "google_iam_policy"`, which
    /// [`Cx::policy_bindings`] reads.
    fn top(&self, top: &Top, module: &mut Module) {
        let block = top.block;
        match (block.ident.as_str(), block.labels.len()) {
            ("resource", 2) => self.resource(top, module),
            ("module", 1) => self.module_calls(top, module),
            // Outputs matter to a caller only: a root module's are not evaluated.
            ("output", 1) => {
                if let Some(call) = self.call.as_deref()
                    && let Some(value) = top.body().body().and_then(|b| b.get_attribute("value"))
                {
                    let val = self.scope.eval(&value.value, top.src);
                    // Every output is listed, unknown when it cannot be exported: a caller
                    // iterating over instances (`for k, v in module.sa`) sees all.
                    let exported = val
                        .exported(call.trim_start_matches("module."))
                        .unwrap_or_else(|| Val::unknown(val.loc.clone()));
                    module.outputs.push((block.labels[0].to_string(), exported));
                }
            }
            ("provider", 1) => {
                let name = block.labels[0].as_str();
                if name == "google" || name == "google-beta" {
                    module.providers.push(self.provider(top));
                }
            }
            _ => {}
        }
    }

    fn attr(&self, body: &Body, name: &str, src: Src) -> Option<Val> {
        body.get_attribute(name)
            .map(|attr| self.scope.eval(&attr.value, src))
    }

    fn header(&self, top: &Top) -> Resource {
        let block = top.block;
        let loc = |node: &dyn Span| {
            let r = node.span().unwrap_or(0..0);
            r.start + top.src.base..r.end + top.src.base
        };
        let instance = self.instance.borrow().clone();
        let maybe_absent = instance.is_none()
            && ["count", "for_each"].iter().any(|meta| {
                self.attr(&block.body, meta, top.src)
                    .is_some_and(|v| match &v.value {
                        Value::Number(n) => n.parse::<f64>().map_or(true, |n| n < 1.0),
                        Value::List(items) => items.is_empty() || items.iter().all(Val::is_unknown),
                        Value::Object(entries) => entries.is_empty(),
                        _ => true,
                    })
            });
        let (module, name, instance) = match self.plan {
            true => split_address(block.labels[1].as_str()),
            false => (
                self.call.clone(),
                block.labels[1].as_str().to_string(),
                instance,
            ),
        };
        Resource {
            file: top.src.file,
            data: block.ident.as_str() == "data",
            rtype: self.scope.text(block.labels[0].as_str()),
            name,
            block: loc(block),
            type_label: loc(&block.labels[0]),
            name_label: loc(&block.labels[1]),
            maybe_absent,
            instance: instance.map(Into::into),
            module: module.map(Into::into),
        }
    }

    /// The instances `count` or `for_each` create: their keys and bindings. One unbound
    /// instance when there is neither or the collection is unknown; none for `count = 0`.
    fn instances(&self, top: &Top) -> Vec<Option<(String, String, Binding)>> {
        let body = &top.block.body;
        if let Some(each) = self.attr(body, "for_each", top.src) {
            let loc = each.loc.clone();
            let text = |s: String| Val {
                value: Value::Str(Str::literal(s)),
                loc: loc.clone(),
            };
            let mut out = Vec::new();
            match each.value {
                Value::List(items) if items.len() <= MAX_ITEMS => {
                    for item in items {
                        match item.as_str().map(str::to_string) {
                            // A set's key is its element, where that is written.
                            Some(key) => out.push(Some((
                                format!("[{key:?}]"),
                                "each".to_string(),
                                Binding::Iterator {
                                    key: Val {
                                        value: Value::Str(Str::literal(key)),
                                        loc: item.loc.clone(),
                                    },
                                    value: item,
                                },
                            ))),
                            None => out.push(None),
                        }
                    }
                }
                Value::Object(entries) if entries.len() <= MAX_ITEMS => {
                    for (key, value) in entries {
                        // A map's key where it is written, when it is; a key decoded from
                        // a data file is located there, at its entry.
                        let key_val = match self.scope.key_loc(&value, &key) {
                            Some(loc) => Val {
                                value: Value::Str(Str::literal(key.clone())),
                                loc,
                            },
                            None if value.loc.file != top.src.file => Val {
                                value: Value::Str(Str::literal(key.clone())),
                                loc: value.loc.clone(),
                            },
                            None => text(key.clone()),
                        };
                        out.push(Some((
                            format!("[{key:?}]"),
                            "each".to_string(),
                            Binding::Iterator {
                                key: key_val,
                                value,
                            },
                        )));
                    }
                }
                _ => out.push(None),
            }
            out.dedup_by(|a, b| a.is_none() && b.is_none());
            return out;
        }
        if let Some(count) = self.attr(body, "count", top.src)
            && let Value::Number(n) = &count.value
            && let Ok(n) = n.parse::<usize>()
            && n <= MAX_ITEMS
        {
            return (0..n)
                .map(|i| {
                    let index = Val {
                        value: Value::Number(i.to_string()),
                        loc: count.loc.clone(),
                    };
                    Some((
                        format!("[{i}]"),
                        "count".to_string(),
                        Binding::Iterator {
                            key: index.clone(),
                            value: index,
                        },
                    ))
                })
                .collect();
        }
        vec![None]
    }

    /// Named blocks of a body, with `dynamic` ones expanded where their collection is known.
    fn blocks<'b>(&self, body: &'b Body, name: &'b str, src: Src) -> Blocks<'b> {
        let mut out: Vec<(&'b Block, Option<(String, Binding)>)> =
            body.get_blocks(name).map(|b| (b, None)).collect();
        for dynamic in body
            .get_blocks("dynamic")
            .filter(|b| b.labels.first().is_some_and(|l| l.as_str() == name))
        {
            let Some(content) = dynamic.body.get_blocks("content").next() else {
                return Blocks::Unknown;
            };
            let iterator = match dynamic.body.get_attribute("iterator").map(|a| &a.value) {
                Some(Expression::Variable(v)) => v.as_str().to_string(),
                Some(_) => return Blocks::Unknown,
                None => name.to_string(),
            };
            let Some(each) = self.attr(&dynamic.body, "for_each", src) else {
                return Blocks::Unknown;
            };
            let loc = each.loc.clone();
            match each.value {
                Value::List(items)
                    if items.len() <= MAX_ITEMS && !items.iter().any(Val::is_unknown) =>
                {
                    for (i, item) in items.into_iter().enumerate() {
                        let key = Val {
                            value: Value::Number(i.to_string()),
                            loc: loc.clone(),
                        };
                        out.push((
                            content,
                            Some((iterator.clone(), Binding::Iterator { key, value: item })),
                        ));
                    }
                }
                Value::Object(entries) if entries.len() <= MAX_ITEMS => {
                    for (k, value) in entries {
                        let key = Val {
                            loc: self
                                .scope
                                .key_loc(&value, &k)
                                .unwrap_or_else(|| loc.clone()),
                            value: Value::Str(Str::literal(k)),
                        };
                        out.push((
                            content,
                            Some((iterator.clone(), Binding::Iterator { key, value })),
                        ));
                    }
                }
                _ => return Blocks::Unknown,
            }
        }
        Blocks::Known(out)
    }

    /// Runs `f` with a dynamic block's iterator bound, if it has one.
    fn bound<R>(&self, binding: &Option<(String, Binding)>, f: impl FnOnce() -> R) -> R {
        match binding {
            Some((name, b)) => self.scope.bind(name, b.clone(), f),
            None => f(),
        }
    }

    fn resource(&self, top: &Top, module: &mut Module) {
        // A type nothing is read from: its `count`/`for_each` is not worth evaluating.
        if !extracted(top.block.labels[0].as_str()) {
            return;
        }
        for instance in self.instances(top) {
            match instance {
                Some((key, name, binding)) => {
                    *self.instance.borrow_mut() = Some(key);
                    self.scope
                        .bind(&name, binding, || self.resource_instance(top, module));
                    *self.instance.borrow_mut() = None;
                }
                None => self.resource_instance(top, module),
            }
        }
    }

    /// The facts of one instance of a resource whose type is [`extracted`].
    fn resource_instance(&self, top: &Top, module: &mut Module) {
        let rtype = top.block.labels[0].as_str();
        let body = &top.block.body;
        let src = top.src;
        match rtype {
            "google_project_iam_custom_role" | "google_organization_iam_custom_role" => {
                module.custom_roles.push(CustomRole {
                    res: self.header(top),
                    level: if rtype.starts_with("google_project") {
                        RoleLevel::Project
                    } else {
                        RoleLevel::Organization
                    },
                    role_id: self.attr(body, "role_id", src),
                    title: self.attr(body, "title", src),
                    description: self.attr(body, "description", src),
                    permissions: self.attr(body, "permissions", src),
                });
            }
            "google_service_account" => module.service_accounts.push(ServiceAccount {
                res: self.header(top),
                account_id: self.attr(body, "account_id", src),
                display_name: self.attr(body, "display_name", src),
            }),
            workloads::CLUSTER => module.workloads.push(self.cluster(top)),
            "google_service_account_key" => module.keys.push(self.header(top)),
            "google_iam_workload_identity_pool" | "google_iam_workload_identity_pool_provider" => {
                federation::extract(
                    &mut module.federation,
                    self.header(top),
                    &|blocks, attr| self.attr_path(body, src, blocks, attr),
                    &|name| body.get_blocks(name).next().is_some(),
                )
            }
            _ if STORAGE_ACLS.iter().any(|(t, _, _)| *t == rtype) => {
                let grants = self.storage_acl(top, &module.files);
                module.grants.extend(grants);
            }
            "google_bigquery_dataset" | "google_bigquery_dataset_access" => {
                module.grants.extend(self.dataset_access(top));
            }
            _ => {
                if let Some((kind, level)) = grant_kind(rtype) {
                    if kind != GrantKind::Policy {
                        module.grants.push(self.grant(top, kind, level));
                    }
                } else if let Some(spec) = workloads::spec(rtype) {
                    module.workloads.push(self.workload(top, spec));
                }
            }
        }
    }

    fn grant(&self, top: &Top, kind: GrantKind, level: Level) -> Grant {
        let body = &top.block.body;
        let members: Vec<Val> = match kind {
            GrantKind::Member => self.attr(body, "member", top.src).into_iter().collect(),
            _ => self
                .attr(body, "members", top.src)
                .map(|v| v.elements().into_iter().cloned().collect())
                .unwrap_or_default(),
        };
        let (on, on_account, on_expr) = self.grant_target(body, top.src, level);
        Grant {
            res: self.header(top),
            policy_data: None,
            kind,
            level,
            role: self.attr(body, "role", top.src),
            target: RoleTarget::Unknown,
            members: members.into_iter().map(member).collect(),
            on,
            on_account,
            on_expr,
            target_key: self.target_key(body, top.src),
            condition: self.condition(body, top.src).map(Box::new),
        }
    }

    /// What an IAM resource applies to, and for a service-account-level one, which account.
    fn grant_target(&self, body: &Body, src: Src, level: Level) -> GrantTarget {
        let Some((attr, expr)) = RESOURCE_ATTRS
            .iter()
            .find_map(|&name| body.get_attribute(name).map(|a| (name, &a.value)))
        else {
            return (None, None, None);
        };
        let val = self.scope.eval(expr, src);
        let on_account = match level {
            Level::ServiceAccount => val.as_template().map(|s| Box::new(classify_identity(s))),
            _ => None,
        };
        let on_expr = expression_text(expr).map(String::into_boxed_str);
        (Some((attr, val)), on_account, on_expr)
    }

    fn target_key(&self, body: &Body, src: Src) -> Option<Vec<(String, Value)>> {
        const NOT_TARGET: &[&str] = &[
            "role",
            "member",
            "members",
            "policy_data",
            "count",
            "for_each",
            "provider",
            "depends_on",
        ];
        let mut key = Vec::new();
        for attr in body.attributes() {
            let name = attr.key.as_str();
            if NOT_TARGET.contains(&name) {
                continue;
            }
            let val = self.scope.eval(&attr.value, src);
            let known = match &val.value {
                Value::Str(s) => !s
                    .parts()
                    .iter()
                    .any(|p| matches!(p, super::value::Part::Unknown)),
                Value::Unknown | Value::List(_) | Value::Object(_) => false,
                _ => true,
            };
            if !known {
                return None;
            }
            key.push((name.to_string(), val.value));
        }
        key.sort_by(|a, b| a.0.cmp(&b.0));
        // Kept with the grant: most keys have one or two entries, the first push makes four.
        key.shrink_to_fit();
        Some(key)
    }

    fn condition(&self, body: &Body, src: Src) -> Option<Condition> {
        let Some(block) = body.get_blocks("condition").next() else {
            // A generated condition: as many as its collection has.
            let dynamic = body
                .get_blocks("dynamic")
                .find(|b| b.labels.first().is_some_and(|l| l.as_str() == "condition"))?;
            return match self.blocks(body, "condition", src) {
                Blocks::Known(blocks) => {
                    let (content, binding) = blocks.into_iter().next()?;
                    let read = || Condition {
                        file: src.file,
                        ident: src.loc(&dynamic.ident).range,
                        title: self.attr(&content.body, "title", src),
                        expression: self.attr(&content.body, "expression", src),
                        certain: true,
                    };
                    Some(match binding {
                        Some((name, binding)) => self.scope.bind(&name, binding, read),
                        None => read(),
                    })
                }
                Blocks::Unknown => Some(Condition {
                    file: src.file,
                    ident: src.loc(&dynamic.ident).range,
                    title: None,
                    expression: None,
                    certain: false,
                }),
            };
        };
        Some(Condition {
            file: src.file,
            ident: src.loc(&block.ident).range,
            title: self.attr(&block.body, "title", src),
            expression: self.attr(&block.body, "expression", src),
            certain: true,
        })
    }

    /// Bindings of `data "google_iam_policy"`, as grants of the `_iam_policy` resources using them.
    fn policy_bindings(&self, tops: &[Top], policies: &HashMap<&str, &Top>, module: &mut Module) {
        for top in tops {
            let block = top.block;
            if block.ident.as_str() != "resource" || block.labels.len() != 2 {
                continue;
            }
            let Some((GrantKind::Policy, level)) = grant_kind(block.labels[0].as_str()) else {
                continue;
            };
            let policy = self.attr(&block.body, "policy_data", top.src);
            let data = policy.as_ref().and_then(Val::as_template).and_then(|s| {
                s.refs()
                    .find(|r| r.data && r.rtype == "google_iam_policy")
                    .and_then(|r| policies.get(r.name.as_str()))
            });
            let document = match data {
                None => self.policy_document(&block.body, top.src, &module.files),
                Some(_) => None,
            };
            if let Some(grants) = document.and_then(|d| self.document_grants(top, level, &d)) {
                module.grants.extend(grants);
                continue;
            }
            let Some(data) = data else {
                // The policy is not readable here: the resource still replaces the whole policy.
                let (on, on_account, on_expr) = self.grant_target(&block.body, top.src, level);
                module.grants.push(Grant {
                    res: self.header(top),
                    policy_data: None,
                    kind: GrantKind::Policy,
                    level,
                    role: None,
                    target: RoleTarget::Unknown,
                    members: Vec::new(),
                    on,
                    on_account,
                    on_expr,
                    target_key: self.target_key(&block.body, top.src),
                    condition: None,
                });
                continue;
            };
            let bindings = match self.blocks(&data.block.body, "binding", data.src) {
                Blocks::Known(bindings) => bindings,
                Blocks::Unknown => Vec::new(),
            };
            for (binding, iterator) in bindings {
                self.bound(&iterator, || {
                    let members = self
                        .attr(&binding.body, "members", data.src)
                        .map(|v| v.elements().into_iter().cloned().collect::<Vec<_>>())
                        .unwrap_or_default();
                    let (on, on_account, on_expr) = self.grant_target(&block.body, top.src, level);
                    module.grants.push(Grant {
                        res: self.header(top),
                        policy_data: Some(Box::new(self.header(data))),
                        kind: GrantKind::Policy,
                        level,
                        role: self.attr(&binding.body, "role", data.src),
                        target: RoleTarget::Unknown,
                        members: members.into_iter().map(member).collect(),
                        on,
                        on_account,
                        on_expr,
                        target_key: self.target_key(&block.body, top.src),
                        condition: self.condition(&binding.body, data.src).map(Box::new),
                    });
                });
            }
        }
    }

    /// A `module` block: one call for each instance its `count` or `for_each` creates (none
    /// for `count = 0`), with `each` and `count` bound in its inputs.
    fn module_calls(&self, top: &Top, module: &mut Module) {
        for instance in self.instances(top) {
            match instance {
                Some((key, name, binding)) => self.scope.bind(&name, binding, || {
                    if let Some(mut call) = self.module_call(top) {
                        call.instance = Some(key);
                        module.calls.push(call);
                    }
                }),
                None => module.calls.extend(self.module_call(top)),
            }
        }
    }

    /// A `module` block with a known `source`, with its inputs.
    fn module_call(&self, top: &Top) -> Option<ModuleCall> {
        const META: &[&str] = &[
            "source",
            "version",
            "count",
            "for_each",
            "providers",
            "depends_on",
        ];
        let block = top.block;
        let source = self
            .attr(&block.body, "source", top.src)?
            .as_str()?
            .to_string();
        let inputs = block
            .body
            .attributes()
            .filter(|a| !META.contains(&a.key.as_str()))
            .map(|a| {
                (
                    a.key.as_str().to_string(),
                    self.scope.eval(&a.value, top.src),
                )
            })
            .collect();
        Some(ModuleCall {
            file: top.src.file,
            name: block.labels[0].as_str().to_string(),
            source,
            name_label: top.src.loc(&block.labels[0]).range,
            instance: None,
            inputs,
        })
    }

    fn provider(&self, top: &Top) -> Provider {
        let block = top.block;
        let body = &block.body;
        let span = |node: &dyn Span| {
            let r = node.span().unwrap_or(0..0);
            r.start + top.src.base..r.end + top.src.base
        };
        Provider {
            file: top.src.file,
            name: block.labels[0].as_str().to_string(),
            block: span(block),
            name_label: span(&block.labels[0]),
            alias: self.attr(body, "alias", top.src),
            impersonate_service_account: self.attr(body, "impersonate_service_account", top.src),
            credentials: self.attr(body, "credentials", top.src),
            credentials_attr: body.get_attribute("credentials").map(|a| span(a)),
            access_token: self.attr(body, "access_token", top.src),
        }
    }

    fn workload(&self, top: &Top, spec: &'static workloads::WorkloadSpec) -> Workload {
        let res = self.header(top);
        let mut slots = Vec::new();
        for slot in spec.slots {
            let anchor = Anchor {
                range: res.type_label.clone(),
                kind: format!("this {}", spec.product),
            };
            self.walk_slot(
                &top.block.body,
                top.src,
                slot,
                slot.path,
                anchor,
                None,
                &mut slots,
            );
        }
        let process = if spec.rtype == "google_container_node_pool" {
            // A node pool is part of its cluster's process.
            match self.attr(&top.block.body, "cluster", top.src) {
                Some(val) => match val.as_template() {
                    Some(s) => match s.refs().find(|r| !r.data && r.rtype == workloads::CLUSTER) {
                        Some(r) => format!("{}.{}", workloads::CLUSTER, r.name),
                        None => match s.as_literal() {
                            Some(name) => format!("{CLUSTER_NAMED}{name}"),
                            None => format!("{CLUSTER_NAMED}?"),
                        },
                    },
                    None => format!("{CLUSTER_NAMED}?"),
                },
                None => format!("{CLUSTER_NAMED}?"),
            }
        } else {
            res.address()
        };
        Workload {
            image: self.container_image(&top.block.body, top.src, 0),
            res,
            product: spec.product,
            slots,
            process,
            cluster_name: None,
        }
    }

    /// The container image a Cloud Run service or job runs, when it is one known string
    /// (`template { containers { image = ... } }`, at any depth of its blocks).
    fn container_image(&self, body: &Body, src: Src, depth: usize) -> Option<String> {
        if depth > 4 {
            return None;
        }
        let mut images = Vec::new();
        for block in body.blocks() {
            if block.ident.as_str() == "containers" {
                if let Some(image) = self.attr(&block.body, "image", src) {
                    images.push(image.as_str()?.to_string());
                }
            } else if matches!(block.ident.as_str(), "template" | "spec") {
                images.push(self.container_image(&block.body, src, depth + 1)?);
            }
        }
        images.sort();
        images.dedup();
        match images.len() {
            0 => None,
            _ => Some(images.join(", ")),
        }
    }

    /// Follows `path` through nested blocks to the identity attribute, one slot per block instance.
    #[allow(clippy::too_many_arguments)]
    fn walk_slot(
        &self,
        body: &Body,
        src: Src,
        slot: &'static SlotSpec,
        path: &[workloads::Step],
        anchor: Anchor,
        part: Option<String>,
        out: &mut Vec<IdentitySlot>,
    ) {
        let Some((step, rest)) = path.split_first() else {
            out.push(IdentitySlot {
                attr: slot.display,
                part,
                state: self.slot_state(body, src, slot.attr, slot.default, anchor),
                runtime: slot.runtime,
            });
            return;
        };
        let blocks = match self.blocks(body, step.block, src) {
            Blocks::Known(blocks) => blocks,
            Blocks::Unknown => {
                out.push(IdentitySlot {
                    attr: slot.display,
                    part,
                    state: SlotState::Unknown,
                    runtime: slot.runtime,
                });
                return;
            }
        };
        if blocks.is_empty() {
            let state = {
                match (step.if_absent, slot.default) {
                    (IfAbsent::Default, Some(default)) => SlotState::Missing {
                        default,
                        anchor: anchor.range,
                        anchor_kind: anchor.kind,
                    },
                    (IfAbsent::NoIdentity, _) | (IfAbsent::Default, None) => SlotState::NoIdentity,
                    (IfAbsent::Unknown, _) => SlotState::Unknown,
                }
            };
            out.push(IdentitySlot {
                attr: slot.display,
                part,
                state,
                runtime: slot.runtime,
            });
            return;
        }
        for (block, iterator) in blocks {
            let anchor = Anchor {
                range: src.loc(&block.ident).range,
                kind: format!("this `{}` block", step.block),
            };
            self.bound(&iterator, || {
                self.walk_slot(&block.body, src, slot, rest, anchor, part.clone(), out)
            });
        }
    }

    fn slot_state(
        &self,
        body: &Body,
        src: Src,
        attr: &str,
        default: Option<DefaultIdentity>,
        anchor: Anchor,
    ) -> SlotState {
        let missing = || match default {
            Some(default) => SlotState::Missing {
                default,
                anchor: anchor.range.clone(),
                anchor_kind: anchor.kind.clone(),
            },
            None => SlotState::NoIdentity,
        };
        let mut val = self.attr(body, attr, src);
        // Dataflow also takes the identity as a pipeline option in `parameters`.
        if val.is_none()
            && attr == "service_account_email"
            && let Some(parameters) = self.attr(body, "parameters", src)
        {
            match &parameters.value {
                Value::Object(_) => {
                    val = DATAFLOW_IDENTITY_OPTIONS
                        .iter()
                        .find_map(|key| parameters.get(key).cloned());
                }
                Value::Null => {}
                _ => return SlotState::Unknown,
            }
        }
        match val {
            None => missing(),
            Some(val) => match &val.value {
                Value::Null => missing(),
                Value::Str(s) if s.as_literal() == Some("") => missing(),
                Value::Str(s) => {
                    let sa = classify_identity(s);
                    SlotState::Set { val, sa }
                }
                _ => SlotState::Unknown,
            },
        }
    }

    /// GKE: the default node pool (unless removed), inline node pools, and auto-provisioned nodes.
    fn cluster(&self, top: &Top) -> Workload {
        let res = self.header(top);
        let body = &top.block.body;
        let src = top.src;
        let mut slots = Vec::new();
        let product = "GKE cluster";
        let cluster_anchor = || Anchor {
            range: res.type_label.clone(),
            kind: format!("this {product}"),
        };
        let autopilot = self.attr(body, "enable_autopilot", src).map(|v| v.value);
        let removed = self
            .attr(body, "remove_default_node_pool", src)
            .map(|v| v.value);
        let has_pools =
            body.get_blocks("node_pool").next().is_some() || has_dynamic(body, "node_pool");
        let default_pool = match (&autopilot, &removed) {
            (Some(Value::Bool(true)), _) | (_, Some(Value::Bool(true))) => Some(false),
            (Some(Value::Bool(false)) | None, Some(Value::Bool(false)) | None) => Some(!has_pools),
            _ => None,
        };
        static NODE_SA: SlotSpec = SlotSpec {
            path: &[],
            attr: "service_account",
            display: "node_config.service_account",
            default: Some(DefaultIdentity::ComputeEngine),
            runtime: true,
        };
        match default_pool {
            Some(true) => {
                let configs: Vec<&Block> = body.get_blocks("node_config").collect();
                if configs.is_empty() && has_dynamic(body, "node_config") {
                    slots.push(IdentitySlot {
                        attr: NODE_SA.display,
                        part: Some("default node pool".into()),
                        state: SlotState::Unknown,
                        runtime: true,
                    });
                } else if configs.is_empty() {
                    let anchor = cluster_anchor();
                    slots.push(IdentitySlot {
                        attr: NODE_SA.display,
                        part: Some("default node pool".into()),
                        state: SlotState::Missing {
                            default: DefaultIdentity::ComputeEngine,
                            anchor: anchor.range,
                            anchor_kind: anchor.kind,
                        },
                        runtime: true,
                    });
                }
                for config in configs {
                    let anchor = Anchor {
                        range: src.loc(&config.ident).range,
                        kind: "this `node_config` block".into(),
                    };
                    slots.push(IdentitySlot {
                        attr: NODE_SA.display,
                        part: Some("default node pool".into()),
                        state: self.slot_state(
                            &config.body,
                            src,
                            NODE_SA.attr,
                            NODE_SA.default,
                            anchor,
                        ),
                        runtime: true,
                    });
                }
            }
            Some(false) => {}
            None => slots.push(IdentitySlot {
                attr: NODE_SA.display,
                part: Some("default node pool".into()),
                state: SlotState::Unknown,
                runtime: true,
            }),
        }
        static POOL_SA: SlotSpec = SlotSpec {
            path: &[workloads::Step {
                block: "node_config",
                if_absent: IfAbsent::Default,
            }],
            attr: "service_account",
            display: "node_pool.node_config.service_account",
            default: Some(DefaultIdentity::ComputeEngine),
            runtime: true,
        };
        self.node_pools(body, src, &POOL_SA, &mut slots);
        let nap = self
            .attr_path(body, src, &["cluster_autoscaling"], "enabled")
            .map(|v| v.value);
        if matches!(autopilot, Some(Value::Bool(true))) || matches!(nap, Some(Value::Bool(true))) {
            static NAP_SA: SlotSpec = SlotSpec {
                path: &[
                    workloads::Step {
                        block: "cluster_autoscaling",
                        if_absent: IfAbsent::Default,
                    },
                    workloads::Step {
                        block: "auto_provisioning_defaults",
                        if_absent: IfAbsent::Default,
                    },
                ],
                attr: "service_account",
                display: "cluster_autoscaling.auto_provisioning_defaults.service_account",
                default: Some(DefaultIdentity::ComputeEngine),
                runtime: true,
            };
            let part = if matches!(autopilot, Some(Value::Bool(true))) {
                "Autopilot nodes"
            } else {
                "auto-provisioned nodes"
            };
            self.walk_slot(
                body,
                src,
                &NAP_SA,
                NAP_SA.path,
                cluster_anchor(),
                Some(part.into()),
                &mut slots,
            );
        }
        let name = self
            .attr(body, "name", src)
            .and_then(|v| v.as_str().map(str::to_string));
        Workload {
            process: res.address(),
            res,
            product,
            slots,
            cluster_name: name,
            image: None,
        }
    }

    fn attr_path(&self, body: &Body, src: Src, blocks: &[&str], attr: &str) -> Option<Val> {
        let mut body = body;
        for name in blocks {
            body = &body.get_blocks(name).next()?.body;
        }
        self.attr(body, attr, src)
    }
}

#[derive(Clone)]
struct Anchor {
    range: std::ops::Range<usize>,
    kind: String,
}

fn has_dynamic(body: &Body, name: &str) -> bool {
    body.get_blocks("dynamic")
        .any(|b| b.labels.first().is_some_and(|l| l.as_str() == name))
}

fn member(val: Val) -> Member {
    let principal = match val.as_template() {
        Some(s) => classify_member(s),
        None => principal::Principal::Unknown,
    };
    Member { val, principal }
}

/// The attributes that name what an IAM resource applies to, most specific first.
/// The pipeline options of a Dataflow job's `parameters` that set its worker identity.
const DATAFLOW_IDENTITY_OPTIONS: &[&str] = &[
    "serviceAccount",
    "serviceAccountEmail",
    "service_account_email",
];

/// An expression as written, on one line, for messages that name a target by its source
/// (`local.p.id`): none when it is long or spans lines.
fn expression_text(expr: &hcl_edit::expr::Expression) -> Option<String> {
    let text = expr.to_string();
    let text = text.trim();
    (!text.is_empty() && text.len() <= 80 && !text.contains(['\n', '\r'])).then(|| text.to_string())
}

pub const RESOURCE_ATTRS: &[&str] = &[
    "service_account_id",
    "bucket",
    "topic",
    "subscription",
    "secret_id",
    "crypto_key_id",
    "key_ring_id",
    "table_id",
    "dataset_id",
    "repository",
    "instance_name",
    "instance",
    "service",
    "job",
    "cloud_function",
    "name",
    "folder",
    "org_id",
    "project",
];

/// What the model reads of a top-level block, from its header alone (and whether it has a
/// `count` or `for_each` argument): the loader parses only that ([`crate::outline`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reads {
    Nothing,
    Whole,
    /// These arguments of its body, and nothing else.
    Arguments(&'static [&'static str]),
    /// These arguments, when first read: the block reaches the model with its identifier and
    /// labels only, and its arguments are parsed on first read (a variable's, when it is looked
    /// up; an output's, when its module is called).
    OnFirstUse(&'static [&'static str]),
}

/// [`Reads`] for a block: `labels` as written (one that is not its value, with an escape,
/// is read whole, to be safe), `repeats` whether it has `count` or `for_each`, `followed`
/// (for a `module` block) whether the engine follows the call: the inputs of one it does not
/// follow are read by nothing (its source and instances still make its [`ModuleCall`]s).
/// Must stay in step with
/// [`extract`]: the blocks it reads through [`Cx::top`] and the scope's `locals`, `variable`
/// and repetitions.
pub fn reads(ident: &str, labels: &[&str], repeats: bool, followed: bool) -> Reads {
    if !labels.iter().all(|l| crate::outline::plain(l)) {
        return Reads::Whole;
    }
    match (ident, labels) {
        ("module", _) if !followed => Reads::Arguments(&["source", "count", "for_each"]),
        ("locals" | "module", _) => Reads::Whole,
        ("variable", _) => Reads::OnFirstUse(&["default", "type", "nullable"]),
        ("output", _) => Reads::OnFirstUse(&["value"]),
        ("provider", ["google" | "google-beta"]) => Reads::Whole,
        ("data", ["google_iam_policy", _]) => Reads::Whole,
        ("resource", [rtype, _])
            if extracted(rtype) || matches!(grant_kind(rtype), Some((GrantKind::Policy, _))) =>
        {
            Reads::Whole
        }
        ("resource" | "data", [_, _]) if repeats => Reads::Arguments(&["count", "for_each"]),
        _ => Reads::Nothing,
    }
}

/// `google_project_iam_member` -> (Member, Project), `google_storage_bucket_iam_binding` -> (Binding, Resource).
/// Whether [`Cx::resource_instance`] reads anything from a resource of this type: the same
/// cases as its `match`, which must stay in step with this.
fn extracted(rtype: &str) -> bool {
    matches!(
        rtype,
        "google_project_iam_custom_role"
            | "google_organization_iam_custom_role"
            | "google_service_account"
            | "google_service_account_key"
            | "google_iam_workload_identity_pool"
            | "google_iam_workload_identity_pool_provider"
            | "google_bigquery_dataset"
            | "google_bigquery_dataset_access"
    ) || rtype == workloads::CLUSTER
        || STORAGE_ACLS.iter().any(|(t, _, _)| *t == rtype)
        || grant_kind(rtype).is_some_and(|(kind, _)| kind != GrantKind::Policy)
        || workloads::spec(rtype).is_some()
}

pub fn grant_kind(rtype: &str) -> Option<(GrantKind, Level)> {
    let rest = rtype.strip_prefix("google_")?;
    let (scope, kind) = if let Some(scope) = rest.strip_suffix("_iam_member") {
        (scope, GrantKind::Member)
    } else if let Some(scope) = rest.strip_suffix("_iam_binding") {
        (scope, GrantKind::Binding)
    } else if let Some(scope) = rest.strip_suffix("_iam_policy") {
        (scope, GrantKind::Policy)
    } else {
        return None;
    };
    let level = match scope {
        "project" => Level::Project,
        "folder" => Level::Folder,
        "organization" => Level::Organization,
        "service_account" => Level::ServiceAccount,
        _ => Level::Resource,
    };
    Some((kind, level))
}

const CUSTOM_ROLE_TYPES: &[&str] = &[
    "google_project_iam_custom_role",
    "google_organization_iam_custom_role",
];

/// The custom roles of a module by what grants name them with: the resource, or the level and
/// `role_id` (the first role of each, as a scan in order would find).
struct RoleIndex<'m> {
    by_resource: HashMap<(&'m str, &'m str), usize>,
    by_id: HashMap<(bool, &'m str), usize>,
}

impl<'m> RoleIndex<'m> {
    fn new(roles: &'m [CustomRole]) -> RoleIndex<'m> {
        let mut index = RoleIndex {
            by_resource: HashMap::new(),
            by_id: HashMap::new(),
        };
        for (i, c) in roles.iter().enumerate() {
            index
                .by_resource
                .entry((c.res.rtype.as_str(), c.res.name.as_str()))
                .or_insert(i);
            if let Some(id) = c.role_id.as_ref().and_then(Val::as_str) {
                let project = matches!(c.level, RoleLevel::Project);
                index.by_id.entry((project, id)).or_insert(i);
            }
        }
        index
    }
}

fn role_target(role: Option<&Val>, roles: &RoleIndex) -> RoleTarget {
    let Some(s) = role.and_then(Val::as_template) else {
        return RoleTarget::Unknown;
    };
    for r in s.refs() {
        if !r.data && CUSTOM_ROLE_TYPES.contains(&r.rtype.as_str()) {
            return match roles
                .by_resource
                .get(&(r.rtype.as_str(), r.name.as_str()))
                .copied()
            {
                Some(i) => RoleTarget::Custom(i),
                None => RoleTarget::Unknown,
            };
        }
    }
    if let [super::value::Part::Lit(lit)] = s.parts()
        && lit.starts_with("roles/")
    {
        return RoleTarget::Predefined(lit.clone());
    }
    // `projects/P/roles/ID` or `organizations/O/roles/ID`, with P or O possibly unknown.
    let prefix = s.known_prefix();
    let suffix = s.known_suffix();
    let custom = (prefix.starts_with("projects/") || prefix.starts_with("organizations/"))
        && suffix.contains("/roles/");
    if !custom {
        return RoleTarget::Unknown;
    }
    let id = suffix.rsplit_once("/roles/").map_or("", |(_, id)| id);
    let project = prefix.starts_with("projects/");
    match roles.by_id.get(&(project, id)).copied() {
        Some(i) => RoleTarget::Custom(i),
        None => match s.as_literal() {
            Some(lit) => RoleTarget::OtherCustom(lit.into()),
            None => RoleTarget::Unknown,
        },
    }
}

// IAM written as data: policy documents in `policy_data`, Cloud Storage ACLs and BigQuery
// dataset access. Each becomes grants like those of `_iam_member` and `data "google_iam_policy"`,
// with the roles of legacy ACLs named by the predefined role that is their equivalent, so the
// grant rules read them without knowing where they came from.

/// ACL resources of Cloud Storage: (resource type, what the roles apply to, authoritative).
const STORAGE_ACLS: &[(&str, AclOn, bool)] = &[
    ("google_storage_bucket_access_control", AclOn::Bucket, false),
    ("google_storage_bucket_acl", AclOn::Bucket, true),
    (
        "google_storage_default_object_access_control",
        AclOn::Objects,
        false,
    ),
    ("google_storage_default_object_acl", AclOn::Objects, true),
    (
        "google_storage_object_access_control",
        AclOn::Objects,
        false,
    ),
    ("google_storage_object_acl", AclOn::Objects, true),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AclOn {
    Bucket,
    Objects,
}

/// The predefined role a legacy Cloud Storage ACL role equals (Cloud Storage "IAM and ACLs").
fn storage_acl_role(on: AclOn, role: &str) -> Option<&'static str> {
    Some(match (on, role) {
        (AclOn::Bucket, "READER") => "roles/storage.legacyBucketReader",
        (AclOn::Bucket, "WRITER") => "roles/storage.legacyBucketWriter",
        (AclOn::Bucket, "OWNER") => "roles/storage.legacyBucketOwner",
        (AclOn::Objects, "READER") => "roles/storage.legacyObjectReader",
        (AclOn::Objects, "OWNER") => "roles/storage.legacyObjectOwner",
        _ => return None,
    })
}

/// The predefined role a BigQuery dataset access role equals (the API maps them both ways).
fn dataset_role(role: &str) -> Option<&'static str> {
    Some(match role {
        "READER" => "roles/bigquery.dataViewer",
        "WRITER" => "roles/bigquery.dataEditor",
        "OWNER" => "roles/bigquery.dataOwner",
        _ => return None,
    })
}

/// A role written in a legacy form, as the predefined role it equals, located where it is
/// written; anything else (`roles/...`, an unknown) as it is.
fn mapped_role(val: Val, map: impl Fn(&str) -> Option<&'static str>) -> Val {
    match val.as_str().and_then(map) {
        Some(role) => Val {
            value: Value::Str(Str::literal(role)),
            loc: val.loc,
        },
        None => val,
    }
}

/// `kind:` followed by the rest of a string: `user:` + `${google_service_account.x.email}`.
fn prefixed(kind: &str, rest: &Str) -> Str {
    let mut parts = super::value::PartsBuilder::default();
    parts.push_lit(kind);
    for part in rest.parts() {
        parts.keep(part.clone());
    }
    parts.finish()
}

/// An email as a member: `serviceAccount:` for a service account, `user:` for a known email
/// that is not one; as it is (an unknown member) when it may be either.
fn email_member(email: &Str) -> Str {
    let account = match classify_identity(email) {
        SaRef::Resource(_) | SaRef::Default(_) | SaRef::ServiceAgent => true,
        SaRef::Email(e) => e.ends_with(".gserviceaccount.com"),
        SaRef::Unknown => email.known_suffix().ends_with(".gserviceaccount.com"),
    };
    if account {
        prefixed("serviceAccount:", email)
    } else if email.as_literal().is_some_and(|e| e.contains('@')) {
        prefixed("user:", email)
    } else {
        email.clone()
    }
}

/// A Cloud Storage ACL entity as an IAM member: `allUsers`, `user-a@x` -> `user:a@x`,
/// `group-g@x`, `domain-x`, `project-owners-123` -> `projectOwner:123`. `None` when the kind
/// of entity is not known.
fn storage_entity(entity: &Str) -> Option<Str> {
    if let Some(lit) = entity.as_literal()
        && (lit == "allUsers" || lit == "allAuthenticatedUsers")
    {
        return Some(entity.clone());
    }
    const KINDS: &[(&str, &str)] = &[
        ("group-", "group:"),
        ("domain-", "domain:"),
        ("project-owners-", "projectOwner:"),
        ("project-editors-", "projectEditor:"),
        ("project-viewers-", "projectViewer:"),
    ];
    if let Some(rest) = entity.strip_prefix("user-") {
        // `user-ID` (a numeric account id) names someone, but not in a form IAM reads.
        let email = rest.as_literal().is_none_or(|e| e.contains('@'));
        return email.then(|| email_member(&rest));
    }
    KINDS
        .iter()
        .find_map(|(acl, iam)| entity.strip_prefix(acl).map(|rest| prefixed(iam, &rest)))
}

/// The member a canned ACL (`predefined_acl`, `default_acl`) gives a role to, beyond the
/// project's own teams: `publicRead` -> allUsers READER.
fn canned_acl(name: &str, on: AclOn) -> Option<(&'static str, &'static str)> {
    match (name, on) {
        ("publicRead", _) => Some(("allUsers", "READER")),
        ("publicReadWrite", AclOn::Bucket) => Some(("allUsers", "WRITER")),
        ("authenticatedRead", _) => Some(("allAuthenticatedUsers", "READER")),
        _ => None,
    }
}

fn literal_at(s: impl Into<super::value::Text>, loc: super::value::Loc) -> Val {
    Val {
        value: Value::Str(Str::literal(s)),
        loc,
    }
}

/// The first code point of the placeholders that stand for interpolations in a decoded
/// template (Unicode's private use area: no policy document holds one).
const HOLE: u32 = 0xE000;

/// The end of an interpolation that starts at `at` (`${`): just past its closing brace, with
/// braces and quoted strings inside it balanced.
fn interpolation_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'"' => loop {
                i += 1;
                match bytes.get(i)? {
                    b'\\' => i += 1,
                    b'"' => break,
                    _ => {}
                }
            },
            _ => {}
        }
        i += 1;
    }
    None
}

/// The text of a string literal or template as Terraform reads it, with, for each byte, the
/// offset in the source it comes from (one past the end last): a quoted string's escapes and a
/// heredoc's `$${` are undone, and each interpolation `${...}` is one placeholder character
/// (`HOLE` + its index), whose count is returned. `None` for a form it does not know or a
/// template directive (`%{`).
fn decode_literal(raw: &str) -> Option<(String, Vec<usize>, usize)> {
    let mut out = String::new();
    let mut offsets = Vec::new();
    let mut holes = 0;
    let (body, start, quoted) = if let Some(rest) = raw.strip_prefix("<<") {
        let first = rest.find('\n')? + 3;
        let last = raw.trim_end().rfind('\n')? + 1;
        (raw.get(first..last)?, first, false)
    } else if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
        (&raw[1..raw.len() - 1], 1, true)
    } else {
        return None;
    };
    let bytes = body.as_bytes();
    let mut i = 0;
    let push = |out: &mut String, offsets: &mut Vec<usize>, s: &str, at: usize| {
        out.push_str(s);
        offsets.extend(std::iter::repeat_n(start + at, s.len()));
    };
    while i < bytes.len() {
        let rest = &body[i..];
        if rest.starts_with("$${") || rest.starts_with("%%{") {
            push(&mut out, &mut offsets, &rest[1..3], i);
            i += 3;
        } else if rest.starts_with("%{") {
            return None;
        } else if rest.starts_with("${") {
            let hole = char::from_u32(HOLE + u32::try_from(holes).ok()?)?;
            push(&mut out, &mut offsets, hole.encode_utf8(&mut [0; 4]), i);
            holes += 1;
            i = interpolation_end(bytes, i)?;
        } else if quoted && bytes[i] == b'\\' {
            let (text, len) = match bytes.get(i + 1)? {
                b'n' => ("\n".to_string(), 2),
                b't' => ("\t".to_string(), 2),
                b'r' => ("\r".to_string(), 2),
                b'"' => ("\"".to_string(), 2),
                b'\\' => ("\\".to_string(), 2),
                b'u' | b'U' => {
                    let n = if bytes[i + 1] == b'u' { 4 } else { 8 };
                    let hex = body.get(i + 2..i + 2 + n)?;
                    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                    (c.to_string(), 2 + n)
                }
                _ => return None,
            };
            push(&mut out, &mut offsets, &text, i);
            i += len;
        } else {
            let c = rest.chars().next()?;
            push(&mut out, &mut offsets, &rest[..c.len_utf8()], i);
            i += c.len_utf8();
        }
    }
    offsets.push(start + body.len());
    Some((out, offsets, holes))
}

/// A decoded string with placeholders, as a template: each placeholder replaced by the value
/// of its interpolation (an unknown part when that is not a string).
fn fill_holes(text: &str, holes: &[Val]) -> Str {
    use super::value::Part;
    let mut parts = super::value::PartsBuilder::default();
    for c in text.chars() {
        let hole = (c as u32)
            .checked_sub(HOLE)
            .and_then(|k| holes.get(k as usize));
        match hole.map(|v| &v.value) {
            None => parts.push_lit(c.encode_utf8(&mut [0; 4])),
            Some(Value::Str(s)) => {
                for part in s.parts() {
                    parts.push(part.clone());
                }
            }
            Some(Value::Number(n)) => parts.push_lit(n),
            Some(Value::Bool(b)) => parts.push_lit(if *b { "true" } else { "false" }),
            Some(_) => parts.push(Part::Unknown),
        }
    }
    parts.finish()
}

/// A JSON value as a [`Val`], each part located by `loc` from its token's range.
fn json_val(
    json: &crate::tfjson::Json,
    text: &str,
    holes: &[Val],
    loc: &dyn Fn(std::ops::Range<usize>) -> super::value::Loc,
) -> Option<Val> {
    use crate::tfjson::Json;
    Some(match json {
        Json::Scalar(range) => {
            let token = text.get(range.clone())?;
            let value = match token {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                t if t.starts_with('"') => {
                    Value::Str(fill_holes(&serde_json::from_str::<String>(t).ok()?, holes))
                }
                t => Value::Number(t.to_string()),
            };
            Val {
                value,
                loc: loc(range.clone()),
            }
        }
        Json::Array(items) => {
            let items = items
                .iter()
                .map(|item| json_val(item, text, holes, loc))
                .collect::<Option<Vec<_>>>()?;
            let start = items.first().map_or(0, |v| v.loc.range.start);
            let end = items.last().map_or(start, |v| v.loc.range.end);
            let file = items.first().map(|v| v.loc.file);
            Val {
                value: Value::List(items),
                loc: match file {
                    Some(file) => super::value::Loc {
                        file,
                        range: start..end,
                    },
                    None => loc(0..0),
                },
            }
        }
        Json::Object(entries) => {
            let mut out = Vec::new();
            let mut first = None;
            for (key, key_range, value) in entries {
                first.get_or_insert_with(|| loc(key_range.clone()));
                out.push((key.clone(), json_val(value, text, holes, loc)?));
            }
            Val {
                value: Value::Object(out),
                loc: first.unwrap_or_else(|| loc(0..0)),
            }
        }
    })
}

impl Cx<'_, '_> {
    /// The policy document of an `_iam_policy` resource written in place: `jsonencode({...})`
    /// or a JSON string (a heredoc, a quoted string, a local holding one). Its values are
    /// located in the source: a member string inside a heredoc at its own text.
    fn policy_document(&self, body: &Body, src: Src, files: &[ModuleFile]) -> Option<Val> {
        let attr = body.get_attribute("policy_data")?;
        if let Expression::FuncCall(call) = &attr.value
            && !call.name.is_namespaced()
            && call.name.name.as_str() == "jsonencode"
            && !call.args.expand_final()
            && call.args.len() == 1
        {
            return call.args.iter().next().map(|a| self.scope.eval(a, src));
        }
        // A template written here, interpolations and all: each is read in place.
        if let Some(template) = attr.value.as_template()
            && template
                .iter()
                .any(|e| matches!(e, hcl_edit::template::Element::Interpolation(_)))
        {
            return self.policy_template(&attr.value, template, src, files);
        }
        let val = self.scope.eval(&attr.value, src);
        let text = val.as_str()?;
        let whole = serde_json::from_str::<serde_json::Value>(text).ok()?;
        // Where the literal is written as it reads (no interpolation, no escape that JSON and
        // HCL read differently), its tokens are located one by one.
        let file = files.iter().find(|f| f.id == val.loc.file);
        let raw = file
            .filter(|f| f.map.is_none())
            .and_then(|f| f.text.get(val.loc.range.clone()));
        if let Some((decoded, offsets, 0)) = raw.and_then(decode_literal)
            && serde_json::from_str::<serde_json::Value>(&decoded).ok() == Some(whole)
            && let Ok(json) = crate::tfjson::parse(&decoded)
        {
            let base = val.loc.range.start;
            let file = val.loc.file;
            let at = |r: std::ops::Range<usize>| super::value::Loc {
                file,
                range: base + offsets[r.start]..base + offsets[r.end],
            };
            return json_val(&json, &decoded, &[], &at);
        }
        let json = crate::tfjson::parse(text).ok()?;
        json_val(&json, text, &[], &|_| val.loc.clone())
    }

    /// A policy document written as a template with interpolations
    /// (`"serviceAccount:${google_service_account.x.email}"` inside a heredoc): the JSON is
    /// read with each interpolation standing inside a string, then filled with its value. An
    /// interpolation outside a string (`"members": ${jsonencode(...)}`) or a directive leaves
    /// the document unread.
    fn policy_template(
        &self,
        expr: &Expression,
        template: &hcl_edit::template::Template,
        src: Src,
        files: &[ModuleFile],
    ) -> Option<Val> {
        use hcl_edit::template::Element;
        let mut holes = Vec::new();
        for element in template.iter() {
            match element {
                Element::Literal(_) => {}
                Element::Interpolation(i) => holes.push(self.scope.eval(&i.expr, src)),
                Element::Directive(_) => return None,
            }
        }
        let loc = src.loc(expr);
        let raw = files
            .iter()
            .find(|f| f.id == loc.file && f.map.is_none())?
            .text
            .get(loc.range.clone())?;
        let (decoded, offsets, count) = decode_literal(raw)?;
        if count != holes.len() {
            return None;
        }
        let json = crate::tfjson::parse(&decoded).ok()?;
        let base = loc.range.start;
        let at = |r: std::ops::Range<usize>| super::value::Loc {
            file: loc.file,
            range: base + offsets[r.start]..base + offsets[r.end],
        };
        json_val(&json, &decoded, &holes, &at)
    }

    /// The grants of a policy document, one per binding; `None` when its bindings cannot be read
    /// or there are none (the resource is then one grant of no known role, which still replaces
    /// the whole policy).
    fn document_grants(&self, top: &Top, level: Level, policy: &Val) -> Option<Vec<Grant>> {
        let bindings = match &policy.value {
            Value::Object(_) => match policy.get("bindings").map(|b| &b.value) {
                Some(Value::List(items)) => items,
                _ => return None,
            },
            _ => return None,
        };
        let body = &top.block.body;
        let mut grants = Vec::new();
        for binding in bindings {
            if !matches!(binding.value, Value::Object(_)) {
                continue;
            }
            let members = binding
                .get("members")
                .map(|v| v.elements().into_iter().cloned().collect::<Vec<_>>())
                .unwrap_or_default();
            let condition = binding
                .get("condition")
                .filter(|c| !matches!(c.value, Value::Null))
                .map(|c| Condition {
                    file: c.loc.file,
                    ident: c.loc.range.clone(),
                    title: c.get("title").cloned(),
                    expression: c.get("expression").cloned(),
                    certain: true,
                });
            let (on, on_account, on_expr) = self.grant_target(body, top.src, level);
            grants.push(Grant {
                res: self.header(top),
                policy_data: None,
                kind: GrantKind::Policy,
                level,
                role: binding.get("role").cloned(),
                target: RoleTarget::Unknown,
                members: members.into_iter().map(member).collect(),
                on,
                on_account,
                on_expr,
                target_key: self.target_key(body, top.src),
                condition: condition.map(Box::new),
            });
        }
        (!grants.is_empty()).then_some(grants)
    }

    /// One grant of an ACL entry or dataset access: a role to one member.
    fn data_grant(&self, top: &Top, kind: GrantKind, role: Option<Val>, member_val: Val) -> Grant {
        let body = &top.block.body;
        let (on, on_account, on_expr) = self.grant_target(body, top.src, Level::Resource);
        Grant {
            res: self.header(top),
            policy_data: None,
            kind,
            level: Level::Resource,
            role,
            target: RoleTarget::Unknown,
            members: vec![member(member_val)],
            on,
            on_account,
            on_expr,
            target_key: self.target_key(body, top.src),
            condition: None,
        }
    }

    /// Cloud Storage ACLs: an `entity` with a `role`, `role_entity = ["READER:allUsers"]`, or a
    /// canned `predefined_acl` / `default_acl` that is public.
    fn storage_acl(&self, top: &Top, files: &[ModuleFile]) -> Vec<Grant> {
        let rtype = top.block.labels[0].as_str();
        let Some(&(_, on, authoritative)) = STORAGE_ACLS.iter().find(|(t, _, _)| *t == rtype)
        else {
            return Vec::new();
        };
        let kind = if authoritative {
            GrantKind::Policy
        } else {
            GrantKind::Member
        };
        let body = &top.block.body;
        let src = top.src;
        let mut grants = Vec::new();
        let role_of = |val: Val, on: AclOn| mapped_role(val, |r| storage_acl_role(on, r));
        if let Some(entity) = self.attr(body, "entity", src) {
            let role = self.attr(body, "role", src).map(|r| role_of(r, on));
            if let Some(member) = entity.as_template().and_then(storage_entity) {
                let val = Val {
                    value: Value::Str(member),
                    loc: entity.loc.clone(),
                };
                grants.push(self.data_grant(top, kind, role, val));
            }
        }
        if let Some(list) = self.attr(body, "role_entity", src) {
            for item in list.elements() {
                let Some(s) = item.as_template() else {
                    continue;
                };
                let Some((role, _)) = s.known_prefix().split_once(':') else {
                    continue;
                };
                let Some(member) = s
                    .strip_prefix(&format!("{role}:"))
                    .and_then(|e| storage_entity(&e))
                else {
                    continue;
                };
                // The entity's own text, when the string is written as it reads.
                let mut loc = item.loc.clone();
                let text = files
                    .iter()
                    .find(|f| f.id == loc.file && f.map.is_none())
                    .and_then(|f| f.text.get(loc.range.clone()));
                if let Some(lit) = s.as_literal()
                    && text == Some(format!("\"{lit}\"").as_str())
                {
                    loc.range = loc.range.start + role.len() + 2..loc.range.end - 1;
                }
                let role = role_of(literal_at(role, item.loc.clone()), on);
                let val = Val {
                    value: Value::Str(member),
                    loc,
                };
                grants.push(self.data_grant(top, kind, Some(role), val));
            }
        }
        for (attr, on) in [("predefined_acl", on), ("default_acl", AclOn::Objects)] {
            let Some(canned) = self.attr(body, attr, src) else {
                continue;
            };
            if let Some((who, role)) = canned.as_str().and_then(|name| canned_acl(name, on)) {
                let role = role_of(literal_at(role, canned.loc.clone()), on);
                let val = literal_at(who, canned.loc.clone());
                grants.push(self.data_grant(top, kind, Some(role), val));
            }
        }
        grants
    }

    /// The member of a BigQuery dataset access entry: `user_by_email`, `group_by_email`,
    /// `domain`, `special_group` or `iam_member` (a `view`, `dataset` or `routine` is not a
    /// principal).
    fn dataset_member(&self, body: &Body, src: Src) -> Option<Val> {
        let with = |attr: &str, f: &dyn Fn(&Str) -> Str| {
            let val = self.attr(body, attr, src)?;
            let s = val.as_template()?;
            Some(Val {
                value: Value::Str(f(s)),
                loc: val.loc.clone(),
            })
        };
        with("user_by_email", &email_member)
            .or_else(|| with("group_by_email", &|s| prefixed("group:", s)))
            .or_else(|| with("domain", &|s| prefixed("domain:", s)))
            .or_else(|| {
                with("special_group", &|s| match s.as_literal() {
                    Some("allAuthenticatedUsers" | "allUsers") => s.clone(),
                    _ => prefixed("specialGroup:", s),
                })
            })
            .or_else(|| self.attr(body, "iam_member", src))
    }

    /// `access` blocks of `google_bigquery_dataset` (authoritative for the dataset's access),
    /// or one `google_bigquery_dataset_access`.
    fn dataset_access(&self, top: &Top) -> Vec<Grant> {
        let body = &top.block.body;
        let src = top.src;
        let entry = |body: &Body, kind: GrantKind| {
            let member = self.dataset_member(body, src)?;
            let role = self
                .attr(body, "role", src)
                .map(|r| mapped_role(r, dataset_role));
            Some(self.data_grant(top, kind, role, member))
        };
        if top.block.labels[0].as_str() == "google_bigquery_dataset_access" {
            return entry(body, GrantKind::Member).into_iter().collect();
        }
        let Blocks::Known(blocks) = self.blocks(body, "access", src) else {
            return Vec::new();
        };
        let mut grants = Vec::new();
        for (block, iterator) in blocks {
            self.bound(&iterator, || {
                grants.extend(entry(&block.body, GrantKind::Policy));
            });
        }
        grants
    }
}

impl Cx<'_, '_> {
    /// The inline node pools of a GKE cluster, written out or generated by `dynamic "node_pool"`.
    /// When the generating collection is unknown, a pool template that names no identity (none of
    /// its values depends on the iterator) still runs every pool it makes as the default.
    fn node_pools(
        &self,
        body: &Body,
        src: Src,
        spec: &'static SlotSpec,
        slots: &mut Vec<IdentitySlot>,
    ) {
        let walk = |pool: &Block, kind: &str, slots: &mut Vec<IdentitySlot>| {
            let name = self
                .attr(&pool.body, "name", src)
                .and_then(|v| v.as_str().map(|s| format!("node pool `{s}`")))
                .unwrap_or_else(|| "node pool".to_string());
            let anchor = Anchor {
                range: src.loc(&pool.ident).range,
                kind: kind.to_string(),
            };
            self.walk_slot(&pool.body, src, spec, spec.path, anchor, Some(name), slots);
        };
        if let Blocks::Known(pools) = self.blocks(body, "node_pool", src) {
            for (pool, iterator) in pools {
                let kind = match iterator {
                    Some(_) => "this `content` block",
                    None => "this `node_pool` block",
                };
                self.bound(&iterator, || walk(pool, kind, slots));
            }
            return;
        }
        for pool in body.get_blocks("node_pool") {
            walk(pool, "this `node_pool` block", slots);
        }
        for dynamic in body
            .get_blocks("dynamic")
            .filter(|b| b.labels.first().is_some_and(|l| l.as_str() == "node_pool"))
        {
            let mut template = Vec::new();
            if let Some(content) = dynamic.body.get_blocks("content").next() {
                let anchor = Anchor {
                    range: src.loc(&content.ident).range,
                    kind: "this `content` block".into(),
                };
                let part = Some("each node pool of `dynamic \"node_pool\"`".to_string());
                self.walk_slot(
                    &content.body,
                    src,
                    spec,
                    spec.path,
                    anchor,
                    part,
                    &mut template,
                );
            }
            if template.is_empty()
                || template
                    .iter()
                    .any(|slot| !matches!(slot.state, SlotState::Missing { .. }))
            {
                slots.push(IdentitySlot {
                    attr: spec.display,
                    part: Some("node pool".into()),
                    state: SlotState::Unknown,
                    runtime: spec.runtime,
                });
            } else {
                slots.extend(template);
            }
        }
    }
}

#[cfg(test)]
mod data_tests {
    use super::*;

    #[test]
    fn decoded_literals_keep_source_offsets() {
        // A quoted string: `\"` is one byte read from two.
        let (text, at, _) = decode_literal(r#""{\"a\":1}""#).unwrap();
        assert_eq!(text, r#"{"a":1}"#);
        assert_eq!(at[1], 2, "the key's quote is the escape at offset 2");
        assert_eq!(at[text.len()], 10, "the end is the closing quote");
        // A heredoc: the text between the marker lines, offsets into the expression.
        let raw = "<<EOT\n{\"m\": \"$${x}\"}\nEOT";
        let (text, at, holes) = decode_literal(raw).unwrap();
        assert_eq!(holes, 0);
        assert_eq!(text, "{\"m\": \"${x}\"}\n");
        assert_eq!(&raw[at[0]..at[0] + 1], "{");
        assert_eq!(&raw[at[7]..at[7] + 3], "$${");
        // An interpolation is one placeholder, at the `${` it stands for; a directive is not read.
        let raw = "\"[\\\"${lookup(m, \"}\")}\\\"]\"";
        let (text, at, holes) = decode_literal(raw).unwrap();
        assert_eq!((text.as_str(), holes), ("[\"\u{E000}\"]", 1));
        assert_eq!(&raw[at[2]..at[2] + 2], "${");
        assert!(decode_literal("\"%{ if x }a%{ endif }\"").is_none());
        assert!(decode_literal("var.x").is_none());
        assert!(decode_literal(r#""\q""#).is_none());
    }

    #[test]
    fn acl_entities_as_members() {
        let member =
            |s: &str| storage_entity(&Str::literal(s)).map(|m| m.as_literal().unwrap().to_string());
        assert_eq!(member("allUsers").as_deref(), Some("allUsers"));
        assert_eq!(member("user-a@x.com").as_deref(), Some("user:a@x.com"));
        assert_eq!(
            member("user-1-compute@developer.gserviceaccount.com").as_deref(),
            Some("serviceAccount:1-compute@developer.gserviceaccount.com")
        );
        assert_eq!(member("group-g@x.com").as_deref(), Some("group:g@x.com"));
        assert_eq!(member("domain-x.com").as_deref(), Some("domain:x.com"));
        assert_eq!(
            member("project-owners-123").as_deref(),
            Some("projectOwner:123")
        );
        // A numeric user id is no IAM member; an unknown kind is not guessed.
        assert_eq!(member("user-00b4903a97"), None);
        assert_eq!(member("someone"), None);
        assert_eq!(storage_acl_role(AclOn::Objects, "WRITER"), None);
        assert_eq!(
            storage_acl_role(AclOn::Bucket, "WRITER"),
            Some("roles/storage.legacyBucketWriter")
        );
        assert_eq!(dataset_role("OWNER"), Some("roles/bigquery.dataOwner"));
    }
}
