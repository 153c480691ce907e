//! Compiled modules on disk, so that a restart loads code instead of
//! compiling it again (milliseconds become tens of microseconds).

use crate::bundle::BundleDigest;
use crate::error::Error;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::{Engine, Module};

/// Where a prepared module came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactSource {
    /// Compiled now (and written to the cache).
    Compiled,
    /// Loaded from the on-disk cache.
    Cache,
}

/// A directory of serialized modules keyed by bundle digest, handler and the
/// engine's fingerprint (a different wasmtime or configuration never loads an
/// artifact it did not write).
#[derive(Debug)]
pub(crate) struct ArtifactCache {
    dir: PathBuf,
    fingerprint: String,
    compilations: AtomicU64,
}

impl ArtifactCache {
    pub(crate) fn open(dir: PathBuf, engine: &Engine) -> Result<Self, Error> {
        std::fs::create_dir_all(&dir)?;
        // `DefaultHasher::new()` has fixed keys, so the value is stable for a
        // given build; a new build may change it, which only costs a compile.
        let mut hasher = std::hash::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Ok(Self { dir, fingerprint: format!("{:016x}", hasher.finish()), compilations: AtomicU64::new(0) })
    }

    pub(crate) fn compilations(&self) -> u64 {
        self.compilations.load(Ordering::Relaxed)
    }

    fn path_for(&self, digest: &BundleDigest, handler: &str) -> PathBuf {
        let handler_key = hex::encode(&Sha256::digest(handler.as_bytes())[..8]);
        self.dir.join(format!("{}-{handler_key}-{}.cwasm", digest.hex(), self.fingerprint))
    }

    /// The module compiled before for this digest and handler, if the cache
    /// has it (and this engine can load it).
    pub(crate) fn load(&self, engine: &Engine, digest: &BundleDigest, handler: &str) -> Option<Module> {
        let path = self.path_for(digest, handler);
        if !path.exists() {
            return None;
        }
        // SAFETY: the file is one this cache wrote (atomically, by rename)
        // under a name that includes this engine's compatibility hash, in
        // a data directory only this service writes; wasmtime checks its
        // header and version before using it.
        match unsafe { Module::deserialize_file(engine, &path) } {
            Ok(module) => Some(module),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "unusable cached artifact; recompiling");
                None
            }
        }
    }

    /// The module for `wasm`, from the cache when it is there.
    pub(crate) fn load_or_compile(
        &self,
        engine: &Engine,
        digest: &BundleDigest,
        handler: &str,
        wasm: &[u8],
    ) -> Result<(Module, ArtifactSource), Error> {
        if let Some(module) = self.load(engine, digest, handler) {
            return Ok((module, ArtifactSource::Cache));
        }
        let path = self.path_for(digest, handler);
        let module = Module::new(engine, wasm).map_err(|e| Error::Compile(format!("{e:#}")))?;
        self.compilations.fetch_add(1, Ordering::Relaxed);
        let artifact = module.serialize().map_err(|e| Error::Compile(format!("{e:#}")))?;
        write_atomically(&path, &artifact)?;
        Ok((module, ArtifactSource::Compiled))
    }
}

/// Writes to a temporary name beside `path` and renames it into place, so a
/// crash never leaves a half-written artifact under the real name.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let temp = path.with_extension(format!("tmp-{}-{n}", std::process::id()));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path)
}
