//! The one place where errors become HTTP answers: Lambda's status,
//! `x-amzn-ErrorType` header and JSON body, whose message member is spelt
//! as AWS spells it for that error type ([`message_member`]).

use crate::AppState;
use crate::body::Refusal;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nimbus_scheduler::Error;
use serde_json::json;

/// The header AWS SDKs read the error type from.
pub const ERROR_TYPE_HEADER: &str = "x-amzn-errortype";

/// An error answered to a client.
#[derive(Debug, Clone, PartialEq)]
pub enum AppError {
    /// A scheduler error (also used for the gateway's own checks of the
    /// same kinds, e.g. an Invoke payload over the limit).
    Scheduler(Error),
    /// The body is not the JSON the operation takes (`InvalidRequestContentException`).
    InvalidRequestContent(String),
    /// The body's `Content-Type` is not JSON (`UnsupportedMediaTypeException`).
    UnsupportedMediaType(String),
    /// No route has this path (`UnknownOperationException`, 404).
    UnknownOperation(String),
    /// The path exists but not with this method (`UnknownOperationException`, 405).
    MethodNotAllowed(String),
    /// A host the server does not answer to, or a request from a web page
    /// of another site (`AccessDeniedException`, 403).
    Forbidden(String),
    /// The request body arrived too slowly (`RequestTimeoutException`, 408).
    RequestTimeout(String),
}

impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        AppError::Scheduler(error)
    }
}

impl AppError {
    /// An `InvalidParameterValueException`.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        AppError::Scheduler(Error::InvalidParameter(message.into()))
    }

    /// The status and Lambda error type.
    pub fn status_and_type(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::Scheduler(error) => match error {
                Error::NotFound(_) => (StatusCode::NOT_FOUND, "ResourceNotFoundException"),
                Error::Conflict(_) => (StatusCode::CONFLICT, "ResourceConflictException"),
                Error::InvalidParameter(_) => (StatusCode::BAD_REQUEST, "InvalidParameterValueException"),
                Error::Validation(_) => (StatusCode::BAD_REQUEST, "ValidationException"),
                Error::PreconditionFailed(_) => (StatusCode::PRECONDITION_FAILED, "PreconditionFailedException"),
                Error::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "TooManyRequestsException"),
                Error::RequestTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "RequestTooLargeException"),
                Error::Service(_) => (StatusCode::INTERNAL_SERVER_ERROR, "ServiceException"),
            },
            AppError::InvalidRequestContent(_) => (StatusCode::BAD_REQUEST, "InvalidRequestContentException"),
            AppError::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaTypeException"),
            AppError::UnknownOperation(_) => (StatusCode::NOT_FOUND, "UnknownOperationException"),
            AppError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "UnknownOperationException"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "AccessDeniedException"),
            AppError::RequestTimeout(_) => (StatusCode::REQUEST_TIMEOUT, "RequestTimeoutException"),
        }
    }

    /// The human message.
    pub fn message(&self) -> &str {
        match self {
            AppError::Scheduler(error) => match error {
                Error::NotFound(m)
                | Error::Conflict(m)
                | Error::InvalidParameter(m)
                | Error::Validation(m)
                | Error::PreconditionFailed(m)
                | Error::RequestTooLarge(m)
                | Error::Service(m) => m,
                Error::TooManyRequests { message, .. } => message,
            },
            AppError::InvalidRequestContent(m)
            | AppError::UnsupportedMediaType(m)
            | AppError::UnknownOperation(m)
            | AppError::MethodNotAllowed(m)
            | AppError::Forbidden(m)
            | AppError::RequestTimeout(m) => m,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, error_type) = self.status_and_type();
        // Lambda says whose fault it is: ours for ServiceException only.
        let fault = if status.is_server_error() { "Service" } else { "User" };
        if status.is_server_error() {
            tracing::error!(error_type, message = self.message(), "request failed");
        } else {
            tracing::debug!(error_type, message = self.message(), "request refused");
        }
        let mut body = match message_member(error_type) {
            MessageMember::TypeAndMessage => json!({ "Type": fault, "Message": self.message() }),
            MessageMember::TypeAndLowerMessage => json!({ "Type": fault, "message": self.message() }),
            MessageMember::LowerMessageOnly => json!({ "message": self.message() }),
        };
        let mut retry_after = None;
        if let AppError::Scheduler(Error::TooManyRequests { reason, retry_after_s, .. }) = &self {
            body["Reason"] = reason.as_str().into();
            retry_after = Some(*retry_after_s);
        }
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(ERROR_TYPE_HEADER, HeaderValue::from_static(error_type));
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// How an error type's body carries its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageMember {
    /// `{"Type", "Message"}`.
    TypeAndMessage,
    /// `{"Type", "message"}`.
    TypeAndLowerMessage,
    /// `{"message"}`: the errors AWS's front end answers before Lambda
    /// sees the request, which are not in Lambda's model.
    LowerMessageOnly,
}

