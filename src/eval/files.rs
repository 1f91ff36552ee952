//! The files `file`, `fileexists`, `fileset` and `templatefile` may read: only those inside the
//! scanned tree (the paths given and the working directory; without one, the module's own
//! directory). A path is checked twice before anything is opened: written (`../../etc/passwd`
//! leaves the tree and is never touched) and resolved (a symlink that points out of the tree is
//! not followed). Everything else is unknown, never an error, so `try` does not fall back past
//! it.
//!
//! The files read are registered in the run's [`DataFiles`]: a value `yamldecode` takes from one
//! is located at its line there, so a finding points into the YAML file.

use super::value::{Failed, Loc, Out, Str, Val, Value};
use crate::diagnostic::FileId;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Files larger than this are not read (unknown).
const MAX_FILE: u64 = 4 << 20;

/// A `fileset` that would look at more entries than this is unknown.
const MAX_WALK: usize = 100_000;

/// The data files a run's modules read, each with a [`FileId`] after the run's own files, so
/// that values decoded from them can point into them. Shared by every walk of the run.
#[derive(Debug)]
pub struct DataFiles {
    /// The id of the first data file.
    base: FileId,
    /// Canonical directories reads are confined to.
    within: Vec<PathBuf>,
    inner: Mutex<DataInner>,
    /// Directories made canonical, by the path asked for: each is resolved once a run, not
    /// once for each module or file read in it (a resolution reads every component's link).
    dirs: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
}

#[derive(Debug, Default)]
struct DataInner {
    by_path: HashMap<PathBuf, FileId>,
    files: Vec<DataFile>,
}

/// A file a module read.
#[derive(Clone, Debug)]
pub struct DataFile {
    pub display: String,
    pub text: Arc<str>,
    /// The first decode call that located values in it (`yamldecode(file(...))`).
    pub reader: Option<Loc>,
}

impl DataFiles {
    /// A registry whose first file gets `base`, reading only inside `within` (canonical).
    pub fn new(base: FileId, within: Vec<PathBuf>) -> DataFiles {
        DataFiles {
            base,
            within,
            inner: Mutex::default(),
            dirs: Mutex::default(),
        }
    }

    /// `dir` made canonical (`None` when it cannot be), resolved once a run.
    fn canonical_dir(&self, dir: &Path) -> Option<PathBuf> {
        if let Some(known) = self.dirs.lock().unwrap_or_else(|e| e.into_inner()).get(dir) {
            return known.clone();
        }
        let real = std::fs::canonicalize(dir).ok();
        self.dirs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(dir.to_path_buf(), real.clone());
        real
    }

    fn register(&self, path: PathBuf, display: String, text: &str) -> FileId {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = inner.by_path.get(&path) {
            return id;
        }
        let id = self.base + inner.files.len();
        inner.by_path.insert(path, id);
        inner.files.push(DataFile {
            display,
            text: Arc::from(text),
            reader: None,
        });
        id
    }

    /// The data file whose whole text is `text`, if one was read, with its text.
    fn origin(&self, candidates: &[FileId], text: &str) -> Option<(FileId, Arc<str>)> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        candidates.iter().find_map(|&id| {
            let file = inner.files.get(id.checked_sub(self.base)?)?;
            (&*file.text == text).then(|| (id, file.text.clone()))
        })
    }

    fn set_reader(&self, id: FileId, loc: &Loc) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(file) = id
            .checked_sub(self.base)
            .and_then(|i| inner.files.get_mut(i))
            && file.reader.is_none()
        {
            file.reader = Some(loc.clone());
        }
    }

    /// The files read, in id order from the base.
    pub fn files(&self) -> Vec<DataFile> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.files.clone()
    }
}

/// Where a module's file functions may read. [`Files::default`] reads nothing.
///
/// As in Terraform, a relative path is relative to the root module's directory (the working
/// directory of `terraform apply`), and `path.module` is the module's directory relative to
/// it: `.` in a root module, `../../modules/gcs` in a module it calls.
#[derive(Clone, Debug, Default)]
pub struct Files {
    /// The module's directory as displayed.
    dir: Option<PathBuf>,
    /// The root module's directory as displayed (the module's own when it is checked alone).
    root: Option<PathBuf>,
    /// The root module's directory, canonical: relative paths resolve against it. Found on
    /// first use: most modules read no file.
    canonical: std::sync::OnceLock<Option<PathBuf>>,
    /// The module's own directory, canonical, for [`Files::new`]: nothing outside it is read.
    own: std::sync::OnceLock<Option<PathBuf>>,
    /// The run's registry, which also says which trees may be read; without one, only the
    /// module's own directory.
    data: Option<Arc<DataFiles>>,
    /// The data files this module read, to recognise their text in `yamldecode`.
    read: Arc<Mutex<Vec<FileId>>>,
}

impl Files {
    /// File functions of the module in `dir` (the directory of its files) checked alone,
    /// reading inside that directory only.
    pub fn new(dir: &Path) -> Files {
        Files {
            dir: Some(dir.to_path_buf()),
            root: Some(dir.to_path_buf()),
            ..Files::default()
        }
    }

