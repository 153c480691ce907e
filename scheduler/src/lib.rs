//! nimbus-scheduler: the registry of functions, versions and aliases, the
//! warm pools, concurrency limits, the synchronous invocation pipeline and
//! metering. It sits between the gateway (HTTP) and the sandbox (wasm).
//!
//! [`Scheduler`] is the one handle: control-plane calls (create, update,
//! publish, aliases, concurrency) keep the registry in SQLite and prepare
//! each version's module as it is created, so that the first invocation is
//! not a compile; [`Scheduler::invoke`] resolves a name and qualifier to one
//! immutable version, takes a concurrency permit (or answers 429 at once),
//! runs the sandbox on a fixed pool of threads, and commits the usage record
//! before it returns.
//!
//! ```no_run
//! # async fn demo() -> nimbus_scheduler::Result<()> {
//! use nimbus_scheduler::{InvokeRequest, Scheduler, SchedulerConfig};
//! let scheduler = Scheduler::open(SchedulerConfig::new("./nimbus-data"))?;
//! let response = scheduler.invoke(InvokeRequest::new("hello", br#"{"name":"x"}"#.to_vec())).await?;
//! println!("{}", String::from_utf8_lossy(&response.payload));
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod catalog;
mod concurrency;
mod config;
mod control_account;
mod control_aliases;
mod control_functions;
mod control_versions;
mod error;
mod invoke_types;
mod ledger;
mod log_frame;
mod metrics;
pub mod model;
pub mod names;
mod pipeline;
mod resolve;
mod sandbox_threads;
mod scheduler;
mod state;
mod store;
mod usage;
mod usage_types;
mod validate;
mod warm_pool;

pub use config::{Prices, SchedulerConfig, half_the_cores};
pub use error::{Error, Result, ThrottleReason};
pub use invoke_types::{InvocationType, InvokeRequest, InvokeResponse};
pub use metrics::Metrics;
pub use scheduler::{FunctionDetails, Scheduler};
pub use usage_types::{LogRecord, UsageBucket, UsageQuery, UsageReport, UsageTotals};
