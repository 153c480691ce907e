//! What happens around every request: a request id (`x-amzn-RequestId` on
//! every answer), one tracing span, and the HTTP request counter.
//!
//! A hand-written layer rather than `middleware::from_fn`: that one boxes a
//! future and clones the state and the inner route on every request, which
//! measured ~3% of the server's throughput on the invoke path.

use crate::metrics::{HttpMetrics, UNMATCHED_ROUTE};
use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::response::Response;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tower::{Layer, Service};
use tracing::Span;

/// Lambda's request id header.
pub(crate) const REQUEST_ID_HEADER: &str = "x-amzn-requestid";

/// This request's id, for handlers (Invoke uses it as the invocation's id,
/// so that one id runs from the HTTP answer through the log and the ledger).
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub(crate) String);

/// Wraps each route in [`Instrumented`].
#[derive(Clone)]
pub(crate) struct InstrumentLayer {
    metrics: HttpMetrics,
}

impl InstrumentLayer {
    pub(crate) fn new(metrics: HttpMetrics) -> Self {
        Self { metrics }
    }
}

impl<S> Layer<S> for InstrumentLayer {
    type Service = Instrumented<S>;

    fn layer(&self, inner: S) -> Instrumented<S> {
        Instrumented { inner, metrics: self.metrics.clone() }
    }
}

/// A route with the request id, span and counter around it.
#[derive(Clone)]
pub(crate) struct Instrumented<S> {
    inner: S,
    metrics: HttpMetrics,
}

impl<S> Service<Request> for Instrumented<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answering<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let request_id = uuid::Uuid::new_v4().to_string();
        request.extensions_mut().insert(RequestId(request_id.clone()));
        let route = request.extensions().get::<MatchedPath>().cloned();
        let span = tracing::info_span!(
            "gateway.request",
            request_id = %request_id,
            method = %request.method(),
            route = %route.as_ref().map_or(UNMATCHED_ROUTE, MatchedPath::as_str),
        );
        let answer = span.in_scope(|| self.inner.call(request));
        Answering { answer, span, request_id, route, metrics: self.metrics.clone() }
    }
}

pin_project_lite::pin_project! {
    /// The route's answer, given the request id header and counted.
    pub(crate) struct Answering<F> {
        #[pin]
        answer: F,
        span: Span,
        request_id: String,
        route: Option<MatchedPath>,
        metrics: HttpMetrics,
    }
}

impl<F> Future for Answering<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let Ok(mut response) = ready!(this.answer.poll(cx));
        if !response.headers().contains_key(REQUEST_ID_HEADER)
            && let Ok(value) = HeaderValue::from_str(this.request_id)
        {
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        let route = this.route.as_ref().map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
        this.metrics.count(route, response.status());
        tracing::debug!(status = response.status().as_u16(), "answered");
        Poll::Ready(Ok(response))
    }
}
