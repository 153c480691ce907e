//! PublishVersion, ListVersionsByFunction and the alias calls.

use crate::support::{App, ECHO};
use serde_json::json;

#[tokio::test]
async fn publish_and_list_versions() {
    let app = App::new().await;
    app.create("pv", ECHO).await;
    let published = app.send_json("POST", "/2015-03-31/functions/pv/versions", json!({ "Description": "first" })).await;
    assert_eq!(published.status, 201, "{}", published.text());
    assert_eq!(published.json()["Version"], "1");
    assert_eq!(published.json()["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:pv:1");
    // boto3 sends `{}`; curl may send nothing at all.
    let empty = app.call("POST", "/2015-03-31/functions/pv/versions", &[], "").await;
    // Nothing changed since version 1: Lambda answers 201 with that version again.
    assert_eq!((empty.status.as_u16(), empty.json()["Version"].as_str()), (201, Some("1")), "{}", empty.text());

    let listed = app.get("/2015-03-31/functions/pv/versions").await;
    assert_eq!(listed.status, 200);
    let listed = listed.json();
    let versions: Vec<&str> =
        listed["Versions"].as_array().unwrap().iter().map(|v| v["Version"].as_str().unwrap()).collect();
    assert_eq!(versions[..2], ["$LATEST", "1"], "{listed}");
    assert!(listed.get("NextMarker").is_none(), "{listed}");
    let page = app.get("/2015-03-31/functions/pv/versions?MaxItems=1").await.json();
    assert_eq!(page["Versions"].as_array().unwrap().len(), 1, "{page}");
    assert!(page["NextMarker"].is_string(), "{page}");
}

#[tokio::test]
async fn alias_lifecycle() {
    let app = App::new().await;
    app.create("al", ECHO).await;
    for timeout in [4, 5] {
        assert_eq!(app.send_json("POST", "/2015-03-31/functions/al/versions", json!({})).await.status, 201);
        let updated =
            app.send_json("PUT", "/2015-03-31/functions/al/configuration", json!({ "Timeout": timeout })).await;
        assert_eq!(updated.status, 200, "{}", updated.text());
    }
    let created = app
        .send_json("POST", "/2015-03-31/functions/al/aliases", json!({ "Name": "live", "FunctionVersion": "1" }))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let created = created.json();
    assert_eq!(created["AliasArn"], "arn:aws:lambda:us-east-1:000000000000:function:al:live");
    assert_eq!(created["FunctionVersion"], "1");
    app.send_json("POST", "/2015-03-31/functions/al/aliases", json!({ "Name": "live", "FunctionVersion": "1" }))
        .await
        .assert_error(
            409,
            "ResourceConflictException",
            "Alias already exists: arn:aws:lambda:us-east-1:000000000000:function:al:live",
        );

    let got = app.get("/2015-03-31/functions/al/aliases/live").await;
    assert_eq!((got.status.as_u16(), got.json()), (200, created.clone()));

    let updated =
        app.send_json("PUT", "/2015-03-31/functions/al/aliases/live", json!({ "FunctionVersion": "2" })).await;
    assert_eq!(updated.status, 200, "{}", updated.text());
    assert_eq!(updated.json()["FunctionVersion"], "2");
    app.send_json(
        "PUT",
        "/2015-03-31/functions/al/aliases/live",
        json!({ "FunctionVersion": "1", "RevisionId": created["RevisionId"] }),
    )
    .await
    .assert_error(412, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");

    app.send_json("POST", "/2015-03-31/functions/al/aliases", json!({ "Name": "old", "FunctionVersion": "1" })).await;
    let all = app.get("/2015-03-31/functions/al/aliases").await.json();
    assert_eq!(all["Aliases"].as_array().unwrap().len(), 2, "{all}");
    assert!(all.get("NextMarker").is_none(), "{all}");
    let of_one = app.get("/2015-03-31/functions/al/aliases?FunctionVersion=1").await.json();
    let names: Vec<&str> = of_one["Aliases"].as_array().unwrap().iter().map(|a| a["Name"].as_str().unwrap()).collect();
    assert_eq!(names, ["old"], "{of_one}");
    let page = app.get("/2015-03-31/functions/al/aliases?MaxItems=1").await.json();
    assert!(page["NextMarker"].is_string(), "{page}");

    let deleted = app.delete("/2015-03-31/functions/al/aliases/live").await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    app.get("/2015-03-31/functions/al/aliases/live").await.assert_error(
        404,
        "ResourceNotFoundException",
        "Alias not found: arn:aws:lambda:us-east-1:000000000000:function:al:live",
    );
}

#[tokio::test]
async fn a_stale_revision_id_is_412() {
    let app = App::new().await;
    let created = app.create("rev", ECHO).await;
    let first = app.send_json("PUT", "/2015-03-31/functions/rev/configuration", json!({ "Timeout": 5 })).await;
    assert_eq!(first.status, 200, "{}", first.text());
    app.send_json(
        "PUT",
        "/2015-03-31/functions/rev/configuration",
        json!({ "Timeout": 6, "RevisionId": created["RevisionId"] }),
    )
    .await
    .assert_error(412, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
}
