//! A function made ready to run: compiled (or loaded), pre-linked, with its
//! files on disk and its configuration fixed.

use crate::artifact_cache::ArtifactSource;
use crate::bundle::{Bundle, BundleDigest};
use crate::engine::SandboxEngine;
use crate::error::Error;
use crate::host_state::InvocationState;
use crate::limits::{DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, MAX_MEMORY_MB, MAX_TIMEOUT_S, MIN_MEMORY_MB, MIN_TIMEOUT_S};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use wasmtime::InstancePre;

/// What a function runs with: its identity, memory size, timeout and own
/// environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionConfig {
    /// The function's name (`NIMBUS_FUNCTION_NAME`).
    pub name: String,
    /// The version being run (`NIMBUS_FUNCTION_VERSION`), e.g. `$LATEST`.
    pub version: String,
    /// Memory size in MB: the cap on linear memory + tables.
    pub memory_mb: u32,
    /// Wall-clock limit of one invocation.
    pub timeout: Duration,
    /// The function's own environment variables.
    pub env: BTreeMap<String, String>,
}

impl FunctionConfig {
    /// Lambda's defaults (128 MB, 3 s), version `$LATEST`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: "$LATEST".into(),
            memory_mb: DEFAULT_MEMORY_MB,
            timeout: DEFAULT_TIMEOUT,
            env: BTreeMap::new(),
        }
    }

    /// Defaults overridden by the bundle's manifest.
    pub fn from_bundle(name: impl Into<String>, bundle: &Bundle) -> Self {
        let manifest = bundle.manifest();
        let mut config = Self::new(name);
        if let Some(memory_mb) = manifest.memory_mb {
            config.memory_mb = memory_mb;
        }
        if let Some(timeout_s) = manifest.timeout_s {
            config.timeout = Duration::from_secs(timeout_s.into());
        }
        config.env = manifest.env.clone();
        config
    }

    fn validate(&self) -> Result<(), Error> {
        if !(MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&self.memory_mb) {
            return Err(Error::InvalidConfig(format!(
                "memory size {} MB is outside {MIN_MEMORY_MB}..={MAX_MEMORY_MB} MB",
                self.memory_mb
            )));
        }
        let timeout_range = Duration::from_secs(MIN_TIMEOUT_S.into())..=Duration::from_secs(MAX_TIMEOUT_S.into());
        if !timeout_range.contains(&self.timeout) {
            return Err(Error::InvalidConfig(format!(
                "timeout {} s is outside {MIN_TIMEOUT_S}..={MAX_TIMEOUT_S} seconds",
                self.timeout.as_secs_f64()
            )));
        }
        Ok(())
    }
}

/// A function ready for [`SandboxEngine::invoke`]: cheap to clone and share
/// between threads.
#[derive(Clone)]
pub struct PreparedFunction {
    pub(crate) inner: Arc<Prepared>,
}

pub(crate) struct Prepared {
    pub(crate) config: FunctionConfig,
    pub(crate) digest: BundleDigest,
    pub(crate) source: ArtifactSource,
    pub(crate) files_dir: PathBuf,
    pub(crate) instance_pre: InstancePre<InvocationState>,
    /// Set by the first invocation: later ones are warm.
    pub(crate) instantiated: AtomicBool,
    /// Environment shared by every invocation, built once.
    pub(crate) base_env: Vec<(String, String)>,
    /// Whether the module imports a call that can reach a directory (and so
    /// needs `/var/task` and `/tmp` mounted).
    pub(crate) uses_filesystem: bool,
    /// Whether its stdio is served by `direct_stdio` (it was pre-linked
    /// with that linker).
    pub(crate) direct_stdio: bool,
}

impl std::fmt::Debug for PreparedFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedFunction")
            .field("config", &self.inner.config)
            .field("digest", &self.inner.digest)
            .field("source", &self.inner.source)
            .finish_non_exhaustive()
    }
}

impl PreparedFunction {
    /// The configuration it runs with.
    pub fn config(&self) -> &FunctionConfig {
        &self.inner.config
    }

    /// The digest of the bundle it came from.
    pub fn digest(&self) -> &BundleDigest {
        &self.inner.digest
    }

    /// Whether its code was compiled now or loaded from the cache.
    pub fn artifact_source(&self) -> ArtifactSource {
        self.inner.source
    }

    /// The directory mounted read-only at `/var/task`.
    pub fn files_dir(&self) -> &std::path::Path {
        &self.inner.files_dir
    }
}

