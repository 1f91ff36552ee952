fn main() -> std::process::ExitCode {
    iamlint::cli::run(std::env::args_os())
}
