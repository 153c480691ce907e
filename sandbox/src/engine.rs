//! The one wasmtime engine of a process: configuration, instance pool and
//! the clock thread that enforces timeouts and time slices.

use crate::artifact_cache::ArtifactCache;
use crate::bundle::BundleStore;
use crate::error::Error;
use crate::host_state::InvocationState;
use crate::limits::InvocationLimits;
use crate::scratch::ScratchPool;
use crate::ticker::Ticker;
use std::path::PathBuf;
use std::time::Duration;
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, Linker, OptLevel, PoolingAllocationConfig};

/// The largest linear memory a wasm32 guest can address.
const MAX_WASM32_MEMORY: usize = 4 << 30;
/// Memory and table bytes kept resident when a pool slot is reused: more
/// than a small guest touches, so reuse costs no page faults or `madvise`
/// (see `docs/performance-notes.md`: this is most of the per-invocation
/// time otherwise).
const KEEP_RESIDENT: usize = 1 << 20;
/// Stack bytes of a guest's fiber kept resident when its stack slot is
/// reused, for the same reason.
const STACK_KEEP_RESIDENT: usize = 256 << 10;

/// How the engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Where bundles, compiled artifacts and scratch directories live.
    pub data_dir: PathBuf,
    /// Instances that may exist at once, running or asleep (the pooling
    /// allocator's slots and fiber stacks).
    pub pool_size: u32,
    /// How often the epoch advances; the granularity of timeouts and slices.
    pub epoch_tick: Duration,
    /// How long a guest runs before it yields its thread, when whoever
    /// polls it says that others wait (see [`crate::YieldSignal`]).
    pub time_slice: Duration,
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
            time_slice: Duration::from_millis(1),
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
    pub(crate) ticker: Ticker,
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
        let linker = crate::wasi::linker(&engine, false).map_err(|e| Error::Engine(format!("{e:#}")))?;
        let direct_stdio_linker = crate::wasi::linker(&engine, true).map_err(|e| Error::Engine(format!("{e:#}")))?;
        let artifacts = ArtifactCache::open(config.data_dir.join("artifacts"), &engine)?;
        let bundles = BundleStore::open(config.data_dir.join("bundles"))?;
        let scratch = ScratchPool::new(&config.data_dir.join("scratch")).map_err(Error::Io)?;
        let ticker = Ticker::start(engine.clone(), config.epoch_tick).map_err(Error::Io)?;
        Ok(Self { engine, linker, direct_stdio_linker, config, artifacts, bundles, scratch, ticker })
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

fn wasmtime_config(config: &EngineConfig) -> Config {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_core_instances(config.pool_size)
        .total_memories(config.pool_size)
        .total_tables(config.pool_size)
        .max_memory_size(MAX_WASM32_MEMORY)
        .table_elements(100_000)
        .linear_memory_keep_resident(KEEP_RESIDENT)
        .table_keep_resident(KEEP_RESIDENT)
        .total_stacks(config.pool_size)
        .async_stack_keep_resident(STACK_KEEP_RESIDENT)
        .pagemap_scan(Enabled::Auto);
    let mut wasm = Config::new();
    wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        .epoch_interruption(true)
        .consume_fuel(config.fuel_metering)
        .cranelift_opt_level(OptLevel::Speed)
        .memory_init_cow(true);
    wasm
}
