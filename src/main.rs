//! `nimbus`: the server and the local emulator of the Nimbus serverless
//! platform. This binary only wires the crates together; see `cli.rs` for the
//! commands and `commands/` for one file per command.

mod cli;
mod commands;
mod data_dir;
mod module_file;
mod open_files;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: requests allocate on the HTTP threads
/// and free on the sandbox threads, which glibc serves through locked arenas
/// (measured: its malloc, free and arena locks were ~15% of the server's CPU
/// under load).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A panic is a bug of ours; the user still gets one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("nimbus: internal error: {info}");
    }));
    init_tracing();
    let cli = cli::Cli::parse();
    match cli.command.execute() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("nimbus: error: {}", one_line(&error));
            ExitCode::from(2)
        }
    }
}

/// `RUST_LOG` sets the level (default: warnings), on stderr; colours only
/// on a terminal, so that a log file holds plain lines.
fn init_tracing() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// The error and its causes on one line.
fn one_line(error: &anyhow::Error) -> String {
    format!("{error:#}").replace('\n', " ")
}
