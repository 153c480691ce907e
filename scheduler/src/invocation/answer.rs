//! The pipeline's last stage: what a synchronous caller gets back.

use super::types::InvokeResponse;
use nimbus_sandbox::Outcome;

/// An invocation that ran and whose usage record is committed.
pub(crate) struct Finished {
    pub outcome: Outcome,
    /// The whole log, framed with START/END/REPORT, when the caller asked
    /// for its tail.
    pub log: Option<String>,
}

/// Lambda's answer: the response, or the error JSON marked `Unhandled`,
/// and the log's last `tail_bytes` when asked for.
pub(crate) fn response(
    request_id: String,
    executed_version: String,
    finished: Finished,
    tail_bytes: usize,
) -> InvokeResponse {
    let (payload, function_error) = match finished.outcome {
        Outcome::Success { response } => (response, None),
        failed => (failed.error_json().unwrap_or_default().into_bytes(), Some("Unhandled".to_string())),
    };
    InvokeResponse {
        request_id,
        executed_version,
        payload,
        function_error,
        log_tail: finished.log.map(|log| tail(&log, tail_bytes).to_string()),
    }
}

/// The answer to a DryRun: nothing ran.
pub(crate) fn dry_run(request_id: String, executed_version: String) -> InvokeResponse {
    InvokeResponse { request_id, executed_version, payload: Vec::new(), function_error: None, log_tail: None }
}

/// The last `max` bytes of `text`, starting on a character boundary.
fn tail(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_end_on_a_char_boundary() {
        assert_eq!(tail("héllo", 4), "llo");
        assert_eq!(tail("abc", 10), "abc");
    }
}
