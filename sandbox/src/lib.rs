//! The Nimbus sandbox: the bundle format, the wasm engine, and one isolated
//! invocation of a function.
//!
//! A function is a WASI preview-1 command (see `docs/abi.md`) shipped in a
//! zip [`Bundle`]. [`SandboxEngine::prepare`] compiles it once (or loads the
//! compiled artifact from the on-disk cache) and pre-links it;
//! [`SandboxEngine::invoke`] then runs each invocation in a fresh instance
//! from the pooling allocator: the event on stdin, the response from stdout,
//! the log from stderr, its files read-only at `/var/task` and an empty
//! `/tmp`, with its memory, time, response, log and `/tmp` limited.
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
//! let result = engine.invoke(&hello, Invocation {
//!     request_id: "7f1c…".into(),
//!     event: br#"{"name":"world"}"#.to_vec(),
//! })?;
//! println!("{:?} in {} µs", result.outcome, result.metrics.duration_us);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod artifact_cache;
mod bounded_poll;
pub mod bundle;
mod direct_stdio;
mod engine;
mod error;
mod invoke;
pub mod limits;
pub mod manifest;
mod memory_limit;
mod outcome;
mod output;
mod prepared;
mod scratch;
mod wasi_errno;

pub use artifact_cache::ArtifactSource;
pub use bundle::{Bundle, BundleDigest, BundleError, BundleStore, build_bundle};
pub use engine::{EngineConfig, SandboxEngine};
pub use error::Error;
pub use invoke::Invocation;
pub use limits::{BundleLimits, InvocationLimits};
pub use manifest::Manifest;
pub use outcome::{InvocationMetrics, InvocationResult, Outcome};
pub use prepared::{FunctionConfig, PreparedFunction};

/// Runs `f` — meant to be the whole life of a thread that runs
/// invocations — inside wasmtime-wasi's own Tokio runtime context. Its
/// synchronous WASI calls each wrap an async operation in a `block_on`;
/// without an ambient runtime each call enters that runtime afresh and
/// yields once before running the operation; with one it runs it at once.
/// Never call this on a Tokio worker thread (nor run wasm on one).
pub fn with_wasi_runtime<R>(f: impl FnOnce() -> R) -> R {
    wasmtime_wasi::runtime::with_ambient_tokio_runtime(f)
}
