//! The `hearth` command; everything lives in the library.
fn main() -> std::process::ExitCode {
    hearth::cli::main()
}
