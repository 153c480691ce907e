//! Nimbus's own endpoints under `/nimbus/v1`, for what Lambda keeps in
//! other services: usage and cost, logs, code downloads, dead letters.

mod code;
mod dead_letters;
mod logs;
mod usage;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

/// Every `/nimbus/v1` route.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/nimbus/v1/usage", get(usage::get))
        .route("/nimbus/v1/functions/{name}/logs", get(logs::get))
        .route("/nimbus/v1/code/{digest}", get(code::get))
        .route("/nimbus/v1/dead-letters", get(dead_letters::list))
        .route("/nimbus/v1/dead-letters/{id}", get(dead_letters::get).delete(dead_letters::delete))
        .route("/nimbus/v1/dead-letters/{id}/redrive", post(dead_letters::redrive))
}
