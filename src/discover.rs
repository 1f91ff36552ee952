//! Finding the files to lint: `.tf` files under the given directories (walked in parallel, with
//! `.terraform/`, `.git/` and `--exclude` globs pruned), files named explicitly, and the other
//! `.tf` files of a named file's directory as unreported context.

use crate::util::paths::{display_path, io_message};
use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// Directory names never walked into.
const SKIPPED_DIRS: &[&str] = &[TERRAFORM_DIR, ".git"];

/// Where `terraform init` writes (`.terraform/modules/modules.json`).
const TERRAFORM_DIR: &str = ".terraform";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    /// As shown to the user.
    pub display: String,
    /// False for files read only as context for a file named explicitly.
    pub reported: bool,
}

/// A path that could not be walked or is not a file iamlint can read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub display: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Discovered {
    /// Sorted by display path, unique.
    pub files: Vec<Found>,
    pub problems: Vec<Problem>,
    /// Directories the walk listed whole and saw no `.terraform` in (as the walk named them:
    /// the parents of their files' paths): nothing `terraform init` wrote is read there.
    pub uninitialised: std::collections::HashSet<PathBuf>,
}

/// What a walk found: files, problems, and the directories it listed whole without a
/// `.terraform` entry ([`Discovered::uninitialised`]).
type Walked = (Vec<Found>, Vec<Problem>, Vec<PathBuf>);

/// `--exclude` globs: a pattern without `/` matches any file or directory name; one with `/`
/// matches the path relative to the directory being walked, or that path with the directory as
/// typed in front (`iamlint repo --exclude 'repo/test/**'`).
pub struct Excludes {
    names: GlobSet,
    paths: GlobSet,
    /// Each pattern on its own, to tell which ones matched nothing.
    each: Vec<(String, globset::GlobMatcher, bool)>,
}

