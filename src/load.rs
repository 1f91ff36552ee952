//! Reading and parsing: a file's bytes -> decoded text -> syntax chunks with spans (`.tf.json`
//! through its native-syntax translation), with its suppression comments. Nothing here knows
//! about modules or rules.

use crate::diagnostic::{Diagnostic, FileId, Label, Severity};
use crate::discover::Found;
use crate::model::FileSource;
use crate::parse;
use crate::suppress;
use rayon::prelude::*;

use crate::registry::{IO_ERROR, PARSE_ERROR};

/// One file read and parsed.
pub struct ParsedFile {
    pub id: FileId,
    /// The file name: `iam.tf`.
    pub name: String,
    /// The path as shown to the user.
    pub display: String,
    pub text: std::sync::Arc<str>,
    pub chunks: Vec<parse::Chunk>,
    /// A large file parsed block by block ([`parse::parse_pieces`]): its blocks, no syntax
    /// tree (then `chunks` is empty).
    pub pieces: Vec<parse::Piece>,
    pub suppressions: Vec<suppress::Suppression>,
    /// For `.tf.json`: the chunks are of a native-syntax translation; this maps back.
    pub map: Option<crate::tfjson::OffsetMap>,
    /// The file starts with a UTF-8 byte order mark, which its text does not hold: offsets
    /// into the file as stored are 3 more than offsets into the text.
    pub bom: bool,
}

/// Texts that stand in for files on disk (an editor's unsaved documents), by absolute path
/// with `.` and `..` taken out. Empty for the command line.
pub type Overlay = std::collections::HashMap<std::path::PathBuf, std::sync::Arc<str>>;

/// A file's bytes: its text in the overlay, else what is on disk.
pub fn read(path: &std::path::Path, overlay: &Overlay) -> std::io::Result<Vec<u8>> {
    if !overlay.is_empty()
        && let Ok(absolute) = std::path::absolute(path)
        && let Some(text) = overlay.get(&crate::util::paths::normalize(&absolute))
    {
        return Ok(text.as_bytes().to_vec());
    }
    read_file(path)
}

/// Reads and parses a module's files (in parallel): the files, their diagnostics, their
/// suppressions.
/// `bytes` are the files' bytes when they have been read already (in `files` order; a file
/// with `None`, or past its end, is read here). When the module's files come to
/// [`parse::split_above`] bytes or more together, every file is parsed block by block, so
/// that the syntax trees of a large module are never all held (one file of it may be small).
/// `unfollowed`: the module's calls (file, name) the engine will not follow (registry or git
/// sources with no downloaded copy, local paths outside the scan): their inputs are not read.
pub fn parse_files(
    files: &[(FileId, &Found)],
    overlay: &Overlay,
    bytes: Vec<Option<Vec<u8>>>,
    unfollowed: &Unfollowed,
) -> (Vec<ParsedFile>, Vec<Diagnostic>, Vec<suppress::Suppression>) {
    let mut bytes = bytes;
    bytes.resize_with(files.len(), || None);
    let read: Vec<std::io::Result<Vec<u8>>> = files
        .par_iter()
        .zip(bytes)
        .map(|(&(_, found), bytes)| match bytes {
            Some(bytes) => Ok(bytes),
            None => read(&found.path, overlay),
        })
        .collect();
    let total: usize = read.iter().map(|r| r.as_ref().map_or(0, Vec::len)).sum();
    let large = total >= parse::split_above();
    let results: Vec<(Option<ParsedFile>, Vec<Diagnostic>)> = files
        .par_iter()
        .zip(read)
        .map(|(&(id, found), bytes)| match bytes {
            Ok(bytes) => parse_bytes_in(
                id,
                file_name(found),
                &found.display,
                bytes,
                large,
                unfollowed,
            ),
            Err(err) => (None, vec![read_error(id, found, &err)]),
        })
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

/// Labels in `.tf.json` files are in their translation's offsets: map them into the JSON. Their
/// fixes, written for native syntax, are dropped.
pub fn map_json_labels(files: &[ParsedFile], diags: &mut [Diagnostic]) {
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

pub fn source_of(f: &ParsedFile) -> FileSource<'_> {
    FileSource {
        id: f.id,
        name: f.name.clone(),
        display: f.display.clone(),
        text: &f.text,
        chunks: &f.chunks,
        pieces: &f.pieces,
        map: f.map.as_ref(),
    }
}

/// A file's bytes: one open, one size, reads up to that size and no further read to find the
/// end (`std::fs::read` makes one more, for every file). A size of 0 is not trusted (files
/// under `/proc` say 0 and may hold anything, or fail to read): read to the end then.
pub fn read_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    if len == 0 {
        file.read_to_end(&mut bytes)?;
    } else {
        file.take(len).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

fn file_name(found: &Found) -> String {
    found
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| found.display.clone())
}

pub fn read_and_parse(
    id: FileId,
    found: &Found,
    overlay: &Overlay,
) -> (Option<ParsedFile>, Vec<Diagnostic>) {
    let name = file_name(found);
    let bytes = match read(&found.path, overlay) {
        Ok(bytes) => bytes,
        Err(err) => return (None, vec![read_error(id, found, &err)]),
    };
    parse_bytes(id, name, &found.display, bytes)
}

fn read_error(id: FileId, found: &Found, err: &std::io::Error) -> Diagnostic {
    Diagnostic::new(
        IO_ERROR,
        Severity::Error,
        Label::new(id, 0..0, ""),
        format!(
            "cannot read `{}`: {}",
            found.display,
            crate::util::paths::io_message(err)
        ),
    )
}

/// Decodes and parses one file's bytes (`.tf.json` by its name), with its suppressions.
pub fn parse_bytes(
    id: FileId,
    name: String,
    display: &str,
    bytes: Vec<u8>,
) -> (Option<ParsedFile>, Vec<Diagnostic>) {
    parse_bytes_in(id, name, display, bytes, false, &Unfollowed::default())
}

/// Module calls, by file and name, whose inputs nothing reads (see [`parse_files`]).
pub type Unfollowed = std::collections::HashSet<(FileId, String)>;

/// [`parse_bytes`] for a file of a module: `large`, the module is large enough to parse
/// block by block whatever the file's own size.
fn parse_bytes_in(
    id: FileId,
    name: String,
    display: &str,
    bytes: Vec<u8>,
    large: bool,
    unfollowed: &Unfollowed,
) -> (Option<ParsedFile>, Vec<Diagnostic>) {
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let (text, decode_error) = parse::decode(id, bytes);
    if decode_error.is_none() && display.ends_with(".tf.json") {
        let (file, diags) = read_json(id, name, display, text);
        return (file.map(|f| ParsedFile { bom, ..f }), diags);
    }
    let wants_spans = text.contains("iamlint-ignore");
    let text: std::sync::Arc<str> = text.into();
    let split = match decode_error {
        None if large || text.len() >= parse::split_above() => {
            parse::parse_pieces(&text, wants_spans, &crate::model::held_block)
        }
        _ => None,
    };
    let (chunks, pieces, mut spans, mut diags) = match (decode_error, split) {
        (Some(diag), _) => (Vec::new(), Vec::new(), Vec::new(), vec![diag]),
        (None, Some((pieces, spans))) => (Vec::new(), pieces, spans, Vec::new()),
        (None, None) => {
            let outlined = match !wants_spans && name.ends_with(".tf") && outline_on() {
                true => outline_chunks(&text, &|name| unfollowed.contains(&(id, name.to_string()))),
                false => None,
            };
            let (chunks, diags) = match outlined {
                Some(chunks) => (chunks, Vec::new()),
                None => parse::parse(id, &text),
            };
            (chunks, Vec::new(), Vec::new(), diags)
        }
    };
    let mut suppressions = Vec::new();
    if wants_spans {
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
        text,
        chunks,
        pieces,
        suppressions,
        map: None,
        bom,
    };
    (Some(file), diags)
}

/// Whether `.tf` files are parsed through their outline ([`outline_chunks`]): yes, unless
/// `IAMLINT_OUTLINE=0` is in the environment (the tests compare the output both ways).
fn outline_on() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var("IAMLINT_OUTLINE").map_or(true, |v| v != "0"))
}

