//! `/healthz`, `/nimbus/v1/usage`, `/nimbus/v1/functions/{name}/logs`, `/nimbus/v1/code/{digest}`.

use crate::support::{App, ECHO, FAIL};

#[tokio::test]
async fn healthz_is_ok() {
    let app = App::new().await;
    let reply = app.get("/healthz").await;
    assert_eq!((reply.status.as_u16(), reply.text().as_str()), (200, "ok"));
}

#[tokio::test]
async fn usage_totals_ranges_and_series() {
    let app = App::new().await;
    app.create("used", ECHO).await;
    app.create("used-err", FAIL).await;
    for _ in 0..2 {
        assert_eq!(app.invoke("used", &[], "{}").await.status, 200);
    }
    assert_eq!(app.invoke("used-err", &[], "{}").await.status, 200);

    let usage = app.get("/nimbus/v1/usage?function=used").await;
    assert_eq!(usage.status, 200, "{}", usage.text());
    let usage = usage.json();
    assert_eq!(
        (usage["function"].clone(), usage["invocations"].clone(), usage["errors"].clone()),
        ("used".into(), 2.into(), 0.into())
    );
    assert!(usage.get("series").is_none(), "{usage}");
    let everything = app.get("/nimbus/v1/usage").await.json();
    assert_eq!((everything["invocations"].clone(), everything["errors"].clone()), (3.into(), 1.into()), "{everything}");

    let grouped = app.get("/nimbus/v1/usage?function=used&group=hour").await.json();
    // One bucket per hour the two invocations fell in, labelled with the
    // hour's start (the end-to-end tests check the values bucket by bucket).
    let series = grouped["series"].as_array().unwrap_or_else(|| panic!("no series: {grouped}"));
    let in_series: u64 = series.iter().map(|bucket| bucket["invocations"].as_u64().unwrap()).sum();
    assert_eq!((in_series, series.len() <= 2), (2, true), "{grouped}");
    assert!(series.iter().all(|b| b["hour"].as_str().is_some_and(|h| h.ends_with(":00:00.000Z"))), "{grouped}");
    let future =
        app.get("/nimbus/v1/usage?function=used&from=2999-01-01T00:00:00Z&to=2999-12-31T00:00:00Z").await.json();
    assert_eq!(future["invocations"], 0, "{future}");
    let past = app.get("/nimbus/v1/usage?function=used&from=2000-01-01T00:00:00%2B00:00").await.json();
    assert_eq!(past["invocations"], 2, "{past}");

    app.get("/nimbus/v1/usage?from=yesterday").await.assert_error(
        400,
        "InvalidParameterValueException",
        "'from' must be an RFC 3339 time such as 2026-01-31T00:00:00Z, not 'yesterday' (premature end of input).",
    );
    app.get("/nimbus/v1/usage?to=2026-13-01T00:00:00Z").await.assert_error(
        400,
        "InvalidParameterValueException",
        "'to' must be an RFC 3339 time such as 2026-01-31T00:00:00Z, not '2026-13-01T00:00:00Z' (input is out of range).",
    );
    app.get("/nimbus/v1/usage?group=day").await.assert_error(
        400,
        "InvalidParameterValueException",
        "Unsupported group 'day': the only grouping is 'hour'.",
    );
}

#[tokio::test]
async fn logs_newest_first_with_a_limit() {
    let app = App::new().await;
    app.create("logged", ECHO).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.invoke("logged", &[], "{}").await.header("x-amzn-requestid").unwrap().to_string());
    }
    let logs = app.get("/nimbus/v1/functions/logged/logs?limit=2").await;
    assert_eq!(logs.status, 200, "{}", logs.text());
    let logs = logs.json();
    let entries = logs["logs"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{logs}");
    assert_eq!(entries[0]["request_id"], ids[2].as_str(), "{logs}");
    assert!(entries[0]["log"].as_str().unwrap().contains("echo says hi"), "{logs}");
    let default = app.get("/nimbus/v1/functions/logged/logs").await.json();
    assert_eq!(default["logs"].as_array().unwrap().len(), 3, "{default}");

    for (bad, message) in [
        ("0", "'limit' must be between 1 and 1000, not 0."),
        ("1001", "'limit' must be between 1 and 1000, not 1001."),
        ("many", "Failed to deserialize query string: limit: invalid digit found in string"),
    ] {
        app.get(&format!("/nimbus/v1/functions/logged/logs?limit={bad}")).await.assert_error(
            400,
            "InvalidParameterValueException",
            message,
        );
    }
}

#[tokio::test]
async fn unknown_code_is_404() {
    let app = App::new().await;
    let reply = app.get(&format!("/nimbus/v1/code/{}", "0".repeat(64))).await;
    reply.assert_error(
        404,
        "ResourceNotFoundException",
        "No code with digest 0000000000000000000000000000000000000000000000000000000000000000",
    );
    let reply = app.get("/nimbus/v1/code/..%2F..%2Fetc%2Fpasswd").await;
    assert!(reply.status.is_client_error(), "{}: {}", reply.status, reply.text());
}