    /// File functions of the module in `dir`, in a context whose root module is in `root`,
    /// reading inside the trees of `data` and registering what they read there.
    pub fn in_run(dir: &Path, root: &Path, data: Arc<DataFiles>) -> Files {
        Files {
            dir: Some(dir.to_path_buf()),
            root: Some(root.to_path_buf()),
            data: Some(data),
            ..Files::default()
        }
    }

    /// Whether `path` (canonical or normalised) is inside a tree reads are confined to.
    fn inside(&self, path: &Path) -> bool {
        match &self.data {
            Some(data) if !data.within.is_empty() => {
                data.within.iter().any(|w| path.starts_with(w))
            }
            _ => self
                .own
                .get_or_init(|| {
                    self.dir
                        .as_ref()
                        .and_then(|d| std::fs::canonicalize(d).ok())
                })
                .as_ref()
                .is_some_and(|own| path.starts_with(own)),
        }
    }

    /// The file whose whole text `text` is, when this module read it: its id and text.
    pub fn origin(&self, text: &str) -> Option<(FileId, Arc<str>)> {
        let data = self.data.as_ref()?;
        let read = self.read.lock().unwrap_or_else(|e| e.into_inner()).clone();
        data.origin(&read, text)
    }

    /// Records that `loc` decoded values located in data file `id`.
    pub fn decoded(&self, id: FileId, loc: &Loc) {
        if let Some(data) = &self.data {
            data.set_reader(id, loc);
        }
    }

    fn root(&self) -> Option<&PathBuf> {
        self.canonical
            .get_or_init(|| {
                let root = self.root.as_ref()?;
                match &self.data {
                    Some(data) => data.canonical_dir(root),
                    None => std::fs::canonicalize(root).ok(),
                }
            })
            .as_ref()
    }

    /// `path` (absolute, normalised) made canonical: a path that is not a symbolic link
    /// itself is its directory's canonical path (resolved once a run) joined with its name;
    /// a link is resolved in full, as `std::fs::canonicalize` does. A path with nothing there
    /// fails as that would (the system resolves the directories of both alike).
    fn canonical(&self, path: &Path) -> std::io::Result<PathBuf> {
        let meta = std::fs::symlink_metadata(path)?;
        if let (Some(data), Some(parent), Some(name)) =
            (&self.data, path.parent(), path.file_name())
            && !meta.file_type().is_symlink()
            && let Some(dir) = data.canonical_dir(parent)
        {
            return Ok(dir.join(name));
        }
        std::fs::canonicalize(path)
    }

    /// Whether file functions can read: `path.module` and `path.root` are known.
    pub fn enabled(&self) -> bool {
        self.root().is_some()
    }

    /// `path.module`: the module's directory relative to the root module's, `.` for the
    /// root; `None` when it cannot be told.
    pub fn path_module(&self) -> Option<String> {
        self.root()?;
        let (dir, root) = (self.dir.as_ref()?, self.root.as_ref()?);
        relative(dir, root)
    }

    /// The file a path names, when it is inside the tree: `Ok(None)` when it is inside but
    /// does not exist, `Err(())` when it is outside or cannot be told.
    fn resolve(&self, path: &str) -> Result<Option<PathBuf>, ()> {
        let root = self.root().ok_or(())?;
        let written = Path::new(path);
        let joined = if written.is_absolute() {
            written.to_path_buf()
        } else {
            root.join(written)
        };
        // Lexically first: a path that leaves the tree is never touched.
        let lexical = normalize(&joined).ok_or(())?;
        if !self.inside(&lexical) {
            return Err(());
        }
        match self.canonical(&lexical) {
            Ok(real) if self.inside(&real) => Ok(Some(real)),
            Ok(_) => Err(()),
            // A dangling symlink is not "missing": where it points is not known.
            Err(_) if std::fs::symlink_metadata(&lexical).is_ok() => Err(()),
            Err(_) => Ok(None),
        }
    }

    fn read(&self, arg: &Val) -> Result<String, Option<Failed>> {
        let path = arg.as_str().ok_or(None)?;
        let file = match self.resolve(path) {
            Ok(Some(file)) => file,
            Ok(None) => return Err(Some(Failed)),
            Err(()) => return Err(None),
        };
        let meta = std::fs::metadata(&file).map_err(|_| None)?;
        if !meta.is_file() || meta.len() > MAX_FILE {
            return Err(None);
        }
        let bytes = std::fs::read(&file).map_err(|_| None)?;
        let text = String::from_utf8(bytes).map_err(|_| Some(Failed))?;
        if let (Some(data), Some(dir)) = (&self.data, &self.root) {
            // Shown as the root module's directory as displayed joined with the path written.
            let written = Path::new(path);
            let display = match written.is_absolute() {
                true => None,
                false => normalize(&dir.join(written)),
            }
            .map_or_else(
                || file.display().to_string(),
                |p| p.to_string_lossy().replace('\\', "/"),
            );
            let id = data.register(file, display, &text);
            let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
            if !read.contains(&id) {
                read.push(id);
            }
        }
        Ok(text)
    }