/// The chunks of a `.tf` file that hold what the model reads ([`crate::model::reads`]), when
/// the outline scanner accepts the file ([`crate::outline`]; then hcl-edit does too): each
/// block read whole is parsed on its own; of a block read in part, a copy with everything but
/// those arguments blanked ([`parse::blank`]: every span is the same) is parsed, at once or
/// when first read ([`parse::Lazy`]: most variables are never looked up, and a module's
/// outputs are read only when it is called); the other blocks are not parsed at all. `None` when the scanner refuses the file, or (never seen) hcl-edit refuses a piece:
/// then the whole file is parsed as before. `unfollowed`: whether a module call of this name
/// is one the engine does not follow.
fn outline_chunks(
    text: &std::sync::Arc<str>,
    unfollowed: &dyn Fn(&str) -> bool,
) -> Option<Vec<parse::Chunk>> {
    use crate::model::Reads;
    let blocks = crate::outline::scan(text)?;
    let mut chunks = Vec::new();
    for block in &blocks {
        let repeats = block
            .attrs
            .iter()
            .any(|a| a.key == "count" || a.key == "for_each");
        let followed =
            !(block.ident == "module" && block.labels.len() == 1 && unfollowed(block.labels[0]));
        let base = block.range.start;
        let (body, lazy) = match crate::model::reads(block.ident, &block.labels, repeats, followed)
        {
            Reads::Nothing => continue,
            Reads::Whole => (
                hcl_edit::parser::parse_body(&text[block.range.clone()]).ok()?,
                None,
            ),
            Reads::Arguments(keys) => {
                let keep = kept(block, keys);
                let blanked = parse::blank(text, block.range.clone(), block.open, &keep);
                (hcl_edit::parser::parse_body(&blanked).ok()?, None)
            }
            Reads::OnFirstUse(keys) => {
                // The block without its arguments: its identifier and labels, no spans.
                let mut header =
                    hcl_edit::structure::Block::new(hcl_edit::Ident::new_unchecked(block.ident));
                header.labels = block.labels.iter().map(|&l| l.into()).collect();
                let mut body = hcl_edit::structure::Body::new();
                body.push(header);
                let keep = kept(block, keys);
                let lazy = parse::Lazy::new(text.clone(), block.range.clone(), block.open, keep);
                (body, Some(Box::new(lazy)))
            }
        };
        chunks.push(parse::Chunk { body, base, lazy });
    }
    Some(chunks)
}

/// The ranges of the arguments of `block` named in `keys`.
fn kept(block: &crate::outline::Block<'_>, keys: &[&str]) -> Vec<std::ops::Range<usize>> {
    block
        .attrs
        .iter()
        .filter(|a| keys.contains(&a.key))
        .map(|a| a.range.clone())
        .collect()
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
                PARSE_ERROR,
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
        pieces: Vec::new(),
        suppressions: Vec::new(),
        map,
        bom: false,
    };
    (Some(file), diags)
}
