//! The `hearth` command; everything lives in the library.

/// glibc's malloc and free took about a third of the server's CPU under the
/// caseworker benchmark (issue 12, `perf`); mimalloc's thread-local free
/// lists cost far less for the many short-lived values a GraphQL response
/// is built from.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    hearth::cli::main()
}
