/// Parsing builds and frees many small nodes: mimalloc does that faster than the system
/// allocator (bench/README.md has the figures). The parse-only baseline of the benchmark uses
/// it too, so the ratios compare like with like.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    iamlint::cli::run(std::env::args_os())
}
