//! The one wasmtime engine of a process: configuration, instance pool and
//! the epoch ticker that enforces timeouts.

use crate::artifact_cache::ArtifactCache;
use crate::bundle::BundleStore;
use crate::error::Error;
use crate::invoke::InvocationState;
use crate::limits::InvocationLimits;
use crate::scratch::ScratchPool;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, Linker, OptLevel, PoolingAllocationConfig};

/// The largest linear memory a wasm32 guest can address.
const MAX_WASM32_MEMORY: usize = 4 << 30;
/// Memory and table bytes kept resident when a pool slot is reused: more
/// than a small guest touches, so reuse costs no page faults or `madvise`
/// (see PERF-NOTES.md: this is most of the per-invocation time otherwise).
const KEEP_RESIDENT: usize = 1 << 20;

/// How the engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Where bundles, compiled artifacts and scratch directories live.
    pub data_dir: PathBuf,
    /// Instances that may run at once (the pooling allocator's slots).
    pub pool_size: u32,
    /// How often the epoch advances; the granularity of timeouts.
    pub epoch_tick: Duration,
    /// Count fuel (≈ instructions) per invocation. Costs speed.
    pub fuel_metering: bool,
    /// Limits on each invocation's output and `/tmp`.
    pub limits: InvocationLimits,
}

impl EngineConfig {
    /// Defaults, with everything stored under `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            pool_size: 256,
            epoch_tick: Duration::from_millis(1),
            fuel_metering: false,
            limits: InvocationLimits::default(),
        }
    }
}

/// The process's sandbox: one wasmtime engine with its instance pool, the
/// linker every function is pre-linked with, the artifact cache, the bundle
/// store and the scratch directories for `/tmp`.
pub struct SandboxEngine {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<InvocationState>,
    /// `linker` with stdin, stdout and stderr served by `direct_stdio`,
    /// for the modules whose descriptors can never change.
    pub(crate) direct_stdio_linker: Linker<InvocationState>,
    pub(crate) config: EngineConfig,
    pub(crate) artifacts: ArtifactCache,
    pub(crate) bundles: BundleStore,
    pub(crate) scratch: ScratchPool,
    ticker_stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for SandboxEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxEngine").field("config", &self.config).finish_non_exhaustive()
    }
}

impl SandboxEngine {
    /// Builds the engine and starts its epoch ticker.
    pub fn new(config: EngineConfig) -> Result<Self, Error> {
        let engine = Engine::new(&wasmtime_config(&config)).map_err(|e| Error::Engine(format!("{e:#}")))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |state: &mut InvocationState| &mut state.wasi)
            .and_then(|()| crate::bounded_poll::add_to_linker(&mut linker))
            .map_err(|e| Error::Engine(format!("{e:#}")))?;
        let mut direct_stdio_linker = linker.clone();
        crate::direct_stdio::add_to_linker(&mut direct_stdio_linker).map_err(|e| Error::Engine(format!("{e:#}")))?;
        let artifacts = ArtifactCache::open(config.data_dir.join("artifacts"), &engine)?;
        let bundles = BundleStore::open(config.data_dir.join("bundles"))?;
        let scratch = ScratchPool::new(&config.data_dir.join("scratch")).map_err(Error::Io)?;
        let ticker_stop = Arc::new(AtomicBool::new(false));
        spawn_epoch_ticker(engine.clone(), config.epoch_tick, Arc::clone(&ticker_stop))?;
        Ok(Self { engine, linker, direct_stdio_linker, config, artifacts, bundles, scratch, ticker_stop })
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Number of compilations since the process started (cache misses).
    pub fn compilations(&self) -> u64 {
        self.artifacts.compilations()
    }
}

impl Drop for SandboxEngine {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

fn wasmtime_config(config: &EngineConfig) -> Config {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_core_instances(config.pool_size)
        .total_memories(config.pool_size)
        .total_tables(config.pool_size)
        .max_memory_size(MAX_WASM32_MEMORY)
        .table_elements(100_000)
        .linear_memory_keep_resident(KEEP_RESIDENT)
        .table_keep_resident(KEEP_RESIDENT)
        .pagemap_scan(Enabled::Auto);
    let mut wasm = Config::new();
    wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        .epoch_interruption(true)
        .consume_fuel(config.fuel_metering)
        .cranelift_opt_level(OptLevel::Speed)
        .memory_init_cow(true);
    wasm
}

/// One thread advances the epoch every tick; a store's deadline is counted
/// in ticks. It holds only a clone of the engine and stops with the sandbox.
fn spawn_epoch_ticker(engine: Engine, tick: Duration, stop: Arc<AtomicBool>) -> Result<(), Error> {
    std::thread::Builder::new()
        .name("nimbus-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(tick);
                engine.increment_epoch();
            }
        })
        .map(drop)
        .map_err(Error::Io)
}