impl Excludes {
    pub fn new(patterns: &[String]) -> Result<Excludes, String> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        let mut each = Vec::new();
        for pattern in patterns {
            let trimmed = pattern.trim_end_matches('/');
            // `./legacy/**` means `legacy/**`.
            let trimmed = trimmed.strip_prefix("./").unwrap_or(trimmed);
            let glob = Glob::new(trimmed)
                .map_err(|e| format!("invalid --exclude glob `{pattern}`: {e}"))?;
            let is_path = trimmed.contains('/');
            each.push((pattern.clone(), glob.compile_matcher(), is_path));
            if is_path {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        let build = |b: GlobSetBuilder| {
            b.build()
                .map_err(|e| format!("invalid --exclude glob: {e}"))
        };
        Ok(Excludes {
            names: build(names)?,
            paths: build(paths)?,
            each,
        })
    }

    fn excluded(&self, relative: &Path) -> bool {
        let name_match = relative
            .file_name()
            .is_some_and(|n| self.names.is_match(n) || SKIPPED_DIRS.iter().any(|s| n == *s));
        name_match || self.paths.is_match(relative)
    }

    /// An entry found under `root` (`relative` to it): also matched with `root` as typed in
    /// front, unless the root is `.`.
    fn excluded_under(&self, root: &Path, relative: &Path) -> bool {
        self.excluded(relative)
            || (!self.paths.is_empty() && self.paths.is_match(typed(root).join(relative)))
    }

    /// A path named on the command line (ruff's `force-exclude`): excluded when one of its
    /// names matches a name pattern, or a path pattern matches it as typed, relative to the
    /// current directory, or relative to `base` (the configuration file's directory).
    pub fn excludes_named(&self, path: &Path, base: Option<&Path>) -> bool {
        let typed_path = typed(path);
        if typed_path.as_os_str() == "." {
            return false;
        }
        let candidates = self.candidates(path, base);
        // Name patterns: the file's own name, and the directories between it and the current
        // directory (or the configuration's), never those above: `/home/me/test/repo/main.tf`
        // is not excluded by `test` from inside `repo`.
        let own_name = typed_path
            .file_name()
            .is_some_and(|n| self.names.is_match(n));
        let names = own_name
            || candidates
                .iter()
                .filter(|p| p.is_relative() && !p.starts_with(".."))
                .any(|p| {
                    p.components().any(|c| match c {
                        Component::Normal(n) => self.names.is_match(n),
                        _ => false,
                    })
                });
        names || candidates.iter().any(|p| self.paths.is_match(p))
    }

    /// The forms a named path is matched in: as typed, relative to the current directory,
    /// relative to `base`.
    fn candidates(&self, path: &Path, base: Option<&Path>) -> Vec<PathBuf> {
        let mut out = vec![typed(path)];
        let cwd = std::env::current_dir().ok();
        let absolute = match &cwd {
            Some(cwd) if !path.is_absolute() => cwd.join(path),
            _ => path.to_path_buf(),
        };
        let absolute = fs::canonicalize(&absolute).unwrap_or_else(|_| lexical(&absolute));
        for dir in [cwd.as_deref(), base].into_iter().flatten() {
            let dir = fs::canonicalize(dir).unwrap_or_else(|_| lexical(dir));
            if let Ok(rel) = absolute.strip_prefix(&dir) {
                out.push(rel.to_path_buf());
            }
        }
        out
    }

    /// The patterns that match nothing under `roots`: no file or directory a walk of them
    /// meets (`.terraform/` and `.git/` are not walked) and no path named.
    pub fn unmatched(&self, roots: &[PathBuf]) -> Vec<String> {
        let mut left: Vec<&(String, globset::GlobMatcher, bool)> = self.each.iter().collect();
        let hit =
            |left: &mut Vec<&(String, globset::GlobMatcher, bool)>, root: &Path, rel: &Path| {
                left.retain(|(_, glob, is_path)| {
                    let matched = if *is_path {
                        glob.is_match(rel) || glob.is_match(typed(root).join(rel))
                    } else {
                        rel.file_name().is_some_and(|n| glob.is_match(n))
                    };
                    !matched
                });
            };
        for root in roots {
            if left.is_empty() {
                break;
            }
            if !fs::metadata(root).is_ok_and(|m| m.is_dir()) {
                left.retain(|(pattern, _, _)| {
                    let Ok(one) = Excludes::new(std::slice::from_ref(pattern)) else {
                        return true;
                    };
                    !one.excludes_named(root, None)
                });
                continue;
            }
            let walker = walkdir::WalkDir::new(root)
                .min_depth(1)
                .follow_links(false)
                .into_iter()
                .filter_entry(|e| !SKIPPED_DIRS.iter().any(|s| e.file_name() == *s));
            for entry in walker.flatten() {
                let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
                hit(&mut left, root, rel);
                if left.is_empty() {
                    break;
                }
            }
        }
        left.into_iter().map(|(p, _, _)| p.clone()).collect()
    }
}

/// `.` and `..` taken out of a path without asking the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// The path as typed, without leading `./` (and `.` for an empty one).
fn typed(path: &Path) -> PathBuf {
    PathBuf::from(display_path(path))
}

pub fn discover(roots: &[PathBuf], excludes: &Excludes) -> Discovered {
    let results: Vec<Walked> = roots
        .par_iter()
        .map(|root| discover_root(root, excludes))
        .collect();
    let mut by_display: BTreeMap<String, Found> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut uninitialised = std::collections::HashSet::new();
    for (files, probs, bare) in results {
        uninitialised.extend(bare);
        for found in files {
            by_display
                .entry(found.display.clone())
                .and_modify(|f| f.reported |= found.reported)
                .or_insert(found);
        }
        problems.extend(probs);
    }
    problems.sort_by(|a, b| a.display.cmp(&b.display));
    problems.dedup();
    Discovered {
        files: by_display.into_values().collect(),
        problems,
        uninitialised,
    }
}

fn discover_root(root: &Path, excludes: &Excludes) -> Walked {
    let display = display_path(root);
    let meta = match fs::metadata(root) {
        Ok(meta) => meta,
        Err(err) => {
            return (
                Vec::new(),
                vec![Problem {
                    display,
                    message: io_message(&err),
                }],
                Vec::new(),
            );
        }
    };
    if meta.is_dir() {
        return walk_subdir(root, root, excludes);
    }
    if !meta.is_file() {
        return (
            Vec::new(),
            vec![Problem {
                display,
                message: "not a regular file or a directory".into(),
            }],
            Vec::new(),
        );
    }
    if !is_explicit_file(root) {
        return (
            Vec::new(),
            vec![Problem {
                display,
                message:
                    "not a Terraform file: iamlint reads `.tf`, `.tf.json` and `.tfvars` files"
                        .into(),
            }],
            Vec::new(),
        );
    }
    let mut files = vec![Found {
        path: root.to_path_buf(),
        display,
        reported: true,
    }];
    // The rest of the module, so references across files resolve.
    let dir = match root.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if let Ok(entries) = fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.file_name() != root.file_name()
                && is_module_file(&path)
                && is_regular_file(&path)
            {
                files.push(Found {
                    display: display_path(&path),
                    path,
                    reported: false,
                });
            }
        }
    }
    (files, Vec::new(), Vec::new())
}

