//! `GET /nimbus/v1/code/{digest}`: a stored bundle, where GetFunction's
//! `Code.Location` points.

use crate::AppState;
use crate::error::AppError;
use crate::extract::Path;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

/// The zip.
pub(crate) async fn get(
    State(state): State<AppState>,
    Path(digest): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let zip = state.scheduler.code_zip(&digest).await?;
    Ok(([(header::CONTENT_TYPE, "application/zip")], zip))
}
