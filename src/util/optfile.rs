//! Files named by options (`--config`, `--var-file`, `--baseline`, `--plan`) and the
//! configuration file found by discovery: each must be a regular file of bounded size. The
//! files options write (`--output`, `--write-baseline`, `--fix`) are replaced atomically.
//!
//! The kind and size are checked with `stat` before the file is opened, and it is opened
//! without blocking, so a FIFO, `/dev/zero` or a terminal cannot hang the run or fill memory;
//! reading stops one byte past the limit, should the file grow in between.

use std::io::Read;
use std::path::Path;

/// The largest configuration, tfvars or baseline file read.
pub const MAX_OPTION_FILE: u64 = 64 << 20;

/// The largest `terraform show -json` plan read.
pub const MAX_PLAN_FILE: u64 = 1 << 30;

/// Why a file named by an option was not read: for a message such as
/// "cannot read the configuration: {why}".
#[derive(Debug)]
pub struct NotRead(pub String);

impl std::fmt::Display for NotRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a path that is not a regular file is, in words.
fn kind(meta: &std::fs::Metadata) -> &'static str {
    let ty = meta.file_type();
    if ty.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ty.is_fifo() {
            return "a FIFO";
        }
        if ty.is_char_device() {
            return "a character device";
        }
        if ty.is_block_device() {
            return "a block device";
        }
        if ty.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Checks that `path` is a regular file of at most `max` bytes, without opening it.
pub fn check(path: &Path, max: u64) -> Result<u64, NotRead> {
    let meta = std::fs::metadata(path).map_err(|e| NotRead(crate::util::paths::io_message(&e)))?;
    if !meta.is_file() {
        let what = kind(&meta);
        let what = match what {
            "not a regular file" => what.to_string(),
            _ => format!("{what}, not a regular file"),
        };
        return Err(NotRead(format!("it is {what}")));
    }
    if meta.len() > max {
        return Err(NotRead(format!(
            "it is {} bytes, more than the limit of {max} bytes",
            meta.len()
        )));
    }
    Ok(meta.len())
}

/// Reads `path`, a regular file of at most `max` bytes (see the module documentation).
pub(crate) fn read(path: &Path, max: u64) -> Result<Vec<u8>, NotRead> {
    let len = check(path, max)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(path)
        .map_err(|e| NotRead(crate::util::paths::io_message(&e)))?;
    // Swapped for something else since `check`: the open file is what counts.
    match file.metadata() {
        Ok(meta) if meta.is_file() => {}
        Ok(meta) => return Err(NotRead(format!("it is {}", kind(&meta)))),
        Err(e) => return Err(NotRead(crate::util::paths::io_message(&e))),
    }
    let mut bytes = Vec::with_capacity(len.min(max) as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| NotRead(crate::util::paths::io_message(&e)))?;
    if bytes.len() as u64 > max {
        return Err(NotRead(format!("it is more than the limit of {max} bytes")));
    }
    Ok(bytes)
}

/// [`read`], as UTF-8 text.
pub(crate) fn read_text(path: &Path, max: u64) -> Result<String, NotRead> {
    String::from_utf8(read(path, max)?)
        .map_err(|_| NotRead("stream did not contain valid UTF-8".to_string()))
}

/// Writes a file by renaming a temporary file next to it, so a reader never sees half of it,
/// respecting what is there:
///
/// - a symlink is followed: its target is replaced, the link stays a link;
/// - the mode of the file replaced is kept, and its owner and group where the user may set
///   them;
/// - a read-only file is refused (`PermissionDenied`, "the file is read-only");
/// - a file with other hard links is written in place, so that the links still share it;
/// - anything that is not a regular file (`/dev/null`, a FIFO, a device node) is written in
///   place: it cannot be replaced by renaming.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let meta = match std::fs::metadata(path) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if let Some(meta) = &meta {
        if !meta.is_file() {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(path)?;
            file.write_all(bytes)?;
            return file.flush();
        }
        if meta.permissions().readonly() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "the file is read-only",
            ));
        }
        #[cfg(unix)]
        if std::os::unix::fs::MetadataExt::nlink(meta) > 1 {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(path)?;
            file.write_all(bytes)?;
            return file.sync_all();
        }
    }
    // The file the path names, through symlinks (a dangling one: its target is created).
    let target = match meta {
        Some(_) => std::fs::canonicalize(path)?,
        None => match std::fs::read_link(path) {
            Ok(link) => match path.parent() {
                Some(dir) => dir.join(link),
                None => link,
            },
            Err(_) => path.to_path_buf(),
        },
    };
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        if let Some(meta) = &meta {
            file.set_permissions(meta.permissions())?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                // Only root (or the owner, for a group it belongs to) may; not an error.
                let _ = std::os::unix::fs::fchown(&file, Some(meta.uid()), Some(meta.gid()));
            }
        }
        file.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_devices_are_refused_without_reading() {
        let dir = std::env::temp_dir();
        assert!(
            read(&dir, MAX_OPTION_FILE)
                .unwrap_err()
                .0
                .contains("a directory")
        );
        #[cfg(unix)]
        {
            let err = read(Path::new("/dev/zero"), MAX_OPTION_FILE).unwrap_err();
            assert!(err.0.contains("a character device"), "{err}");
        }
    }
}
