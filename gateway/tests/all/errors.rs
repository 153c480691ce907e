//! Every error mapping: status, `x-amzn-ErrorType`, `Type` and `Message`.

use crate::support::{App, ECHO, ROLE, zip_base64};
use axum::body::Body;
use serde_json::json;

#[tokio::test]
async fn malformed_json_is_invalid_request_content() {
    let app = App::new().await;
    for body in ["{", "not json", r#"{"FunctionName": 7}"#, "[]"] {
        app.call("POST", "/2015-03-31/functions", &[("content-type", "application/json")], body).await.assert_error(
            400,
            "InvalidRequestContentException",
            "Could not parse request body into json",
        );
    }
}

#[tokio::test]
async fn a_missing_member_is_a_validation_error() {
    let app = App::new().await;
    app.send_json("POST", "/2015-03-31/functions", json!({ "Role": ROLE })).await.assert_error(
        400,
        "ValidationException",
        "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null",
    );
}

#[tokio::test]
async fn a_non_json_content_type_is_415() {
    let app = App::new().await;
    app.call("POST", "/2015-03-31/functions", &[("content-type", "text/plain")], "{}").await.assert_error(
        415,
        "UnsupportedMediaTypeException",
        "text/plain",
    );
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let app = App::new().await;
    app.get("/no/such/thing").await.assert_error(404, "UnknownOperationException", "/no/such/thing");
    app.get("/2015-03-31/functions/x/y/z").await.assert_error(404, "UnknownOperationException", "");
    let reply = app.call("PATCH", "/2015-03-31/functions", &[], Body::empty()).await;
    reply.assert_error(405, "UnknownOperationException", "PATCH");
    assert!(reply.header("allow").is_some_and(|allow| allow.contains("POST")), "{:?}", reply.headers);
    app.call("POST", "/2015-03-31/functions/x/configuration", &[], Body::empty()).await.assert_error(
        405,
        "UnknownOperationException",
        "",
    );
}

#[tokio::test]
async fn scheduler_errors_keep_their_lambda_types() {
    let app = App::new().await;
    let create = |name: &str, extra: serde_json::Value| {
        let mut body = json!({ "FunctionName": name, "Role": ROLE, "Code": { "ZipFile": zip_base64(ECHO) } });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    app.send_json("POST", "/2015-03-31/functions", create("bad-timeout", json!({ "Timeout": 0 }))).await.assert_error(
        400,
        "ValidationException",
        "Value '0' at 'timeout' failed to satisfy constraint",
    );
    app.send_json("POST", "/2015-03-31/functions", create("bad name!", json!({}))).await.assert_error(
        400,
        "ValidationException",
        "functionName",
    );
    app.send_json("POST", "/2015-03-31/functions", create("bad-zip", json!({ "Code": { "ZipFile": "!!!" } })))
        .await
        .assert_error(400, "InvalidParameterValueException", "");
    app.send_json("POST", "/2015-03-31/functions", create("twice", json!({}))).await;
    app.send_json("POST", "/2015-03-31/functions", create("twice", json!({}))).await.assert_error(
        409,
        "ResourceConflictException",
        "twice",
    );
    app.get("/2015-03-31/functions/nobody").await.assert_error(404, "ResourceNotFoundException", "nobody");
}

#[tokio::test]
async fn bad_paths_and_queries_never_panic() {
    let app = App::new().await;
    for path in [
        "/2015-03-31/functions/%FF%FE",
        "/2015-03-31/functions/%2F%2F",
        "/2015-03-31/functions/a%00b",
        "/2015-03-31/functions/%",
        "/2015-03-31/functions?MaxItems=lots",
        "/2015-03-31/functions/x/aliases/%FF",
    ] {
        let reply = app.get(path).await;
        assert!(reply.status.is_client_error(), "{path}: {} {}", reply.status, reply.text());
        assert!(reply.header("x-amzn-errortype").is_some(), "{path}: {:?}", reply.headers);
        reply.json();
    }
}

#[tokio::test]
async fn bodies_over_the_request_limit_are_413() {
    let app = App::with(|config| config.limits.max_request_body_bytes = 1024).await;
    let body = json!({ "FunctionName": "big", "Description": "x".repeat(2000) });
    app.send_json("POST", "/2015-03-31/functions", body).await.assert_error(
        413,
        "RequestTooLargeException",
        "Request must be smaller than 1024 bytes",
    );
}

#[tokio::test]
async fn a_50_mb_zip_in_base64_is_not_refused_by_the_body_limit() {
    let app = App::new().await;
    // 67 MB of JSON: the scheduler refuses it (not a zip), but not the HTTP layer.
    let body =
        format!(r#"{{"FunctionName":"huge","Role":"{ROLE}","Code":{{"ZipFile":"{}"}}}}"#, "A".repeat(67_000_000));
    let reply = app.call("POST", "/2015-03-31/functions", &[("content-type", "application/json")], body).await;
    assert_ne!(reply.status, 413, "{}", reply.text());
    reply.assert_error(400, "InvalidParameterValueException", "");
}

#[tokio::test]
async fn every_answer_has_a_request_id() {
    let app = App::new().await;
    for reply in [app.get("/healthz").await, app.get("/nope").await, app.get("/2015-03-31/functions").await] {
        assert!(reply.header("x-amzn-requestid").is_some_and(|id| id.len() == 36), "{:?}", reply.headers);
    }
}
