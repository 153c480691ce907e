//! Bad input gets a clear error and never a wrong state: a bundle's
//! manifest is checked as the API's values are, echoed values are cut,
//! entry names the filesystem cannot hold are the bundle's fault, and a
//! module that could never be instantiated is refused when it is created.

use crate::support::{App, ECHO, ROLE, zip_base64};
use axum::http::StatusCode;
use base64::Engine as _;
use serde_json::{Value, json};
use std::io::{Cursor, Write};

const UNZIP: &str = "Could not unzip uploaded file. Please check your file, then try to upload again.";

fn create_body(name: &str, zip: &[u8]) -> Value {
    let zip = base64::engine::general_purpose::STANDARD.encode(zip);
    json!({ "FunctionName": name, "Role": ROLE, "Code": { "ZipFile": zip } })
}

/// A bundle of the echo guest with this `nimbus.toml`.
fn with_manifest(manifest: &str) -> Vec<u8> {
    nimbus_sandbox::build_bundle(&wat::parse_str(ECHO).unwrap(), Some(manifest), None).unwrap()
}

/// A zip of the echo guest and one more file named `name`.
fn with_entry(name: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("function.wasm", options).unwrap();
    zip.write_all(&wat::parse_str(ECHO).unwrap()).unwrap();
    zip.start_file(name, options).unwrap();
    zip.write_all(b"data").unwrap();
    zip.finish().unwrap().into_inner()
}

/// The manifest's values get the very answer the same values get through
/// the API.
#[tokio::test]
async fn a_manifest_is_checked_as_the_apis_values_are() {
    let app = App::new().await;
    let long = "d".repeat(257);
    let reserved = "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION";
    let cases = [
        (
            format!("description = \"{long}\""),
            json!({ "Description": long }),
            (400, "ValidationException", format!("1 validation error detected: Value '{long}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256")),
        ),
        (
            "[env]\nAWS_REGION = \"x\"".to_string(),
            json!({ "Environment": { "Variables": { "AWS_REGION": "x" } } }),
            (400, "InvalidParameterValueException", reserved.to_string()),
        ),
        (
            "[env]\n1BAD = \"x\"".to_string(),
            json!({ "Environment": { "Variables": { "1BAD": "x" } } }),
            (400, "ValidationException", "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]".to_string()),
        ),
        (
            format!("[env]\nBIG = \"{}\"", "v".repeat(4096)),
            json!({ "Environment": { "Variables": { "BIG": "v".repeat(4096) } } }),
            (400, "InvalidParameterValueException", "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: 4099 bytes".to_string()),
        ),
    ];
    for (manifest, api_value, (status, error_type, message)) in cases {
        let through_manifest =
            app.send_json("POST", "/2015-03-31/functions", create_body("m", &with_manifest(&manifest))).await;
        through_manifest.assert_error(status, error_type, &message);
        let mut body = create_body("m", &crate::support::zip(ECHO));
        body.as_object_mut().unwrap().extend(api_value.as_object().unwrap().clone());
        app.send_json("POST", "/2015-03-31/functions", body).await.assert_error(status, error_type, &message);
    }
    assert_eq!(app.get("/2015-03-31/functions/m").await.status, StatusCode::NOT_FOUND, "nothing was created");
}

#[tokio::test]
async fn a_huge_role_gets_lambdas_message_with_the_value_cut() {
    let app = App::new().await;
    let role = format!("arn:aws:iam::000000000000:role/{}", "r".repeat(10 << 20));
    let mut body = create_body("huge-role", &crate::support::zip(ECHO));
    body["Role"] = role.clone().into();
    let reply = app.send_json("POST", "/2015-03-31/functions", body).await;
    let shown: String = role.chars().take(1024).collect();
    reply.assert_error(
        400,
        "ValidationException",
        &format!("1 validation error detected: Value '{shown}...' at 'role' failed to satisfy constraint: Member must have length less than or equal to 2048"),
    );
    assert!(reply.body.len() < 2048, "a {} byte answer", reply.body.len());
    // The longest role IAM allows passes the length check (and its pattern).
    let longest = format!("arn:aws:iam::000000000000:role/{}", "r".repeat(2048 - 31));
    assert_eq!(longest.len(), 2048);
    let mut body = create_body("long-role", &crate::support::zip(ECHO));
    body["Role"] = longest.into();
    assert_eq!(app.send_json("POST", "/2015-03-31/functions", body).await.status, StatusCode::CREATED);
    // Other echoed values are cut the same way.
    app.send_json("PUT", "/2015-03-31/functions/long-role/configuration", json!({ "Runtime": "x".repeat(5000) }))
        .await
        .assert_error(400, "InvalidParameterValueException", &format!("The runtime parameter of {}... is not supported by Nimbus. Supported runtimes: wasi, provided.al2023, provided.al2.", "x".repeat(1024)));
}