    /// The text of a file as `file` gives it.
    pub fn file(&self, arg: &Val) -> Out {
        match self.read(arg) {
            Ok(text) => Ok(Value::Str(Str::literal(text))),
            Err(Some(failed)) => Err(failed),
            Err(None) => Ok(Value::Unknown),
        }
    }

    /// The text of a template file, for `templatefile`.
    pub fn template(&self, arg: &Val) -> Result<Option<String>, Failed> {
        match self.read(arg) {
            Ok(text) => Ok(Some(text)),
            Err(Some(failed)) => Err(failed),
            Err(None) => Ok(None),
        }
    }

    pub fn exists(&self, arg: &Val) -> Out {
        let Some(path) = arg.as_str() else {
            return Ok(Value::Unknown);
        };
        match self.resolve(path) {
            Ok(Some(file)) => Ok(Value::Bool(file.is_file())),
            Ok(None) => Ok(Value::Bool(false)),
            Err(()) => Ok(Value::Unknown),
        }
    }

    /// `fileset(path, pattern)`: the files under `path` matching `pattern`, relative to
    /// `path`, sorted.
    pub fn fileset(&self, dir: &Val, pattern: &Val, loc: &Loc) -> Out {
        let (Some(dir), Some(pattern)) = (dir.as_str(), pattern.as_str()) else {
            return Ok(Value::Unknown);
        };
        let Ok(Some(base)) = self.resolve(dir) else {
            return Ok(Value::Unknown);
        };
        let Ok(glob) = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
        else {
            return Err(Failed);
        };
        let matcher = glob.compile_matcher();
        let mut out = Vec::new();
        for (seen, entry) in walkdir::WalkDir::new(&base)
            .max_depth(32)
            .into_iter()
            .enumerate()
        {
            let (Ok(entry), true) = (entry, seen < MAX_WALK) else {
                return Ok(Value::Unknown);
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&base) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if matcher.is_match(&rel) {
                out.push(rel);
            }
            if out.len() > super::MAX_ITEMS {
                return Ok(Value::Unknown);
            }
        }
        out.sort();
        Ok(Value::List(
            out.into_iter()
                .map(|s| Val {
                    value: Value::Str(Str::literal(s)),
                    loc: loc.clone(),
                })
                .collect(),
        ))
    }
}

/// `dir` relative to `base`, both as displayed: `modules/gcs` from `fast/stages/x` is
/// `../../../modules/gcs`; `None` when one is absolute and the other not, or `base` climbs
/// out of where `dir` can be reached lexically.
fn relative(dir: &Path, base: &Path) -> Option<String> {
    let dir = crate::util::paths::normalize(dir);
    let base = crate::util::paths::normalize(base);
    if dir.is_absolute() != base.is_absolute() {
        return None;
    }
    let d: Vec<Component> = dir.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = d.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if b[common..].contains(&Component::ParentDir) {
        return None;
    }
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        d[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Some(match parts.is_empty() {
        true => ".".to_string(),
        false => parts.join("/"),
    })
}

/// `a/./b/../c` -> `a/c`, without touching the file system; `None` when `..` climbs above the start.
fn normalize(path: &Path) -> Option<PathBuf> {
    let out = crate::util::paths::normalize(path);
    (!out.components().any(|c| c == Component::ParentDir)).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(s: &str) -> Val {
        Val {
            value: Value::Str(Str::literal(s)),
            loc: Loc {
                file: 0,
                range: 0..0,
            },
        }
    }

    #[test]
    fn reads_inside_the_tree_only() {
        let tmp = std::env::temp_dir().join(format!("iamlint-files-{}", std::process::id()));
        let module = tmp.join("module");
        std::fs::create_dir_all(module.join("data")).unwrap();
        std::fs::write(module.join("data/x.yaml"), "a: 1\n").unwrap();
        std::fs::write(tmp.join("secret.txt"), "secret").unwrap();
        let files = Files::new(&module);
        assert_eq!(
            files.file(&val("./data/x.yaml")),
            Ok(Value::Str(Str::literal("a: 1\n")))
        );
        assert_eq!(files.file(&val("../secret.txt")), Ok(Value::Unknown));
        assert_eq!(
            files.file(&val(tmp.join("secret.txt").to_str().unwrap())),
            Ok(Value::Unknown)
        );
        assert_eq!(files.file(&val("../../../etc/passwd")), Ok(Value::Unknown));
        assert_eq!(files.file(&val("data/missing.yaml")), Err(Failed));
        assert_eq!(
            files.exists(&val("data/missing.yaml")),
            Ok(Value::Bool(false))
        );
        assert_eq!(files.exists(&val("../secret.txt")), Ok(Value::Unknown));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(tmp.join("secret.txt"), module.join("link.txt")).unwrap();
            assert_eq!(files.file(&val("link.txt")), Ok(Value::Unknown));
            assert_eq!(files.exists(&val("link.txt")), Ok(Value::Unknown));
        }
        assert_eq!(
            Files::default().file(&val("data/x.yaml")),
            Ok(Value::Unknown)
        );
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
