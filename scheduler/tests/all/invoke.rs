//! The invocation pipeline, metering and restarts.

use crate::support::{create, scheduler};
use nimbus_scheduler::model::*;
use nimbus_scheduler::{Error, InvocationType, InvokeRequest, Scheduler, SchedulerConfig, ThrottleReason, UsageQuery};

#[tokio::test]
async fn invoke_answers_meters_and_logs() {
    let (s, _dir) = scheduler();
    s.create_function(create("echo", "echo")).await.unwrap();
    let mut request = InvokeRequest::new("echo", br#"{"a":1}"#.to_vec());
    request.tail_log = true;
    let response = s.invoke(request).await.unwrap();
    assert_eq!(response.payload, br#"{"a":1}"#);
    assert_eq!(response.executed_version, "$LATEST");
    assert_eq!(response.function_error, None);
    let tail = response.log_tail.unwrap();
    assert!(tail.lines().last().unwrap().starts_with(&format!("REPORT RequestId: {}", response.request_id)));

    // Billing rounds the duration up to a whole millisecond, at least 1
    // (a cold start on a loaded machine may take more than 1 ms), and
    // GB-seconds are the 128 MB default times the billed seconds.
    let report = tail.lines().last().unwrap();
    let (duration_ms, billed_ms) = report_durations(report);
    let usage = s.usage(UsageQuery { function: Some("echo".into()), ..Default::default() }).await.unwrap();
    assert_eq!((usage.totals.invocations, usage.totals.errors, usage.totals.billed_ms), (1, 0, billed_ms), "{report}");
    // The REPORT line shows the duration to 1/100 ms.
    assert!(billed_ms >= 1 && duration_ms <= billed_ms as f64 + 0.005, "{report}");
    assert!(billed_ms == 1 || duration_ms > (billed_ms - 1) as f64 - 0.005, "{report}");
    assert!((usage.totals.gb_seconds - 0.125 * billed_ms as f64 / 1000.0).abs() < 1e-12, "{usage:?}");
    let logs = s.logs("echo", 10).await.unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].request_id, response.request_id);
    assert_eq!(logs[0].log, tail, "the stored log, framed again, is what Tail returned");
    assert!(s.metrics().encode().contains("nimbus_invocations_total{function=\"echo\",outcome=\"success\"} 1"));
}

#[tokio::test]
async fn function_errors_and_timeouts_are_unhandled_errors() {
    let (s, _dir) = scheduler();
    s.create_function(create("bad", "exit_error")).await.unwrap();
    let response = s.invoke(InvokeRequest::new("bad", b"{}".to_vec())).await.unwrap();
    assert_eq!(response.function_error.as_deref(), Some("Unhandled"));
    let body: serde_json::Value = serde_json::from_slice(&response.payload).unwrap();
    assert_eq!(body["errorType"], "InputError");

    let mut slow = create("slow", "loop");
    slow.timeout = Some(1);
    s.create_function(slow).await.unwrap();
    let response = s.invoke(InvokeRequest::new("slow", b"{}".to_vec())).await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&response.payload).unwrap();
    assert_eq!(body["errorType"], "Sandbox.Timedout");
    assert_eq!(body["errorMessage"], "Task timed out after 1.00 seconds");
    let usage = s.usage(UsageQuery::default()).await.unwrap();
    assert_eq!((usage.totals.invocations, usage.totals.errors), (2, 2));
}

#[tokio::test]
async fn missing_functions_oversize_payloads_and_throttles() {
    let (s, _dir) = scheduler();
    assert!(matches!(
        s.invoke(InvokeRequest::new("nope", vec![])).await,
        Err(Error::NotFound(m)) if m == "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope:$LATEST"
    ));
    s.create_function(create("echo", "echo")).await.unwrap();
    assert!(matches!(
        s.invoke(InvokeRequest::new("echo", vec![b' '; 6 * 1024 * 1024 + 1])).await,
        Err(Error::RequestTooLarge(_))
    ));
    s.put_function_concurrency("echo", 0).await.unwrap();
    assert!(matches!(
        s.invoke(InvokeRequest::new("echo", vec![])).await,
        Err(Error::TooManyRequests { reason: ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded, .. })
    ));
    let mut dry = InvokeRequest::new("echo", vec![]);
    dry.invocation_type = InvocationType::DryRun;
    s.delete_function_concurrency("echo").await.unwrap();
    assert_eq!(s.invoke(dry).await.unwrap().payload, b"");
}

#[tokio::test]
async fn weighted_aliases_run_both_versions() {
    let (s, _dir) = scheduler();
    s.create_function(create("env", "print_env")).await.unwrap();
    s.publish_version("env", PublishVersionRequest::default()).await.unwrap();
    s.update_function_configuration(
        "env",
        UpdateFunctionConfigurationRequest { timeout: Some(4), ..Default::default() },
    )
    .await
    .unwrap();
    s.publish_version("env", PublishVersionRequest::default()).await.unwrap();
    s.create_alias(
        "env",
        CreateAliasRequest {
            name: "live".into(),
            function_version: "1".into(),
            routing_config: Some(AliasRoutingConfiguration {
                additional_version_weights: [("2".to_string(), 0.5)].into(),
            }),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..40 {
        let response = s.invoke(InvokeRequest::new("env:live", vec![])).await.unwrap();
        let text = String::from_utf8(response.payload).unwrap();
        assert!(text.contains(&format!("NIMBUS_FUNCTION_VERSION={}", response.executed_version)));
        seen.insert(response.executed_version);
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["1", "2"]);
}

#[tokio::test]
async fn a_restart_keeps_functions_versions_and_usage() {
    let dir = tempfile::tempdir().unwrap();
    let open = || {
        let mut config = SchedulerConfig::new(dir.path());
        config.sandbox_threads = 1;
        Scheduler::open(config).unwrap()
    };
    {
        let s = open();
        s.create_function(create("echo", "echo")).await.unwrap();
        s.publish_version("echo", PublishVersionRequest::default()).await.unwrap();
        s.put_function_concurrency("echo", 3).await.unwrap();
        s.invoke(InvokeRequest::new("echo", b"1".to_vec())).await.unwrap();
        s.shutdown(std::time::Duration::from_secs(1)).await;
    }
    let s = open();
    assert_eq!(s.get_function("echo", Some("1")).await.unwrap().configuration.version, "1");
    assert_eq!(s.get_function_concurrency("echo").await.unwrap().unwrap().reserved_concurrent_executions, 3);
    assert_eq!(s.invoke(InvokeRequest::new("echo:1", b"2".to_vec())).await.unwrap().payload, b"2");
    let usage = s.usage(UsageQuery { function: Some("echo".into()), ..Default::default() }).await.unwrap();
    assert_eq!(usage.totals.invocations, 2);
}

/// `Duration: D ms` and `Billed Duration: B ms` of a REPORT line.
fn report_durations(report: &str) -> (f64, u64) {
    let after = |label: &str| {
        let rest = &report[report.find(label).unwrap_or_else(|| panic!("no {label:?} in {report}")) + label.len()..];
        rest.split_whitespace().next().unwrap().to_string()
    };
    (after(" Duration: ").parse().unwrap(), after("Billed Duration: ").parse().unwrap())
}
