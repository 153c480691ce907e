//! The scheduler's shared state and its start-up: storage opened, the
//! catalog loaded from it, the sandbox engine, threads and ledger started.

use crate::catalog::{Catalog, FunctionEntry, VersionEntry};
use crate::concurrency::{AccountConcurrency, FunctionConcurrency};
use crate::config::SchedulerConfig;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::metrics::Metrics;
use crate::names::LATEST;
use crate::sandbox_threads::SandboxThreads;
use crate::store::Store;
use nimbus_sandbox::{EngineConfig, SandboxEngine};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use std::time::Duration;

/// How often idle versions are looked for.
const IDLE_SWEEP_EVERY: Duration = Duration::from_secs(30);

pub(crate) struct State {
    pub config: SchedulerConfig,
    pub engine: SandboxEngine,
    pub store: Store,
    pub catalog: RwLock<Catalog>,
    pub account: AccountConcurrency,
    pub threads: SandboxThreads,
    pub ledger: Arc<Ledger>,
    pub metrics: Metrics,
    /// Invocations between request and response, for a graceful shutdown.
    pub in_flight: AtomicUsize,
    pub drained: tokio::sync::Notify,
}

impl State {
    pub(crate) fn open(config: SchedulerConfig) -> Result<Self> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| Error::service("creating the data directory", e))?;
        let mut engine_config = EngineConfig::new(&config.data_dir);
        // Only sandbox threads run wasm, so this many slots always suffice.
        engine_config.pool_size = (config.sandbox_threads as u32 * 2).max(16);
        engine_config.fuel_metering = config.fuel_metering;
        let engine = SandboxEngine::new(engine_config).map_err(|e| Error::service("starting the sandbox", e))?;
        let store = Store::open(&config.data_dir)?;
        let account = AccountConcurrency::new(config.account_concurrency);
        let catalog = load_catalog(&store, &account)?;
        let ledger = Ledger::open(&config.data_dir.join("registry.sqlite3"))?;
        let threads = SandboxThreads::start(config.sandbox_threads, &ledger)?;
        Ok(Self {
            config,
            engine,
            store,
            catalog: RwLock::new(catalog),
            account,
            threads,
            ledger,
            metrics: Metrics::new(),
            in_flight: AtomicUsize::new(0),
            drained: tokio::sync::Notify::new(),
        })
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Catalog> {
        self.catalog.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Catalog> {
        self.catalog.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Every version of every function.
    pub(crate) fn all_versions(&self) -> Vec<(String, Arc<VersionEntry>)> {
        let catalog = self.read();
        catalog
            .functions
            .iter()
            .flat_map(|(name, f)| {
                std::iter::once(&f.latest).chain(f.published.values()).map(move |v| (name.clone(), Arc::clone(v)))
            })
            .collect()
    }
}

fn load_catalog(store: &Store, account: &AccountConcurrency) -> Result<Catalog> {
    let mut catalog = Catalog::default();
    for stored in store.load()? {
        let mut latest = None;
        let mut published = BTreeMap::new();
        for (version, record) in stored.versions {
            let entry = VersionEntry::new(version.clone(), record, None);
            if version == LATEST {
                latest = Some(entry);
            } else if let Ok(number) = version.parse::<u64>() {
                published.insert(number, entry);
            }
        }
        let Some(latest) = latest else {
            tracing::warn!(function = %stored.name, "function without $LATEST in the registry; skipped");
            continue;
        };
        let concurrency = FunctionConcurrency::new(None);
        account.reserve(&concurrency, stored.reserved_concurrency)?;
        catalog.functions.insert(
            stored.name,
            FunctionEntry {
                latest,
                published,
                aliases: stored.aliases.into_iter().collect(),
                next_version: stored.next_version,
                concurrency,
            },
        );
    }
    Ok(catalog)
}

/// Background upkeep: prepares every stored version once after start-up
/// (from the artifact cache: no compiling), then drops idle ones now and then.
pub(crate) fn start_upkeep(state: &Arc<State>) {
    let weak: Weak<State> = Arc::downgrade(state);
    let spawned = std::thread::Builder::new().name("nimbus-upkeep".into()).spawn(move || {
        if let Some(state) = weak.upgrade() {
            for (name, version) in state.all_versions() {
                if let Err(e) = crate::warm_pool::warm(&state.engine, &state.store, &name, &version) {
                    tracing::warn!(function = %name, version = %version.version, error = %e, "could not prepare a stored version");
                }
            }
        }
        loop {
            std::thread::sleep(IDLE_SWEEP_EVERY);
            let Some(state) = weak.upgrade() else { return };
            let idle = state.config.idle_unload_after;
            let unloaded = crate::warm_pool::unload_idle(state.all_versions().into_iter().map(|(_, v)| v), idle);
            if unloaded > 0 {
                tracing::info!(unloaded, "dropped idle versions from memory");
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start the upkeep thread");
    }
}
