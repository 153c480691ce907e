//! Put/Get/DeleteFunctionConcurrency under both of Lambda's dated prefixes.

use crate::support::{App, ECHO};
use serde_json::json;

#[tokio::test]
async fn reserve_read_and_remove_concurrency() {
    let app = App::new().await;
    app.create("conc", ECHO).await;
    let put = app
        .send_json("PUT", "/2017-10-31/functions/conc/concurrency", json!({ "ReservedConcurrentExecutions": 3 }))
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(put.json(), json!({ "ReservedConcurrentExecutions": 3 }));
    for prefix in ["2019-09-30", "2017-10-31"] {
        let got = app.get(&format!("/{prefix}/functions/conc/concurrency")).await;
        assert_eq!((got.status.as_u16(), got.json()), (200, json!({ "ReservedConcurrentExecutions": 3 })), "{prefix}");
    }
    let details = app.get("/2015-03-31/functions/conc").await.json();
    assert_eq!(details["Concurrency"], json!({ "ReservedConcurrentExecutions": 3 }), "{details}");
    let put = app
        .send_json("PUT", "/2019-09-30/functions/conc/concurrency", json!({ "ReservedConcurrentExecutions": 4 }))
        .await;
    assert_eq!(put.status, 200, "{}", put.text());

    let deleted = app.delete("/2017-10-31/functions/conc/concurrency").await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    let got = app.get("/2019-09-30/functions/conc/concurrency").await;
    assert_eq!((got.status.as_u16(), got.json()), (200, json!({})));
    assert_eq!(app.delete("/2019-09-30/functions/conc/concurrency").await.status, 204);
}

#[tokio::test]
async fn concurrency_errors() {
    let app = App::new().await;
    app.create("conc-err", ECHO).await;
    app.send_json("PUT", "/2017-10-31/functions/conc-err/concurrency", json!({})).await.assert_error(
        400,
        "ValidationException",
        "1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null",
    );
    app.send_json("PUT", "/2017-10-31/functions/conc-err/concurrency", json!({ "ReservedConcurrentExecutions": -1 }))
        .await
        .assert_error(400, "ValidationException", "1 validation error detected: Value '-1' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0");
    app.send_json("PUT", "/2017-10-31/functions/conc-err/concurrency", json!({ "ReservedConcurrentExecutions": 11 }))
        .await
        .assert_error(400, "InvalidParameterValueException", "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [1].");
    app.get("/2019-09-30/functions/nobody/concurrency").await.assert_error(
        404,
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nobody",
    );
}
