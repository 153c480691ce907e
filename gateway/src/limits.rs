//! The request sizes the gateway accepts.

/// Lambda's limits on request bodies, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// Any JSON request body: CreateFunction and UpdateFunctionCode carry a
    /// zip of up to 50 MB as base64 (about 67 MB) plus the other fields.
    pub max_request_body_bytes: usize,
    /// An Invoke payload (Lambda: 6 MB for synchronous invocations).
    pub max_invoke_payload_bytes: usize,
    /// How much of a refused request's unread body is read and thrown away
    /// so that its connection can serve the next request; a body longer
    /// than that is answered with `Connection: close`.
    pub max_discarded_body_bytes: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_request_body_bytes: 70 * 1024 * 1024,
            max_invoke_payload_bytes: 6 * 1024 * 1024,
            max_discarded_body_bytes: 16 * 1024 * 1024,
        }
    }
}
