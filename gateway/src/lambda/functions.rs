//! Create, read, update, list and delete functions.

use super::wire::{FunctionList, GetFunctionOutput, ListQuery, QualifierQuery};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{LambdaJson, Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use nimbus_scheduler::model::{
    CreateFunctionRequest, FunctionCodeLocation, FunctionConfiguration, UpdateFunctionCodeRequest,
    UpdateFunctionConfigurationRequest,
};

type Answer<T> = Result<T, AppError>;

/// CreateFunction: `POST /2015-03-31/functions` → 201.
pub(crate) async fn create(
    State(state): State<AppState>,
    LambdaJson(request): LambdaJson<CreateFunctionRequest>,
) -> Answer<(StatusCode, Json<FunctionConfiguration>)> {
    let configuration = state.scheduler.create_function(request).await?;
    Ok((StatusCode::CREATED, Json(configuration)))
}

/// ListFunctions: `GET /2015-03-31/functions`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Answer<Json<FunctionList<FunctionConfiguration>>> {
    let page = state.scheduler.list_functions(query.marker.as_deref(), query.max_items).await?;
    Ok(Json(page.into()))
}

/// GetFunction: `GET /2015-03-31/functions/{FunctionName}`; the code's
/// location is this server's `/nimbus/v1/code/{digest}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    Path(function): Path<String>,
    Query(query): Query<QualifierQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Answer<Json<GetFunctionOutput>> {
    let details = state.scheduler.get_function(&function, query.qualifier.as_deref()).await?;
    let location = format!("http://{}/nimbus/v1/code/{}", authority(&uri, &headers), details.code_digest_hex);
    Ok(Json(GetFunctionOutput {
        configuration: details.configuration,
        code: FunctionCodeLocation { repository_type: "S3".to_string(), location },
        concurrency: details.concurrency,
    }))
}

/// The host the client reached us at (HTTP/1.1's `Host`).
fn authority(uri: &Uri, headers: &HeaderMap) -> String {
    uri.authority()
        .map(|authority| authority.to_string())
        .or_else(|| headers.get(header::HOST).and_then(|host| host.to_str().ok()).map(str::to_string))
        .unwrap_or_else(|| "localhost".to_string())
}

/// GetFunctionConfiguration: `GET …/{FunctionName}/configuration`.
pub(crate) async fn get_configuration(
    State(state): State<AppState>,
    Path(function): Path<String>,
    Query(query): Query<QualifierQuery>,
) -> Answer<Json<FunctionConfiguration>> {
    Ok(Json(state.scheduler.get_function_configuration(&function, query.qualifier.as_deref()).await?))
}

/// UpdateFunctionCode: `PUT …/{FunctionName}/code`.
pub(crate) async fn update_code(
    State(state): State<AppState>,
    Path(function): Path<String>,
    LambdaJson(request): LambdaJson<UpdateFunctionCodeRequest>,
) -> Answer<Json<FunctionConfiguration>> {
    Ok(Json(state.scheduler.update_function_code(&function, request).await?))
}

/// UpdateFunctionConfiguration: `PUT …/{FunctionName}/configuration`.
pub(crate) async fn update_configuration(
    State(state): State<AppState>,
    Path(function): Path<String>,
    LambdaJson(request): LambdaJson<UpdateFunctionConfigurationRequest>,
) -> Answer<Json<FunctionConfiguration>> {
    Ok(Json(state.scheduler.update_function_configuration(&function, request).await?))
}

/// DeleteFunction: `DELETE …/{FunctionName}` → 204.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Path(function): Path<String>,
    Query(query): Query<QualifierQuery>,
) -> Answer<StatusCode> {
    state.scheduler.delete_function(&function, query.qualifier.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}
