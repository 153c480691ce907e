//! `/nimbus/v1/usage` arithmetic, exactly: billed milliseconds and
//! GB-seconds from each invocation's REPORT line, the cost at the prices set
//! with `--price-per-request` and `--price-per-gb-second`, the hourly series
//! and its hour labels, and `from` inclusive, `to` exclusive.

use super::harness::{Lambda, Server, bundles, count, request, zip};
use serde_json::{Value, json};

/// One invocation as its stored log tells it.
struct Invoked {
    /// `started_at`, RFC 3339 with milliseconds.
    started_at: String,
    /// The REPORT line's `Billed Duration`.
    billed_ms: u64,
}

/// Every stored log of `function`, oldest first.
fn invoked(addr: &str, function: &str) -> Vec<Invoked> {
    let path = format!("/nimbus/v1/functions/{function}/logs?limit=1000");
    let logs = request(addr, "GET", &path, &[], b"").expect("GET logs").json();
    let mut all: Vec<Invoked> = logs["logs"]
        .as_array()
        .unwrap_or_else(|| panic!("no logs: {logs}"))
        .iter()
        .map(|entry| {
            let log = entry["log"].as_str().unwrap_or_else(|| panic!("no log: {entry}"));
            let billed = log.split("Billed Duration: ").nth(1).and_then(|rest| rest.split(' ').next());
            Invoked {
                started_at: entry["started_at"].as_str().expect("started_at").to_string(),
                billed_ms: billed.and_then(|b| b.parse().ok()).unwrap_or_else(|| panic!("no Billed Duration: {log}")),
            }
        })
        .collect();
    all.reverse();
    all
}

/// The hour an RFC 3339 UTC time with milliseconds falls in, as the series
/// labels it: `2026-01-31T10:00:00.000Z`.
fn hour_of(started_at: &str) -> String {
    assert!(started_at.len() == 24 && started_at.ends_with('Z'), "{started_at}");
    format!("{}:00:00.000Z", &started_at[..13])
}

/// Asserts a float is what the arithmetic gives, to rounding.
fn assert_close(actual: &Value, expected: f64, what: &str) {
    let actual = actual.as_f64().unwrap_or_else(|| panic!("{what} is not a number: {actual}"));
    assert!((actual - expected).abs() <= 1e-12 * expected.abs().max(1.0), "{what}: {actual}, expected {expected}");
}

