//! The `iamlint` binary: the command line ([`cli`]) over the library.

mod cli;

/// Parsing builds and frees many small nodes: mimalloc does that faster than the system
/// allocator (bench/README.md has the figures). The parse-only baseline of the benchmark uses
/// it too, so the ratios compare like with like.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mi_option_t` (not exported by libmimalloc-sys).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // Each module's syntax trees are freed once its facts are extracted: give that memory back
    // to the system after 10 ms rather than after mimalloc's default 1 s, which keeps peak
    // memory at what is live (about 150 MB instead of 195 MB on the 40,000-file benchmark).
    // `MIMALLOC_PURGE_DELAY` in the environment still wins.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mimalloc allows setting an option at any time.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10) };
    }
    cli::run(std::env::args_os())
}
