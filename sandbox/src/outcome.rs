//! What one invocation ended with, and what it cost.

use std::time::{Duration, SystemTime};

/// How an invocation ended. Every variant but `Success` is an error whose
/// `errorType` and `errorMessage` follow Lambda's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `_start` returned, or the guest exited with status 0.
    Success {
        /// The guest's stdout.
        response: Vec<u8>,
    },
    /// The guest exited with a non-zero status.
    FunctionError {
        /// From the guest's `{"errorType"}` JSON, else `Runtime.ExitError`.
        error_type: String,
        /// From the guest's `{"errorMessage"}` JSON, else the exit status.
        error_message: String,
    },
    /// The wall-clock timeout fired.
    Timeout {
        /// The function's timeout.
        timeout: Duration,
    },
    /// The guest asked for more memory than its function's memory size.
    OutOfMemory {
        /// The function's memory size, in MB.
        memory_mb: u32,
    },
    /// The guest trapped (`unreachable`, stack overflow, out-of-bounds access…).
    Trap {
        /// wasmtime's description of the trap.
        message: String,
    },
    /// The guest wrote more than the response limit to stdout.
    ResponseTooLarge {
        /// The limit, in bytes.
        limit_bytes: usize,
    },
    /// The guest wrote more than the `/tmp` limit.
    EphemeralStorageExceeded {
        /// The limit, in bytes.
        limit_bytes: u64,
    },
}

impl Outcome {
    /// Whether the function succeeded.
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Success { .. })
    }

    /// Lambda's `errorType`, `None` on success.
    pub fn error_type(&self) -> Option<&str> {
        Some(match self {
            Outcome::Success { .. } => return None,
            Outcome::FunctionError { error_type, .. } => error_type,
            Outcome::Timeout { .. } => "Sandbox.Timedout",
            Outcome::OutOfMemory { .. } => "Runtime.OutOfMemory",
            Outcome::Trap { .. } => "Runtime.Trap",
            Outcome::ResponseTooLarge { .. } => "Function.ResponseSizeTooLarge",
            Outcome::EphemeralStorageExceeded { .. } => "Sandbox.EphemeralStorageExceeded",
        })
    }

    /// Lambda's `errorMessage`, `None` on success.
    pub fn error_message(&self) -> Option<String> {
        Some(match self {
            Outcome::Success { .. } => return None,
            Outcome::FunctionError { error_message, .. } => error_message.clone(),
            Outcome::Timeout { timeout } => {
                format!("Task timed out after {:.2} seconds", timeout.as_secs_f64())
            }
            Outcome::OutOfMemory { memory_mb } => {
                format!("Runtime exited: memory size of {memory_mb} MB exceeded")
            }
            Outcome::Trap { message } => format!("Runtime trapped: {message}"),
            Outcome::ResponseTooLarge { limit_bytes } => {
                format!("Response payload size exceeded maximum allowed payload size ({limit_bytes} bytes).")
            }
            Outcome::EphemeralStorageExceeded { limit_bytes } => {
                format!("/tmp exceeded its size of {limit_bytes} bytes")
            }
        })
    }

    /// The error as Lambda's JSON body, `None` on success.
    pub fn error_json(&self) -> Option<String> {
        let error_type = self.error_type()?;
        let body = serde_json::json!({
            "errorMessage": self.error_message()?,
            "errorType": error_type,
        });
        Some(body.to_string())
    }
}

/// What an invocation used, for metering and the REPORT line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvocationMetrics {
    /// When the invocation started.
    pub started_at: SystemTime,
    /// From instantiation to the end of `_start`, in microseconds.
    pub duration_us: u64,
    /// The largest linear memory the guest had, in bytes.
    pub peak_memory_bytes: u64,
    /// Whether this was the first instance of its prepared function.
    pub cold_start: bool,
    /// Fuel consumed (≈ wasm instructions), when fuel metering is on.
    pub instructions: Option<u64>,
}

impl InvocationMetrics {
    /// The duration rounded up to the next whole millisecond, at least 1.
    pub fn billed_duration_ms(&self) -> u64 {
        self.duration_us.div_ceil(1000).max(1)
    }

    /// Peak memory in whole MB, rounded up, as Lambda's "Max Memory Used".
    pub fn max_memory_used_mb(&self) -> u64 {
        self.peak_memory_bytes.div_ceil(1024 * 1024)
    }

    /// Lambda's REPORT line for this invocation.
    pub fn report_line(&self, request_id: &str, memory_mb: u32) -> String {
        format!(
            "REPORT RequestId: {request_id} Duration: {:.2} ms Billed Duration: {} ms Memory Size: {memory_mb} MB Max Memory Used: {} MB",
            self.duration_us as f64 / 1000.0,
            self.billed_duration_ms(),
            self.max_memory_used_mb(),
        )
    }
}

/// One finished invocation: how it ended, its log and its metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvocationResult {
    /// How it ended.
    pub outcome: Outcome,
    /// The guest's stderr, capped, with a marker line where bytes were dropped.
    pub log: Vec<u8>,
    /// What it used.
    pub metrics: InvocationMetrics,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(duration_us: u64, peak_memory_bytes: u64) -> InvocationMetrics {
        InvocationMetrics {
            started_at: SystemTime::UNIX_EPOCH,
            duration_us,
            peak_memory_bytes,
            cold_start: false,
            instructions: None,
        }
    }

    #[test]
    fn report_line_has_lambdas_shape() {
        assert_eq!(
            metrics(1234, 3 * 1024 * 1024 - 5).report_line("r-1", 128),
            "REPORT RequestId: r-1 Duration: 1.23 ms Billed Duration: 2 ms Memory Size: 128 MB Max Memory Used: 3 MB"
        );
    }

    #[test]
    fn billing_rounds_up_to_whole_milliseconds() {
        assert_eq!(metrics(1, 0).billed_duration_ms(), 1);
        assert_eq!(metrics(2000, 0).billed_duration_ms(), 2);
        assert_eq!(metrics(2001, 0).billed_duration_ms(), 3);
    }

    #[test]
    fn timeout_message_is_lambdas() {
        let outcome = Outcome::Timeout { timeout: Duration::from_secs(1) };
        assert_eq!(outcome.error_message().unwrap(), "Task timed out after 1.00 seconds");
        assert_eq!(outcome.error_type(), Some("Sandbox.Timedout"));
    }

    #[test]
    fn error_json_carries_type_and_message() {
        let outcome = Outcome::FunctionError { error_type: "Bad".into(), error_message: "no \"quotes\" lost".into() };
        let json: serde_json::Value = serde_json::from_str(&outcome.error_json().unwrap()).unwrap();
        assert_eq!(json["errorType"], "Bad");
        assert_eq!(json["errorMessage"], "no \"quotes\" lost");
        assert_eq!(Outcome::Success { response: vec![] }.error_json(), None);
    }
}
