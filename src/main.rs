//! The `iamlint` binary: the command line ([`cli`]) over the library.

mod cli;

/// Parsing builds and frees many small nodes: mimalloc does that faster than the system
/// allocator (bench/README.md has the figures). The parse-only baseline of the benchmark uses
/// it too, so the ratios compare like with like.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    iamlint::util::alloc::tune_mimalloc();
    cli::run(std::env::args_os())
}
