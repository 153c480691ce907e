//! `nimbus run`: one local invocation, printed as Lambda's tools print it.

use crate::data_dir::default_cache_dir;
use crate::module_file::{is_wasm_text, read_module};
use anyhow::{Context, bail};
use clap::Args;
use nimbus_sandbox::{
    Bundle, EngineConfig, FunctionConfig, Invocation, Outcome, SandboxEngine, bundle::DEFAULT_HANDLER,
};
use nimbus_scheduler::Limits;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Invoke a bundle (zip) or a bare module (.wasm) once.
#[derive(Debug, Args)]
pub struct RunCommand {
    /// A bundle (`.zip`) or a WASI command module (`.wasm`, or `.wat` text).
    target: PathBuf,
    /// The event: a file, or `-` for stdin. Default: `{}`.
    #[arg(long)]
    event: Option<String>,
    /// Timeout in seconds (default: the manifest's, else 3).
    #[arg(long)]
    timeout: Option<u32>,
    /// Memory size in MB (default: the manifest's, else 128).
    #[arg(long)]
    memory: Option<u32>,
    /// An environment variable for the function, `KEY=VALUE` (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_env)]
    env: Vec<(String, String)>,
    /// The module's path inside the bundle.
    #[arg(long, default_value = DEFAULT_HANDLER)]
    handler: String,
    /// The function's name, as the function sees it.
    #[arg(long, default_value = "local")]
    name: String,
    /// Where compiled modules are cached between runs.
    #[arg(long, env = "NIMBUS_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("expected KEY=VALUE, got '{text}'")),
    }
}

impl RunCommand {
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        let limits = Limits::default();
        let bytes = std::fs::read(&self.target).with_context(|| format!("reading {}", self.target.display()))?;
        let bundle = if is_wasm_text(&self.target, &bytes) {
            Bundle::from_module(&read_module(&self.target)?)?
        } else if bytes.starts_with(b"\0asm") {
            Bundle::from_module(&bytes)?
        } else if bytes.starts_with(b"PK") {
            Bundle::parse(&bytes, &self.handler, &limits.bundle)?
        } else {
            bail!("{} is neither a zip bundle nor a WebAssembly module", self.target.display());
        };
        let event = self.read_event()?;
        if event.len() > limits.max_sync_payload_bytes {
            bail!(
                "the event is {} bytes; the synchronous payload limit is {} bytes",
                event.len(),
                limits.max_sync_payload_bytes
            );
        }
        let mut config = FunctionConfig::from_bundle(&self.name, &bundle);
        if let Some(timeout) = self.timeout {
            config.timeout = Duration::from_secs(timeout.into());
        }
        if let Some(memory) = self.memory {
            config.memory_mb = memory;
        }
        config.env.extend(self.env);

        let data_dir = self.data_dir.unwrap_or_else(default_cache_dir);
        let mut engine_config = EngineConfig::new(data_dir);
        engine_config.pool_size = 1;
        engine_config.limits = limits.invocation;
        let engine = SandboxEngine::new(engine_config)?;
        let function = engine.prepare(&bundle, config)?;
        let request_id = uuid::Uuid::new_v4().to_string();
        let result = engine.invoke(&function, Invocation::new(request_id.clone(), event))?;

        let mut stdout = std::io::stdout().lock();
        let mut stderr = std::io::stderr().lock();
        stderr.write_all(&result.log)?;
        writeln!(stderr, "{}", result.metrics.report_line(&request_id, function.config().memory_mb))?;
        match &result.outcome {
            Outcome::Success { response } => {
                stdout.write_all(response)?;
                stdout.flush()?;
                Ok(ExitCode::SUCCESS)
            }
            failed => {
                writeln!(stdout, "{}", failed.error_json().unwrap_or_default())?;
                Ok(ExitCode::from(1))
            }
        }
    }

    fn read_event(&self) -> anyhow::Result<Vec<u8>> {
        match self.event.as_deref() {
            None => Ok(b"{}".to_vec()),
            Some("-") => {
                let mut event = Vec::new();
                std::io::stdin().read_to_end(&mut event).context("reading the event from stdin")?;
                Ok(event)
            }
            Some(path) => std::fs::read(path).with_context(|| format!("reading the event {path}")),
        }
    }
}
