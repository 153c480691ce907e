//! The scheduler's shared state and its start-up: the registry loaded, the
//! sandbox engine, the executor's threads and the journal started.

use crate::config::SchedulerConfig;
use crate::error::{Error, Result};
use crate::events::Events;
use crate::invocation::admit::{AccountConcurrency, minimum_unreserved};
use crate::invocation::executor::Executor;
use crate::journal::Journal;
use crate::metering::metrics::Metrics;
use crate::registry::catalog::VersionEntry;
use crate::registry::{Draft, Registry};
use nimbus_sandbox::{EngineConfig, SandboxEngine};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How often idle versions are looked for.
const IDLE_SWEEP_EVERY: Duration = Duration::from_secs(30);
/// Instance slots beyond the account's concurrency: a version's first
/// invocations may overlap a little with the slots of finishing ones.
const SPARE_INSTANCE_SLOTS: u32 = 16;

pub(crate) struct State {
    pub config: SchedulerConfig,
    pub engine: SandboxEngine,
    pub registry: Registry,
    pub account: AccountConcurrency,
    pub executor: Executor,
    pub journal: Arc<Journal>,
    pub events: Events,
    pub metrics: Metrics,
    /// Invocations between admission and completion, for a graceful shutdown.
    pub in_flight: AtomicUsize,
    pub drained: tokio::sync::Notify,
}

impl State {
    pub(crate) fn open(config: SchedulerConfig) -> Result<Self> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| Error::service("creating the data directory", e))?;
        let mut engine_config = EngineConfig::new(&config.data_dir);
        // Every admitted invocation may hold an instance (running or asleep).
        engine_config.pool_size = config.account_concurrency.saturating_add(SPARE_INSTANCE_SLOTS);
        engine_config.fuel_metering = config.fuel_metering;
        engine_config.limits = config.limits.invocation.clone();
        engine_config.time_slice = config.time_slice;
        let engine = SandboxEngine::new(engine_config).map_err(|e| Error::service("starting the sandbox", e))?;
        let registry = Registry::open(&config.data_dir)?;
        let account = AccountConcurrency::new(config.account_concurrency);
        let reserved = registry.snapshot().reserved_total();
        account.set_reserved_total(reserved);
        let minimum = minimum_unreserved(config.account_concurrency);
        let allowed = u64::from(config.account_concurrency - minimum);
        if reserved > allowed {
            // Refusing to start would leave the user no API to lower them with.
            tracing::warn!(
                "functions reserve {reserved} concurrent executions, more than the {allowed} that an account concurrency of {} allows (it keeps {minimum} unreserved); functions without a reservation are throttled until reservations are lowered",
                config.account_concurrency
            );
        }
        let journal = Journal::open(&config.data_dir.join("registry.sqlite3"))?;
        let executor = Executor::start(config.sandbox_threads, config.time_slice, &journal)?;
        Ok(Self {
            config,
            engine,
            registry,
            account,
            executor,
            journal,
            events: Events::new(),
            metrics: Metrics::new(),
            in_flight: AtomicUsize::new(0),
            drained: tokio::sync::Notify::new(),
        })
    }

    /// A registry change (see [`Registry::change`]); the account's
    /// reservations follow it.
    pub(crate) fn change<T>(&self, edit: impl FnOnce(&mut Draft<'_>) -> Result<T>) -> Result<T> {
        self.registry.change(edit, |catalog| self.account.set_reserved_total(catalog.reserved_total()))
    }

    /// Every version of every function.
    pub(crate) fn all_versions(&self) -> Vec<(String, Arc<VersionEntry>)> {
        let catalog = self.registry.snapshot();
        catalog
            .functions
            .iter()
            .flat_map(|(name, f)| f.versions().map(move |v| (name.clone(), Arc::clone(v))))
            .collect()
    }
}

/// Counts an invocation as in flight until dropped.
pub(crate) struct InFlight(Arc<State>);

impl InFlight {
    pub(crate) fn enter(state: &Arc<State>) -> Self {
        state.in_flight.fetch_add(1, Ordering::AcqRel);
        state.metrics.concurrent.inc();
        Self(Arc::clone(state))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.metrics.concurrent.dec();
        if self.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.drained.notify_waiters();
        }
    }
}

/// Background upkeep: prepares every stored version once after start-up
/// (from the artifact cache: no compiling), then drops idle ones now and then.
pub(crate) fn start_upkeep(state: &Arc<State>) {
    let weak: Weak<State> = Arc::downgrade(state);
    let spawned = std::thread::Builder::new().name("nimbus-upkeep".into()).spawn(move || {
        if let Some(state) = weak.upgrade() {
            for (name, version) in state.all_versions() {
                if let Err(e) = crate::invocation::warm_pool::prepare_again(&state, &name, &version) {
                    tracing::warn!(function = %name, version = %version.version, error = %e, "could not prepare a stored version");
                }
            }
        }
        loop {
            std::thread::sleep(IDLE_SWEEP_EVERY);
            let Some(state) = weak.upgrade() else { return };
            let idle = state.config.idle_unload_after;
            let unloaded =
                crate::invocation::warm_pool::unload_idle(state.all_versions().into_iter().map(|(_, v)| v), idle);
            if unloaded > 0 {
                tracing::info!(unloaded, "dropped idle versions from memory");
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start the upkeep thread");
    }
}
