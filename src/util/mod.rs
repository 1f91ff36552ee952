//! Small helpers with no knowledge of Terraform or GCP, used by every layer above: "did you
//! mean" suggestions, `*` globs, paths and I/O errors as users read them, and bounded reads
//! of the files options name; the allocator's options for the binaries.

pub mod alloc;
pub mod optfile;
pub mod paths;
pub(crate) mod suggest;
pub(crate) mod text;
