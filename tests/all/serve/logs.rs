//! Old logs are pruned: after 5,000 invocations of a function (when the
//! ledger prunes), `/nimbus/v1/functions/{name}/logs` serves the newest
//! 1,000 logs, newest first, the ledger holds no others, and usage still
//! counts every invocation.

use super::harness::{Lambda, Server, bundles, count, request, zip};
use serde_json::json;
use std::process::Command;

/// Invocations after which the ledger prunes old logs (it does so every
/// 5,000 records written).
const INVOCATIONS: usize = 5_000;
/// The logs kept per function.
const KEPT: usize = 1_000;

/// How many usage records of `function` still hold their log, read from the
/// ledger's SQLite file with Python's `sqlite3` (the API shows at most 1,000).
fn logs_in_ledger(data_dir: &std::path::Path, function: &str) -> usize {
    let code = "import sqlite3, sys\n\
                db = sqlite3.connect(sys.argv[1])\n\
                print(db.execute('SELECT COUNT(*) FROM usage WHERE function = ? AND log IS NOT NULL', (sys.argv[2],)).fetchone()[0])";
    let ledger = data_dir.join("registry.sqlite3");
    let out = Command::new("python3").args(["-c", code]).arg(&ledger).arg(function).output().expect("run python3");
    assert!(out.status.success(), "reading {}: {}", ledger.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("a count")
}

#[test]
fn the_newest_logs_are_kept_and_every_invocation_counted() {
    let bundles = bundles();
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let api = Lambda { addr: &server.addr };
    api.create("chatty", &zip(bundles.path(), "echo"), json!({}));

    let ids: Vec<String> = (0..INVOCATIONS)
        .map(|i| {
            let answer = api.invoke("chatty", format!("{{\"i\":{i}}}").as_bytes()).expect("invoke");
            assert_eq!(answer.status, 200, "{}", answer.text());
            answer.header("x-amzn-requestid").expect("x-amzn-RequestId").to_string()
        })
        .collect();

    assert_eq!(count(&api.usage("chatty", ""), "invocations"), INVOCATIONS as u64);
    let path = format!("/nimbus/v1/functions/chatty/logs?limit={KEPT}");
    let logs = request(&server.addr, "GET", &path, &[], b"").expect("GET logs").json();
    let served: Vec<&str> =
        logs["logs"].as_array().expect("logs").iter().map(|e| e["request_id"].as_str().unwrap_or_default()).collect();
    let newest: Vec<&str> = ids.iter().rev().take(served.len()).map(String::as_str).collect();
    assert_eq!(served, newest, "the newest logs, newest first");
    // What the API serves is all the ledger kept: the older logs are gone.
    assert_eq!(served.len(), KEPT, "the newest {KEPT} logs are kept");
    assert_eq!(logs_in_ledger(data.path(), "chatty"), KEPT, "logs left in the ledger after pruning");
    server.stop();
}
