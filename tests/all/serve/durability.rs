//! What survives a restart, a `kill -9` and a SIGTERM.

use super::harness::{Config, Lambda, Server, bundles, count, zip};
use super::observe::{running, wait_until};
use serde_json::json;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[test]
fn restart_keeps_functions_and_usage() {
    let bundles = bundles();
    let data = tempfile::tempdir().unwrap();
    let echo = zip(bundles.path(), "echo");

    let server = Server::start(data.path());
    let api = Lambda { addr: &server.addr };
    let created =
        api.create("kept", &echo, json!({ "MemorySize": 256, "Environment": { "Variables": { "KEY": "value" } } }));
    let first = api.invoke("kept", br#"{"n":1}"#).expect("invoke before restart");
    assert_eq!((first.status, first.text().as_str()), (200, r#"{"n":1}"#));
    let published = api.call("POST", "/2015-03-31/functions/kept/versions", json!({}));
    assert_eq!(published.status, 201, "PublishVersion: {}", published.text());
    let alias =
        api.call("POST", "/2015-03-31/functions/kept/aliases", json!({ "Name": "live", "FunctionVersion": "1" }));
    assert_eq!(alias.status, 201, "CreateAlias: {}", alias.text());
    let reserved =
        api.call("PUT", "/2017-10-31/functions/kept/concurrency", json!({ "ReservedConcurrentExecutions": 7 }));
    assert_eq!(reserved.status, 200, "PutFunctionConcurrency: {}", reserved.text());
    server.stop_with("INT");

    // Configured through the environment this time: the same data dir.
    let server = Server::start_with(data.path(), Config::Env);
    let api = Lambda { addr: &server.addr };
    let got = api.get("kept").expect("GetFunction after restart");
    assert_eq!(got.status, 200, "GetFunction after restart: {}", got.text());
    let config = &got.json()["Configuration"];
    for key in ["FunctionArn", "CodeSha256", "CodeSize", "MemorySize", "Environment", "RevisionId", "LastModified"] {
        assert_eq!(config[key], created[key], "{key} after restart");
    }
    let versions = api.call("GET", "/2015-03-31/functions/kept/versions", json!(null)).json();
    let versions: Vec<&str> =
        versions["Versions"].as_array().expect("Versions").iter().filter_map(|v| v["Version"].as_str()).collect();
    assert_eq!(versions, ["$LATEST", "1"], "versions after restart");
    let alias = api.call("GET", "/2015-03-31/functions/kept/aliases/live", json!(null));
    assert_eq!(
        (alias.status, alias.json()["FunctionVersion"].as_str()),
        (200, Some("1")),
        "alias after restart: {}",
        alias.text()
    );
    let reserved = api.call("GET", "/2019-09-30/functions/kept/concurrency", json!(null));
    assert_eq!(reserved.json()["ReservedConcurrentExecutions"], 7, "reserved concurrency after restart");
    let second = api.invoke("kept:live", br#"{"n":2}"#).expect("invoke after restart");
    assert_eq!((second.status, second.text().as_str()), (200, r#"{"n":2}"#));
    assert_eq!(second.header("x-amz-executed-version"), Some("1"), "{:?}", second.headers);
    let usage = api.usage("kept", "");
    assert_eq!(usage["function"], "kept", "{usage}");
    assert_eq!(count(&usage, "invocations"), 2, "{usage}");
    assert_eq!(count(&usage, "errors"), 0, "{usage}");
    server.stop();

    // And once more, after a stop with nothing new: still two.
    let server = Server::start(data.path());
    assert_eq!(count(&Lambda { addr: &server.addr }.usage("kept", ""), "invocations"), 2);
    server.stop();
}

#[test]
fn kill_9_loses_no_acknowledged_usage_record() {
    const CLIENTS: usize = 4;
    const MAX_PER_CLIENT: usize = 2_000;
    const LOAD_FOR: Duration = Duration::from_secs(2);
    const KILL_AFTER: Duration = Duration::from_millis(1_000);

    let bundles = bundles();
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let addr = server.addr.clone();
    Lambda { addr: &addr }.create("hammered", &zip(bundles.path(), "echo"), json!({}));

    let acknowledged = Arc::new(AtomicU64::new(0));
    let sent = Arc::new(AtomicU64::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (addr, acknowledged, sent, killed) = (addr.clone(), acknowledged.clone(), sent.clone(), killed.clone());
            std::thread::spawn(move || -> Vec<String> {
                let api = Lambda { addr: &addr };
                let mut unexpected = Vec::new();
                for i in 0..MAX_PER_CLIENT {
                    if started.elapsed() >= LOAD_FOR {
                        break;
                    }
                    let payload = format!(r#"{{"client":{client},"i":{i}}}"#);
                    sent.fetch_add(1, Ordering::SeqCst);
                    match api.invoke("hammered", payload.as_bytes()) {
                        Ok(r) if r.status == 200 && r.body == payload.as_bytes() => {
                            acknowledged.fetch_add(1, Ordering::SeqCst);
                        }
                        // After the kill, failures are what is expected.
                        _ if killed.load(Ordering::SeqCst) => break,
                        Ok(r) => unexpected.push(format!("HTTP {}: {}", r.status, r.text())),
                        Err(e) => unexpected.push(format!("before the kill: {e}")),
                    }
                }
                unexpected
            })
        })
        .collect();

    std::thread::sleep(KILL_AFTER);
    let acknowledged_before_kill = acknowledged.load(Ordering::SeqCst);
    killed.store(true, Ordering::SeqCst);
    server.kill9();
    let unexpected: Vec<String> = clients.into_iter().flat_map(|c| c.join().expect("client thread")).collect();
    assert!(unexpected.is_empty(), "failed invocations under load: {:?}", &unexpected[..unexpected.len().min(5)]);
    let acknowledged = acknowledged.load(Ordering::SeqCst);
    let sent = sent.load(Ordering::SeqCst);
    assert!(acknowledged_before_kill > 0, "no invocation answered in {KILL_AFTER:?} of load");

    let server = Server::start(data.path());
    let api = Lambda { addr: &server.addr };
    let got = api.get("hammered").expect("GetFunction after kill -9");
    assert_eq!(got.status, 200, "the function after kill -9: {}", got.text());
    let usage = api.usage("hammered", "");
    let recorded = count(&usage, "invocations");
    assert!(
        recorded >= acknowledged,
        "{acknowledged} invocations were answered 200 before kill -9, but only {recorded} are recorded: {usage}"
    );
    assert!(recorded <= sent, "{recorded} invocations recorded, but only {sent} were sent: {usage}");
    println!("kill -9: {acknowledged} acknowledged, {sent} sent, {recorded} recorded");
    server.stop();
}

#[test]
fn sigterm_finishes_in_flight_invocations() {
    let bundles = bundles();
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start(data.path());
    let addr = server.addr.clone();
    let api = Lambda { addr: &addr };
    api.create("spin", &zip(bundles.path(), "loop"), json!({ "Timeout": 2 }));
    api.create("echo", &zip(bundles.path(), "echo"), json!({}));

    let in_flight = {
        let addr = addr.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let response = Lambda { addr: &addr }.invoke("spin", b"{}");
            (response, started.elapsed())
        })
    };
    wait_until("the invocation in flight", || running(&addr) == 1.0);
    server.signal("TERM");

    // New work is not taken any more while the old one finishes: the
    // listener closes, and a late invocation is refused (the ledger, read
    // after the restart below, shows that it did not run).
    wait_until("the listener closed after SIGTERM", || TcpStream::connect(&addr).is_err());
    let late = api.invoke("echo", b"{}");
    assert!(late.is_err(), "an invocation sent after SIGTERM was answered: {late:?}");

    let (response, took) = in_flight.join().expect("client thread");
    let response = response
        .unwrap_or_else(|e| panic!("the in-flight invocation got no answer: {e}; stderr:\n{}", server.stderr()));
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.header("x-amz-function-error"), Some("Unhandled"), "{:?}", response.headers);
    let body = response.json();
    assert_eq!(body["errorType"], "Sandbox.Timedout", "{body}");
    assert_eq!(body["errorMessage"], "Task timed out after 2.00 seconds", "{body}");
    assert!(took >= Duration::from_millis(1900), "answered after {took:?}, before its 2 s timeout");

    let status = server.wait_exit(Duration::from_secs(35));
    assert_eq!(status.code(), Some(0), "exit after SIGTERM: {status}; stderr:\n{}", server.stderr());
    drop(server);

    // Its record was flushed on the way out; nothing of the late one ran.
    let server = Server::start(data.path());
    let api = Lambda { addr: &server.addr };
    let usage = api.usage("spin", "");
    assert_eq!((count(&usage, "invocations"), count(&usage, "errors")), (1, 1), "{usage}");
    assert_eq!(count(&api.usage("echo", ""), "invocations"), 0, "the invocation sent after SIGTERM ran");
    server.stop();
}
