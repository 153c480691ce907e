//! The invocation record a destination receives, exactly as Lambda writes
//! it: the request's context, the event, and (when the function ran) the
//! last attempt's response. Payloads are embedded as JSON values, not as
//! strings; `statusCode` is 200 even when the function failed.

use super::policy::Condition;
use serde_json::{Map, Value, json};

/// What the last attempt answered, when the function ran.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LastResponse<'a> {
    /// The version that ran.
    pub executed_version: &'a str,
    /// Whether it failed (`functionError: "Unhandled"`).
    pub failed: bool,
    /// Its output, or its error object.
    pub payload: &'a [u8],
}

/// Bytes as a JSON value: the value they hold when they are JSON (empty
/// is `{}`, as an empty event is), else a JSON string of their text.
pub(crate) fn as_json(bytes: &[u8]) -> Value {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Value::Object(Map::new());
    }
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// Lambda's timestamp: `2026-11-30T12:00:00.123Z`.
fn timestamp(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The record, serialised.
pub(crate) fn record(
    request_id: &str,
    function_arn: &str,
    at_ms: i64,
    condition: Condition,
    approximate_invoke_count: u32,
    event: &[u8],
    response: Option<LastResponse<'_>>,
) -> Vec<u8> {
    let mut record = json!({
        "version": "1.0",
        "timestamp": timestamp(at_ms),
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition.as_str(),
            "approximateInvokeCount": approximate_invoke_count,
        },
        "requestPayload": as_json(event),
    });
    if let Some(response) = response {
        let mut context = json!({ "statusCode": 200, "executedVersion": response.executed_version });
        if response.failed {
            context["functionError"] = json!("Unhandled");
        }
        record["responseContext"] = context;
        record["responsePayload"] = as_json(response.payload);
    }
    serde_json::to_vec(&record).expect("a JSON value serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_record_has_lambdas_shape() {
        let bytes = record(
            "r-1",
            "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST",
            1_795_003_200_123,
            Condition::RetriesExhausted,
            3,
            br#"{"order":7}"#,
            Some(LastResponse {
                executed_version: "$LATEST",
                failed: true,
                payload: br#"{"errorMessage":"boom","errorType":"Oops"}"#,
            }),
        );
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            value,
            json!({
                "version": "1.0",
                "timestamp": "2026-11-18T12:00:00.123Z",
                "requestContext": {
                    "requestId": "r-1",
                    "functionArn": "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST",
                    "condition": "RetriesExhausted",
                    "approximateInvokeCount": 3
                },
                "requestPayload": {"order": 7},
                "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
                "responsePayload": {"errorMessage": "boom", "errorType": "Oops"}
            })
        );
    }

    #[test]
    fn a_success_has_no_function_error_and_a_function_that_never_ran_no_response() {
        let success: Value = serde_json::from_slice(&record(
            "r",
            "arn",
            0,
            Condition::Success,
            1,
            b"",
            Some(LastResponse { executed_version: "2", failed: false, payload: b"\"done\"" }),
        ))
        .unwrap();
        assert_eq!(success["responseContext"], json!({"statusCode": 200, "executedVersion": "2"}));
        assert_eq!(success["responsePayload"], json!("done"));
        assert_eq!(success["requestPayload"], json!({}));
        let never: Value =
            serde_json::from_slice(&record("r", "arn", 0, Condition::ZeroReservedConcurrency, 0, b"[1]", None))
                .unwrap();
        assert!(never.get("responseContext").is_none() && never.get("responsePayload").is_none());
        assert_eq!(never["requestContext"]["approximateInvokeCount"], 0);
        assert_eq!(never["requestPayload"], json!([1]));
    }

    #[test]
    fn text_that_is_not_json_is_a_string() {
        assert_eq!(as_json(b"plain words"), json!("plain words"));
    }
}
