//! The options iamlint's binaries give mimalloc, their allocator: `src/main.rs`, and the
//! benchmark's parse-only baseline (`examples/gen_corpus.rs`), so that the two compare like with
//! like.
//!
//! mimalloc is built without transparent huge pages (libmimalloc-sys's `no_thp` feature, in
//! Cargo.toml). Otherwise it asks for them on its arena, and where the system grants them on
//! request (`madvise`, the usual setting) every 2 MiB region touched is resident whole: a run on
//! one small file took 26 MB instead of 11 MB, the 43,000-file corpus 166 MB instead of 136 MB,
//! and neither ran faster (bench/README.md).

/// `mi_option_purge_delay` in the `mi_option_t` of the mimalloc that libmimalloc-sys builds (its
/// v3; the crate does not export it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Call it first thing in `main`; with another allocator it changes nothing that matters.
/// Memory freed (a module's syntax trees once its facts are extracted) goes back to the system
/// after 10 ms: peak memory stays at what is live. `MIMALLOC_PURGE_DELAY` in the environment
/// still wins.
pub fn tune_mimalloc() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mimalloc allows setting an option at any time.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10) };
    }
}
