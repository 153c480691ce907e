//! nimbus-gateway: HTTP in front of the scheduler — the Lambda-compatible
//! API (`/2015-03-31/…` and Lambda's other dated prefixes), the
//! `/nimbus/v1` extensions (usage, logs, code downloads), `/metrics` and
//! `/healthz`. It talks to the scheduler only.
//!
//! Every error that reaches a client is mapped in one place
//! ([`error::AppError`]) to Lambda's status, `x-amzn-ErrorType` and JSON
//! body, so the AWS CLI and SDKs see the errors they know.
//!
//! [`router`] builds the whole API as one [`axum::Router`], which tests can
//! drive with `tower::ServiceExt::oneshot`; [`serve`] runs it on a listener
//! until a shutdown future completes.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use nimbus_gateway::{AppState, serve};
//! use nimbus_scheduler::{Scheduler, SchedulerConfig};
//!
//! let scheduler = tokio::task::spawn_blocking(|| Scheduler::open(SchedulerConfig::new("./nimbus-data"))).await??;
//! let state = AppState::new(scheduler.clone())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! serve(listener, state, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! scheduler.shutdown(std::time::Duration::from_secs(30)).await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod body;
pub mod error;
mod extensions;
mod extract;
mod guard;
mod health;
mod instrument;
mod lambda;
mod metrics;
mod serve;

pub use error::AppError;
pub use guard::AllowedHosts;
pub use metrics::HttpMetrics;
pub use serve::serve;

use axum::Router;
use axum::routing::get;
use nimbus_scheduler::Scheduler;
use std::sync::Arc;

/// What every request handler shares: cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The scheduler every call goes to.
    pub scheduler: Scheduler,
    /// The gateway's own collectors (registered in the scheduler's registry).
    pub metrics: HttpMetrics,
    /// The hosts it answers to.
    pub hosts: Arc<AllowedHosts>,
}

impl AppState {
    /// State for `scheduler` (and its limits); registers the HTTP
    /// collectors in the scheduler's Prometheus registry (which fails if
    /// they are already registered there, i.e. on a second call for one
    /// scheduler).
    pub fn new(scheduler: Scheduler) -> prometheus::Result<Self> {
        let metrics = HttpMetrics::register(scheduler.metrics().registry())?;
        let hosts = Arc::new(AllowedHosts::new(&scheduler.scope().region));
        Ok(Self { scheduler, metrics, hosts })
    }

    /// Also answers to these host names or addresses (`--allowed-host`).
    pub fn allow_hosts<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Self {
        let hosts = Arc::make_mut(&mut self.hosts);
        for name in names {
            hosts.allow_name(name);
        }
        self
    }

    /// The limits it enforces: the scheduler's, built from its configuration.
    pub fn limits(&self) -> &nimbus_scheduler::Limits {
        self.scheduler.limits()
    }
}

/// The whole HTTP API: the Lambda routes, the `/nimbus/v1` extensions,
/// `/metrics` and `/healthz`; anything else answers Lambda's error shape.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(lambda::routes())
        .merge(extensions::routes())
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics::render))
        .fallback(error::unknown_operation)
        // Applies to the routes added so far, so it comes after all of them.
        .method_not_allowed_fallback(error::method_not_allowed)
        // Before any handler reads a body or the scheduler.
        .layer(guard::GuardLayer::new(Arc::clone(&state.hosts)))
        // Outermost, so it sees every response (errors and 405s included)
        // and the matched route template.
        .layer(instrument::InstrumentLayer::new(state.metrics.clone()))
        .with_state(state)
}
