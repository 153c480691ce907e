//! Concurrency limits under real load: N long invocations hold the N slots
//! of the account (`--account-concurrency N`) or of a function (reserved
//! concurrency N); one more is refused at once with 429 and Lambda's
//! `Reason`, and counted in `nimbus_throttles_total`.

use super::guests::sleeper;
use super::harness::{Lambda, Response, Server, wat_zip};
use super::observe::{metrics, running, sample, value, wait_until};
use serde_json::json;
use std::thread::JoinHandle;

/// How long each long invocation sleeps: it must still be running when the
/// extra one arrives, however slow the machine.
const LONG_MS: u64 = 2_000;

/// Starts one invocation of `function` on a thread of its own.
fn invoke_in_background(addr: &str, function: &str) -> JoinHandle<Response> {
    let (addr, function) = (addr.to_string(), function.to_string());
    std::thread::spawn(move || Lambda { addr: &addr }.invoke(&function, b"{}").expect("invoke"))
}

/// Starts `n` long invocations of `function`, waits until all `running`
/// invocations are in flight, then sends one more: exactly one of the
/// `n + 1` must be refused (which one is up to the server), the others
/// answer `slept`. Returns the refusal.
fn one_too_many(addr: &str, function: &str, n: usize, running_before: f64) -> Response {
    let long: Vec<_> = (0..n).map(|_| invoke_in_background(addr, function)).collect();
    let in_flight = running_before + n as f64;
    wait_until(&format!("{in_flight} invocations in flight"), || running(addr) == in_flight);
    let extra = invoke_in_background(addr, function);
    let mut answers: Vec<Response> = long.into_iter().chain([extra]).map(|t| t.join().expect("client")).collect();
    let refused: Vec<Response> = answers.extract_if(.., |r| r.status != 200).collect();
    for answer in &answers {
        assert_eq!(answer.text(), "slept", "{:?}", answer.headers);
    }
    assert_eq!(refused.len(), 1, "{n} slots, {} invocations: {} refused", n + 1, refused.len());
    refused.into_iter().next().unwrap()
}

/// Asserts Lambda's throttle answer with this `Reason`.
fn assert_throttled(response: &Response, reason: &str) {
    assert_eq!(response.status, 429, "{}", response.text());
    assert_eq!(response.header("x-amzn-errortype"), Some("TooManyRequestsException"), "{:?}", response.headers);
    assert_eq!(response.header("retry-after"), Some("1"), "{:?}", response.headers);
    assert_eq!(response.json(), json!({ "Type": "User", "message": "Rate Exceeded.", "Reason": reason }));
}

#[test]
fn one_more_than_the_account_concurrency_is_throttled() {
    let data = tempfile::tempdir().unwrap();
    // Enough sandbox threads that no invocation waits for a thread.
    let server = Server::start_with_flags(data.path(), &["--account-concurrency", "3", "--sandbox-threads", "4"]);
    let api = Lambda { addr: &server.addr };
    api.create("slow", &wat_zip(&sleeper(LONG_MS, "slept")), json!({ "Timeout": 30 }));

    let refused = one_too_many(&server.addr, "slow", 3, 0.0);
    assert_throttled(&refused, "ConcurrentInvocationLimitExceeded");

    let text = metrics(&server.addr);
    assert_eq!(value(&text, "nimbus_throttles_total", &[("function", "slow")]), 1.0);
    assert_eq!(value(&text, "nimbus_invocations_total", &[("function", "slow"), ("outcome", "success")]), 3.0);
    assert_eq!(value(&text, "nimbus_concurrent_executions", &[]), 0.0);
    // A throttled invocation did not run: nothing of it is billed.
    assert_eq!(api.usage("slow", "")["invocations"], 3);
    server.stop();
}

#[test]
fn one_more_than_a_reserved_concurrency_is_throttled_and_others_run() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start_with_flags(data.path(), &["--sandbox-threads", "4"]);
    let api = Lambda { addr: &server.addr };
    api.create("reserved", &wat_zip(&sleeper(LONG_MS, "slept")), json!({ "Timeout": 30 }));
    api.create("other", &wat_zip(&sleeper(LONG_MS, "slept")), json!({ "Timeout": 30 }));
    let put =
        api.call("PUT", "/2017-10-31/functions/reserved/concurrency", json!({ "ReservedConcurrentExecutions": 2 }));
    assert_eq!(put.status, 200, "PutFunctionConcurrency: {}", put.text());

    // Another function's invocation runs meanwhile: the reservation limits
    // only its own function.
    let other = invoke_in_background(&server.addr, "other");
    wait_until("the other function's invocation in flight", || running(&server.addr) == 1.0);
    let refused = one_too_many(&server.addr, "reserved", 2, 1.0);
    assert_throttled(&refused, "ReservedFunctionConcurrentInvocationLimitExceeded");
    let other = other.join().expect("client");
    assert_eq!((other.status, other.text().as_str()), (200, "slept"));

    let text = metrics(&server.addr);
    assert_eq!(value(&text, "nimbus_throttles_total", &[("function", "reserved")]), 1.0);
    assert_eq!(sample(&text, "nimbus_throttles_total", &[("function", "other")]), None, "never throttled:\n{text}");
    server.stop();
}
