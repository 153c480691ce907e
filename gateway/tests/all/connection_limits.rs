//! The limits on client connections (`Limits::connections`), on a real
//! socket: a head must arrive within the header timeout of its first
//! byte, a connection may wait only the idle timeout for its next request
//! (but is never cut while a request is answered), a body must keep up
//! the minimum rate, and connections beyond the maximum are closed at once
//! while the established ones keep working.

use crate::raw_http::{Served, json_of};
use nimbus_scheduler::SchedulerConfig;
use std::time::Duration;
use tokio::time::Instant;

/// More than any close takes past its timeout on a loaded machine.
const SLACK: Duration = Duration::from_millis(1500);

fn short_timeouts(config: &mut SchedulerConfig) {
    config.limits.connections.header_timeout = Duration::from_secs(1);
    config.limits.connections.idle_timeout = Duration::from_secs(2);
}

#[tokio::test]
async fn a_head_that_trickles_in_is_closed_at_the_header_timeout() {
    let served = Served::start(short_timeouts).await;
    let mut connection = served.connect().await;
    let head = b"GET /healthz HTTP/1.1\r\nhost: localhost\r\nx-slow: ";
    let started = Instant::now();
    // A byte every 200 ms: the head never ends.
    let closed = async {
        for byte in head.iter().chain(b"aaaaaaaaaaaaaaaaaaaa") {
            if connection.write(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        connection.time_until_closed(Duration::from_secs(10)).await
    };
    assert!(closed.await.is_some(), "the slow head was never closed");
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(900) && took <= Duration::from_secs(1) + SLACK, "closed after {took:?}");
    served.stop().await;
}

#[tokio::test]
async fn an_idle_connection_is_closed_at_the_idle_timeout() {
    let served = Served::start(short_timeouts).await;
    // Opened, nothing sent.
    let mut silent = served.connect().await;
    // One request answered, then nothing.
    let mut used = served.connect().await;
    assert_eq!(used.send("GET", "/healthz", &[], b"").await.status, 200);
    let took = used.time_until_closed(Duration::from_secs(10)).await.expect("the idle connection was closed");
    assert!(
        took >= Duration::from_millis(1800) && took <= Duration::from_secs(2) + SLACK,
        "closed {took:?} after the answer"
    );
    assert!(silent.time_until_closed(Duration::from_secs(10)).await.is_some(), "the silent connection stayed open");
    served.stop().await;
}

/// Sleeps 3 s (longer than the idle timeout), then answers `slept`.
const SLEEPER: &str = r#"
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "slept")
  (func (export "_start")
    (i64.store (i32.const 0) (i64.const 1))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 3000000000))
    (drop (call $poll_oneoff (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
    (i32.store (i32.const 200) (i32.const 256))
    (i32.store (i32.const 204) (i32.const 5))
    (drop (call $fd_write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 216)))))
"#;

#[tokio::test]
async fn a_request_longer_than_the_idle_timeout_is_answered() {
    let served = Served::start(short_timeouts).await;
    let mut connection = served.connect().await;
    let zip = crate::support::zip_base64(SLEEPER);
    let body = serde_json::json!({ "FunctionName": "sleeper", "Role": crate::support::ROLE, "Timeout": 10, "Code": { "ZipFile": zip } });
    let created = connection.send("POST", "/2015-03-31/functions", &[], body.to_string().as_bytes()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let answer = connection.send("POST", "/2015-03-31/functions/sleeper/invocations", &[], b"{}").await;
    assert_eq!((answer.status, answer.text().as_str()), (200, "slept"));
    // Still open: the 3 s spent answering were not idle time.
    assert_eq!(connection.send("GET", "/healthz", &[], b"").await.status, 200);
    served.stop().await;
}

/// A server with short timeouts and a minimum body rate of 1000 bytes a
/// second, a connection to it, and the function `echo`.
async fn echo_with_a_minimum_body_rate() -> (Served, crate::raw_http::Connection) {
    let served = Served::start(|config| {
        short_timeouts(config);
        config.limits.connections.min_body_bytes_per_second = 1000;
    })
    .await;
    let mut connection = served.connect().await;
    connection.create_echo("echo").await;
    (served, connection)
}

#[tokio::test]
async fn a_body_slower_than_the_minimum_rate_is_408_and_closed() {
    let (served, mut connection) = echo_with_a_minimum_body_rate().await;
    // 100 bytes a second, for a 100 kB body: 1 s of allowance, then 408.
    let head =
        "POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nhost: localhost\r\ncontent-length: 100000\r\n\r\n";
    let (answer, took) = connection.send_slowly(head.as_bytes(), &[b' '; 10], Duration::from_millis(100), 100).await;
    answer.assert_error(408, "RequestTimeoutException", "The request body arrived slower than 1000 bytes per second.");
    assert_eq!(answer.header("connection"), Some("close"), "{:?}", answer.headers);
    assert!(took >= Duration::from_millis(900) && took <= Duration::from_secs(1) + SLACK, "answered after {took:?}");
    assert!(connection.closed_by_server().await, "the connection stayed open after the 408");
    served.stop().await;
}

#[tokio::test]
async fn a_body_that_keeps_the_minimum_rate_is_read_whole() {
    let (served, mut connection) = echo_with_a_minimum_body_rate().await;
    // 4 kB at 2 kB/s: 2 s, longer than the allowance, at twice the rate.
    let payload = json_of(4000);
    let head = format!(
        "POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nhost: localhost\r\ncontent-length: {}\r\n\r\n",
        payload.len()
    );
    connection.write(head.as_bytes()).await.unwrap();
    for chunk in payload.chunks(200) {
        connection.write(chunk).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let answer = connection.answer().await;
    assert_eq!((answer.status, answer.body.len()), (200, payload.len()), "{}", answer.text());
    served.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_maximum_are_closed_at_once_and_the_others_keep_working() {
    let served = Served::start(|config| config.limits.connections.max_connections = 3).await;
    let mut established = Vec::new();
    for _ in 0..3 {
        let mut connection = served.connect().await;
        assert_eq!(connection.send("GET", "/healthz", &[], b"").await.status, 200);
        established.push(connection);
    }
    let mut refused = served.connect().await;
    let closed = refused.time_until_closed(Duration::from_secs(5)).await.expect("the fourth connection was closed");
    assert!(closed < Duration::from_secs(1), "closed after {closed:?}");
    for connection in &mut established {
        assert_eq!(connection.send("GET", "/healthz", &[], b"").await.status, 200);
    }
    // A slot is free again once the server has seen a connection end.
    drop(established.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut connection = served.connect().await;
        if connection.time_until_closed(Duration::from_millis(200)).await.is_none() {
            assert_eq!(connection.send("GET", "/healthz", &[], b"").await.status, 200);
            break;
        }
        assert!(Instant::now() < deadline, "no slot came free after a connection closed");
    }
    served.stop().await;
}
