//! Invoke: payloads, Lambda's headers, DryRun, Event, the payload limit.

use crate::support::{App, ECHO, FAIL};
use axum::body::Body;
use base64::Engine as _;
use serde_json::json;

#[tokio::test]
async fn invoke_answers_the_payload_with_lambdas_headers() {
    let app = App::new().await;
    app.create("echo", ECHO).await;
    let reply = app.invoke("echo", &[], r#"{"name":"nimbus"}"#).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.text(), r#"{"name":"nimbus"}"#);
    assert_eq!(reply.header("x-amz-executed-version"), Some("$LATEST"));
    assert_eq!(reply.header("x-amz-function-error"), None);
    assert_eq!(reply.header("x-amz-log-result"), None, "no log unless asked for");
    assert!(reply.header("x-amzn-requestid").is_some_and(|id| id.len() == 36), "{:?}", reply.headers);
}

#[tokio::test]
async fn tail_returns_the_log_in_base64() {
    let app = App::new().await;
    app.create("tail", ECHO).await;
    let reply = app.invoke("tail", &[("x-amz-log-type", "Tail")], "{}").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let request_id = reply.header("x-amzn-requestid").unwrap();
    let encoded = reply.header("x-amz-log-result").expect("X-Amz-Log-Result");
    let log = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded).unwrap()).unwrap();
    assert!(log.contains("echo says hi"), "{log}");
    assert!(log.contains(&format!("REPORT RequestId: {request_id}")), "{log}");
}

#[tokio::test]
async fn a_failed_function_is_a_200_with_x_amz_function_error() {
    let app = App::new().await;
    app.create("fails", FAIL).await;
    let reply = app.invoke("fails", &[], "{}").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("x-amz-function-error"), Some("Unhandled"));
    assert_eq!(reply.json()["errorMessage"], "bad input", "{}", reply.text());
}

#[tokio::test]
async fn dry_run_is_204_and_runs_nothing() {
    let app = App::new().await;
    app.create("dry", ECHO).await;
    let reply = app.invoke("dry", &[("x-amz-invocation-type", "DryRun")], "{}").await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    assert!(reply.body.is_empty());
    let usage = app.get("/nimbus/v1/usage?function=dry").await.json();
    assert_eq!(usage["invocations"], 0, "{usage}");
    app.invoke("missing", &[("x-amz-invocation-type", "DryRun")], "{}").await.assert_error(
        404,
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing:$LATEST",
    );
}

#[tokio::test]
async fn an_event_invoke_is_queued_with_202_and_runs_once() {
    let app = App::new().await;
    app.create("queued", ECHO).await;
    let reply = app.invoke("queued", &[("x-amz-invocation-type", "Event")], "{}").await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    assert!(reply.body.is_empty(), "{}", reply.text());
    for header in ["x-amz-executed-version", "x-amz-function-error", "x-amz-log-result"] {
        assert_eq!(reply.header(header), None, "{header} on a 202");
    }
    let request_id = reply.header("x-amzn-requestid").expect("x-amzn-RequestId").to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let usage = app.get("/nimbus/v1/usage?function=queued").await.json();
        if usage["invocations"] == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the event never ran: {usage}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let logs = app.get("/nimbus/v1/functions/queued/logs").await.text();
    assert!(logs.contains(&format!("REPORT RequestId: {request_id}")), "{logs}");
}

#[tokio::test]
async fn an_event_invoke_refuses_what_a_sync_invoke_refuses() {
    let app = App::with(|config| config.limits.max_async_payload_bytes = 1024).await;
    app.create("strict", ECHO).await;
    let event = [("x-amz-invocation-type", "Event")];
    app.invoke("strict", &event, "not json").await.assert_error(
        400,
        "InvalidRequestContentException",
        "Could not parse request body into json: Could not parse payload into json: expected ident at line 1 column 2",
    );
    let reply = app.invoke("strict", &event, format!("\"{}\"", "x".repeat(2000))).await;
    assert_eq!(reply.status, 413, "{}", reply.text());
    assert_eq!(reply.header("x-amzn-errortype"), Some("RequestTooLargeException"), "{}", reply.text());
    app.invoke("nobody", &event, "{}").await.assert_error(
        404,
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nobody:$LATEST",
    );
}