impl SandboxEngine {
    /// Makes a bundle ready to run: extracts its files, compiles its module
    /// (or loads it from the cache) and pre-links it, so that an invocation
    /// only instantiates.
    pub fn prepare(&self, bundle: &Bundle, config: FunctionConfig) -> Result<PreparedFunction, Error> {
        config.validate()?;
        let files_dir = self.bundles.materialize(bundle)?;
        let (module, source) =
            self.artifacts.load_or_compile(&self.engine, bundle.digest(), bundle.handler(), bundle.module())?;
        self.link(bundle.digest().clone(), module, source, files_dir, config)
    }

    /// Makes a bundle prepared before ready again from what that left on
    /// disk — its extracted files and its compiled artifact — without the
    /// zip and without compiling: `Ok(None)` when either is missing (then
    /// [`SandboxEngine::prepare`] it from its bundle).
    pub fn prepare_cached(
        &self,
        digest: &BundleDigest,
        handler: &str,
        config: FunctionConfig,
    ) -> Result<Option<PreparedFunction>, Error> {
        config.validate()?;
        let Some(files_dir) = self.bundles.extracted(digest) else { return Ok(None) };
        let Some(module) = self.artifacts.load(&self.engine, digest, handler) else { return Ok(None) };
        self.link(digest.clone(), module, ArtifactSource::Cache, files_dir, config).map(Some)
    }

    fn link(
        &self,
        digest: BundleDigest,
        module: wasmtime::Module,
        source: ArtifactSource,
        files_dir: PathBuf,
        config: FunctionConfig,
    ) -> Result<PreparedFunction, Error> {
        let needs_bytes = crate::memory_limit::initial_bytes(&module);
        if needs_bytes > u64::from(config.memory_mb) * crate::limits::MIB {
            return Err(Error::MemoryTooSmall { needs_bytes, memory_mb: config.memory_mb });
        }
        let uses_filesystem = module.imports().any(|import| reaches_directories(import.name()));
        let direct_stdio = crate::wasi::direct_stdio::can_serve(&module, uses_filesystem);
        let linker = if direct_stdio { &self.direct_stdio_linker } else { &self.linker };
        let instance_pre = linker.instantiate_pre(&module).map_err(|e| Error::Link(format!("{e:#}")))?;
        let base_env = base_env(&config);
        Ok(PreparedFunction {
            inner: Arc::new(Prepared {
                config,
                digest,
                source,
                files_dir,
                instance_pre,
                instantiated: AtomicBool::new(false),
                base_env,
                uses_filesystem,
                direct_stdio,
            }),
        })
    }
}

/// Whether a WASI preview-1 call can find, open or list a directory: only a
/// module importing one of these can see its mounts at all.
fn reaches_directories(name: &str) -> bool {
    name.starts_with("path_") || name.starts_with("fd_prestat") || name == "fd_readdir"
}

/// The function's own variables, then the platform's (which win).
fn base_env(config: &FunctionConfig) -> Vec<(String, String)> {
    let memory = config.memory_mb.to_string();
    let platform = [
        ("NIMBUS_FUNCTION_NAME", config.name.as_str()),
        ("NIMBUS_FUNCTION_VERSION", config.version.as_str()),
        ("NIMBUS_MEMORY_MB", memory.as_str()),
        ("AWS_LAMBDA_FUNCTION_NAME", config.name.as_str()),
        ("AWS_LAMBDA_FUNCTION_VERSION", config.version.as_str()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory.as_str()),
    ];
    let mut env: Vec<(String, String)> = config
        .env
        .iter()
        .filter(|(key, _)| !platform.iter().any(|(name, _)| name == key) && !is_per_invocation(key))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    env.extend(platform.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

fn is_per_invocation(key: &str) -> bool {
    key == "NIMBUS_REQUEST_ID" || key == "NIMBUS_DEADLINE_MS"
}

#[cfg(test)]
mod tests {
    use super::reaches_directories;

    #[test]
    fn only_calls_that_find_or_list_directories_need_the_mounts() {
        for name in ["path_open", "path_filestat_get", "fd_prestat_get", "fd_prestat_dir_name", "fd_readdir"] {
            assert!(reaches_directories(name), "{name}");
        }
        for name in ["fd_read", "fd_write", "environ_get", "proc_exit", "clock_time_get", "poll_oneoff"] {
            assert!(!reaches_directories(name), "{name}");
        }
    }
}
