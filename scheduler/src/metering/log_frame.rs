//! An invocation's log as Lambda frames it: START, the function's lines (and
//! the platform's error, if any), END and REPORT. The ledger stores only the
//! middle; the frame is rebuilt from the usage row when the log is read,
//! which keeps the per-invocation write small.

use nimbus_sandbox::{InvocationMetrics, InvocationResult, Outcome};

/// The function's own log, plus the platform's error line when the platform
/// (not the function) ended the invocation: what the ledger stores.
pub(crate) fn body(request_id: &str, result: &InvocationResult) -> String {
    let mut body = String::from_utf8_lossy(&result.log).into_owned();
    if !body.is_empty() && !body.ends_with('\n') {
        body.push('\n');
    }
    if !result.outcome.is_success()
        && !matches!(result.outcome, Outcome::FunctionError { .. })
        && let Some(message) = result.outcome.error_message()
    {
        body.push_str(&format!("RequestId: {request_id} Error: {message}\n"));
    }
    body
}

/// The whole log around `body`.
pub(crate) fn framed(
    request_id: &str,
    version: &str,
    body: &str,
    metrics: &InvocationMetrics,
    memory_mb: u32,
) -> String {
    format!(
        "START RequestId: {request_id} Version: {version}\n{body}END RequestId: {request_id}\n{}\n",
        metrics.report_line(request_id, memory_mb)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    #[test]
    fn the_frame_ends_with_the_report_line() {
        let metrics = InvocationMetrics {
            started_at: SystemTime::UNIX_EPOCH,
            duration_us: 1500,
            peak_memory_bytes: 65536,
            cold_start: false,
            instructions: None,
        };
        let log = framed("r1", "$LATEST", "hello\n", &metrics, 128);
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines[0], "START RequestId: r1 Version: $LATEST");
        assert_eq!(lines[1], "hello");
        assert_eq!(lines[2], "END RequestId: r1");
        assert_eq!(
            lines[3],
            "REPORT RequestId: r1 Duration: 1.50 ms Billed Duration: 2 ms Memory Size: 128 MB Max Memory Used: 1 MB"
        );
    }
}
