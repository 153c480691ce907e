//! Every limit the sandbox enforces, in one place, with Lambda's defaults.

use std::time::Duration;

/// One mebibyte, the unit most limits are stated in.
pub const MIB: u64 = 1024 * 1024;

/// Limits on a bundle (the uploaded zip), checked while it is parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleLimits {
    /// Largest accepted zip file, in bytes (Lambda: 50 MB).
    pub max_zip_bytes: u64,
    /// Largest total of decompressed bytes over all entries (Lambda: 250 MB).
    /// Counted from the bytes actually decompressed, never from headers.
    pub max_unzipped_bytes: u64,
    /// Most entries (files and directories) a zip may hold.
    pub max_entries: usize,
    /// Highest compression ratio (uncompressed / compressed) of one entry ...
    pub max_compression_ratio: u64,
    /// ... once that entry has decompressed to more than this many bytes.
    pub ratio_applies_above_bytes: u64,
    /// Longest entry name, in bytes: far more than toolchains write, and
    /// short enough that the extracted path fits the filesystem's limit
    /// (4096 bytes on Linux) under any reasonable data directory.
    pub max_entry_name_bytes: usize,
    /// Longest part of an entry name between slashes, in bytes (a file
    /// name on Linux's filesystems: 255).
    pub max_entry_component_bytes: usize,
}

impl Default for BundleLimits {
    fn default() -> Self {
        Self {
            max_zip_bytes: 50 * MIB,
            max_unzipped_bytes: 250 * MIB,
            max_entries: 10_000,
            max_compression_ratio: 100,
            ratio_applies_above_bytes: MIB,
            max_entry_name_bytes: 1024,
            max_entry_component_bytes: 255,
        }
    }
}

/// Limits applied to every invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvocationLimits {
    /// Largest response (stdout); more is an error, never a truncation.
    pub max_response_bytes: usize,
    /// Log (stderr) bytes kept; the rest is dropped behind a marker line.
    pub max_log_bytes: usize,
    /// Size of the writable `/tmp` of one invocation.
    pub max_tmp_bytes: u64,
    /// Most bytes one read or write call moves: a longer one returns a
    /// short count (which WASI allows and guests loop on), so that no
    /// single call runs far past the deadline.
    pub max_io_bytes_per_call: usize,
}

impl Default for InvocationLimits {
    fn default() -> Self {
        Self {
            max_response_bytes: MAX_SYNC_PAYLOAD_BYTES,
            max_log_bytes: MIB as usize,
            max_tmp_bytes: 512 * MIB,
            max_io_bytes_per_call: MIB as usize,
        }
    }
}

/// Largest event of a synchronous invocation (Lambda: 6 MB).
pub const MAX_SYNC_PAYLOAD_BYTES: usize = 6 * MIB as usize;

/// Lambda's default memory size, in MB.
pub const DEFAULT_MEMORY_MB: u32 = 128;
/// Smallest memory size, in MB (the AWS clients refuse less).
pub const MIN_MEMORY_MB: u32 = 128;
/// Largest memory size, in MB.
pub const MAX_MEMORY_MB: u32 = 10_240;
/// Lambda's default timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Shortest timeout, in seconds.
pub const MIN_TIMEOUT_S: u32 = 1;
/// Longest timeout, in seconds.
pub const MAX_TIMEOUT_S: u32 = 900;
