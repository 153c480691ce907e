//! Lambda's limits through HTTP: a response over 6 MiB, memory over the
//! function's MemorySize, a trap, and the 1 MiB log cap with its marker line
//! in `/nimbus/v1/functions/{name}/logs` and in the `Tail` of the log.

use super::harness::{Lambda, Response, Server, guest_zip, request, unbase64};
use serde_json::{Value, json};

/// Invokes `function` with the log's tail; asserts Lambda's answer for an
/// error the function did not handle and returns the request id, the error
/// JSON and the tail of the log.
fn invoke_failing(addr: &str, function: &str) -> (String, Value, String) {
    let path = format!("/2015-03-31/functions/{function}/invocations");
    let response = request(addr, "POST", &path, &[("X-Amz-Log-Type", "Tail")], b"{}").expect("invoke");
    assert_eq!(response.status, 200, "{function}: {}", response.text());
    assert_eq!(response.header("x-amz-function-error"), Some("Unhandled"), "{function}: {:?}", response.headers);
    (request_id(&response), response.json(), tail(&response))
}

fn request_id(response: &Response) -> String {
    response.header("x-amzn-requestid").expect("x-amzn-RequestId").to_string()
}

/// `X-Amz-Log-Result`, decoded.
fn tail(response: &Response) -> String {
    let encoded = response.header("x-amz-log-result").expect("X-Amz-Log-Result");
    String::from_utf8(unbase64(encoded)).expect("the log tail is UTF-8")
}

/// The newest stored log of `function`; asserts it is `request_id`'s.
fn newest_log(addr: &str, function: &str, request_id: &str) -> String {
    let path = format!("/nimbus/v1/functions/{function}/logs?limit=1");
    let logs = request(addr, "GET", &path, &[], b"").expect("GET logs").json();
    let entry = &logs["logs"][0];
    assert_eq!(entry["request_id"], request_id, "{logs}");
    entry["log"].as_str().unwrap_or_else(|| panic!("no log: {logs}")).to_string()
}

#[test]
fn oversized_responses_memory_and_traps_are_lambdas_errors() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let api = Lambda { addr: &server.addr };
    api.create("big", &guest_zip("stdout_flood"), json!({ "Timeout": 60 }));
    api.create("greedy", &guest_zip("memory_bomb"), json!({ "MemorySize": 256 }));
    api.create("trapped", &guest_zip("unreachable"), json!({}));

    // 100 MB on stdout: over the 6 MiB response limit, never truncated.
    let (_, error, _) = invoke_failing(&server.addr, "big");
    assert_eq!(
        error,
        json!({
            "errorType": "Function.ResponseSizeTooLarge",
            "errorMessage": "Response payload size exceeded maximum allowed payload size (6291456 bytes).",
        })
    );

    let (id, error, tail) = invoke_failing(&server.addr, "greedy");
    let message = "Runtime exited: memory size of 256 MB exceeded";
    assert_eq!(error, json!({ "errorType": "Runtime.OutOfMemory", "errorMessage": message }));
    // The platform says why in the log, and the REPORT line shows the limit.
    assert!(tail.contains(&format!("RequestId: {id} Error: {message}\n")), "{tail}");
    let report = tail.lines().last().unwrap_or_default();
    assert!(report.contains(" Memory Size: 256 MB Max Memory Used: 256 MB"), "{report}");

    let (id, error, tail) = invoke_failing(&server.addr, "trapped");
    let message = "Runtime trapped: wasm trap: wasm `unreachable` instruction executed";
    assert_eq!(error, json!({ "errorType": "Runtime.Trap", "errorMessage": message }));
    assert!(tail.contains(&format!("RequestId: {id} Error: {message}\n")), "{tail}");

    for function in ["big", "greedy", "trapped"] {
        let usage = api.usage(function, "");
        assert_eq!((usage["invocations"].as_u64(), usage["errors"].as_u64()), (Some(1), Some(1)), "{usage}");
    }
    server.stop();
}

#[test]
fn a_log_over_1_mib_is_cut_behind_a_marker_in_logs_and_tail() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    Lambda { addr: &server.addr }.create("flood", &guest_zip("stderr_flood"), json!({ "Timeout": 60 }));

    let path = "/2015-03-31/functions/flood/invocations";
    let response = request(&server.addr, "POST", path, &[("X-Amz-Log-Type", "Tail")], b"{}").expect("invoke");
    assert_eq!((response.status, response.text().as_str()), (200, "done"), "{:?}", response.headers);
    assert_eq!(response.header("x-amz-function-error"), None);
    let id = request_id(&response);
    // 1600 chunks of 64 KiB on stderr: 1 MiB kept, the rest counted.
    let marker = "[nimbus] log truncated: 103809024 more bytes dropped (limit 1048576 bytes)";

    let tail = tail(&response);
    assert!(tail.len() <= 4096, "a tail of {} bytes", tail.len());
    let lines: Vec<&str> = tail.lines().collect();
    let n = lines.len();
    assert!(n >= 4, "{tail}");
    let end = format!("END RequestId: {id}");
    assert_eq!(lines[n - 3..n - 1], [marker, end.as_str()], "{tail}");
    assert!(lines[n - 1].starts_with(&format!("REPORT RequestId: {id} ")), "{tail}");
    assert!(lines[n - 4].bytes().all(|b| b == b'x'), "the kept log ends with the guest's bytes: {tail}");

    let log = newest_log(&server.addr, "flood", &id);
    let kept =
        format!("START RequestId: {id} Version: $LATEST\n{}\n{marker}\nEND RequestId: {id}\n", "x".repeat(1 << 20));
    assert!(log.starts_with(&kept), "the stored log is not START, 1 MiB of the guest's log, the marker, END");
    assert_eq!(log[kept.len()..].lines().count(), 1, "one REPORT line after END");
    assert!(log[kept.len()..].starts_with(&format!("REPORT RequestId: {id} ")));
    server.stop();
}
