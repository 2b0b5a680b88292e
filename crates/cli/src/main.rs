//! The `finmart` binary; everything lives in the library.

use clap::Parser;

/// mimalloc instead of the system's allocator. The SQLite driver allocates every column value of every row
/// on its own thread and the reader frees it on another; glibc's malloc spent about a third of a start's
/// time there (consolidating and unlinking chunks). Measured in BENCHMARKS.md ("Start-up"): the start
/// from 28 s to 18 s reading every firm, the matcher's book 4.5 s to 3.6 s, a search's p50 10-20 % lower;
/// peak memory some 85 MiB higher at the full size.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = finmart_cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(finmart_cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<finmart_cli::Exit>() {
            // A command that ends with a code of its own has printed its report already.
            Some(exit) => {
                if !exit.message.is_empty() {
                    eprintln!("{}", exit.message);
                }
                std::process::ExitCode::from(exit.code)
            }
            // A start-up failure is one line naming what and what to do; its code tells a path from a service.
            None => match e.downcast_ref::<finmart_web::startup::StartupError>() {
                Some(startup) => {
                    eprintln!("error: {startup}");
                    std::process::ExitCode::from(startup.exit_code())
                }
                None => {
                    eprintln!("error: {e:#}");
                    std::process::ExitCode::FAILURE
                }
            },
        },
    }
}
