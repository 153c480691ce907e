//! S3 event notifications (object created, removed, restored, …).

use super::null_as_default;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One or more S3 event notifications.
///
/// ```
/// use nimbus_sdk::events::S3Event;
/// use nimbus_sdk::{Context, Error};
///
/// fn handler(event: S3Event, _: Context) -> Result<Vec<String>, Error> {
///     Ok(event.records.iter().map(|r| format!("{}/{}", r.s3.bucket.name, r.s3.object.decoded_key())).collect())
/// }
/// # let _ = handler;
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct S3Event {
    /// The notifications.
    #[serde(rename = "Records", default, deserialize_with = "null_as_default")]
    pub records: Vec<S3EventRecord>,
}

/// One S3 notification.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct S3EventRecord {
    /// The notification format's version, e.g. `"2.1"`.
    pub event_version: String,
    /// `"aws:s3"`.
    pub event_source: String,
    /// The bucket's region.
    pub aws_region: String,
    /// When the event happened, ISO 8601 (`1970-01-01T00:00:00.000Z`).
    pub event_time: String,
    /// What happened, e.g. `"ObjectCreated:Put"`, `"ObjectRemoved:Delete"`.
    pub event_name: String,
    /// Who caused the event.
    pub user_identity: S3UserIdentity,
    /// Request details, e.g. `sourceIPAddress`.
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub request_parameters: BTreeMap<String, String>,
    /// Response details, e.g. `x-amz-request-id`.
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub response_elements: BTreeMap<String, String>,
    /// The bucket and object.
    pub s3: S3Entity,
}

/// A principal, as S3 names it.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct S3UserIdentity {
    /// The principal's id.
    pub principal_id: String,
}

/// [`S3EventRecord::s3`]: what the event is about.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct S3Entity {
    /// `"1.0"`.
    pub s3_schema_version: String,
    /// The id of the bucket's notification configuration.
    pub configuration_id: String,
    /// The bucket.
    pub bucket: S3Bucket,
    /// The object.
    pub object: S3Object,
}

/// The bucket of an S3 event.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct S3Bucket {
    /// The bucket's name.
    pub name: String,
    /// The bucket owner.
    pub owner_identity: S3UserIdentity,
    /// The bucket's ARN.
    pub arn: String,
}

/// The object of an S3 event.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct S3Object {
    /// The object key, URL-encoded as S3 sends it (see
    /// [`decoded_key`](Self::decoded_key)).
    pub key: String,
    /// Size in bytes; absent for removals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The entity tag; absent for removals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    /// The version id, in versioned buckets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// Orders events on the same key: compare as hex strings of equal length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequencer: Option<String>,
}

impl S3Object {
    /// The object key decoded as S3 encodes it in events (`+` is a space,
    /// `%XX` a byte). Invalid escapes are kept as they are.
    pub fn decoded_key(&self) -> String {
        // Written by hand: a form-decoder crate for ten lines is not worth a
        // dependency in every guest.
        let bytes = self.key.as_bytes();
        let mut decoded = Vec::with_capacity(bytes.len());
        let hex = |at: usize| bytes.get(at).and_then(|digit| (*digit as char).to_digit(16));
        let mut i = 0;
        while i < bytes.len() {
            let (byte, width) = match bytes[i] {
                b'+' => (b' ', 1),
                b'%' => match (hex(i + 1), hex(i + 2)) {
                    (Some(high), Some(low)) => ((high * 16 + low) as u8, 3),
                    _ => (b'%', 1),
                },
                byte => (byte, 1),
            };
            decoded.push(byte);
            i += width;
        }
        String::from_utf8_lossy(&decoded).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::round_trip::assert_round_trip;

    #[test]
    fn s3_put_sample_round_trips() {
        let event: S3Event = assert_round_trip(include_str!("samples/s3-put.json"));
        let record = &event.records[0];
        assert_eq!(record.event_name, "ObjectCreated:Put");
        assert_eq!(record.request_parameters["sourceIPAddress"], "127.0.0.1");
        assert_eq!(record.s3.bucket.arn, "arn:aws:s3:::example-bucket");
        assert_eq!(record.s3.object.size, Some(1024));
        assert_eq!(record.s3.object.e_tag.as_deref(), Some("0123456789abcdef0123456789abcdef"));
        assert_eq!(record.s3.object.decoded_key(), "test/key");
    }

    #[test]
    fn removals_have_no_size_and_keys_decode() {
        let json =
            r#"{"Records":[{"eventName":"ObjectRemoved:Delete","s3":{"object":{"key":"a+b%20c%zz%E2%82%AC"}}}]}"#;
        let event: S3Event = serde_json::from_str(json).unwrap();
        let object = &event.records[0].s3.object;
        assert_eq!(object.size, None);
        assert_eq!(object.decoded_key(), "a b c%zz€");
    }
}
