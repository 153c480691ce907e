//! Nimbus's own endpoints: `/healthz`, `/metrics`, `/nimbus/v1/usage` and
//! `/nimbus/v1/functions/{name}/logs`.

use super::harness::{Lambda, Server, bundles, count, request, unbase64, zip};
use serde_json::json;

#[test]
fn health_metrics_usage_and_logs_answer() {
    let bundles = bundles();
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let api = Lambda { addr: &server.addr };
    api.create("ext", &zip(bundles.path(), "echo"), json!({ "MemorySize": 1024 }));
    api.create("ext-err", &zip(bundles.path(), "exit_error"), json!({}));

    let health = request(&server.addr, "GET", "/healthz", &[], b"").expect("GET /healthz");
    assert_eq!(health.status, 200, "{}", health.text());

    let mut request_ids = Vec::new();
    for i in 0..3 {
        let r = api.invoke("ext", format!(r#"{{"i":{i}}}"#).as_bytes()).expect("invoke");
        assert_eq!(r.status, 200, "{}", r.text());
        request_ids.push(r.header("x-amzn-requestid").expect("x-amzn-RequestId").to_string());
    }
    let failed = api.invoke("ext-err", b"{}").expect("invoke");
    assert_eq!((failed.status, failed.header("x-amz-function-error")), (200, Some("Unhandled")));

    let usage = api.usage("ext", "");
    assert_eq!(usage["function"], "ext", "{usage}");
    assert_eq!((count(&usage, "invocations"), count(&usage, "errors")), (3, 0), "{usage}");
    assert!(count(&usage, "billed_ms") >= 3, "at least 1 ms billed per invocation: {usage}");
    let gb_seconds = usage["gb_seconds"].as_f64().unwrap_or_else(|| panic!("gb_seconds: {usage}"));
    // At 1024 MB, a thousandth of a GB-second per billed millisecond.
    assert!((gb_seconds - count(&usage, "billed_ms") as f64 / 1000.0).abs() < 1e-12, "{usage}");
    // At Lambda's x86 prices, the defaults (`usage.rs` checks other prices).
    let cost = usage["cost_usd"].as_f64().unwrap_or_else(|| panic!("cost_usd: {usage}"));
    let expected = 3.0 * 0.0000002 + gb_seconds * 0.0000166667;
    assert!((cost - expected).abs() < 1e-15, "cost_usd {cost}, expected {expected}: {usage}");
    let errors = api.usage("ext-err", "");
    assert_eq!((count(&errors, "invocations"), count(&errors, "errors")), (1, 1), "{errors}");

    let grouped = api.usage("ext", "group=hour");
    let series = grouped["series"].as_array().unwrap_or_else(|| panic!("no series with group=hour: {grouped}"));
    // One bucket per hour the invocations fell in (`usage.rs` checks each).
    let in_series: u64 = series.iter().map(|bucket| count(bucket, "invocations")).sum();
    assert_eq!((in_series, series.len() <= 2), (3, true), "{grouped}");
    let future = api.usage("ext", "from=2999-01-01T00:00:00Z&to=2999-12-31T00:00:00Z");
    assert_eq!(count(&future, "invocations"), 0, "nothing was invoked in 2999: {future}");
    let past = api.usage("ext", "from=2000-01-01T00:00:00Z&to=2999-12-31T00:00:00Z");
    assert_eq!(count(&past, "invocations"), 3, "{past}");

    let logs = request(&server.addr, "GET", "/nimbus/v1/functions/ext/logs?limit=2", &[], b"").expect("GET logs");
    assert_eq!(logs.status, 200, "{}", logs.text());
    let logs = logs.json();
    let entries = logs["logs"].as_array().unwrap_or_else(|| panic!("no logs array: {logs}"));
    assert_eq!(entries.len(), 2, "limit=2: {logs}");
    for entry in entries {
        assert!(entry["log"].as_str().is_some_and(|l| l.contains("REPORT RequestId:")), "{entry}");
    }
    let newest: Vec<&str> = entries.iter().map(|entry| entry["request_id"].as_str().unwrap_or_default()).collect();
    assert_eq!(newest, [request_ids[2].as_str(), request_ids[1].as_str()], "newest first: {logs}");

    // 100 MB of stderr: the log is capped, the tail still ends with REPORT.
    api.create("flood", &zip(bundles.path(), "stderr_flood"), json!({ "Timeout": 60 }));
    let flood =
        request(&server.addr, "POST", "/2015-03-31/functions/flood/invocations", &[("X-Amz-Log-Type", "Tail")], b"{}")
            .expect("invoke stderr_flood");
    assert_eq!((flood.status, flood.text().as_str()), (200, "done"), "{:?}", flood.headers);
    let tail = flood.header("x-amz-log-result").expect("X-Amz-Log-Result");
    let tail = unbase64(tail);
    assert!(tail.len() <= 4096, "log tail of {} bytes", tail.len());
    let last = String::from_utf8_lossy(&tail).lines().last().unwrap_or_default().to_string();
    assert!(last.starts_with("REPORT RequestId: "), "{last}");

    let metrics = request(&server.addr, "GET", "/metrics", &[], b"").expect("GET /metrics");
    assert_eq!(metrics.status, 200);
    let text = metrics.text();
    let invocations: Vec<&str> =
        text.lines().filter(|l| l.starts_with("nimbus_invocations_total{") && l.contains("function=\"ext\"")).collect();
    assert!(!invocations.is_empty(), "no nimbus_invocations_total for ext:\n{text}");
    let total: f64 =
        invocations.iter().filter_map(|l| l.rsplit_once('}')?.1.split_whitespace().next()?.parse::<f64>().ok()).sum();
    assert_eq!(total, 3.0, "{invocations:?}");
    assert!(invocations.iter().all(|l| l.contains("outcome=\"")), "{invocations:?}");
    server.stop();
}
