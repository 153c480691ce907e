//! Keeping versions warm: prepared (compiled or loaded from the artifact
//! cache, pre-linked) when they are created, dropped from memory when idle,
//! prepared again on demand.

use crate::catalog::{VersionEntry, VersionRecord, now_ms};
use crate::error::{Error, Result};
use crate::store::Store;
use nimbus_sandbox::{Bundle, BundleLimits, FunctionConfig, PreparedFunction, SandboxEngine};
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

/// Prepares a version from a bundle already parsed.
pub(crate) fn prepare(
    engine: &SandboxEngine,
    bundle: &Bundle,
    name: &str,
    version: &str,
    record: &VersionRecord,
) -> Result<PreparedFunction> {
    engine.prepare(bundle, function_config(name, version, record)).map_err(|e| match e {
        nimbus_sandbox::Error::Compile(_) | nimbus_sandbox::Error::Link(_) => Error::InvalidParameter(e.to_string()),
        other => Error::service("preparing the function", other),
    })
}

/// The version's prepared function, preparing it again from the stored zip
/// (and the artifact cache) if it was dropped. Call on a sandbox thread.
pub(crate) fn warm(
    engine: &SandboxEngine,
    store: &Store,
    name: &str,
    entry: &VersionEntry,
) -> Result<PreparedFunction> {
    let mut slot = entry.prepared.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(prepared) = slot.as_ref() {
        return Ok(prepared.clone());
    }
    let zip = store.read_code(&entry.record.code_digest_hex)?;
    let bundle = Bundle::parse(&zip, &entry.record.handler, &BundleLimits::default())
        .map_err(|e| Error::service("re-reading a stored bundle", e))?;
    let prepared = prepare(engine, &bundle, name, &entry.version, &entry.record)?;
    *slot = Some(prepared.clone());
    Ok(prepared)
}

/// Drops the prepared functions of versions idle for longer than `idle`.
pub(crate) fn unload_idle(versions: impl Iterator<Item = Arc<VersionEntry>>, idle: Duration) -> usize {
    let cutoff = now_ms().saturating_sub(idle.as_millis() as u64);
    let mut unloaded = 0;
    for entry in versions {
        if entry.last_used_ms.load(std::sync::atomic::Ordering::Relaxed) < cutoff {
            let mut slot = entry.prepared.lock().unwrap_or_else(|e| e.into_inner());
            if slot.take().is_some() {
                unloaded += 1;
            }
        }
    }
    unloaded
}
