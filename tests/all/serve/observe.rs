//! Watching a running server from outside: its `/metrics` samples, and
//! waiting for one of them (or anything else observable) instead of
//! sleeping and hoping another thread got there.

use super::harness::request;
use std::time::{Duration, Instant};

/// How long a wait for an observable state may take before the test fails:
/// generous, since a loaded 2-core machine is slow, yet short enough that a
/// state that never comes fails the test quickly.
pub const WAIT: Duration = Duration::from_secs(20);

/// `GET /metrics`, as text; asserts 200.
pub fn metrics(addr: &str) -> String {
    let response = request(addr, "GET", "/metrics", &[], b"").expect("GET /metrics");
    assert_eq!(response.status, 200, "GET /metrics: {}", response.text());
    response.text()
}

/// The value of the sample `name{labels}` in Prometheus text, where
/// `labels` is exactly the sample's label set (`&[]` for none).
pub fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let wanted: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    text.lines().filter(|line| !line.starts_with('#')).find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let (sample_name, sample_labels) = match series.split_once('{') {
            Some((n, rest)) => (n, rest.strip_suffix('}')?),
            None => (series, ""),
        };
        let mut have: Vec<&str> =
            if sample_labels.is_empty() { Vec::new() } else { sample_labels.split(',').collect() };
        have.sort_unstable();
        let mut want: Vec<&str> = wanted.iter().map(String::as_str).collect();
        want.sort_unstable();
        (sample_name == name && have == want).then(|| value.parse().ok()).flatten()
    })
}

/// [`sample`], which must be there.
pub fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    sample(text, name, labels).unwrap_or_else(|| panic!("no sample {name}{labels:?} in /metrics:\n{text}"))
}

/// The number of invocations running now (`nimbus_concurrent_executions`).
pub fn running(addr: &str) -> f64 {
    value(&metrics(addr), "nimbus_concurrent_executions", &[])
}

/// Polls `done` every few milliseconds until it holds; fails the test,
/// naming `what`, when it has not within [`WAIT`].
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "waited {WAIT:?} for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn samples_are_found_by_name_and_exact_labels() {
    let text = "# HELP x X\n# TYPE x counter\nx 3\nx_total{a=\"1\",b=\"2\"} 4.5\nx_total{a=\"1\"} 7\n";
    assert_eq!(sample(text, "x", &[]), Some(3.0));
    assert_eq!(sample(text, "x_total", &[("b", "2"), ("a", "1")]), Some(4.5));
    assert_eq!(sample(text, "x_total", &[("a", "1")]), Some(7.0));
    assert_eq!(sample(text, "x_total", &[("a", "2")]), None);
    assert_eq!(sample(text, "y", &[]), None);
}
