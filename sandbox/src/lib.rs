//! The Nimbus sandbox: the bundle format, the wasm engine, and one isolated
//! invocation of a function.
//!
//! A function is a WASI preview-1 command (see `docs/abi.md`) shipped in a
//! zip [`Bundle`]. [`SandboxEngine::prepare`] compiles it once (or loads the
//! compiled artifact from the on-disk cache) and pre-links it;
//! [`SandboxEngine::run`] then runs each invocation in a fresh instance
//! from the pooling allocator, as a future (a sleeping guest holds no
//! thread; a long-running one yields its thread at the end of each time
//! slice when its poller says others wait): the event on stdin, the
//! response from stdout, the log from stderr, its files read-only at
//! `/var/task` and an empty `/tmp`, with its memory, time, response, log and
//! `/tmp` limited. [`SandboxEngine::invoke`] runs one to completion on the
//! calling thread.
//!
//! This crate knows nothing of HTTP, storage of metadata or scheduling.
//!
//! ```no_run
//! use nimbus_sandbox::{Bundle, BundleLimits, EngineConfig, FunctionConfig, Invocation, SandboxEngine};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = SandboxEngine::new(EngineConfig::new("./nimbus-data"))?;
//! let zip = std::fs::read("hello.zip")?;
//! let bundle = Bundle::parse(&zip, "function.wasm", &BundleLimits::default())?;
//! let hello = engine.prepare(&bundle, FunctionConfig::from_bundle("hello", &bundle))?;
//! let result = engine.invoke(&hello, Invocation::new("7f1c…", br#"{"name":"world"}"#.to_vec()))?;
//! println!("{:?} in {} µs", result.outcome, result.metrics.duration_us);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod artifact_cache;
mod block_on;
pub mod bundle;
mod engine;
mod error;
mod host_state;
mod invoke;
pub mod limits;
pub mod manifest;
mod memory_limit;
mod outcome;
mod output;
mod prepared;
mod scratch;
mod slicing;
mod ticker;
mod wasi;

pub use artifact_cache::ArtifactSource;
pub use bundle::{Bundle, BundleDigest, BundleError, BundleStore, build_bundle};
pub use engine::{EngineConfig, SandboxEngine};
pub use error::Error;
pub use invoke::Invocation;
pub use limits::{BundleLimits, InvocationLimits};
pub use manifest::Manifest;
pub use outcome::{InvocationMetrics, InvocationResult, Outcome};
pub use prepared::{FunctionConfig, PreparedFunction};
pub use slicing::YieldSignal;
