//! The wire shapes of asynchronous invocation: Lambda's event invoke
//! configuration (botocore's `FunctionEventInvokeConfig` and its requests)
//! and Nimbus's dead letters.

use serde::{Deserialize, Serialize};

/// A destination (`OnSuccess`, `OnFailure`): `{}` when none is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Destination {
    /// The destination's ARN (a Nimbus function's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
}

/// `DestinationConfig`: both members always present in answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DestinationConfig {
    /// Where records of successful invocations go.
    #[serde(default)]
    pub on_success: Destination,
    /// Where records of failed invocations go.
    #[serde(default)]
    pub on_failure: Destination,
}

/// `FunctionEventInvokeConfig`, as Lambda answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionEventInvokeConfig {
    /// Epoch seconds (a JSON number, unlike a function's `LastModified`).
    pub last_modified: f64,
    /// Always qualified (`…:NAME:$LATEST` when no qualifier was given).
    pub function_arn: String,
    /// Retries after a function error (0–2), when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_retry_attempts: Option<u32>,
    /// Oldest an event may be when an attempt starts (60–21600 s), when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_event_age_in_seconds: Option<u32>,
    /// The destinations (always present).
    pub destination_config: DestinationConfig,
}

/// The body of PutFunctionEventInvokeConfig and UpdateFunctionEventInvokeConfig.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventInvokeConfigRequest {
    /// 0–2.
    pub maximum_retry_attempts: Option<i64>,
    /// 60–21600.
    pub maximum_event_age_in_seconds: Option<i64>,
    /// Where records go.
    pub destination_config: Option<DestinationConfig>,
}

/// `DeadLetterConfig` of a function: a Nimbus function receives the raw
/// event of each failed asynchronous invocation (a Nimbus extension:
/// Lambda takes only SQS queues and SNS topics here).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeadLetterConfig {
    /// The target function's ARN; empty or absent removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_arn: Option<String>,
}

/// A dead letter, as `/nimbus/v1/dead-letters` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadLetterSummary {
    /// Its id in the store.
    pub id: i64,
    /// The event's request id (every attempt's).
    pub request_id: String,
    /// The function it was for.
    pub function: String,
    /// The qualifier it was invoked with, if any.
    pub qualifier: Option<String>,
    /// `RetriesExhausted`, `EventAgeExceeded` or `ZeroReservedConcurrency`.
    pub condition: String,
    /// Attempts made.
    pub attempts: u32,
    /// RFC 3339, when an attempt was made.
    pub first_attempt: Option<String>,
    /// RFC 3339, when an attempt was made.
    pub last_attempt: Option<String>,
    /// The last attempt's error type.
    pub error_type: Option<String>,
    /// The last attempt's error message.
    pub error_message: Option<String>,
    /// The event's size in bytes.
    pub payload_bytes: usize,
    /// RFC 3339: when it was given up on.
    pub failed_at: String,
}

/// One dead letter with its event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadLetterDetails {
    /// What the list shows.
    #[serde(flatten)]
    pub summary: DeadLetterSummary,
    /// The event, as JSON when it is JSON, else as text.
    pub payload: serde_json::Value,
}

/// A page of dead letters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadLetterPage {
    /// Oldest first.
    pub dead_letters: Vec<DeadLetterSummary>,
    /// Pass as `marker` for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}
