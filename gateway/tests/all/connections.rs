//! The connection after a refusal: a keep-alive client's next request on
//! the same connection is answered (the server read the rest of the refused
//! body), or the refusal says `Connection: close` and the server closes.
//! Never a connection dropped without saying so (the AWS SDK for
//! JavaScript then writes its next request into it: `write EPIPE`).

use crate::raw_http::{Served, json_of};
use nimbus_scheduler::SchedulerConfig;

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;
/// Small limits, so that small bodies are refused too; 7 MiB is past the
/// limits but within what is discarded.
fn small_limits(config: &mut SchedulerConfig) {
    config.limits.max_request_body_bytes = 64 * KIB;
    config.limits.max_sync_payload_bytes = KIB;
    config.limits.max_discarded_body_bytes = 8 * MIB;
}
const INVOKE: &str = "/2015-03-31/functions/echo/invocations";

#[tokio::test]
async fn an_invoke_over_the_payload_limit_keeps_the_connection() {
    let served = Served::start(small_limits).await;
    let mut connection = served.connect().await;
    connection.create_echo("echo").await;
    for size in [4 * KIB, 7 * MIB] {
        let answer = connection.send("POST", INVOKE, &[], &json_of(size)).await;
        answer.assert_error(
            413,
            "RequestTooLargeException",
            "Request must be smaller than 1024 bytes for the InvokeFunction operation",
        );
        answer.assert_keeps_the_connection();
        connection.assert_echo("echo", r#"{"after":"the 413"}"#).await;
    }
    served.stop().await;
}

#[tokio::test]
async fn a_json_body_over_the_request_limit_keeps_the_connection() {
    let served = Served::start(small_limits).await;
    let mut connection = served.connect().await;
    connection.create_echo("echo").await;
    for size in [128 * KIB, 7 * MIB] {
        let answer = connection.send("POST", "/2015-03-31/functions", &[], &json_of(size)).await;
        answer.assert_error(413, "RequestTooLargeException", "Request must be smaller than 65536 bytes");
        answer.assert_keeps_the_connection();
        connection.assert_echo("echo", "{}").await;
    }
    served.stop().await;
}

#[tokio::test]
async fn an_invoke_header_refused_keeps_the_connection() {
    let served = Served::start(|_| {}).await;
    let mut connection = served.connect().await;
    connection.create_echo("echo").await;
    for size in [512, 5 * MIB] {
        let answer = connection.send("POST", INVOKE, &[("x-amz-log-type", "All")], &json_of(size)).await;
        answer.assert_error(400, "InvalidParameterValueException", "Unsupported LogType 'All': expected None or Tail.");
        answer.assert_keeps_the_connection();
        connection.assert_echo("echo", r#"{"after":"the 400"}"#).await;
    }
    served.stop().await;
}

#[tokio::test]
async fn unknown_operations_and_methods_keep_the_connection() {
    let served = Served::start(small_limits).await;
    let mut connection = served.connect().await;
    connection.create_echo("echo").await;
    for size in [4 * KIB, 7 * MIB] {
        let answer = connection.send("POST", "/no/such/operation", &[], &json_of(size)).await;
        answer.assert_error(404, "UnknownOperationException", "No operation is at POST /no/such/operation");
        answer.assert_keeps_the_connection();
        let answer = connection.send("PATCH", "/2015-03-31/functions", &[], &json_of(size)).await;
        answer.assert_error(405, "UnknownOperationException", "/2015-03-31/functions does not accept PATCH");
        answer.assert_keeps_the_connection();
        connection.assert_echo("echo", "{}").await;
    }
    served.stop().await;
}

#[tokio::test]
async fn a_body_past_what_is_discarded_is_answered_with_connection_close() {
    let served = Served::start(small_limits).await;
    let mut connection = served.connect().await;
    connection.create_echo("echo").await;
    // 1 KiB read, 8 MiB discarded, and more to come: the server stops there.
    let answer = connection.send("POST", INVOKE, &[], &json_of(12 * MIB)).await;
    answer.assert_error(
        413,
        "RequestTooLargeException",
        "Request must be smaller than 1024 bytes for the InvokeFunction operation",
    );
    assert_eq!(answer.header("connection"), Some("close"), "{:?}", answer.headers);
    assert!(connection.closed_by_server().await, "the connection stayed open after `Connection: close`");
    served.connect().await.assert_echo("echo", "{}").await;
    served.stop().await;
}

#[tokio::test]
async fn a_refusal_from_the_path_closes_the_connection_only_when_a_body_is_unread() {
    let served = Served::start(small_limits).await;
    let mut connection = served.connect().await;
    connection.create_echo("echo").await;
    // Not UTF-8: refused from the path, before the body is looked at.
    let path = "/2015-03-31/functions/%FF/configuration";
    let answer = connection.send("GET", path, &[], b"").await;
    assert_eq!((answer.status, answer.header("connection")), (400, None), "{}", answer.text());
    connection.assert_echo("echo", "{}").await;
    let answer = connection.send("PUT", path, &[], &json_of(4 * KIB)).await;
    assert_eq!((answer.status, answer.header("connection")), (400, Some("close")), "{}", answer.text());
    assert!(connection.closed_by_server().await, "the connection stayed open after `Connection: close`");
    served.stop().await;
}
