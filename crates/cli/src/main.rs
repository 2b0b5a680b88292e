//! The `finmart` binary; everything lives in the library.

use clap::Parser;

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
