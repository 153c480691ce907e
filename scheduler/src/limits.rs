//! Every limit the platform enforces, in one value built from configuration
//! and carried in the scheduler's state: the gateway, the scheduler and the
//! command line all read it, so no limit is written down twice.

use nimbus_sandbox::limits::{BundleLimits, InvocationLimits, MAX_SYNC_PAYLOAD_BYTES, MIB};
use std::time::Duration;

/// The limits, with Lambda's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The uploaded zip (sizes, entries, compression ratio).
    pub bundle: BundleLimits,
    /// One invocation's response, log, `/tmp` and per-call I/O.
    pub invocation: InvocationLimits,
    /// A synchronous invocation's event (Lambda: 6 MB).
    pub max_sync_payload_bytes: usize,
    /// An asynchronous invocation's event (Lambda: 1 MB since 2025).
    pub max_async_payload_bytes: usize,
    /// Any other API request body: CreateFunction and UpdateFunctionCode
    /// carry a zip of up to 50 MB as base64 (about 67 MB) plus the rest.
    pub max_request_body_bytes: usize,
    /// How much of a refused request's unread body is read and thrown away
    /// so that its connection can serve the next request; a longer body is
    /// answered with `Connection: close`.
    pub max_discarded_body_bytes: usize,
    /// How much of the log `X-Amz-Log-Result` carries (Lambda: 4 KB).
    pub log_tail_bytes: usize,
    /// A function's or version's description, in characters (Lambda: 256).
    pub max_description_chars: usize,
    /// The environment variables' total size, names and values (Lambda: 4 KB).
    pub max_environment_bytes: usize,
    /// Invocation logs one call to the logs extension returns at most.
    pub max_logs_per_request: usize,
    /// A function's `Role`, in characters (the longest ARN IAM accepts: 2048).
    pub max_role_chars: usize,
    /// What the HTTP server allows a client connection.
    pub connections: ConnectionLimits,
}

/// What the HTTP server allows one client connection, so that clients
/// that open connections and send nothing (or a byte now and then) cannot
/// hold the server's sockets and file descriptors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a request's head (request line and headers) may take to
    /// arrive, from its first byte to its end.
    pub header_timeout: Duration,
    /// How long a connection may sit between the end of one answer (or its
    /// opening) and the first byte of the next request.
    pub idle_timeout: Duration,
    /// The slowest a request body may arrive, in bytes per second, after an
    /// allowance of `header_timeout`; a slower body is answered 408 and its
    /// connection closed.
    pub min_body_bytes_per_second: u64,
    /// Connections open at once; beyond them a new connection is closed at
    /// once (`nimbus serve` sizes it from the open-file limit).
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(120),
            min_body_bytes_per_second: 1024,
            max_connections: 4096,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            bundle: BundleLimits::default(),
            invocation: InvocationLimits::default(),
            max_sync_payload_bytes: MAX_SYNC_PAYLOAD_BYTES,
            max_async_payload_bytes: MIB as usize,
            max_request_body_bytes: 70 * MIB as usize,
            max_discarded_body_bytes: 16 * MIB as usize,
            log_tail_bytes: 4 * 1024,
            max_description_chars: 256,
            max_environment_bytes: 4 * 1024,
            max_logs_per_request: 1000,
            max_role_chars: 2048,
            connections: ConnectionLimits::default(),
        }
    }
}
