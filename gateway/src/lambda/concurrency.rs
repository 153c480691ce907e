//! Reserved concurrency (Lambda serves these under two dated prefixes).

use super::wire::{ConcurrencyOutput, PutConcurrencyInput};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{LambdaJson, Path};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

/// PutFunctionConcurrency: `PUT …/{FunctionName}/concurrency`.
pub(crate) async fn put(
    State(state): State<AppState>,
    Path(function): Path<String>,
    LambdaJson(input): LambdaJson<PutConcurrencyInput>,
) -> Result<Json<ConcurrencyOutput>, AppError> {
    let concurrency = state.scheduler.put_function_concurrency(&function, input.reserved_concurrent_executions).await?;
    Ok(Json(Some(concurrency).into()))
}

/// GetFunctionConcurrency: `GET …/{FunctionName}/concurrency` (`{}` if none).
pub(crate) async fn get(
    State(state): State<AppState>,
    Path(function): Path<String>,
) -> Result<Json<ConcurrencyOutput>, AppError> {
    Ok(Json(state.scheduler.get_function_concurrency(&function).await?.into()))
}

/// DeleteFunctionConcurrency: `DELETE …/{FunctionName}/concurrency` → 204.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Path(function): Path<String>,
) -> Result<StatusCode, AppError> {
    state.scheduler.delete_function_concurrency(&function).await?;
    Ok(StatusCode::NO_CONTENT)
}
