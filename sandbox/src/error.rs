//! The sandbox's errors: each is something the caller can act on.

use crate::bundle::BundleError;

/// Why the sandbox could not prepare a function or set itself up.
/// (How an invocation *ended* is an [`crate::Outcome`], not an error.)
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bundle broke a rule; the message says which.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The module could not be compiled for this engine.
    #[error("module failed to compile: {0}")]
    Compile(String),
    /// The module imports something the sandbox does not provide.
    #[error("module failed to link: {0}")]
    Link(String),
    /// The engine could not be configured on this host.
    #[error("sandbox engine: {0}")]
    Engine(String),
    /// The module's memories and tables take more than the function's
    /// memory size as soon as it starts: no invocation could run.
    #[error(
        "module needs {needs_bytes} bytes of memory and tables when it starts, more than the function's memory size of {memory_mb} MB"
    )]
    MemoryTooSmall {
        /// What its memories and tables take at instantiation.
        needs_bytes: u64,
        /// The function's memory size.
        memory_mb: u32,
    },
    /// A function setting is out of range.
    #[error("invalid function configuration: {0}")]
    InvalidConfig(String),
    /// Every instance slot of the sandbox is in use; nothing ran. Retry later.
    #[error("all {pool_size} sandbox instance slots are in use")]
    InstanceLimitExceeded {
        /// The number of slots.
        pool_size: u32,
    },
    /// Reading or writing the data directory failed.
    #[error("sandbox storage: {0}")]
    Io(#[from] std::io::Error),
}
