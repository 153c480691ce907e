//! SQS: a batch of messages in, the failed ones' ids out.

use super::null_as_default;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A batch of SQS messages.
///
/// Return an [`SqsBatchResponse`] naming the messages that failed, so that
/// only those are retried (Lambda's `ReportBatchItemFailures`):
///
/// ```
/// use nimbus_sdk::events::{SqsBatchResponse, SqsEvent};
/// use nimbus_sdk::{Context, Error};
///
/// fn handler(event: SqsEvent, _: Context) -> Result<SqsBatchResponse, Error> {
///     let mut response = SqsBatchResponse::default();
///     for message in &event.records {
///         if message.body.is_empty() {
///             response.add_failure(&message.message_id);
///         }
///     }
///     Ok(response)
/// }
/// # let _ = handler;
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SqsEvent {
    /// The messages, oldest first.
    #[serde(rename = "Records", default, deserialize_with = "null_as_default")]
    pub records: Vec<SqsMessage>,
}

/// One SQS message.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SqsMessage {
    /// The message's id: what a [`BatchItemFailure`] names.
    pub message_id: String,
    /// The handle that deletes or changes the visibility of this delivery.
    pub receipt_handle: String,
    /// The message body, as sent.
    pub body: String,
    /// System attributes (`ApproximateReceiveCount`, `SentTimestamp`, …).
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// The sender's message attributes.
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub message_attributes: BTreeMap<String, SqsMessageAttribute>,
    /// MD5 of the body, hex.
    pub md5_of_body: String,
    /// MD5 of the message attributes, hex, when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md5_of_message_attributes: Option<String>,
    /// `"aws:sqs"`.
    pub event_source: String,
    /// The queue's ARN.
    #[serde(rename = "eventSourceARN")]
    pub event_source_arn: String,
    /// The queue's region.
    pub aws_region: String,
}

/// A message attribute set by the sender.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SqsMessageAttribute {
    /// The value of a `String` or `Number` attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_value: Option<String>,
    /// The base64 value of a `Binary` attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary_value: Option<String>,
    /// Reserved by SQS; always empty today.
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub string_list_values: Vec<String>,
    /// Reserved by SQS; always empty today.
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub binary_list_values: Vec<String>,
    /// `String`, `Number` or `Binary`, with an optional `.custom` suffix.
    pub data_type: String,
}

/// The response of an SQS handler: which messages failed. An empty list
/// means the whole batch succeeded.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SqsBatchResponse {
    /// The failed messages; always serialized, even when empty.
    #[serde(default, deserialize_with = "null_as_default")]
    pub batch_item_failures: Vec<BatchItemFailure>,
}

impl SqsBatchResponse {
    /// Marks the message with this id as failed.
    pub fn add_failure(&mut self, message_id: impl Into<String>) {
        self.batch_item_failures.push(BatchItemFailure::new(message_id));
    }
}

/// One failed message in an [`SqsBatchResponse`].
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchItemFailure {
    /// The failed message's [`SqsMessage::message_id`].
    pub item_identifier: String,
}

impl BatchItemFailure {
    /// The failure of the message with this id.
    pub fn new(message_id: impl Into<String>) -> Self {
        BatchItemFailure { item_identifier: message_id.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::round_trip::assert_round_trip;

    #[test]
    fn sqs_sample_round_trips() {
        let event: SqsEvent = assert_round_trip(include_str!("samples/sqs.json"));
        assert_eq!(event.records.len(), 2);
        let second = &event.records[1];
        assert_eq!(second.message_id, "2e1424d4-f796-459a-8184-9c92662be6da");
        assert_eq!(second.event_source_arn, "arn:aws:sqs:us-east-2:123456789012:my-queue");
        assert_eq!(second.attributes["ApproximateReceiveCount"], "1");
        let attribute = &second.message_attributes["myAttribute"];
        assert_eq!(attribute.string_value.as_deref(), Some("myValue"));
        assert_eq!(attribute.data_type, "String");
    }

    #[test]
    fn batch_response_matches_lambdas_shape() {
        let mut response = SqsBatchResponse::default();
        assert_eq!(serde_json::to_string(&response).unwrap(), r#"{"batchItemFailures":[]}"#);
        response.add_failure("059f36b4");
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"batchItemFailures":[{"itemIdentifier":"059f36b4"}]}"#
        );
        let parsed: SqsBatchResponse = assert_round_trip(r#"{"batchItemFailures":[{"itemIdentifier":"059f36b4"}]}"#);
        assert_eq!(parsed, response);
    }
}
