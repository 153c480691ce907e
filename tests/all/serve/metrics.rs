//! `/metrics` after known invocations: each metric's name, type, labels and
//! value — invocations by outcome, the duration histogram, throttles, the
//! concurrent-executions gauge, cold starts and billed GB-seconds.

use super::harness::{Lambda, Server, bundles, request, zip};
use super::observe::{metrics, sample, value};
use serde_json::json;

/// The (duration in ms, billed ms) of each stored REPORT line of `function`.
fn reports(addr: &str, function: &str) -> Vec<(f64, u64)> {
    let path = format!("/nimbus/v1/functions/{function}/logs");
    let logs = request(addr, "GET", &path, &[], b"").expect("GET logs").json();
    let field = |report: &str, label: &str| -> String {
        let at = report.find(label).unwrap_or_else(|| panic!("no {label:?} in {report}")) + label.len();
        report[at..].split(' ').next().unwrap_or_default().to_string()
    };
    let entries = logs["logs"].as_array().unwrap_or_else(|| panic!("no logs: {logs}"));
    entries
        .iter()
        .map(|entry| {
            let report = entry["log"].as_str().and_then(|log| log.lines().last()).unwrap_or_default();
            (field(report, " Duration: ").parse().unwrap(), field(report, "Billed Duration: ").parse().unwrap())
        })
        .collect()
}

/// The histogram's bucket bounds, as `/metrics` writes them.
const BUCKETS: [&str; 14] =
    ["0.00001", "0.00005", "0.0001", "0.0005", "0.001", "0.005", "0.01", "0.05", "0.1", "0.5", "1", "5", "30", "+Inf"];

#[test]
fn every_metric_after_known_invocations() {
    let bundles = bundles();
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let api = Lambda { addr: &server.addr };
    api.create("m", &zip(bundles.path(), "echo"), json!({ "MemorySize": 1024 }));
    api.create("m-err", &zip(bundles.path(), "exit_error"), json!({}));
    api.create("m-none", &zip(bundles.path(), "echo"), json!({}));
    let reserved =
        api.call("PUT", "/2017-10-31/functions/m-none/concurrency", json!({ "ReservedConcurrentExecutions": 0 }));
    assert_eq!(reserved.status, 200, "{}", reserved.text());

    let before = metrics(&server.addr);
    assert_eq!(value(&before, "nimbus_concurrent_executions", &[]), 0.0);
    assert_eq!(sample(&before, "nimbus_invocations_total", &[("function", "m"), ("outcome", "success")]), None);
    for _ in 0..3 {
        assert_eq!(api.invoke("m", b"{}").expect("invoke").status, 200);
    }
    assert_eq!(api.invoke("m-err", b"{}").expect("invoke").header("x-amz-function-error"), Some("Unhandled"));
    for _ in 0..2 {
        assert_eq!(api.invoke("m-none", b"{}").expect("invoke").status, 429);
    }

    let text = metrics(&server.addr);
    for (name, kind) in [
        ("nimbus_invocations_total", "counter"),
        ("nimbus_invocation_duration_seconds", "histogram"),
        ("nimbus_throttles_total", "counter"),
        ("nimbus_concurrent_executions", "gauge"),
        ("nimbus_cold_starts_total", "counter"),
        ("nimbus_function_billed_gb_seconds_total", "counter"),
        ("nimbus_billed_gb_seconds_total", "counter"),
    ] {
        assert!(text.lines().any(|l| l == format!("# TYPE {name} {kind}")), "no `# TYPE {name} {kind}`:\n{text}");
    }

    let invocations = |function: &str, outcome: &str| {
        sample(&text, "nimbus_invocations_total", &[("function", function), ("outcome", outcome)])
    };
    assert_eq!((invocations("m", "success"), invocations("m", "error")), (Some(3.0), Some(0.0)));
    assert_eq!((invocations("m-err", "success"), invocations("m-err", "error")), (Some(0.0), Some(1.0)));
    // A throttled invocation did not run: it is a throttle, not an invocation.
    assert_eq!(invocations("m-none", "success"), None, "{text}");
    assert_eq!(value(&text, "nimbus_throttles_total", &[("function", "m-none")]), 2.0);
    assert_eq!(sample(&text, "nimbus_throttles_total", &[("function", "m")]), None, "{text}");
    assert_eq!(value(&text, "nimbus_concurrent_executions", &[]), 0.0);
    // Only the first invocation of a version in this process is cold.
    assert_eq!(value(&text, "nimbus_cold_starts_total", &[("function", "m")]), 1.0);
    assert_eq!(value(&text, "nimbus_cold_starts_total", &[("function", "m-err")]), 1.0);

    // The histogram holds the REPORT lines' durations (to 1/100 ms).
    let m = reports(&server.addr, "m");
    assert_eq!(m.len(), 3);
    let bucket = |le: &str| value(&text, "nimbus_invocation_duration_seconds_bucket", &[("function", "m"), ("le", le)]);
    for le in BUCKETS {
        let bound = if le == "+Inf" { f64::INFINITY } else { le.parse::<f64>().unwrap() };
        let near = m.iter().any(|(ms, _)| (ms / 1000.0 - bound).abs() <= 0.000_005);
        let at_most = m.iter().filter(|(ms, _)| ms / 1000.0 <= bound).count() as f64;
        if !near {
            assert_eq!(bucket(le), at_most, "bucket le={le}; durations {m:?}");
        }
    }
    assert_eq!(value(&text, "nimbus_invocation_duration_seconds_count", &[("function", "m")]), 3.0);
    let sum = value(&text, "nimbus_invocation_duration_seconds_sum", &[("function", "m")]);
    let reported: f64 = m.iter().map(|(ms, _)| ms / 1000.0).sum();
    assert!((sum - reported).abs() <= 3.0 * 0.000_005, "sum {sum} s, REPORT lines {reported} s");

    // GB-seconds: billed ms × the memory size, per function and in all.
    let m_gb_seconds = m.iter().map(|(_, billed)| *billed as f64 / 1000.0).sum::<f64>();
    let err_gb_seconds = reports(&server.addr, "m-err")[0].1 as f64 / 1000.0 * 0.125;
    let gb_seconds =
        |function: &str| value(&text, "nimbus_function_billed_gb_seconds_total", &[("function", function)]);
    assert!((gb_seconds("m") - m_gb_seconds).abs() < 1e-12, "{} vs {m_gb_seconds}", gb_seconds("m"));
    assert!((gb_seconds("m-err") - err_gb_seconds).abs() < 1e-12, "{} vs {err_gb_seconds}", gb_seconds("m-err"));
    let all = value(&text, "nimbus_billed_gb_seconds_total", &[]);
    assert!((all - m_gb_seconds - err_gb_seconds).abs() < 1e-12, "{all} vs {m_gb_seconds} + {err_gb_seconds}");
    server.stop();
}
