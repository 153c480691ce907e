//! `nimbus bundle`: package a module, an optional manifest and files.

use crate::module_file::read_module;
use anyhow::Context;
use clap::Args;
use nimbus_sandbox::{Bundle, build_bundle, bundle::DEFAULT_HANDLER};
use nimbus_scheduler::{Limits, check_manifest};
use std::path::PathBuf;
use std::process::ExitCode;

/// Package a WebAssembly module as a function bundle.
#[derive(Debug, Args)]
pub struct BundleCommand {
    /// The WASI command module, binary or `.wat` text (becomes
    /// `function.wasm` in the bundle).
    module: PathBuf,
    /// A `nimbus.toml` manifest (memory_mb, timeout_s, description, [env]).
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// A directory whose files the function sees under `/var/task`.
    #[arg(long)]
    include: Option<PathBuf>,
    /// Where to write the zip.
    #[arg(short, long)]
    output: PathBuf,
}

impl BundleCommand {
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        let module = read_module(&self.module)?;
        let manifest = match &self.manifest {
            Some(path) => Some(std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?),
            None => None,
        };
        let zip = build_bundle(&module, manifest.as_deref(), self.include.as_deref())?;
        // Checked as the server will check it on upload.
        let limits = Limits::default();
        let bundle = Bundle::parse(&zip, DEFAULT_HANDLER, &limits.bundle)?;
        check_manifest(bundle.manifest(), &limits).map_err(|e| anyhow::anyhow!("nimbus.toml: {e}"))?;
        std::fs::write(&self.output, &zip).with_context(|| format!("writing {}", self.output.display()))?;
        println!(
            "wrote {} ({} bytes, {} files, CodeSha256 {})",
            self.output.display(),
            zip.len(),
            bundle.files().len(),
            bundle.digest().code_sha256()
        );
        Ok(ExitCode::SUCCESS)
    }
}
