//! CreateFunction, GetFunction(Configuration), ListFunctions, updates and
//! DeleteFunction, and the code download GetFunction points to.

use crate::support::{App, ECHO, FAIL, ROLE, zip, zip_base64};
use axum::body::Body;
use serde_json::json;

#[tokio::test]
async fn create_get_update_and_delete_a_function() {
    let app = App::new().await;
    let created = app.create("hello", ECHO).await;
    assert_eq!(created["FunctionName"], "hello");
    assert_eq!(created["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:hello");
    assert_eq!(created["Version"], "$LATEST");

    let got = app.call("GET", "/2015-03-31/functions/hello", &[("host", "api.localhost:7700")], Body::empty()).await;
    assert_eq!(got.status, 200, "{}", got.text());
    let got = got.json();
    assert_eq!(got["Configuration"], created);
    assert_eq!(got["Code"]["RepositoryType"], "S3");
    let location = got["Code"]["Location"].as_str().unwrap();
    let prefix = "http://api.localhost:7700/nimbus/v1/code/";
    assert!(location.starts_with(prefix), "{location}");
    assert!(got.get("Concurrency").is_none(), "no concurrency reserved: {got}");

    let code = app.get(&location["http://api.localhost:7700".len()..]).await;
    assert_eq!(code.status, 200);
    assert_eq!(code.header("content-type"), Some("application/zip"));
    assert_eq!(code.body, zip(ECHO));

    let configuration = app.get("/2015-03-31/functions/hello/configuration").await;
    assert_eq!(configuration.status, 200);
    assert_eq!(configuration.json(), created);

    let updated = app
        .send_json("PUT", "/2015-03-31/functions/hello/configuration", json!({ "Timeout": 10, "Description": "d" }))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text());
    assert_eq!((updated.json()["Timeout"].clone(), updated.json()["Description"].clone()), (json!(10), json!("d")));

    let new_code =
        app.send_json("PUT", "/2015-03-31/functions/hello/code", json!({ "ZipFile": zip_base64(FAIL) })).await;
    assert_eq!(new_code.status, 200, "{}", new_code.text());
    assert_ne!(new_code.json()["CodeSha256"], created["CodeSha256"]);

    let deleted = app.delete("/2015-03-31/functions/hello").await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    assert!(deleted.body.is_empty());
    app.get("/2015-03-31/functions/hello").await.assert_error(
        404,
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:hello",
    );
}

#[tokio::test]
async fn function_names_may_be_arns_encoded_or_not() {
    let app = App::new().await;
    app.create("by-arn", ECHO).await;
    for path in [
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Aby-arn",
        "/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:by-arn/configuration",
        "/2015-03-31/functions/000000000000%3Afunction%3Aby-arn/configuration",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
    }
    let reply = app.get("/2015-03-31/functions/by-arn?Qualifier=%24LATEST").await;
    assert_eq!(reply.json()["Configuration"]["Version"], "$LATEST");
}

#[tokio::test]
async fn list_functions_pages_with_a_marker() {
    let app = App::new().await;
    for name in ["a-fn", "b-fn", "c-fn"] {
        app.create(name, ECHO).await;
    }
    let all = app.get("/2015-03-31/functions").await;
    assert_eq!(all.status, 200);
    let all = all.json();
    let names: Vec<&str> =
        all["Functions"].as_array().unwrap().iter().map(|f| f["FunctionName"].as_str().unwrap()).collect();
    assert_eq!(names, ["a-fn", "b-fn", "c-fn"]);
    assert!(all.get("NextMarker").is_none(), "no NextMarker on the last page: {all}");

    let first = app.get("/2015-03-31/functions?MaxItems=2").await.json();
    assert_eq!(first["Functions"].as_array().unwrap().len(), 2, "{first}");
    let marker = first["NextMarker"].as_str().unwrap_or_else(|| panic!("a NextMarker: {first}"));
    let rest = app.get(&format!("/2015-03-31/functions?MaxItems=2&Marker={marker}")).await.json();
    assert_eq!(rest["Functions"][0]["FunctionName"], "c-fn", "{rest}");
    assert!(rest.get("NextMarker").is_none(), "{rest}");
}

#[tokio::test]
async fn create_accepts_botocores_and_other_json_content_types() {
    let app = App::new().await;
    let body =
        |name: &str| json!({ "FunctionName": name, "Role": ROLE, "Code": { "ZipFile": zip_base64(ECHO) } }).to_string();
    for (name, content_type) in [
        ("ct-json", Some("application/json")),
        ("ct-amz", Some("application/x-amz-json-1.1")),
        ("ct-charset", Some("application/json; charset=utf-8")),
        ("ct-none", None),
    ] {
        let headers: Vec<(&str, &str)> = content_type.map(|ct| ("content-type", ct)).into_iter().collect();
        let reply = app.call("POST", "/2015-03-31/functions", &headers, body(name)).await;
        assert_eq!(reply.status, 201, "{content_type:?}: {}", reply.text());
    }
}

#[tokio::test]
async fn delete_one_version_with_a_qualifier() {
    let app = App::new().await;
    app.create("versioned", ECHO).await;
    let published = app.send_json("POST", "/2015-03-31/functions/versioned/versions", json!({})).await;
    assert_eq!(published.status, 201, "{}", published.text());
    let deleted = app.delete("/2015-03-31/functions/versioned?Qualifier=1").await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    app.get("/2015-03-31/functions/versioned?Qualifier=1").await.assert_error(
        404,
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:versioned:1",
    );
    assert_eq!(app.get("/2015-03-31/functions/versioned").await.status, 200);
}
