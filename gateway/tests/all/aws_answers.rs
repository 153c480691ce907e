//! Answers compared with what AWS Lambda answers the same request: the
//! status, the error type, the body's members and the message.

use crate::support::{App, ECHO, ROLE};
use serde_json::json;

const ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function";

/// An app with `f` and its version 1.
async fn with_a_version() -> App {
    let app = App::new().await;
    app.create("f", ECHO).await;
    let published = app.send_json("POST", "/2015-03-31/functions/f/versions", json!({})).await;
    assert_eq!(published.status, 201, "{}", published.text());
    app
}

#[tokio::test]
async fn a_missing_alias_is_alias_not_found() {
    let app = with_a_version().await;
    let message = format!("Alias not found: {ARN}:f:live");
    app.get("/2015-03-31/functions/f/aliases/live").await.assert_error(404, "ResourceNotFoundException", &message);
    app.send_json("PUT", "/2015-03-31/functions/f/aliases/live", json!({ "FunctionVersion": "1" })).await.assert_error(
        404,
        "ResourceNotFoundException",
        &message,
    );
}

#[tokio::test]
async fn create_alias_on_a_missing_function_names_the_version() {
    let app = App::new().await;
    app.send_json("POST", "/2015-03-31/functions/nobody/aliases", json!({ "Name": "live", "FunctionVersion": "3" }))
        .await
        .assert_error(404, "ResourceNotFoundException", &format!("Function not found: {ARN}:nobody:3"));
}

#[tokio::test]
async fn put_function_concurrency_on_a_missing_function_names_latest() {
    let app = App::new().await;
    app.send_json("PUT", "/2017-10-31/functions/nobody/concurrency", json!({ "ReservedConcurrentExecutions": 1 }))
        .await
        .assert_error(404, "ResourceNotFoundException", &format!("Function not found: {ARN}:nobody:$LATEST"));
}

#[tokio::test]
async fn concurrency_operations_refuse_a_qualified_arn() {
    let app = with_a_version().await;
    let message = "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.";
    for qualified in [format!("{ARN}:f:1"), format!("{ARN}:f:$LATEST"), "f:1".to_string()] {
        let path = format!("/2017-10-31/functions/{}/concurrency", qualified.replace(':', "%3A").replace('$', "%24"));
        let put = app.send_json("PUT", &path, json!({ "ReservedConcurrentExecutions": 1 })).await;
        put.assert_error(400, "InvalidParameterValueException", message);
        app.get(&path).await.assert_error(400, "InvalidParameterValueException", message);
        app.delete(&path).await.assert_error(400, "InvalidParameterValueException", message);
    }
    let got = app.get("/2019-09-30/functions/f/concurrency").await;
    assert_eq!((got.status.as_u16(), got.json()), (200, json!({})), "nothing was reserved");
}

#[tokio::test]
async fn bytes_that_are_not_a_zip_get_lambdas_message_alone() {
    let app = App::new().await;
    // "this is not a zip file", as boto3 sends it (base64).
    let body =
        json!({ "FunctionName": "nozip", "Role": ROLE, "Code": { "ZipFile": "dGhpcyBpcyBub3QgYSB6aXAgZmlsZQ==" } });
    app.send_json("POST", "/2015-03-31/functions", body).await.assert_error(
        400,
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
    );
    app.create("f", ECHO).await;
    app.send_json("PUT", "/2015-03-31/functions/f/code", json!({ "ZipFile": "dGhpcyBpcyBub3QgYSB6aXAgZmlsZQ==" }))
        .await
        .assert_error(
            400,
            "InvalidParameterValueException",
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        );
}

/// The raw bodies, member by member (`assert_error` checks them too; this
/// spells out one of each kind without the helper).
#[tokio::test]
async fn error_bodies_spell_message_as_aws_does_for_each_type() {
    let app = App::new().await;
    let not_found = app.get("/2015-03-31/functions/nobody").await;
    assert_eq!(not_found.json(), json!({ "Type": "User", "Message": format!("Function not found: {ARN}:nobody") }));
    app.create("f", ECHO).await;
    let conflict = app
        .send_json(
            "POST",
            "/2015-03-31/functions",
            json!({ "FunctionName": "f", "Role": ROLE, "Code": { "ZipFile": crate::support::zip_base64(ECHO) } }),
        )
        .await;
    assert_eq!(conflict.json(), json!({ "Type": "User", "message": "Function already exist: f" }));
    let invalid = app.send_json("PUT", "/2015-03-31/functions/f/configuration", json!({ "Runtime": "java" })).await;
    assert_eq!(
        invalid.json(),
        json!({ "Type": "User", "message": "The runtime parameter of java is not supported by Nimbus. Supported runtimes: wasi, provided.al2023, provided.al2." })
    );
    let validation = app.send_json("PUT", "/2015-03-31/functions/f/configuration", json!({ "Timeout": 0 })).await;
    assert_eq!(
        validation.json(),
        json!({ "message": "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1" })
    );
}
