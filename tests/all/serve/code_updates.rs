//! UpdateFunctionCode while invocations of the old code run: each finishes
//! on the code it started with, and the next invocation runs the new code.

use super::guests::sleeper;
use super::harness::{Lambda, Server, base64, wat_zip};
use super::observe::{running, wait_until};
use serde_json::json;

#[test]
fn running_invocations_finish_on_their_code_and_the_next_runs_the_new() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start_with_flags(data.path(), &["--sandbox-threads", "4"]);
    let api = Lambda { addr: &server.addr };
    let old = wat_zip(&sleeper(2_000, "old"));
    let new = wat_zip(&sleeper(0, "new"));
    let created = api.create("updated", &old, json!({ "Timeout": 30 }));

    let in_flight: Vec<_> = (0..2)
        .map(|_| {
            let addr = server.addr.clone();
            std::thread::spawn(move || Lambda { addr: &addr }.invoke("updated", b"{}").expect("invoke"))
        })
        .collect();
    wait_until("two invocations of the old code in flight", || running(&server.addr) == 2.0);

    let updated = api.call("PUT", "/2015-03-31/functions/updated/code", json!({ "ZipFile": base64(&new) }));
    assert_eq!(updated.status, 200, "UpdateFunctionCode: {}", updated.text());
    let updated = updated.json();
    assert_ne!(updated["CodeSha256"], created["CodeSha256"], "{updated}");
    assert_eq!(updated["LastUpdateStatus"], "Successful", "{updated}");
    // Both old invocations were still running when the update was answered.
    assert_eq!(running(&server.addr), 2.0, "the old invocations ended before the update: the test proves nothing");

    let next = api.invoke("updated", b"{}").expect("invoke after the update");
    assert_eq!((next.status, next.text().as_str()), (200, "new"), "{:?}", next.headers);
    assert_eq!(next.header("x-amz-executed-version"), Some("$LATEST"));
    for old in in_flight {
        let old = old.join().expect("client");
        assert_eq!((old.status, old.text().as_str()), (200, "old"), "{:?}", old.headers);
    }
    server.stop();
}
