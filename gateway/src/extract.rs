//! Extractors whose rejections are Lambda's errors, not axum's plain text.

use crate::AppState;
use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use nimbus_scheduler::Error;
use serde::de::DeserializeOwned;

/// A JSON request body (as boto3 and the AWS CLI send it), deserialized
/// into one of the scheduler's request types. An empty body is `{}`.
#[derive(Debug)]
pub(crate) struct LambdaJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for LambdaJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, AppError> {
        let content_type = request.headers().get(header::CONTENT_TYPE).cloned();
        let body = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::Scheduler(Error::RequestTooLarge(format!(
                    "Request must be smaller than {} bytes",
                    state.limits.max_request_body_bytes
                )))
            } else {
                AppError::InvalidRequestContent(format!("Could not read the request body: {}", rejection.body_text()))
            }
        })?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return parse(b"{}").map(LambdaJson);
        }
        if let Some(content_type) = content_type {
            let content_type = content_type.to_str().unwrap_or("");
            if !is_json(content_type) {
                return Err(AppError::UnsupportedMediaType(format!(
                    "Unsupported Content-Type '{content_type}': the request body must be JSON (application/json)"
                )));
            }
        }
        parse(&body).map(LambdaJson)
    }
}

/// `application/json` (what botocore sends), the `x-amz-json` types, and
/// any `+json` type. A missing `Content-Type` is taken as JSON too.
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json"
        || essence == "text/json"
        || essence.starts_with("application/x-amz-json")
        || essence.ends_with("+json")
}

/// Bad JSON is `InvalidRequestContentException`, as Lambda says; a missing
/// required member is the `ValidationException` AWS gives for it.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body).map_err(|error| {
        let text = error.to_string();
        if let Some(field) = text.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
            return AppError::Scheduler(Error::Validation(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_camel(field)
            )));
        }
        AppError::InvalidRequestContent(format!("Could not parse request body into json: {text}"))
    })
}

/// AWS names members in validation messages in lowerCamelCase.
fn lower_camel(field: &str) -> String {
    let mut chars = field.chars();
    chars.next().map(|first| first.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// Path parameters, percent-decoded (a function ARN's `%3A` is `:`).
#[derive(Debug)]
pub(crate) struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) if rejection.status().is_server_error() => {
                Err(AppError::Scheduler(Error::Service(rejection.body_text())))
            }
            Err(rejection) => Err(AppError::invalid_parameter(rejection.body_text())),
        }
    }
}

/// Query-string parameters.
#[derive(Debug)]
pub(crate) struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|rejection| AppError::invalid_parameter(rejection.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        for ok in
            ["application/json", "application/json; charset=utf-8", "application/x-amz-json-1.1", "APPLICATION/JSON"]
        {
            assert!(is_json(ok), "{ok}");
        }
        for bad in ["text/plain", "application/xml", "application/x-www-form-urlencoded", ""] {
            assert!(!is_json(bad), "{bad}");
        }
    }

    #[test]
    fn missing_member_is_a_validation_error() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(rename_all = "PascalCase")]
        #[allow(dead_code)]
        struct Body {
            function_name: String,
        }
        let error = parse::<Body>(b"{}").unwrap_err();
        assert_eq!(
            error.message(),
            "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null"
        );
        let error = parse::<Body>(b"{").unwrap_err();
        assert_eq!(error.status_and_type().1, "InvalidRequestContentException");
    }
}
