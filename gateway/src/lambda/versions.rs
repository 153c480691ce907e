//! Publishing and listing versions.

use super::wire::{ListQuery, VersionList};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{LambdaJson, Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use nimbus_scheduler::model::{FunctionConfiguration, PublishVersionRequest};

/// PublishVersion: `POST …/{FunctionName}/versions` → 201.
pub(crate) async fn publish(
    State(state): State<AppState>,
    Path(function): Path<String>,
    LambdaJson(request): LambdaJson<PublishVersionRequest>,
) -> Result<(StatusCode, Json<FunctionConfiguration>), AppError> {
    let configuration = state.scheduler.publish_version(&function, request).await?;
    Ok((StatusCode::CREATED, Json(configuration)))
}

/// ListVersionsByFunction: `GET …/{FunctionName}/versions`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Path(function): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Json<VersionList<FunctionConfiguration>>, AppError> {
    let page = state.scheduler.list_versions(&function, query.marker.as_deref(), query.max_items).await?;
    Ok(Json(page.into()))
}
