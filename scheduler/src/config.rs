//! How a scheduler is set up: where its data lives and its limits and prices.

use crate::limits::Limits;
use crate::names::ArnScope;
use std::path::PathBuf;
use std::time::Duration;

/// Prices used for the cost in usage reports (Lambda's x86 public prices).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prices {
    /// Dollars per request.
    pub per_request_usd: f64,
    /// Dollars per GB-second.
    pub per_gb_second_usd: f64,
}

impl Default for Prices {
    fn default() -> Self {
        Self { per_request_usd: 0.000_000_2, per_gb_second_usd: 0.000_016_666_7 }
    }
}

/// The scheduler's settings.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// The data directory: the SQLite registry and ledger, bundles, the
    /// compiled-code cache and scratch space.
    pub data_dir: PathBuf,
    /// Region and account id used in ARNs.
    pub scope: ArnScope,
    /// The account's concurrency limit (Lambda: 1000).
    pub account_concurrency: u32,
    /// OS threads that run wasm (default: [`half_the_cores`]).
    pub sandbox_threads: usize,
    /// How long a guest runs before it yields its thread when other
    /// invocations wait for one.
    pub time_slice: Duration,
    /// Every limit, with Lambda's defaults.
    pub limits: Limits,
    /// A version not invoked for this long is dropped from memory (it is
    /// re-prepared from the artifact cache on its next invocation).
    pub idle_unload_after: Duration,
    /// Prices for usage reports.
    pub prices: Prices,
    /// Count instructions per invocation (slower).
    pub fuel_metering: bool,
    /// Multiplies every retry and throttle delay of queued events (1:
    /// Lambda's; 0.001 turns minutes into milliseconds for tests).
    pub retry_delay_scale: f64,
}

impl SchedulerConfig {
    /// Defaults, with data under `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            scope: ArnScope::default(),
            account_concurrency: 1000,
            sandbox_threads: half_the_cores(),
            time_slice: Duration::from_millis(1),
            limits: Limits::default(),
            idle_unload_after: Duration::from_secs(15 * 60),
            prices: Prices::default(),
            fuel_metering: false,
            retry_delay_scale: 1.0,
        }
    }
}

/// Half the cores this process may use, at least one: the default size of
/// the sandbox thread pool (and of the HTTP server's), since the two share
/// the cores.
pub fn half_the_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}
