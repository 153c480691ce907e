//! `GET /nimbus/v1/usage?function=NAME&from=RFC3339&to=RFC3339&group=hour`:
//! invocations, errors, GB-seconds and cost from the ledger.

use crate::AppState;
use crate::error::AppError;
use crate::extract::Query;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use nimbus_scheduler::{UsageQuery, UsageReport};
use serde::Deserialize;

/// The query string.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct UsageParams {
    function: Option<String>,
    from: Option<String>,
    to: Option<String>,
    group: Option<String>,
}

/// The usage report.
pub(crate) async fn get(
    State(state): State<AppState>,
    Query(params): Query<UsageParams>,
) -> Result<Json<UsageReport>, AppError> {
    let query = UsageQuery {
        function: params.function.filter(|name| !name.is_empty()),
        from: params.from.as_deref().map(|text| timestamp("from", text)).transpose()?,
        to: params.to.as_deref().map(|text| timestamp("to", text)).transpose()?,
        group_by_hour: match params.group.as_deref() {
            None | Some("") => false,
            Some("hour") => true,
            Some(other) => {
                return Err(AppError::invalid_parameter(format!(
                    "Unsupported group '{other}': the only grouping is 'hour'."
                )));
            }
        },
    };
    Ok(Json(state.scheduler.usage(query).await?))
}

/// An RFC 3339 time. An unescaped `+` in a query string arrives as a space,
/// so a space where the offset's sign belongs is read as `+`.
fn timestamp(name: &str, text: &str) -> Result<DateTime<Utc>, AppError> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|error| DateTime::parse_from_rfc3339(&text.replace(' ', "+")).map_err(|_| error))
        .map(|time| time.with_timezone(&Utc))
        .map_err(|error| {
            AppError::invalid_parameter(format!(
                "'{name}' must be an RFC 3339 time such as 2026-01-31T00:00:00Z, not '{text}' ({error})."
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let utc = timestamp("from", "2026-01-31T10:00:00Z").unwrap();
        assert_eq!(timestamp("from", "2026-01-31T11:00:00 01:00").unwrap(), utc);
        assert_eq!(timestamp("from", "2026-01-31T11:00:00+01:00").unwrap(), utc);
        assert!(timestamp("from", "yesterday").unwrap_err().message().contains("RFC 3339"));
    }
}
