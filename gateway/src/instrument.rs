//! What happens around every request: a request id (`x-amzn-RequestId` on
//! every answer), one tracing span, and the HTTP request counter.

use crate::AppState;
use crate::metrics::UNMATCHED_ROUTE;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// Lambda's request id header.
pub(crate) const REQUEST_ID_HEADER: &str = "x-amzn-requestid";

/// This request's id, for handlers (Invoke uses it as the invocation's id,
/// so that one id runs from the HTTP answer through the log and the ledger).
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub(crate) String);

/// The middleware: see the module docs.
pub(crate) async fn instrument(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    request.extensions_mut().insert(RequestId(request_id.clone()));
    let route = request.extensions().get::<MatchedPath>().map_or(UNMATCHED_ROUTE, |m| m.as_str()).to_owned();
    let span = tracing::info_span!(
        "gateway.request",
        request_id = %request_id,
        method = %request.method(),
        route = %route,
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    if !response.headers().contains_key(REQUEST_ID_HEADER)
        && let Ok(value) = HeaderValue::from_str(&request_id)
    {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    state.metrics.count(&route, response.status());
    span.in_scope(|| tracing::debug!(status = response.status().as_u16(), "answered"));
    response
}
