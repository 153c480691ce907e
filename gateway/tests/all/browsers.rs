//! A web page the user visits can reach a server on loopback: requests a
//! browser sends for another site, and requests whose `Host` is not one
//! the server answers to (DNS rebinding), are refused on every API route,
//! while the AWS clients (no `Origin`, `Host: 127.0.0.1:PORT`) pass.

use crate::support::{App, ECHO, ROLE, state, zip_base64};
use axum::body::Body;
use nimbus_gateway::router;
use serde_json::json;

fn create_body(name: &str) -> String {
    json!({ "FunctionName": name, "Role": ROLE, "Code": { "ZipFile": zip_base64(ECHO) } }).to_string()
}

const ROUTES: [(&str, &str); 6] = [
    ("GET", "/2015-03-31/functions"),
    ("GET", "/2015-03-31/functions/secret"),
    ("POST", "/2015-03-31/functions/secret/invocations"),
    ("GET", "/nimbus/v1/usage"),
    ("GET", "/metrics"),
    ("GET", "/2016-08-19/account-settings"),
];

#[tokio::test]
async fn a_simple_cross_site_post_cannot_create_a_function() {
    let app = App::new().await;
    // fetch(url, { method: "POST", mode: "no-cors", body: new Blob([json]) }):
    // no Content-Type, the page's Origin, Sec-Fetch-Site from a modern browser.
    let reply = app
        .call(
            "POST",
            "/2015-03-31/functions",
            &[("host", "127.0.0.1:7700"), ("origin", "https://evil.example")],
            create_body("planted"),
        )
        .await;
    reply.assert_error(
        403,
        "AccessDeniedException",
        "Requests from the web origin 'https://evil.example' are refused; start nimbus serve with --allowed-host evil.example to allow them.",
    );
    let reply = app
        .call(
            "POST",
            "/2015-03-31/functions",
            &[("host", "127.0.0.1:7700"), ("sec-fetch-site", "cross-site")],
            create_body("planted"),
        )
        .await;
    reply.assert_error(
        403,
        "AccessDeniedException",
        "Requests from web pages of other sites are refused (Sec-Fetch-Site: cross-site).",
    );
    assert_eq!(app.get("/2015-03-31/functions/planted").await.status, 404, "nothing was created");
}

#[tokio::test]
async fn a_rebound_host_cannot_read_a_functions_environment() {
    let app = App::new().await;
    let body = json!({ "FunctionName": "secret", "Role": ROLE, "Environment": { "Variables": { "TOKEN": "s3cr3t" } }, "Code": { "ZipFile": zip_base64(ECHO) } });
    assert_eq!(app.send_json("POST", "/2015-03-31/functions", body).await.status, 201);
    let message = "Host 'attacker.example' is not a host this server answers to; start nimbus serve with --allowed-host attacker.example to allow it.";
    for (method, path) in ROUTES {
        let reply = app.call(method, path, &[("host", "attacker.example:7700")], Body::empty()).await;
        reply.assert_error(403, "AccessDeniedException", message);
        assert!(!reply.text().contains("s3cr3t"), "{path}");
    }
}

#[tokio::test]
async fn every_api_route_refuses_cross_site_requests() {
    let app = App::new().await;
    app.create("secret", ECHO).await;
    for (method, path) in ROUTES {
        for headers in [
            &[("sec-fetch-site", "cross-site")][..],
            &[("sec-fetch-site", "same-site")],
            &[("origin", "http://evil.example:8080")],
            &[("origin", "null")],
        ] {
            let reply = app.call(method, path, headers, Body::empty()).await;
            assert_eq!(
                (reply.status.as_u16(), reply.header("x-amzn-errortype")),
                (403, Some("AccessDeniedException")),
                "{method} {path} {headers:?}: {}",
                reply.text()
            );
        }
    }
}

#[tokio::test]
async fn aws_clients_and_same_origin_requests_pass() {
    let app = App::new().await;
    app.create("secret", ECHO).await;
    for headers in [
        // botocore, the AWS CLI and the SDK for JavaScript send no Origin.
        &[("host", "127.0.0.1:7700")][..],
        &[("host", "localhost:7700")],
        &[("host", "[::1]:7700")],
        &[("host", "localhost"), ("sec-fetch-site", "same-origin"), ("origin", "http://localhost:7700")],
        &[("host", "127.0.0.1:7700"), ("sec-fetch-site", "none")],
        &[],
    ] {
        let reply = app.call("GET", "/2015-03-31/functions/secret", headers, Body::empty()).await;
        assert_eq!(reply.status, 200, "{headers:?}: {}", reply.text());
    }
}

#[tokio::test]
async fn allowed_hosts_and_function_urls() {
    let (state, _dir) = state(|_| {}).await;
    let app = router(state.allow_hosts(["nimbus.internal", "10.1.2.3"]));
    let call = |host: &'static str, origin: Option<&'static str>| {
        let app = app.clone();
        async move {
            let mut request = axum::http::Request::get("/2015-03-31/functions").header("host", host);
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            let response = tower::ServiceExt::oneshot(app, request.body(Body::empty()).unwrap()).await.unwrap();
            response.status().as_u16()
        }
    };
    assert_eq!(call("nimbus.internal:7700", None).await, 200);
    assert_eq!(call("NIMBUS.INTERNAL", Some("https://nimbus.internal")).await, 200);
    assert_eq!(call("10.1.2.3:7700", None).await, 200);
    assert_eq!(call("10.1.2.4:7700", None).await, 403);
    // Function URLs are meant for browsers: not refused for their origin,
    // and never the API (there is no function URL yet, hence 404).
    assert_eq!(call("x1y2.lambda-url.us-east-1.localhost:7700", Some("https://evil.example")).await, 404);
    assert_eq!(call("x1y2.lambda-url.us-east-1.localhost:7700", None).await, 404);
    assert_eq!(call("x1y2.lambda-url.eu-west-1.localhost:7700", Some("https://evil.example")).await, 403);
}
