//! `GET /nimbus/v1/functions/{name}/logs?limit=N`: a function's newest
//! invocation logs, newest first.

use crate::AppState;
use crate::error::AppError;
use crate::extract::{Path, Query};
use axum::Json;
use axum::extract::State;
use nimbus_scheduler::LogRecord;
use serde::{Deserialize, Serialize};

/// Logs given when `limit` is not.
const DEFAULT_LIMIT: usize = 20;
/// The most logs one request returns.
const MAX_LIMIT: usize = 1000;

/// The query string.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LogsParams {
    limit: Option<usize>,
}

/// `{"logs": […]}`.
#[derive(Debug, Serialize)]
pub(crate) struct LogsAnswer {
    logs: Vec<LogRecord>,
}

/// The logs.
pub(crate) async fn get(
    State(state): State<AppState>,
    Path(function): Path<String>,
    Query(params): Query<LogsParams>,
) -> Result<Json<LogsAnswer>, AppError> {
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::invalid_parameter(format!("'limit' must be between 1 and {MAX_LIMIT}, not {limit}.")));
    }
    Ok(Json(LogsAnswer { logs: state.scheduler.logs(&function, limit).await? }))
}