/// The members AWS sends for `error_type`: Lambda's model (botocore's
/// `service-2.json`) spells the message `Message` for some exceptions and
/// `message` for others; SDKs other than botocore, and raw HTTP clients,
/// read only the one AWS sends.
pub fn message_member(error_type: &str) -> MessageMember {
    match error_type {
        "ResourceNotFoundException" | "ServiceException" => MessageMember::TypeAndMessage,
        "InvalidParameterValueException"
        | "ResourceConflictException"
        | "PreconditionFailedException"
        | "TooManyRequestsException"
        | "RequestTooLargeException"
        | "InvalidRequestContentException"
        | "UnsupportedMediaTypeException" => MessageMember::TypeAndLowerMessage,
        _ => MessageMember::LowerMessageOnly,
    }
}

/// The fallback for paths no route has.
pub(crate) async fn unknown_operation(State(state): State<AppState>, request: Request) -> Refusal {
    let error = AppError::UnknownOperation(format!("No operation is at {} {}", request.method(), request.uri().path()));
    Refusal::discarding(error, &mut request.into_body(), state.limits().max_discarded_body_bytes).await
}

/// The fallback for a known path with a method it does not take.
pub(crate) async fn method_not_allowed(State(state): State<AppState>, request: Request) -> Refusal {
    let error = AppError::MethodNotAllowed(format!("{} does not accept {}", request.uri().path(), request.method()));
    Refusal::discarding(error, &mut request.into_body(), state.limits().max_discarded_body_bytes).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimbus_scheduler::ThrottleReason;

    fn answer(error: impl Into<AppError>) -> (u16, String, serde_json::Value, Option<String>) {
        let response = error.into().into_response();
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_string());
        let (error_type, retry_after) = (header(ERROR_TYPE_HEADER).unwrap(), header("retry-after"));
        let body = body_json(response);
        (status, error_type, body, retry_after)
    }

    fn body_json(response: Response) -> serde_json::Value {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let bytes = runtime.block_on(axum::body::to_bytes(response.into_body(), usize::MAX)).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// The one error no request can cause on purpose (requests reach the
    /// others: `tests/all/errors.rs`); Lambda's model gives it 500, and the
    /// fault is the service's.
    #[test]
    fn a_service_error_is_500_and_the_services_fault() {
        let (status, error_type, body, retry_after) = answer(Error::Service("registry storage failed: disk".into()));
        assert_eq!((status, error_type.as_str(), retry_after), (500, "ServiceException", None));
        assert_eq!(body, json!({ "Type": "Service", "Message": "registry storage failed: disk" }));
    }

    #[test]
    fn throttles_carry_a_reason_and_retry_after() {
        let error = Error::TooManyRequests {
            reason: ThrottleReason::ConcurrentInvocationLimitExceeded,
            message: "Rate Exceeded.".into(),
            retry_after_s: 1,
        };
        let (status, error_type, body, retry_after) = answer(error);
        assert_eq!((status, error_type.as_str(), retry_after.as_deref()), (429, "TooManyRequestsException", Some("1")));
        assert_eq!(
            body,
            json!({ "Type": "User", "message": "Rate Exceeded.", "Reason": "ConcurrentInvocationLimitExceeded" })
        );
    }

    /// Each error type's body has the members AWS sends for it (botocore's
    /// model; `ValidationException` comes from AWS's front end).
    #[test]
    fn each_error_type_spells_its_message_member_as_aws_does() {
        let cases = [
            (AppError::from(Error::NotFound("m".into())), json!({ "Type": "User", "Message": "m" })),
            (AppError::from(Error::InvalidParameter("m".into())), json!({ "Type": "User", "message": "m" })),
            (AppError::from(Error::Conflict("m".into())), json!({ "Type": "User", "message": "m" })),
            (AppError::from(Error::PreconditionFailed("m".into())), json!({ "Type": "User", "message": "m" })),
            (AppError::from(Error::RequestTooLarge("m".into())), json!({ "Type": "User", "message": "m" })),
            (AppError::InvalidRequestContent("m".into()), json!({ "Type": "User", "message": "m" })),
            (AppError::UnsupportedMediaType("m".into()), json!({ "Type": "User", "message": "m" })),
            (AppError::from(Error::Validation("m".into())), json!({ "message": "m" })),
            (AppError::UnknownOperation("m".into()), json!({ "message": "m" })),
            (AppError::Forbidden("m".into()), json!({ "message": "m" })),
            (AppError::RequestTimeout("m".into()), json!({ "message": "m" })),
        ];
        for (error, expected) in cases {
            let (_, error_type, body, _) = answer(error);
            assert_eq!(body, expected, "{error_type}");
        }
    }
}
