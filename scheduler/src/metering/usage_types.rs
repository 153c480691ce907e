//! Usage and log reports, as the `/nimbus/v1` extensions return them.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What to total.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageQuery {
    /// One function's name, or every function.
    pub function: Option<String>,
    /// Invocations that started at or after this.
    pub from: Option<DateTime<Utc>>,
    /// Invocations that started before this.
    pub to: Option<DateTime<Utc>>,
    /// Also give an hourly series.
    pub group_by_hour: bool,
}

/// Totals over some invocations.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UsageTotals {
    /// Invocations.
    pub invocations: u64,
    /// Those that did not succeed.
    pub errors: u64,
    /// Memory (GB) × billed seconds.
    pub gb_seconds: f64,
    /// Billed milliseconds.
    pub billed_ms: u64,
    /// Requests and GB-seconds at the configured prices.
    pub cost_usd: f64,
}

/// One hour of a series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageBucket {
    /// The hour's start, RFC 3339.
    pub hour: String,
    /// Its totals.
    #[serde(flatten)]
    pub totals: UsageTotals,
}

/// The answer to a [`UsageQuery`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageReport {
    /// The function asked about, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// The range's start, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The range's end, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The totals.
    #[serde(flatten)]
    pub totals: UsageTotals,
    /// Per hour, oldest first, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<Vec<UsageBucket>>,
}

/// One invocation's stored log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogRecord {
    /// The request id.
    pub request_id: String,
    /// The function.
    pub function: String,
    /// The version that ran.
    pub version: String,
    /// When it started, RFC 3339.
    pub started_at: String,
    /// The log, ending with the REPORT line.
    pub log: String,
}
