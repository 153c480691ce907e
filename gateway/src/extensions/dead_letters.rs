//! The dead-letter store: `GET /nimbus/v1/dead-letters?function=NAME[&limit=N&marker=M]`,
//! `GET` and `DELETE /nimbus/v1/dead-letters/{id}`, and
//! `POST /nimbus/v1/dead-letters/{id}/redrive` (queues the event again,
//! with its request id and a new attempt count).

use crate::AppState;
use crate::error::AppError;
use crate::extract::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use nimbus_scheduler::model::{DeadLetterDetails, DeadLetterPage, DeadLetterSummary};
use serde::Deserialize;

/// The list's query string.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListParams {
    function: Option<String>,
    limit: Option<usize>,
    marker: Option<String>,
}

/// A page of dead letters, oldest first.
pub(crate) async fn list(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<DeadLetterPage>, AppError> {
    let page = state.scheduler.dead_letters(params.function.as_deref(), params.marker.as_deref(), params.limit).await?;
    Ok(Json(page))
}

/// One dead letter, with its event.
pub(crate) async fn get(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<DeadLetterDetails>, AppError> {
    Ok(Json(state.scheduler.dead_letter(id).await?))
}

/// Queues its event again.
pub(crate) async fn redrive(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<DeadLetterSummary>), AppError> {
    Ok((StatusCode::ACCEPTED, Json(state.scheduler.redrive_dead_letter(id).await?)))
}

/// Drops it.
pub(crate) async fn delete(State(state): State<AppState>, Path(id): Path<i64>) -> Result<StatusCode, AppError> {
    state.scheduler.delete_dead_letter(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
