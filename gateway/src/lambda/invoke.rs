//! Invoke: `POST /2015-03-31/functions/{FunctionName}/invocations`.
//!
//! The payload is raw bytes of any content type. Lambda's headers say how
//! to run it (`X-Amz-Invocation-Type`, `X-Amz-Log-Type`) and how it went
//! (`X-Amz-Executed-Version`, `X-Amz-Function-Error`, `X-Amz-Log-Result`).

use super::wire::QualifierQuery;
use crate::AppState;
use crate::body::{self, Refusal};
use crate::error::AppError;
use crate::extract::{Path, Query};
use crate::instrument::{REQUEST_ID_HEADER, RequestId};
use axum::body::Bytes;
use axum::extract::{Extension, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use nimbus_scheduler::{Error, InvocationType, InvokeRequest, InvokeResponse};

const INVOCATION_TYPE_HEADER: &str = "x-amz-invocation-type";
const LOG_TYPE_HEADER: &str = "x-amz-log-type";
const EXECUTED_VERSION_HEADER: &str = "x-amz-executed-version";
const FUNCTION_ERROR_HEADER: &str = "x-amz-function-error";
const LOG_RESULT_HEADER: &str = "x-amz-log-result";
/// Nimbus's idempotency key for Event invokes.
const IDEMPOTENCY_KEY_HEADER: &str = "x-nimbus-idempotency-key";

/// The request body, refused with Lambda's 413 over the payload limit
/// (read here with that limit, rather than through a `DefaultBodyLimit`
/// layer on the route: one layer less on every invocation).
pub(crate) struct InvokePayload(Bytes);

impl FromRequest<AppState> for InvokePayload {
    type Rejection = Refusal;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Refusal> {
        let limit = state.limits().max_sync_payload_bytes;
        let bytes = body::read_whole(request.into_body(), limit, state.limits().max_discarded_body_bytes, || {
            AppError::Scheduler(Error::RequestTooLarge(format!(
                "Request must be smaller than {limit} bytes for the InvokeFunction operation"
            )))
        })
        .await?;
        // Lambda accepts only JSON events (an empty body is `{}`).
        if !bytes.is_empty()
            && let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes)
        {
            return Err(AppError::InvalidRequestContent(format!(
                "Could not parse request body into json: Could not parse payload into json: {e}"
            ))
            .into());
        }
        Ok(InvokePayload(bytes))
    }
}

/// The invocation type header: RequestResponse (the default) or DryRun;
/// Event is refused until asynchronous invocation exists.
fn invocation_type(headers: &HeaderMap) -> Result<InvocationType, AppError> {
    match header_text(headers, INVOCATION_TYPE_HEADER)? {
        None | Some("RequestResponse") => Ok(InvocationType::RequestResponse),
        Some("DryRun") => Ok(InvocationType::DryRun),
        Some("Event") => Ok(InvocationType::Event),
        Some(other) => Err(AppError::invalid_parameter(format!(
            "Unsupported InvocationType '{other}': expected RequestResponse, Event or DryRun."
        ))),
    }
}

/// Whether the caller asked for the log's tail (`X-Amz-Log-Type: Tail`).
fn tail_log(headers: &HeaderMap) -> Result<bool, AppError> {
    match header_text(headers, LOG_TYPE_HEADER)? {
        None | Some("None") => Ok(false),
        Some("Tail") => Ok(true),
        Some(other) => {
            Err(AppError::invalid_parameter(format!("Unsupported LogType '{other}': expected None or Tail.")))
        }
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, AppError> {
    headers
        .get(name)
        .map(|value| value.to_str().map(str::trim))
        .transpose()
        .map_err(|_| AppError::invalid_parameter(format!("The {name} header is not valid text.")))
}

/// How to run it, from Lambda's request headers (read in place: the
/// `HeaderMap` extractor would copy them all).
pub(crate) struct InvokeOptions {
    invocation_type: InvocationType,
    tail_log: bool,
    idempotency_key: Option<String>,
}

impl FromRequestParts<AppState> for InvokeOptions {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        Ok(Self {
            invocation_type: invocation_type(&parts.headers)?,
            tail_log: tail_log(&parts.headers)?,
            idempotency_key: header_text(&parts.headers, IDEMPOTENCY_KEY_HEADER)?.map(str::to_string),
        })
    }
}

/// Invoke. Headers it does not take are refused once the payload is read,
/// so that the connection can carry the client's next request.
pub(crate) async fn invoke(
    State(state): State<AppState>,
    Path(function): Path<String>,
    Query(query): Query<QualifierQuery>,
    options: Result<InvokeOptions, AppError>,
    request_id: Option<Extension<RequestId>>,
    InvokePayload(payload): InvokePayload,
) -> Result<Response, AppError> {
    let options = options?;
    let mut request = InvokeRequest::new(function, payload.to_vec());
    request.request_id = request_id.map(|Extension(RequestId(id))| id);
    request.qualifier = query.qualifier;
    request.invocation_type = options.invocation_type;
    request.tail_log = options.tail_log;
    request.idempotency_key = options.idempotency_key;
    let invocation_type = request.invocation_type;
    let response = state.scheduler.invoke(request).await?;
    tracing::info!(version = %response.executed_version, "invoked");
    Ok(answer(response, invocation_type))
}

/// The HTTP answer for an invocation's response: 200 with the payload, 202
/// with nothing (an event queued), 204 (a dry run).
fn answer(response: InvokeResponse, invocation_type: InvocationType) -> Response {
    let InvokeResponse { request_id, executed_version, payload, function_error, log_tail } = response;
    let mut answer = match invocation_type {
        InvocationType::DryRun => StatusCode::NO_CONTENT.into_response(),
        InvocationType::Event => StatusCode::ACCEPTED.into_response(),
        InvocationType::RequestResponse => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], payload).into_response()
        }
    };
    let headers = answer.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(REQUEST_ID_HEADER, &request_id);
    if !executed_version.is_empty() {
        set(EXECUTED_VERSION_HEADER, &executed_version);
    }
    if let Some(function_error) = &function_error {
        set(FUNCTION_ERROR_HEADER, function_error);
    }
    if let Some(log_tail) = &log_tail {
        set(LOG_RESULT_HEADER, &base64::engine::general_purpose::STANDARD.encode(log_tail));
    }
    answer
}
