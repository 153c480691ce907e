//! Asynchronous invocation settings:
//! `/2019-09-25/functions/{FunctionName}/event-invoke-config[/list]`.

use super::wire::{EventInvokeConfigList, ListQuery, QualifierQuery};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{LambdaJson, Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use nimbus_scheduler::model::{EventInvokeConfigRequest, FunctionEventInvokeConfig};

type Answer<T> = Result<T, AppError>;

/// PutFunctionEventInvokeConfig: `PUT` (replaces the whole config).
pub(crate) async fn put(
    State(state): State<AppState>,
    Path(function): Path<String>,
    Query(query): Query<QualifierQuery>,
    LambdaJson(request): LambdaJson<EventInvokeConfigRequest>,
) -> Answer<Json<FunctionEventInvokeConfig>> {
    let config = state.scheduler.put_event_invoke_config(&function, query.qualifier.as_deref(), request, false).await?;
    Ok(Json(config))
}

/// UpdateFunctionEventInvokeConfig: `POST` (changes what is given).
pub(crate) async fn update(
    State(state): State<AppState>,
    Path(function): Path<String>,
    Query(query): Query<QualifierQuery>,
    LambdaJson(request): LambdaJson<EventInvokeConfigRequest>,
) -> Answer<Json<FunctionEventInvokeConfig>> {
    let config = state.scheduler.put_event_invoke_config(&function, query.qualifier.as_deref(), request, true).await?;
    Ok(Json(config))
}

/// GetFunctionEventInvokeConfig: `GET`.
pub(crate) async fn get(
    State(state): State<AppState>,
    Path(function): Path<String>,
    Query(query): Query<QualifierQuery>,
) -> Answer<Json<FunctionEventInvokeConfig>> {
    Ok(Json(state.scheduler.get_event_invoke_config(&function, query.qualifier.as_deref()).await?))
}

/// DeleteFunctionEventInvokeConfig: `DELETE` → 204.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Path(function): Path<String>,
    Query(query): Query<QualifierQuery>,
) -> Answer<StatusCode> {
    state.scheduler.delete_event_invoke_config(&function, query.qualifier.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// ListFunctionEventInvokeConfigs: `GET …/event-invoke-config/list`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Path(function): Path<String>,
    Query(query): Query<ListQuery>,
) -> Answer<Json<EventInvokeConfigList>> {
    let page = state.scheduler.list_event_invoke_configs(&function, query.marker.as_deref(), query.max_items).await?;
    Ok(Json(page.into()))
}
