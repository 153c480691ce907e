//! Nimbus's own endpoints under `/nimbus/v1`, for what Lambda keeps in
//! other services: usage and cost, logs, code downloads.

mod code;
mod logs;
mod usage;

use crate::AppState;
use axum::Router;
use axum::routing::get;

/// Every `/nimbus/v1` route.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/nimbus/v1/usage", get(usage::get))
        .route("/nimbus/v1/functions/{name}/logs", get(logs::get))
        .route("/nimbus/v1/code/{digest}", get(code::get))
}
