//! Asynchronous events across a crash: every event that was answered 202
//! runs after `kill -9` and a restart, and only one that was running at the
//! crash may run twice. (The rest of async invocation is tested through
//! boto3: `tests/e2e/async_boto3.py`.)

use super::harness::{Lambda, Server, guest_zip, request};
use super::observe::{metrics, sample};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Functions the events are spread over; each keeps its own 1,000 newest
/// logs, so that every run of every event stays visible.
const FUNCTIONS: [&str; 2] = ["queued-a", "queued-b"];
/// Events queued (before the kill).
const EVENTS: usize = 1_000;
/// Each function's reserved concurrency: at most this many of its events
/// can be running at the crash, so at most this many run twice.
const RESERVED: usize = 2;
/// How long everything may take on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(120);

/// Events still queued (running ones included), over [`FUNCTIONS`].
fn queued(addr: &str) -> f64 {
    let text = metrics(addr);
    FUNCTIONS.iter().filter_map(|f| sample(&text, "nimbus_async_events_queued", &[("function", f)])).sum()
}

/// How many times each request id ran, from the function's logs.
fn runs(addr: &str, function: &str) -> BTreeMap<String, usize> {
    let path = format!("/nimbus/v1/functions/{function}/logs?limit=1000");
    let response = request(addr, "GET", &path, &[], b"").expect("GET logs");
    assert_eq!(response.status, 200, "GET {path}: {}", response.text());
    let mut runs = BTreeMap::new();
    for log in response.json()["logs"].as_array().expect("logs") {
        *runs.entry(log["request_id"].as_str().expect("request_id").to_string()).or_default() += 1;
    }
    runs
}

fn invocations(api: &Lambda, function: &str) -> u64 {
    api.usage(function, "")["invocations"].as_u64().expect("invocations")
}

#[test]
fn kill_9_with_1000_queued_events_loses_none_and_repeats_only_those_running() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let addr = server.addr.clone();
    let api = Lambda { addr: &addr };
    // A 20 ms sleep, two at a time per function: the queue drains slowly
    // enough that the kill finds most events still queued.
    let sleeper = guest_zip("sleep_briefly");
    for function in FUNCTIONS {
        api.create(function, &sleeper, json!({}));
        let path = format!("/2017-10-31/functions/{function}/concurrency");
        let reserved = api.call("PUT", &path, json!({ "ReservedConcurrentExecutions": RESERVED }));
        assert_eq!(reserved.status, 200, "PutFunctionConcurrency: {}", reserved.text());
    }

    let mut accepted: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for n in 0..EVENTS {
        let function = FUNCTIONS[n % FUNCTIONS.len()];
        let path = format!("/2015-03-31/functions/{function}/invocations");
        let payload = format!(r#"{{"n":{n}}}"#);
        let response = request(&addr, "POST", &path, &[("X-Amz-Invocation-Type", "Event")], payload.as_bytes())
            .expect("Event invoke");
        assert_eq!(response.status, 202, "Event invoke {n}: {}", response.text());
        let request_id = response.header("x-amzn-requestid").expect("x-amzn-RequestId").to_string();
        accepted.entry(function).or_default().insert(request_id);
    }
    // Kill once some have run and most have not.
    let deadline = Instant::now() + PATIENCE;
    while FUNCTIONS.iter().map(|f| invocations(&api, f)).sum::<u64>() < 20 {
        assert!(Instant::now() < deadline, "no event ran within {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
    let queued_at_kill = queued(&addr);
    server.kill9();
    assert!(queued_at_kill > 100.0, "only {queued_at_kill} events were still queued at the kill");

    let server = Server::start(data.path());
    let addr = server.addr.clone();
    let api = Lambda { addr: &addr };
    let deadline = Instant::now() + PATIENCE;
    while queued(&addr) > 0.0 || FUNCTIONS.iter().map(|f| invocations(&api, f)).sum::<u64>() < EVENTS as u64 {
        assert!(Instant::now() < deadline, "the queue did not drain within {PATIENCE:?} of the restart");
        std::thread::sleep(Duration::from_millis(20));
    }
    for function in FUNCTIONS {
        let runs = runs(&addr, function);
        let ran: BTreeSet<String> = runs.keys().cloned().collect();
        assert_eq!(ran, accepted[function], "{function}: the events that ran are not the events accepted");
        let repeated: Vec<_> = runs.iter().filter(|(_, count)| **count > 1).collect();
        assert!(
            repeated.len() <= RESERVED && repeated.iter().all(|(_, count)| **count == 2),
            "{function}: more events ran twice than could have been running at the crash: {repeated:?}"
        );
        let recorded = invocations(&api, function);
        assert_eq!(recorded as usize, runs.values().sum::<usize>(), "{function}: usage records vs runs");
    }
    server.stop();
}
