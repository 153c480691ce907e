//! EventBridge events, including scheduled ones.

use super::null_as_default;
use serde::{Deserialize, Serialize};

/// An EventBridge event; `D` is the type of its `detail` (any JSON by
/// default, or your own struct for a known source).
///
/// ```
/// use nimbus_sdk::events::ScheduledEvent;
/// use nimbus_sdk::{Context, Error};
///
/// fn handler(event: ScheduledEvent, _: Context) -> Result<(), Error> {
///     nimbus_sdk::log!("tick at {} from {:?}", event.time, event.resources);
///     Ok(())
/// }
/// # let _ = handler;
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventBridgeEvent<D = serde_json::Value> {
    /// `"0"`.
    #[serde(default)]
    pub version: String,
    /// The event's unique id.
    #[serde(default)]
    pub id: String,
    /// What kind of event, e.g. `"Scheduled Event"`.
    #[serde(rename = "detail-type", default)]
    pub detail_type: String,
    /// Who sent it, e.g. `"aws.events"` for schedules.
    #[serde(default)]
    pub source: String,
    /// The account the event belongs to.
    #[serde(default)]
    pub account: String,
    /// When it happened, ISO 8601 (`2019-03-01T01:23:45Z`).
    #[serde(default)]
    pub time: String,
    /// The region it happened in.
    #[serde(default)]
    pub region: String,
    /// ARNs of the resources involved (the rule, for schedules).
    #[serde(default, deserialize_with = "null_as_default")]
    pub resources: Vec<String>,
    /// The source-specific payload (`{}` for schedules).
    pub detail: D,
}

/// A scheduled event: what a `rate(…)` or `cron(…)` rule sends.
pub type ScheduledEvent = EventBridgeEvent<serde_json::Value>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::round_trip::assert_round_trip;

    #[test]
    fn scheduled_sample_round_trips() {
        let event: ScheduledEvent = assert_round_trip(include_str!("samples/scheduled.json"));
        assert_eq!(event.detail_type, "Scheduled Event");
        assert_eq!(event.source, "aws.events");
        assert_eq!(event.resources, ["arn:aws:events:us-east-2:123456789012:rule/my-schedule"]);
        assert_eq!(event.detail, serde_json::json!({}));
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct InstanceState {
        #[serde(rename = "instance-id")]
        instance_id: String,
        state: String,
    }

    #[test]
    fn typed_detail_round_trips() {
        let event: EventBridgeEvent<InstanceState> = assert_round_trip(include_str!("samples/eventbridge-ec2.json"));
        assert_eq!(
            event.detail,
            InstanceState { instance_id: "i-1234567890abcdef0".into(), state: "terminated".into() }
        );
        assert_eq!(event.detail_type, "EC2 Instance State-change Notification");
    }
}
