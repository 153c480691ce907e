//! What an invocation asks for and what it answers.

/// How the caller wants the function invoked (`X-Amz-Invocation-Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InvocationType {
    /// Run it and wait for the response.
    #[default]
    RequestResponse,
    /// Queue it durably and answer at once; it runs (and is retried on
    /// failure) in the background.
    Event,
    /// Check that the function exists and may be invoked; run nothing.
    DryRun,
}

impl InvocationType {
    /// Lambda's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestResponse => "RequestResponse",
            Self::Event => "Event",
            Self::DryRun => "DryRun",
        }
    }
}

/// One invocation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeRequest {
    /// Name, partial ARN or ARN (possibly qualified).
    pub function: String,
    /// The `Qualifier` parameter.
    pub qualifier: Option<String>,
    /// The event.
    pub payload: Vec<u8>,
    /// RequestResponse, Event or DryRun.
    pub invocation_type: InvocationType,
    /// Return the log's tail (`X-Amz-Log-Type: Tail`).
    pub tail_log: bool,
    /// The caller's request id (a UUID) to use as the invocation's, so
    /// one id runs through the HTTP answer, the log and the ledger; a new
    /// one is made when `None` or not a UUID.
    pub request_id: Option<String>,
    /// How long to wait for concurrency when none is free: `None` (what
    /// Lambda's Invoke does) answers 429 at once; callers that can wait
    /// (event sources, local tools) give a bound.
    pub wait_for_capacity: Option<std::time::Duration>,
    /// For an Event invoke: a key (1–256 printable ASCII characters) that
    /// makes a repeat within 24 hours for the same function queue nothing
    /// and answer with the first request id.
    pub idempotency_key: Option<String>,
}

impl InvokeRequest {
    /// A RequestResponse invocation of `function` with `payload`.
    pub fn new(function: impl Into<String>, payload: Vec<u8>) -> Self {
        Self {
            function: function.into(),
            qualifier: None,
            payload,
            invocation_type: InvocationType::RequestResponse,
            tail_log: false,
            request_id: None,
            wait_for_capacity: None,
            idempotency_key: None,
        }
    }
}

/// What an invocation answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeResponse {
    /// The request id.
    pub request_id: String,
    /// The version that ran (`X-Amz-Executed-Version`).
    pub executed_version: String,
    /// The response, or the error JSON when the function failed.
    pub payload: Vec<u8>,
    /// `Some("Unhandled")` when the function failed (`X-Amz-Function-Error`).
    pub function_error: Option<String>,
    /// The last 4 KB of the log ending with the REPORT line, when asked for.
    pub log_tail: Option<String>,
}
