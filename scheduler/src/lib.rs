//! nimbus-scheduler: the registry of functions, versions and aliases, the
//! warm pools, concurrency limits, the synchronous invocation pipeline and
//! metering. It sits between the gateway (HTTP) and the sandbox (wasm).
//!
//! [`Scheduler`] is the one handle: control-plane calls (create, update,
//! publish, aliases, concurrency) keep the registry in SQLite and prepare
//! each version's module as it is created, so that the first invocation is
//! not a compile; [`Scheduler::invoke`] resolves a name and qualifier to one
//! immutable version, takes a concurrency permit (or answers 429 at once),
//! runs the sandbox on a fair executor (every function gets its share of
//! the sandbox threads, whatever its number of invocations; a sleeping
//! guest holds no thread), and commits the usage record before it returns.
//!
//! The source is laid out by stage: `registry/` (the catalog snapshot and
//! its one owner, SQLite, the control-plane calls), `invocation/` (resolve →
//! admit → execute on the `executor/` → answer) and `metering/` (usage
//! ledger, logs, metrics).
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

mod config;
mod error;
mod events;
mod invocation;
mod journal;
mod limits;
mod metering;
pub mod model;
pub mod names;
mod registry;
mod scheduler;
mod state;

pub use config::{Prices, SchedulerConfig, half_the_cores};
pub use error::{Error, Result, ThrottleReason};
pub use invocation::types::{InvocationType, InvokeRequest, InvokeResponse};
pub use limits::{ConnectionLimits, Limits};
pub use metering::metrics::Metrics;
pub use metering::usage_types::{LogRecord, UsageBucket, UsageQuery, UsageReport, UsageTotals};
pub use registry::validate::check_manifest;
pub use scheduler::{FunctionDetails, Scheduler};
