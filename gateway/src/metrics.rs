//! `GET /metrics`: the scheduler's Prometheus registry, which also holds
//! the gateway's own request counter.

use crate::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus::{Encoder, IntCounterVec, Opts, Registry, TextEncoder};

/// The gateway's collectors.
#[derive(Clone)]
pub struct HttpMetrics {
    /// `nimbus_http_requests_total{route, status}`; `route` is the matched
    /// route template (bounded), never the raw path.
    requests: IntCounterVec,
}

impl std::fmt::Debug for HttpMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpMetrics").finish_non_exhaustive()
    }
}

/// The `route` label of requests that matched no route.
pub(crate) const UNMATCHED_ROUTE: &str = "unmatched";

impl HttpMetrics {
    /// Creates the collectors and registers them in `registry`.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let requests = IntCounterVec::new(
            Opts::new("nimbus_http_requests_total", "HTTP requests answered, by route template and status"),
            &["route", "status"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        Ok(Self { requests })
    }

    /// Counts one answered request.
    pub(crate) fn count(&self, route: &str, status: StatusCode) {
        self.requests.with_label_values(&[route, status.as_str()]).inc();
    }
}

/// The text exposition format of everything in the scheduler's registry.
pub(crate) async fn render(State(state): State<AppState>) -> Response {
    let families = state.scheduler.metrics().registry().gather();
    let encoder = TextEncoder::new();
    let mut text = Vec::new();
    if let Err(error) = encoder.encode(&families, &mut text) {
        tracing::error!(%error, "encoding metrics failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, encoder.format_type().to_string())], text).into_response()
}
