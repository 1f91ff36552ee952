//! The files `file`, `fileexists`, `fileset` and `templatefile` may read: only those inside the
//! module's own directory tree. A path is checked twice before anything is opened: written
//! (`../../etc/passwd` leaves the tree and is never touched) and resolved (a symlink that points
//! out of the tree is not followed). Everything else is unknown, never an error, so `try`
//! does not fall back past it.

use super::functions::{Failed, Out};
use super::value::{Loc, Str, Val, Value};
use std::path::{Component, Path, PathBuf};

/// Files larger than this are not read (unknown).
const MAX_FILE: u64 = 4 << 20;

/// A `fileset` that would look at more entries than this is unknown.
const MAX_WALK: usize = 100_000;

/// Where a module's file functions may read. [`Files::default`] reads nothing.
#[derive(Clone, Debug, Default)]
pub struct Files {
    /// The module's directory as given.
    dir: Option<PathBuf>,
    /// The module's directory, canonical: relative paths (`path.module` is `.`) resolve
    /// against it, and nothing outside it is read. Found on first use: most modules read no
    /// file.
    canonical: std::sync::OnceLock<Option<PathBuf>>,
}

impl Files {
    /// File functions of the module in `dir` (the directory of its files).
    pub fn new(dir: &Path) -> Files {
        Files {
            dir: Some(dir.to_path_buf()),
            canonical: std::sync::OnceLock::new(),
        }
    }

    fn root(&self) -> Option<&PathBuf> {
        self.canonical
            .get_or_init(|| {
                self.dir
                    .as_ref()
                    .and_then(|d| std::fs::canonicalize(d).ok())
            })
            .as_ref()
    }

    /// Whether the module has a directory files can be read from: `path.module` is known.
    pub fn enabled(&self) -> bool {
        self.root().is_some()
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
        if !lexical.starts_with(root) {
            return Err(());
        }
        match std::fs::canonicalize(&lexical) {
            Ok(real) if real.starts_with(root) => Ok(Some(real)),
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
        String::from_utf8(bytes).map_err(|_| Some(Failed))
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

/// `a/./b/../c` -> `a/c`, without touching the file system; `None` when `..` climbs above the start.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            other => out.push(other),
        }
    }
    Some(out)
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
