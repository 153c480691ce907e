//! Aliases: names that point at a version (or two, weighted).

use super::wire::{AliasList, ListQuery};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{LambdaJson, Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use nimbus_scheduler::model::{AliasConfiguration, CreateAliasRequest, UpdateAliasRequest};

type Answer<T> = Result<T, AppError>;

/// CreateAlias: `POST …/{FunctionName}/aliases` → 201.
pub(crate) async fn create(
    State(state): State<AppState>,
    Path(function): Path<String>,
    LambdaJson(request): LambdaJson<CreateAliasRequest>,
) -> Answer<(StatusCode, Json<AliasConfiguration>)> {
    let alias = state.scheduler.create_alias(&function, request).await?;
    Ok((StatusCode::CREATED, Json(alias)))
}

/// ListAliases: `GET …/{FunctionName}/aliases`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Path(function): Path<String>,
    Query(query): Query<ListQuery>,
) -> Answer<Json<AliasList<AliasConfiguration>>> {
    let page = state
        .scheduler
        .list_aliases(&function, query.function_version.as_deref(), query.marker.as_deref(), query.max_items)
        .await?;
    Ok(Json(page.into()))
}

/// GetAlias: `GET …/{FunctionName}/aliases/{Name}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    Path((function, name)): Path<(String, String)>,
) -> Answer<Json<AliasConfiguration>> {
    Ok(Json(state.scheduler.get_alias(&function, &name).await?))
}

/// UpdateAlias: `PUT …/{FunctionName}/aliases/{Name}`.
pub(crate) async fn update(
    State(state): State<AppState>,
    Path((function, name)): Path<(String, String)>,
    LambdaJson(request): LambdaJson<UpdateAliasRequest>,
) -> Answer<Json<AliasConfiguration>> {
    Ok(Json(state.scheduler.update_alias(&function, &name, request).await?))
}

/// DeleteAlias: `DELETE …/{FunctionName}/aliases/{Name}` → 204.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Path((function, name)): Path<(String, String)>,
) -> Answer<StatusCode> {
    state.scheduler.delete_alias(&function, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