#[test]
fn costs_gb_seconds_and_series_follow_the_prices_and_the_reports() {
    const PER_REQUEST: f64 = 0.25;
    const PER_GB_SECOND: f64 = 2.0;
    let bundles = bundles();
    let data = tempfile::tempdir().unwrap();
    let server = Server::start_with_flags(
        data.path(),
        &["--price-per-request", &PER_REQUEST.to_string(), "--price-per-gb-second", &PER_GB_SECOND.to_string()],
    );
    let api = Lambda { addr: &server.addr };
    api.create("gb", &zip(bundles.path(), "echo"), json!({ "MemorySize": 1024 }));
    api.create("gb-err", &zip(bundles.path(), "exit_error"), json!({ "MemorySize": 2048 }));
    for i in 0..4 {
        let r = api.invoke("gb", format!("{{\"i\":{i}}}").as_bytes()).expect("invoke");
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let failed = api.invoke("gb-err", b"{}").expect("invoke");
    assert_eq!(failed.header("x-amz-function-error"), Some("Unhandled"), "{}", failed.text());

    // At 1024 MB a billed millisecond is a thousandth of a GB-second.
    let gb = invoked(&server.addr, "gb");
    assert_eq!(gb.len(), 4);
    let billed_ms: u64 = gb.iter().map(|i| i.billed_ms).sum();
    let gb_seconds = billed_ms as f64 / 1000.0;
    let usage = api.usage("gb", "");
    assert_eq!((count(&usage, "invocations"), count(&usage, "errors")), (4, 0), "{usage}");
    assert_eq!(count(&usage, "billed_ms"), billed_ms, "{usage}");
    assert_close(&usage["gb_seconds"], gb_seconds, "gb_seconds at 1024 MB");
    assert_close(&usage["cost_usd"], 4.0 * PER_REQUEST + gb_seconds * PER_GB_SECOND, "cost_usd");

    // At 2048 MB, two GB-seconds per billed second; a failed invocation is billed too.
    let err = invoked(&server.addr, "gb-err");
    let err_gb_seconds = 2.0 * err[0].billed_ms as f64 / 1000.0;
    let usage = api.usage("gb-err", "");
    assert_eq!((count(&usage, "invocations"), count(&usage, "errors")), (1, 1), "{usage}");
    assert_close(&usage["gb_seconds"], err_gb_seconds, "gb_seconds at 2048 MB");
    assert_close(&usage["cost_usd"], PER_REQUEST + err_gb_seconds * PER_GB_SECOND, "cost_usd of the failure");

    // Every function, when none is named.
    let all = request(&server.addr, "GET", "/nimbus/v1/usage", &[], b"").expect("GET usage").json();
    assert_eq!((count(&all, "invocations"), count(&all, "errors")), (5, 1), "{all}");
    assert_close(&all["cost_usd"], 5.0 * PER_REQUEST + (gb_seconds + err_gb_seconds) * PER_GB_SECOND, "cost_usd");

    // The series: one bucket per hour that saw invocations, oldest first,
    // labelled with the hour's start (the run may straddle an hour).
    let grouped = api.usage("gb", "group=hour");
    let mut expected: Vec<(String, u64, u64)> = Vec::new();
    for i in &gb {
        match expected.last_mut() {
            Some((hour, n, ms)) if *hour == hour_of(&i.started_at) => (*n, *ms) = (*n + 1, *ms + i.billed_ms),
            _ => expected.push((hour_of(&i.started_at), 1, i.billed_ms)),
        }
    }
    let series = grouped["series"].as_array().unwrap_or_else(|| panic!("no series: {grouped}"));
    assert_eq!(series.len(), expected.len(), "{grouped}");
    for (bucket, (hour, invocations, billed_ms)) in series.iter().zip(&expected) {
        assert_eq!(bucket["hour"], hour.as_str(), "{grouped}");
        assert_eq!((count(bucket, "invocations"), count(bucket, "errors")), (*invocations, 0), "{grouped}");
        assert_eq!(count(bucket, "billed_ms"), *billed_ms, "{grouped}");
        let bucket_gb_seconds = *billed_ms as f64 / 1000.0;
        assert_close(&bucket["gb_seconds"], bucket_gb_seconds, "a bucket's gb_seconds");
        assert_close(
            &bucket["cost_usd"],
            *invocations as f64 * PER_REQUEST + bucket_gb_seconds * PER_GB_SECOND,
            "a bucket's cost",
        );
    }
    server.stop();
}

#[test]
fn from_is_inclusive_and_to_exclusive() {
    let bundles = bundles();
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let api = Lambda { addr: &server.addr };
    api.create("ranged", &zip(bundles.path(), "echo"), json!({}));
    for _ in 0..3 {
        assert_eq!(api.invoke("ranged", b"{}").expect("invoke").status, 200);
    }
    let invoked = invoked(&server.addr, "ranged");
    let last = &invoked[2].started_at;
    // How many started strictly before `last` (they may share its millisecond).
    let before = invoked.iter().filter(|i| i.started_at < *last).count() as u64;

    let to_last = api.usage("ranged", &format!("to={last}"));
    assert_eq!(count(&to_last, "invocations"), before, "to={last} leaves out what started at {last}: {to_last}");
    assert_eq!(to_last["to"], last.as_str(), "{to_last}");
    let from_last = api.usage("ranged", &format!("from={last}"));
    assert_eq!(count(&from_last, "invocations"), 3 - before, "from={last} takes what started at {last}: {from_last}");
    let exactly_last = api.usage("ranged", &format!("from={last}&to={last}"));
    assert_eq!(count(&exactly_last, "invocations"), 0, "an empty range: {exactly_last}");
    server.stop();
}
