//! Reserved concurrency at its edges: a reservation whose sum with the
//! others would pass `u32::MAX`, and stored reservations that no longer fit
//! after a restart with a lower `--account-concurrency`.

use super::harness::{Lambda, Response, Server, guest_zip};
use serde_json::{Value, json};

fn reserve(api: &Lambda, name: &str, n: u64) -> Response {
    api.call("PUT", &format!("/2017-10-31/functions/{name}/concurrency"), json!({ "ReservedConcurrentExecutions": n }))
}

fn account_limit(api: &Lambda) -> Value {
    let settings = api.call("GET", "/2016-08-19/account-settings", json!(null));
    assert_eq!(settings.status, 200, "{}", settings.text());
    settings.json()["AccountLimit"].clone()
}

fn assert_invokes(api: &Lambda, name: &str) {
    let answer = api.invoke(name, br#"{"ok":1}"#).expect("invoke");
    assert_eq!((answer.status, answer.text().as_str()), (200, r#"{"ok":1}"#), "{name}");
}

/// The lines of the server's log at WARN level.
fn warnings(server: &Server) -> Vec<String> {
    server.stderr().lines().filter(|line| line.contains(" WARN ")).map(str::to_string).collect()
}

#[test]
fn a_reservation_of_u32_max_after_another_is_refused_and_the_pool_stays_whole() {
    let data = tempfile::tempdir().unwrap();
    let echo = guest_zip("echo");
    let server = Server::start(data.path());
    let api = Lambda { addr: &server.addr };
    for name in ["first", "greedy", "free"] {
        api.create(name, &echo, json!({}));
    }
    assert_eq!(reserve(&api, "first", 100).status, 200);
    let refused = reserve(&api, "greedy", u64::from(u32::MAX));
    assert_eq!(
        (refused.status, refused.header("x-amzn-errortype")),
        (400, Some("InvalidParameterValueException")),
        "{}",
        refused.text()
    );
    assert_eq!(
        refused.json(),
        json!({ "Type": "User", "message": "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]." })
    );
    let got = api.call("GET", "/2019-09-30/functions/greedy/concurrency", json!(null));
    assert_eq!(got.json(), json!({}), "the refused reservation was not kept");
    assert_eq!(account_limit(&api)["UnreservedConcurrentExecutions"], 900);
    assert_invokes(&api, "free");
    server.stop();

    let server = Server::start(data.path());
    let api = Lambda { addr: &server.addr };
    assert_eq!(account_limit(&api)["UnreservedConcurrentExecutions"], 900);
    assert_invokes(&api, "free");
    assert_eq!(warnings(&server), Vec::<String>::new());
    server.stop();
}

#[test]
fn stored_reservations_over_a_lower_account_concurrency_start_with_one_warning() {
    let data = tempfile::tempdir().unwrap();
    let echo = guest_zip("echo");
    let server = Server::start(data.path());
    let api = Lambda { addr: &server.addr };
    api.create("reserved", &echo, json!({}));
    api.create("free", &echo, json!({}));
    assert_eq!(reserve(&api, "reserved", 800).status, 200);
    server.stop();

    let server = Server::start_with_flags(data.path(), &["--account-concurrency", "500"]);
    let api = Lambda { addr: &server.addr };
    let warned = warnings(&server);
    assert_eq!(warned.len(), 1, "{warned:#?}");
    assert!(
        warned[0].ends_with(
            "functions reserve 800 concurrent executions, more than the 450 that an account concurrency of 500 allows (it keeps 50 unreserved); functions without a reservation are throttled until reservations are lowered"
        ),
        "{}",
        warned[0]
    );
    let limit = account_limit(&api);
    assert_eq!(
        (limit["ConcurrentExecutions"].as_u64(), limit["UnreservedConcurrentExecutions"].as_u64()),
        (Some(500), Some(0))
    );
    assert_invokes(&api, "reserved");
    let throttled = api.invoke("free", b"{}").expect("invoke");
    assert_eq!(throttled.status, 429, "{}", throttled.text());
    assert_eq!(throttled.json()["Reason"], "ConcurrentInvocationLimitExceeded");

    // Lowering the reservation is how the user gets out of it.
    assert_eq!(reserve(&api, "reserved", 100).status, 200);
    assert_eq!(account_limit(&api)["UnreservedConcurrentExecutions"], 400);
    assert_invokes(&api, "free");
    server.stop();
}
