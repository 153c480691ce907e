//! Every error mapping: status, `x-amzn-ErrorType` and the body.

use crate::support::{App, ECHO, ROLE, error_body, zip_base64};
use axum::body::Body;
use serde_json::json;

#[tokio::test]
async fn malformed_json_is_invalid_request_content() {
    let app = App::new().await;
    for (body, message) in [
        ("{", "Could not parse request body into json: EOF while parsing an object at line 1 column 1"),
        ("not json", "Could not parse request body into json: expected ident at line 1 column 2"),
        (
            r#"{"FunctionName": 7}"#,
            "Could not parse request body into json: invalid type: integer `7`, expected a string at line 1 column 18",
        ),
        (
            "[]",
            "Could not parse request body into json: invalid length 0, expected struct CreateFunctionRequest with 13 elements at line 1 column 2",
        ),
    ] {
        app.call("POST", "/2015-03-31/functions", &[("content-type", "application/json")], body).await.assert_error(
            400,
            "InvalidRequestContentException",
            message,
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
        "Unsupported Content-Type 'text/plain': the request body must be JSON (application/json)",
    );
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let app = App::new().await;
    app.get("/no/such/thing").await.assert_error(
        404,
        "UnknownOperationException",
        "No operation is at GET /no/such/thing",
    );
    app.get("/2015-03-31/functions/x/y/z").await.assert_error(
        404,
        "UnknownOperationException",
        "No operation is at GET /2015-03-31/functions/x/y/z",
    );
    let reply = app.call("PATCH", "/2015-03-31/functions", &[], Body::empty()).await;
    reply.assert_error(405, "UnknownOperationException", "/2015-03-31/functions does not accept PATCH");
    assert!(reply.header("allow").is_some_and(|allow| allow.contains("POST")), "{:?}", reply.headers);
    app.call("POST", "/2015-03-31/functions/x/configuration", &[], Body::empty()).await.assert_error(
        405,
        "UnknownOperationException",
        "/2015-03-31/functions/x/configuration does not accept POST",
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
        "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    app.send_json("POST", "/2015-03-31/functions", create("bad name!", json!({}))).await.assert_error(
        400,
        "ValidationException",
        r#"1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"#,
    );
    app.send_json("POST", "/2015-03-31/functions", create("bad-zip", json!({ "Code": { "ZipFile": "!!!" } })))
        .await
        .assert_error(400, "InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again. ZipFile is not valid base64: Invalid symbol 33, offset 0.");
    app.send_json("POST", "/2015-03-31/functions", create("twice", json!({}))).await;
    app.send_json("POST", "/2015-03-31/functions", create("twice", json!({}))).await.assert_error(
        409,
        "ResourceConflictException",
        "Function already exist: twice",
    );
    app.get("/2015-03-31/functions/nobody").await.assert_error(
        404,
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nobody",
    );
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
    reply.assert_error(
        400,
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
    );
}

#[tokio::test]
async fn every_answer_has_a_request_id() {
    let app = App::new().await;
    for reply in [app.get("/healthz").await, app.get("/nope").await, app.get("/2015-03-31/functions").await] {
        assert!(reply.header("x-amzn-requestid").is_some_and(|id| id.len() == 36), "{:?}", reply.headers);
    }
}

/// Lambda's status for each error type Nimbus answers, as AWS states it in
/// botocore's service model (`botocore/data/lambda/2015-03-31/service-2.json`,
/// each shape's `error.httpStatusCode`), plus the two every AWS JSON API
/// shares: `ValidationException` (400) and `UnknownOperationException` (404).
const LAMBDA_STATUS: [(&str, u16); 10] = [
    ("InvalidParameterValueException", 400),
    ("InvalidRequestContentException", 400),
    ("ValidationException", 400),
    ("ResourceNotFoundException", 404),
    ("UnknownOperationException", 404),
    ("ResourceConflictException", 409),
    ("PreconditionFailedException", 412),
    ("RequestTooLargeException", 413),
    ("UnsupportedMediaTypeException", 415),
    ("TooManyRequestsException", 429),
];

#[tokio::test]
async fn every_error_type_a_request_can_cause_has_lambdas_status() {
    let app = App::new().await;
    let created = app.create("mapped", ECHO).await;
    let create = |name: &str, extra: serde_json::Value| {
        let mut body = json!({ "FunctionName": name, "Role": ROLE, "Code": { "ZipFile": zip_base64(ECHO) } });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let json_type = [("content-type", "application/json")];
    let stale = json!({ "Timeout": 6, "RevisionId": created["RevisionId"] });
    assert_eq!(
        app.send_json("PUT", "/2015-03-31/functions/mapped/configuration", json!({ "Timeout": 5 })).await.status,
        200
    );
    app.create("none-reserved", ECHO).await;
    let reserved = json!({ "ReservedConcurrentExecutions": 0 });
    assert_eq!(app.send_json("PUT", "/2017-10-31/functions/none-reserved/concurrency", reserved).await.status, 200);

    let replies = [
        app.send_json("POST", "/2015-03-31/functions", create("bad-zip", json!({ "Code": { "ZipFile": "!!!" } })))
            .await,
        app.call("POST", "/2015-03-31/functions", &json_type, "{").await,
        app.send_json("POST", "/2015-03-31/functions", create("bad-timeout", json!({ "Timeout": 0 }))).await,
        app.get("/2015-03-31/functions/nobody").await,
        app.get("/no/such/thing").await,
        app.send_json("POST", "/2015-03-31/functions", create("mapped", json!({}))).await,
        app.send_json("PUT", "/2015-03-31/functions/mapped/configuration", stale).await,
        app.invoke("mapped", &[], vec![b' '; 6 * 1024 * 1024 + 1]).await,
        app.call("POST", "/2015-03-31/functions", &[("content-type", "text/plain")], "{}").await,
        app.invoke("none-reserved", &[], "{}").await,
    ];
    for ((error_type, status), reply) in LAMBDA_STATUS.into_iter().zip(replies) {
        assert_eq!(
            (reply.header("x-amzn-errortype"), reply.status.as_u16()),
            (Some(error_type), status),
            "{}",
            reply.text()
        );
        // Whose fault it is (the caller's, for every type but
        // ServiceException), where the type's body says it.
        let expected = error_body(status, error_type, "").get("Type").cloned();
        assert_eq!(reply.json().get("Type").cloned(), expected, "{error_type}: {}", reply.text());
    }
}
