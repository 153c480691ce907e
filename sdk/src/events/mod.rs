//! Typed events and responses, with the JSON field names of AWS Lambda's
//! event sources, so that the same handler reads a Nimbus trigger's event
//! and a captured AWS one.
//!
//! | source | event | response |
//! |---|---|---|
//! | HTTP API (payload 2.0) and function URLs | [`HttpRequest`] | [`HttpResponse`] |
//! | SQS | [`SqsEvent`] | [`SqsBatchResponse`] (partial batch failures) |
//! | S3 notifications | [`S3Event`] | none |
//! | EventBridge and schedules | [`EventBridgeEvent`], [`ScheduledEvent`] | none |
//!
//! Parsing is lenient: unknown fields are ignored, and a missing or `null`
//! field reads as its default (empty string, empty map, `None`). Maps are
//! [`BTreeMap`](std::collections::BTreeMap)s so that serialized output is
//! ordered and the same on every run. Serializing leaves out empty
//! collections and `None` fields. The structs are `#[non_exhaustive]`:
//! build them with `Default` and their constructors.

mod eventbridge;
mod http;
mod s3;
mod sqs;

pub use eventbridge::{EventBridgeEvent, ScheduledEvent};
pub use http::{HttpRequest, HttpResponse, RequestContext, RequestHttp};
pub use s3::{S3Bucket, S3Entity, S3Event, S3EventRecord, S3Object, S3UserIdentity};
pub use sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage, SqsMessageAttribute};

/// Deserializes `null` as the type's default: AWS sends `"pathParameters":
/// null` where it could have sent `{}`.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Helpers for the round-trip tests of every event module.
#[cfg(test)]
mod round_trip {
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    /// Parses `sample` as `T`, serializes it back, and checks that nothing
    /// was lost: the two JSON trees are equal once `null`, `{}` and `[]`
    /// (which the types treat as "absent") are removed.
    pub(crate) fn assert_round_trip<T: DeserializeOwned + Serialize>(sample: &str) -> T {
        let parsed: T = serde_json::from_str(sample).expect("the sample parses");
        let original = without_empty(serde_json::from_str(sample).unwrap());
        let written = without_empty(serde_json::to_value(&parsed).unwrap());
        assert_eq!(written, original, "round trip lost or changed fields");
        parsed
    }

    fn without_empty(value: Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(key, value)| (key, without_empty(value)))
                    .filter(|(_, value)| !is_empty(value))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(without_empty).collect()),
            other => other,
        }
    }

    fn is_empty(value: &Value) -> bool {
        match value {
            Value::Null => true,
            Value::Object(map) => map.is_empty(),
            Value::Array(items) => items.is_empty(),
            _ => false,
        }
    }
}