#[tokio::test]
async fn entry_names_too_long_are_the_bundles_fault_and_named() {
    let app = App::new().await;
    let part = "p".repeat(300);
    app.send_json("POST", "/2015-03-31/functions", create_body("long-part", &with_entry(&format!("dir/{part}"))))
        .await
        .assert_error(
            400,
            "InvalidParameterValueException",
            &format!(
                "{UNZIP} entry 'dir/{}...' has a name part of 300 bytes, over the limit of 255",
                &format!("dir/{part}")[4..256]
            ),
        );
    let long = vec!["d".repeat(200); 8].join("/");
    app.send_json("POST", "/2015-03-31/functions", create_body("long-name", &with_entry(&long))).await.assert_error(
        400,
        "InvalidParameterValueException",
        &format!("{UNZIP} entry '{}...' is 1607 bytes long, over the limit of 1024", &long[..256]),
    );
}

/// A name the filesystem refuses (here: limits that let a 300-byte file
/// name through to a filesystem whose names stop at 255) is a 400 that
/// names the entry, not a 500.
#[tokio::test]
async fn a_name_the_filesystem_refuses_is_a_400_naming_the_entry() {
    let app = App::with(|config| config.limits.bundle.max_entry_component_bytes = 4096).await;
    let name = format!("data/{}", "f".repeat(300));
    app.send_json("POST", "/2015-03-31/functions", create_body("fs-name", &with_entry(&name))).await.assert_error(
        400,
        "InvalidParameterValueException",
        &format!("{UNZIP} entry '{name}' cannot be extracted: File name too long (os error 36)"),
    );
    app.create("fs-name", ECHO).await;
}

#[tokio::test]
async fn modules_the_sandbox_cannot_instantiate_are_refused_at_create() {
    let app = App::new().await;
    let refused = [
        (
            r#"(module (memory 1) (memory 1) (func (export "_start")))"#,
            "module failed to compile: module memory does not fit in pooling allocator requirements: defined memories count of 2 exceeds the per-instance limit of 1",
        ),
        (
            r#"(module (table 1 funcref) (table 1 funcref) (func (export "_start")))"#,
            "module failed to compile: module table does not fit in pooling allocator requirements: defined tables count of 2 exceeds the per-instance limit of 1",
        ),
        (
            r#"(module (memory 3000) (func (export "_start")))"#,
            "module needs 196608000 bytes of memory and tables when it starts, more than the function's memory size of 128 MB",
        ),
    ];
    for (wat, message) in refused {
        let body = json!({ "FunctionName": "refused", "Role": ROLE, "Code": { "ZipFile": zip_base64(wat) } });
        app.send_json("POST", "/2015-03-31/functions", body).await.assert_error(
            400,
            "InvalidParameterValueException",
            message,
        );
    }
    assert_eq!(app.get("/2015-03-31/functions/refused").await.status, StatusCode::NOT_FOUND);

    // With memory enough it runs; lowering the memory size under what it
    // needs is refused, and the function keeps running as it was.
    let big = r#"(module (memory 3000) (func (export "_start")))"#;
    let body =
        json!({ "FunctionName": "big", "Role": ROLE, "MemorySize": 256, "Code": { "ZipFile": zip_base64(big) } });
    assert_eq!(app.send_json("POST", "/2015-03-31/functions", body).await.status, StatusCode::CREATED);
    app.send_json("PUT", "/2015-03-31/functions/big/configuration", json!({ "MemorySize": 128 })).await.assert_error(
        400,
        "InvalidParameterValueException",
        "module needs 196608000 bytes of memory and tables when it starts, more than the function's memory size of 128 MB",
    );
    assert_eq!(app.get("/2015-03-31/functions/big").await.json()["Configuration"]["MemorySize"], 256);
    let answer = app.invoke("big", &[], "{}").await;
    assert_eq!((answer.status, answer.header("x-amz-function-error")), (StatusCode::OK, None), "{}", answer.text());
}