/// Walks `dir`, `root` itself or a directory below it (in parallel over its subdirectories
/// at every level: one repository of many modules is not left to one thread).
fn walk_subdir(root: &Path, dir: &Path, excludes: &Excludes) -> Walked {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let mut subdirs = Vec::new();
    let mut bare = Vec::new();
    match fs::read_dir(dir) {
        Ok(entries) => {
            let mut whole = true;
            for entry in entries {
                match entry {
                    Ok(entry) => {
                        whole &= entry.file_name() != TERRAFORM_DIR;
                        let path = entry.path();
                        let relative = path.strip_prefix(root).unwrap_or(&path);
                        if excludes.excluded_under(root, relative) {
                            continue;
                        }
                        match entry.file_type() {
                            Ok(t) if t.is_dir() => subdirs.push(path),
                            Ok(t) => consider_file(&path, t.is_file(), &mut files, &mut problems),
                            Err(err) => problems.push(problem(&path, &err)),
                        }
                    }
                    Err(err) => {
                        whole = false;
                        problems.push(problem(dir, &err));
                    }
                }
            }
            if whole && !files.is_empty() {
                bare.push(dir.to_path_buf());
            }
        }
        Err(err) => problems.push(problem(dir, &err)),
    }
    if subdirs.len() == 1 {
        let (f, p, b) = walk_subdir(root, &subdirs[0], excludes);
        files.extend(f);
        problems.extend(p);
        bare.extend(b);
        return (files, problems, bare);
    }
    let nested: Vec<Walked> = subdirs
        .par_iter()
        .map(|sub| walk_subdir(root, sub, excludes))
        .collect();
    for (f, p, b) in nested {
        files.extend(f);
        problems.extend(p);
        bare.extend(b);
    }
    (files, problems, bare)
}

/// Adds a walked `.tf` file if it is (or links to) a regular file; anything else named `.tf`
/// (a broken link, a FIFO) is a problem to report, never something to open. `regular`: the
/// walk saw a regular file (not a link), which needs no other look.
fn consider_file(path: &Path, regular: bool, files: &mut Vec<Found>, problems: &mut Vec<Problem>) {
    if !is_module_file(path) {
        return;
    }
    if regular {
        files.push(Found {
            path: path.to_path_buf(),
            display: display_path(path),
            reported: true,
        });
        return;
    }
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() => files.push(Found {
            path: path.to_path_buf(),
            display: display_path(path),
            reported: true,
        }),
        Ok(meta) if meta.is_dir() => {}
        // Variable files are optional: one that cannot be read (a link to a file people create
        // from an example) is left out, not reported.
        _ if !is_tf(path) => {}
        Ok(_) => problems.push(Problem {
            display: display_path(path),
            message: "not a regular file".into(),
        }),
        Err(err) => {
            let broken_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            problems.push(Problem {
                display: display_path(path),
                message: if broken_link {
                    "broken symbolic link".into()
                } else {
                    io_message(&err)
                },
            });
        }
    }
}

