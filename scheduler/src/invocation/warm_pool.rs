//! Keeping versions warm: prepared (compiled or loaded from the artifact
//! cache, pre-linked) when they are created, dropped from memory when idle,
//! prepared again on demand — from the extracted bundle and the artifact
//! cache, on Tokio's blocking pool, never on a sandbox thread.

use crate::error::{Error, Result};
use crate::registry::catalog::{VersionEntry, VersionRecord, now_ms};
use crate::state::State;
use nimbus_sandbox::{Bundle, BundleDigest, FunctionConfig, PreparedFunction, SandboxEngine};
use std::sync::Arc;
use std::time::Duration;

/// What the sandbox runs a version with.
pub(crate) fn function_config(name: &str, version: &str, record: &VersionRecord) -> FunctionConfig {
    let mut config = FunctionConfig::new(name);
    config.version = version.to_string();
    config.memory_mb = record.memory_size;
    config.timeout = Duration::from_secs(record.timeout.into());
    config.env = record.env.clone();
    config
}

/// The function's own faults are the caller's to fix (400); the rest are ours (500).
fn sandbox_error(error: nimbus_sandbox::Error) -> Error {
    use nimbus_sandbox::{BundleError, Error as Sandbox};
    match error {
        Sandbox::Compile(_) | Sandbox::Link(_) | Sandbox::MemoryTooSmall { .. } => {
            Error::InvalidParameter(error.to_string())
        }
        Sandbox::Bundle(BundleError::Extract { ref source, .. })
            if source.kind() == std::io::ErrorKind::InvalidFilename =>
        {
            Error::InvalidParameter(format!("{} {error}", crate::registry::validate::UNZIP_PREFIX))
        }
        other => Error::service("preparing the function", other),
    }
}

/// Prepares a version from a bundle already parsed.
pub(crate) fn prepare(
    engine: &SandboxEngine,
    bundle: &Bundle,
    name: &str,
    version: &str,
    record: &VersionRecord,
) -> Result<PreparedFunction> {
    engine.prepare(bundle, function_config(name, version, record)).map_err(sandbox_error)
}

/// Prepares a version just published from `bundle` (whose `$LATEST` was
/// prepared a moment ago, so this loads its artifact). A failure only means
/// its first invocation prepares it.
pub(crate) fn prepare_published(engine: &SandboxEngine, bundle: &Bundle, name: &str, entry: &VersionEntry) {
    match prepare(engine, bundle, name, &entry.version, &entry.record) {
        Ok(prepared) => entry.keep_prepared(prepared),
        Err(e) => {
            tracing::warn!(function = name, version = %entry.version, error = %e, "could not prepare a published version")
        }
    }
}

/// Prepares a stored version again: from its extracted files and its
/// compiled artifact when both are on disk, else from its stored zip.
/// Blocking; call off the sandbox threads.
pub(crate) fn prepare_again(state: &State, name: &str, entry: &VersionEntry) -> Result<PreparedFunction> {
    let engine = &state.engine;
    if let Some(prepared) = entry.prepared() {
        return Ok(prepared);
    }
    let record = &entry.record;
    let config = function_config(name, &entry.version, record);
    let cached = match BundleDigest::from_hex(&record.code_digest_hex) {
        Some(digest) => engine.prepare_cached(&digest, &record.handler, config.clone()).map_err(sandbox_error)?,
        None => None,
    };
    let prepared = match cached {
        Some(prepared) => prepared,
        None => {
            let zip = state.registry.store.read_code(&record.code_digest_hex)?;
            let bundle = Bundle::parse(&zip, &record.handler, &state.config.limits.bundle)
                .map_err(|e| Error::service("re-reading a stored bundle", e))?;
            engine.prepare(&bundle, config).map_err(sandbox_error)?
        }
    };
    entry.keep_prepared(prepared.clone());
    Ok(prepared)
}

/// The version's prepared function for an invocation: at once when it is
/// warm, else prepared again on the blocking pool.
pub(crate) async fn ready(state: &Arc<State>, name: &str, entry: &Arc<VersionEntry>) -> Result<PreparedFunction> {
    if let Some(prepared) = entry.prepared() {
        return Ok(prepared);
    }
    let (state, name, entry) = (Arc::clone(state), name.to_string(), Arc::clone(entry));
    tokio::task::spawn_blocking(move || prepare_again(&state, &name, &entry))
        .await
        .map_err(|e| Error::Service(format!("preparing the function failed: {e}")))?
}

/// Drops the prepared functions of versions idle for longer than `idle`.
pub(crate) fn unload_idle(versions: impl Iterator<Item = Arc<VersionEntry>>, idle: Duration) -> usize {
    let cutoff = now_ms().saturating_sub(idle.as_millis() as u64);
    versions.filter(|entry| entry.last_used_ms() < cutoff && entry.unload()).count()
}
