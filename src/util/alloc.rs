//! The options iamlint's binaries give mimalloc, their allocator: `src/main.rs`, and the
//! benchmark's parse-only baseline (`examples/gen_corpus.rs`), so that the two compare like with
//! like.

/// `mi_option_purge_delay` in the `mi_option_t` of the mimalloc that libmimalloc-sys builds (its
/// v2; the crate does not export it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Call it first thing in `main`; with another allocator it changes nothing that matters.
///
/// - Memory freed (a module's syntax trees once its facts are extracted) goes back to the
///   system after 10 ms: peak memory stays at what is live. `MIMALLOC_PURGE_DELAY` in the
///   environment still wins.
/// - No transparent huge pages (on Linux). mimalloc asks for them on its arena, and where the
///   system grants them on request (`madvise`, the usual setting) every 2 MiB region touched is
///   resident whole: a run on one small file took 26 MB instead of 15 MB, the 43,000-file
///   corpus 166 MB instead of 136 MB, and neither ran faster (bench/README.md). mimalloc reads
///   its own option for this (`MIMALLOC_ALLOW_THP`) once, before `main`, so the process turns
///   them off itself, for every page touched from then on; with `MIMALLOC_ALLOW_THP` set in the
///   environment, it leaves them to mimalloc.
pub fn tune_mimalloc() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mimalloc allows setting an option at any time.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10) };
    }
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: PR_SET_THP_DISABLE takes no pointer; it only sets a flag of the process.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    }
}