/// Files that are not on disk but open in an editor, never saved (`iamlint server`'s
/// overlay, absolute paths), found where the walk would have found them had they been saved:
/// a module file under a directory given, not excluded, or a Terraform file named itself.
/// Adds them to `found` (kept sorted and unique), and drops the "no such file" problem of a
/// named one.
pub fn add_unsaved<'a>(
    found: &mut Discovered,
    roots: &[PathBuf],
    excludes: &Excludes,
    unsaved: impl Iterator<Item = &'a Path>,
) {
    let mut added = false;
    for path in unsaved {
        if fs::symlink_metadata(path).is_ok() {
            continue; // on disk: the walk decides
        }
        for root in roots {
            let Ok(absolute) = std::path::absolute(root).map(|a| crate::util::paths::normalize(&a))
            else {
                continue;
            };
            let (display, at) = if absolute == path && is_explicit_file(path) {
                (display_path(root), root.clone())
            } else if let Ok(relative) = path.strip_prefix(&absolute)
                && fs::metadata(root).is_ok_and(|m| m.is_dir())
                && is_module_file(path)
                && !relative
                    .ancestors()
                    .filter(|a| !a.as_os_str().is_empty())
                    .any(|a| excludes.excluded_under(root, a))
            {
                (display_path(&root.join(relative)), root.join(relative))
            } else {
                continue;
            };
            found.problems.retain(|p| p.display != display);
            if !found.files.iter().any(|f| f.display == display) {
                found.files.push(Found {
                    path: at,
                    display,
                    reported: true,
                });
                added = true;
            }
            break;
        }
    }
    if added {
        found.files.sort_by(|a, b| a.display.cmp(&b.display));
    }
}

/// Terraform configuration: `.tf`, or `.tf.json` in Terraform's JSON syntax.
fn is_tf(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "tf") || path.to_string_lossy().ends_with(".tf.json")
}

/// Variable values Terraform loads by itself: `terraform.tfvars` and `*.auto.tfvars`.
fn is_auto_tfvars(path: &Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy())
        .is_some_and(|n| n == "terraform.tfvars" || n.ends_with(".auto.tfvars"))
}

/// A file that belongs to a module: configuration, or variable values loaded with it.
fn is_module_file(path: &Path) -> bool {
    is_tf(path) || is_auto_tfvars(path)
}

/// A file named on the command line: also any `.tfvars`.
fn is_explicit_file(path: &Path) -> bool {
    is_module_file(path) || path.extension().is_some_and(|e| e == "tfvars")
}

fn is_regular_file(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file())
}

