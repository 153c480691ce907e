//! The command line: one subcommand per file under `commands/`.

use crate::commands::{bundle::BundleCommand, run::RunCommand, serve::ServeCommand};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Nimbus: serverless functions on WebAssembly, compatible with AWS Lambda's
/// tools. One binary is the server and the local emulator.
#[derive(Debug, Parser)]
#[command(name = "nimbus", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Package a WebAssembly module (and files) as a function bundle (zip).
    Bundle(BundleCommand),
    /// Invoke a bundle or a module once, locally, as the server would.
    Run(RunCommand),
    /// Serve the Lambda-compatible API over HTTP until SIGTERM or SIGINT.
    Serve(ServeCommand),
}

impl Command {
    /// Runs the command; the exit code says how it went.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        match self {
            Command::Bundle(command) => command.execute(),
            Command::Run(command) => command.execute(),
            Command::Serve(command) => command.execute(),
        }
    }
}
