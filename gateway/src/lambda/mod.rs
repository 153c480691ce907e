//! Lambda's own API: the same paths, bodies, status codes and headers as
//! `lambda.{region}.amazonaws.com` (botocore's `service-2.json`).

mod account;
mod aliases;
mod concurrency;
mod event_invoke;
mod functions;
mod invoke;
mod versions;
mod wire;

use crate::AppState;
use axum::Router;
use axum::routing::{MethodRouter, get, post, put};

/// Every Lambda route, without layers (each layer on a route costs every
/// request to it a little): the extractors read bodies with the limits in
/// the state, JSON bodies (as large as a zip in base64) with
/// `max_request_body_bytes` and Invoke's payload with
/// `max_sync_payload_bytes`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/2015-03-31/functions/{FunctionName}/invocations", post(invoke::invoke))
        .route("/2015-03-31/functions", post(functions::create).get(functions::list))
        .route("/2015-03-31/functions/{FunctionName}", get(functions::get).delete(functions::delete))
        .route(
            "/2015-03-31/functions/{FunctionName}/configuration",
            get(functions::get_configuration).put(functions::update_configuration),
        )
        .route("/2015-03-31/functions/{FunctionName}/code", put(functions::update_code))
        .route("/2015-03-31/functions/{FunctionName}/versions", post(versions::publish).get(versions::list))
        .route("/2015-03-31/functions/{FunctionName}/aliases", post(aliases::create).get(aliases::list))
        .route(
            "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
            get(aliases::get).put(aliases::update).delete(aliases::delete),
        )
        // botocore puts Put/Delete under 2017-10-31 and Get under 2019-09-30;
        // both prefixes take all three.
        .route("/2017-10-31/functions/{FunctionName}/concurrency", concurrency_routes())
        .route("/2019-09-30/functions/{FunctionName}/concurrency", concurrency_routes())
        .route(
            "/2019-09-25/functions/{FunctionName}/event-invoke-config",
            get(event_invoke::get).put(event_invoke::put).post(event_invoke::update).delete(event_invoke::delete),
        )
        .route("/2019-09-25/functions/{FunctionName}/event-invoke-config/list", get(event_invoke::list))
        .route("/2016-08-19/account-settings", get(account::get))
        .route("/2016-08-19/account-settings/", get(account::get))
}

fn concurrency_routes() -> MethodRouter<AppState> {
    get(concurrency::get).put(concurrency::put).delete(concurrency::delete)
}