fn problem(path: &Path, err: &std::io::Error) -> Problem {
    Problem {
        display: display_path(path),
        message: io_message(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uninitialised_dirs_are_those_walked_whole_without_terraform() {
        let tmp = std::env::temp_dir().join(format!("iamlint-uninit-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        for dir in ["init/.terraform/modules", "bare", "empty", "init/nested"] {
            fs::create_dir_all(tmp.join(dir)).unwrap();
        }
        for file in [
            "init/main.tf",
            "bare/main.tf",
            "init/nested/iam.tf",
            "main.tf",
        ] {
            fs::write(tmp.join(file), "locals {}\n").unwrap();
        }
        let found = discover(std::slice::from_ref(&tmp), &Excludes::new(&[]).unwrap());
        let mut bare: Vec<String> = found
            .uninitialised
            .iter()
            .map(|d| d.strip_prefix(&tmp).unwrap().display().to_string())
            .collect();
        bare.sort();
        // `init` has `.terraform`; `empty` has no file, so no module to look for it in.
        assert_eq!(bare, ["", "bare", "init/nested"]);
        // Each file's directory is named as the walk named it: the lookup is by its parent.
        for f in &found.files {
            let dir = f.path.parent().unwrap();
            assert_eq!(
                found.uninitialised.contains(dir),
                !dir.ends_with("init"),
                "{}",
                f.display
            );
        }
        // A file named on its own: its directory was not walked, so nothing is assumed.
        let named = discover(&[tmp.join("bare/main.tf")], &Excludes::new(&[]).unwrap());
        assert!(named.uninitialised.is_empty());
        let _ = fs::remove_dir_all(&tmp);
    }

    #[test]
    fn excludes_names_and_paths() {
        let ex = Excludes::new(&["examples".into(), "modules/legacy/**".into()]).unwrap();
        assert!(ex.excluded(Path::new("a/examples")));
        assert!(ex.excluded(Path::new(".terraform")));
        assert!(ex.excluded(Path::new("modules/legacy/x/main.tf")));
        assert!(!ex.excluded(Path::new("modules/current/main.tf")));
        assert!(Excludes::new(&["a[".into()]).is_err());
    }

    #[test]
    fn excludes_with_the_root_typed_in_front() {
        let ex = Excludes::new(&["repo/test/**".into(), "./legacy/**".into()]).unwrap();
        assert!(ex.excluded_under(Path::new("repo"), Path::new("test/main.tf")));
        assert!(ex.excluded_under(Path::new("./repo/"), Path::new("test/main.tf")));
        assert!(!ex.excluded_under(Path::new("repo"), Path::new("src/main.tf")));
        assert!(ex.excluded_under(Path::new("."), Path::new("legacy/a/main.tf")));
    }

    #[test]
    fn named_paths_are_excluded_too() {
        let ex = Excludes::new(&["legacy/**".into(), "examples".into()]).unwrap();
        assert!(ex.excludes_named(Path::new("legacy/main.tf"), None));
        assert!(ex.excludes_named(Path::new("./legacy/x/main.tf"), None));
        assert!(ex.excludes_named(Path::new("mod/examples/main.tf"), None));
        assert!(!ex.excludes_named(Path::new("current/main.tf"), None));
        assert!(!ex.excludes_named(Path::new("."), None));
        // Only the directories below the current one count for a name: not the current
        // directory's own name, nor those above it.
        let cwd = std::env::current_dir().unwrap().canonicalize().unwrap();
        let own = cwd.file_name().unwrap().to_string_lossy().into_owned();
        let ex = Excludes::new(&[own, "fixtures".into()]).unwrap();
        assert!(!ex.excludes_named(&cwd.join("src/lib.rs"), None));
        assert!(!ex.excludes_named(Path::new("src/lib.rs"), None));
        assert!(ex.excludes_named(&cwd.join("fixtures/basic-role/fires/main.tf"), None));
        assert!(ex.excludes_named(Path::new("fixtures/basic-role"), None));
    }

    #[test]
    fn unsaved_documents_join_where_the_walk_would_find_them() {
        let dir = std::env::temp_dir().join(format!("iamlint-unsaved-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("m")).unwrap();
        std::fs::write(dir.join("m/main.tf"), "").unwrap();
        let roots = vec![dir.clone()];
        let excludes = Excludes::new(&["legacy".into()]).unwrap();
        let mut found = discover(&roots, &excludes);
        assert_eq!(found.files.len(), 1);
        let unsaved = [
            dir.join("m/new.tf"),
            dir.join("a/new.tf.json"),
            dir.join("legacy/x.tf"),
            dir.join(".terraform/modules/x/main.tf"),
            dir.join("m/notes.md"),
            dir.join("m/main.tf"),
            std::env::temp_dir().join("elsewhere-iamlint/x.tf"),
        ];
        add_unsaved(
            &mut found,
            &roots,
            &excludes,
            unsaved.iter().map(PathBuf::as_path),
        );
        let shown: Vec<String> = found
            .files
            .iter()
            .map(|f| f.path.strip_prefix(&dir).unwrap().display().to_string())
            .collect();
        assert_eq!(shown, ["a/new.tf.json", "m/main.tf", "m/new.tf"]);
        // A file named itself, missing on disk: found instead of a problem.
        let named = vec![dir.join("m/other.tf")];
        let mut found = discover(&named, &excludes);
        assert_eq!(found.problems.len(), 1);
        add_unsaved(
            &mut found,
            &named,
            &excludes,
            named.iter().map(PathBuf::as_path),
        );
        assert!(found.problems.is_empty());
        assert_eq!(found.files.len(), 1);
        assert_eq!(found.files[0].path, dir.join("m/other.tf"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
