//! Extractors whose rejections are Lambda's errors, not axum's plain text,
//! and that leave the connection able to serve the next request (see
//! [`crate::body`]).

use crate::AppState;
use crate::body::{self, Refusal};
use crate::error::AppError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use nimbus_scheduler::Error;
use serde::de::DeserializeOwned;

/// A JSON request body (as boto3 and the AWS CLI send it), deserialized
/// into one of the scheduler's request types. An empty body is `{}`.
#[derive(Debug)]
pub(crate) struct LambdaJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for LambdaJson<T> {
    type Rejection = Refusal;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Refusal> {
        let content_type = request.headers().get(header::CONTENT_TYPE).cloned();
        let limit = state.limits().max_request_body_bytes;
        let body = body::read_whole(request.into_body(), limit, state.limits().max_discarded_body_bytes, || {
            AppError::Scheduler(Error::RequestTooLarge(format!("Request must be smaller than {limit} bytes")))
        })
        .await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(LambdaJson(parse(b"{}")?));
        }
        if let Some(content_type) = content_type {
            let content_type = content_type.to_str().unwrap_or("");
            if !is_json(content_type) {
                return Err(AppError::UnsupportedMediaType(format!(
                    "Unsupported Content-Type '{content_type}': the request body must be JSON (application/json)"
                ))
                .into());
            }
        }
        Ok(LambdaJson(parse(&body)?))
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
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        let error = match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => return Ok(Path(value)),
            Err(rejection) if rejection.status().is_server_error() => {
                AppError::Scheduler(Error::Service(rejection.body_text()))
            }
            Err(rejection) => AppError::invalid_parameter(rejection.body_text()),
        };
        Err(Refusal::before_body(error, &parts.headers))
    }
}

/// Query-string parameters.
#[derive(Debug)]
pub(crate) struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => {
                Err(Refusal::before_body(AppError::invalid_parameter(rejection.body_text()), &parts.headers))
            }
        }
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
