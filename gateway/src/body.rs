//! Request bodies: read whole up to a limit, and what a refusal does with
//! the part of a body it did not read.
//!
//! An HTTP/1.1 connection carries its next request only once this one's
//! body has been read to its end. When a handler answers before that, hyper
//! reads what it already holds and otherwise closes the connection after the
//! answer; but the answer is on its way by then, without `Connection: close`,
//! so a keep-alive client (the AWS SDK for JavaScript's agent) sends its next
//! request into a closing socket (`write EPIPE`). So a refusal that leaves a
//! body unread either reads and discards the rest, up to
//! `Limits::max_discarded_body_bytes` (the scheduler's), and keeps the connection, or
//! answers `Connection: close`. Successful requests never pass through here
//! but for [`read_whole`], which costs them what `axum::body::to_bytes` does.

use crate::error::AppError;
use crate::serve::body_rate::too_slow;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

/// An error answer that knows whether the connection can serve another
/// request after it.
#[derive(Debug)]
pub(crate) struct Refusal {
    error: AppError,
    close_connection: bool,
}

impl Refusal {
    /// A refusal decided from the request's head, its body untouched: the
    /// answer closes the connection when the request has a body.
    pub(crate) fn before_body(error: AppError, headers: &HeaderMap) -> Self {
        Self { error, close_connection: has_body(headers) }
    }

    /// A refusal with `body` (or what is left of it) unread: discards up to
    /// `budget` more bytes of it, and closes the connection when the body
    /// goes on past them or breaks off.
    pub(crate) async fn discarding(error: AppError, body: &mut Body, budget: usize) -> Self {
        Self { error, close_connection: !discard(body, budget).await }
    }
}

/// A refusal after the body was read to its end: the connection stays open.
impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        Self { error, close_connection: false }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = self.error.into_response();
        if self.close_connection {
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// Reads `body` whole. Over `limit` bytes it is the refusal `too_large`,
/// once up to `budget` bytes of the rest are discarded; a body that breaks
/// off is `InvalidRequestContentException`, and one that arrives too slowly
/// `RequestTimeoutException`; both close the connection.
pub(crate) async fn read_whole(
    mut body: Body,
    limit: usize,
    budget: usize,
    too_large: impl FnOnce() -> AppError,
) -> Result<Bytes, Refusal> {
    match Limited::new(&mut body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(Refusal::discarding(too_large(), &mut body, budget).await),
        Err(error) if let Some(slow) = too_slow(error.as_ref()) => {
            Err(Refusal { error: AppError::RequestTimeout(slow.to_string()), close_connection: true })
        }
        Err(error) => Err(Refusal {
            error: AppError::InvalidRequestContent(format!("Could not read the request body: {error}")),
            close_connection: true,
        }),
    }
}

/// Reads and drops what is left of `body`, at most `budget` bytes; whether
/// it ended within them.
async fn discard(body: &mut Body, budget: usize) -> bool {
    let mut left = budget;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { return false };
        if let Some(data) = frame.data_ref() {
            match left.checked_sub(data.len()) {
                Some(rest) => left = rest,
                None => return false,
            }
        }
    }
    true
}

/// Whether the request's head announces a body (HTTP/1.1: a non-zero
/// `Content-Length`, or any `Transfer-Encoding`).
fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers.get(header::CONTENT_LENGTH).is_some_and(|length| length.as_bytes() != b"0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderName;

    fn headers(pairs: &[(HeaderName, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| (name.clone(), HeaderValue::from_static(value))).collect()
    }

    fn closes(refusal: Refusal) -> bool {
        refusal.into_response().headers().get(header::CONNECTION).is_some_and(|value| value == "close")
    }

    fn run<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
    }

    #[test]
    fn a_head_alone_closes_only_when_a_body_follows() {
        let refused = |pairs: &[(HeaderName, &'static str)]| {
            closes(Refusal::before_body(AppError::invalid_parameter("m"), &headers(pairs)))
        };
        assert!(!refused(&[]));
        assert!(!refused(&[(header::CONTENT_LENGTH, "0")]));
        assert!(refused(&[(header::CONTENT_LENGTH, "12")]));
        assert!(refused(&[(header::TRANSFER_ENCODING, "chunked")]));
    }

    #[test]
    fn a_body_over_the_limit_is_refused_and_one_within_it_read() {
        let too_large = || AppError::invalid_parameter("big");
        let read = |body: &'static str| run(read_whole(Body::from(body), 4, 0, too_large));
        assert_eq!(read("abcd").unwrap(), "abcd");
        let refused = read("abcde").unwrap_err();
        assert_eq!(refused.error, too_large());
        assert!(!closes(refused), "the one frame over the limit was the whole body");
    }

    #[test]
    fn discarding_stops_at_the_budget() {
        let ended = |body: &'static str, budget| run(discard(&mut Body::from(body), budget));
        assert!(ended("", 0));
        assert!(ended("abc", 3));
        assert!(!ended("abcd", 3));
        let refused = |body: &'static str| {
            closes(run(Refusal::discarding(AppError::invalid_parameter("m"), &mut Body::from(body), 3)))
        };
        assert!(!refused("abc"));
        assert!(refused("abcd"));
    }

    #[test]
    fn a_refusal_after_the_whole_body_keeps_the_connection() {
        assert!(!closes(Refusal::from(AppError::invalid_parameter("m"))));
    }
}
