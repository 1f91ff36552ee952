//! Paths and I/O errors as the user reads them, computed without touching the file system.

use std::path::{Component, Path, PathBuf};

/// An I/O error in the words of a diagnostic: lower case, without Rust's decoration.
pub fn io_message(err: &std::io::Error) -> String {
    // An error of iamlint's own ("the file is read-only") says it best.
    if err.get_ref().is_some() {
        return err.to_string();
    }
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let text = err.to_string();
            // "Invalid data (os error 22)" -> "invalid data (os error 22)"
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

/// The path as the user wrote it, without leading `./` components.
pub(crate) fn display_path(path: &Path) -> String {
    let mut components = path.components().peekable();
    while components.peek() == Some(&Component::CurDir) {
        components.next();
    }
    let cleaned: PathBuf = components.collect();
    if cleaned.as_os_str().is_empty() {
        ".".into()
    } else {
        cleaned.to_string_lossy().into_owned()
    }
}

/// `a/./b/../c` -> `a/c` and `./../a` -> `../a`, without touching the file system: a `..`
/// that climbs above the start is kept.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if out.file_name().is_some() && !out.ends_with("..") => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_strips_leading_dot() {
        assert_eq!(display_path(Path::new("./a/b.tf")), "a/b.tf");
        assert_eq!(display_path(Path::new(".")), ".");
        assert_eq!(display_path(Path::new("fixtures/")), "fixtures");
    }
}