#[tokio::test]
async fn unknown_invocation_and_log_types_are_refused() {
    let app = App::new().await;
    app.create("async", ECHO).await;
    app.invoke("async", &[("x-amz-invocation-type", "Sometimes")], "{}").await.assert_error(
        400,
        "InvalidParameterValueException",
        "Unsupported InvocationType 'Sometimes': expected RequestResponse, Event or DryRun.",
    );
    app.invoke("async", &[("x-amz-log-type", "Everything")], "{}").await.assert_error(
        400,
        "InvalidParameterValueException",
        "Unsupported LogType 'Everything': expected None or Tail.",
    );
}

#[tokio::test]
async fn payloads_over_6_mib_are_413() {
    let app = App::new().await;
    app.create("big", ECHO).await;
    let limit = 6 * 1024 * 1024;
    app.invoke("big", &[], vec![b' '; limit + 1]).await.assert_error(
        413,
        "RequestTooLargeException",
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
    );
    // Exactly the limit is accepted (DryRun: the gateway's check only).
    let mut json_string = vec![b'a'; limit];
    (json_string[0], json_string[limit - 1]) = (b'"', b'"');
    let at_limit = app.invoke("big", &[("x-amz-invocation-type", "DryRun")], json_string).await;
    assert_eq!(at_limit.status, 204, "{}", at_limit.text());
}

#[tokio::test]
async fn json_payloads_pass_with_any_content_type_and_others_are_refused() {
    let app = App::new().await;
    app.create("binary", ECHO).await;
    let json = br#"{"bytes":[0,1,255],"text":"h\u00e9"}"#.to_vec();
    let reply = app.invoke("binary", &[("content-type", "application/octet-stream")], Body::from(json.clone())).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.body, json);
    let bytes: Vec<u8> = (0..=255).collect();
    app.invoke("binary", &[], Body::from(bytes)).await.assert_error(
        400,
        "InvalidRequestContentException",
        "Could not parse request body into json: Could not parse payload into json: expected value at line 1 column 1",
    );
    let empty = app.invoke("binary", &[], Body::empty()).await;
    assert_eq!(empty.status, 200, "an empty payload is allowed: {}", empty.text());
}

#[tokio::test]
async fn the_qualifier_picks_the_version() {
    let app = App::new().await;
    app.create("qualified", ECHO).await;
    assert_eq!(app.send_json("POST", "/2015-03-31/functions/qualified/versions", json!({})).await.status, 201);
    let reply = app.invoke("qualified?Qualifier=1", &[], "{}").await;
    assert_eq!((reply.status.as_u16(), reply.header("x-amz-executed-version")), (200, Some("1")), "{}", reply.text());
    let reply = app.invoke("qualified:1", &[], "{}").await;
    assert_eq!(reply.header("x-amz-executed-version"), Some("1"), "{}", reply.text());
    app.invoke("qualified?Qualifier=7", &[], "{}").await.assert_error(
        404,
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:qualified:7",
    );
}

#[tokio::test]
async fn no_concurrency_left_is_429_with_a_reason_and_retry_after() {
    let app = App::new().await;
    app.create("throttled", ECHO).await;
    let put = app
        .send_json("PUT", "/2017-10-31/functions/throttled/concurrency", json!({ "ReservedConcurrentExecutions": 0 }))
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
    let reply = app.invoke("throttled", &[], "{}").await;
    assert_eq!((reply.status.as_u16(), reply.header("x-amzn-errortype")), (429, Some("TooManyRequestsException")));
    assert_eq!(
        reply.json(),
        json!({ "Type": "User", "message": "Rate Exceeded.", "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded" })
    );
    assert!(reply.header("retry-after").is_some_and(|s| s.parse::<u32>().is_ok()), "{:?}", reply.headers);
}

#[tokio::test]
async fn invoking_a_missing_function_is_404() {
    let app = App::new().await;
    app.invoke("nobody", &[], "{}").await.assert_error(
        404,
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nobody:$LATEST",
    );
}
