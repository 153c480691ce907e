//! `/metrics`: the scheduler's collectors and the HTTP counter, labelled
//! with route templates.

use crate::support::{App, ECHO};

#[tokio::test]
async fn the_http_counter_uses_route_templates() {
    let app = App::new().await;
    app.create("metered", ECHO).await;
    assert_eq!(app.invoke("metered", &[], "{}").await.status, 200);
    app.get("/2015-03-31/functions/secret-name-1").await;
    app.get("/2015-03-31/functions/secret-name-2").await;
    app.get("/not/a/route/secret-name-3").await;

    let reply = app.get("/metrics").await;
    assert_eq!(reply.status, 200);
    assert!(reply.header("content-type").is_some_and(|ct| ct.starts_with("text/plain")), "{:?}", reply.headers);
    let text = reply.text();
    let line = |prefix: &str| text.lines().find(|l| l.starts_with(prefix)).map(str::to_string);
    assert_eq!(
        line(r#"nimbus_http_requests_total{route="/2015-03-31/functions/{FunctionName}",status="404"}"#).as_deref(),
        Some(r#"nimbus_http_requests_total{route="/2015-03-31/functions/{FunctionName}",status="404"} 2"#),
        "{text}"
    );
    assert!(line(r#"nimbus_http_requests_total{route="/2015-03-31/functions",status="201"} 1"#).is_some(), "{text}");
    assert!(
        line(r#"nimbus_http_requests_total{route="/2015-03-31/functions/{FunctionName}/invocations",status="200"} 1"#)
            .is_some(),
        "{text}"
    );
    assert!(line(r#"nimbus_http_requests_total{route="unmatched",status="404"} 1"#).is_some(), "{text}");
    assert!(!text.contains("secret-name"), "raw paths leaked into labels:\n{text}");
    assert!(
        text.lines().any(|l| l.starts_with("nimbus_invocations_total{") && l.contains(r#"function="metered""#)),
        "{text}"
    );
}
