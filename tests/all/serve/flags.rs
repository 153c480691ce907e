//! The `nimbus serve` flags of the README's table doing what it says:
//! `--sandbox-threads` and `--http-threads` (the server's threads, counted in
//! `/proc`), `--region` and `--account-id` (every ARN), `--fuel-metering`
//! (instruction counts kept in the usage ledger).

use super::harness::{Lambda, Server, bundles, zip};
use super::observe::wait_until;
use crate::cli::nimbus;
use serde_json::json;
use std::path::Path;
use std::process::Command;

/// The names of the threads of process `pid` (Linux cuts them to 15 bytes);
/// a thread that ends while they are read is left out.
fn thread_names(pid: u32) -> Vec<String> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("read /proc/PID/task");
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim_end().to_string())
        .collect()
}

/// How many threads of the server have a name starting with `prefix`.
fn threads_named(server: &Server, prefix: &str) -> usize {
    thread_names(server.pid()).iter().filter(|name| name.starts_with(prefix)).count()
}

/// Asserts the server still invokes a function.
fn assert_invokes(server: &Server, echo: &[u8], name: &str) {
    let api = Lambda { addr: &server.addr };
    api.create(name, echo, json!({}));
    let answer = api.invoke(name, br#"{"ok":true}"#).expect("invoke");
    assert_eq!((answer.status, answer.text().as_str()), (200, r#"{"ok":true}"#));
}

#[test]
fn sandbox_and_http_threads_are_as_many_as_asked() {
    let bundles = bundles();
    let echo = zip(bundles.path(), "echo");
    let half_the_cores = std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1));
    let configs =
        [(&["--sandbox-threads", "3", "--http-threads", "2"][..], 3, 2), (&[][..], half_the_cores, half_the_cores)];
    std::thread::scope(|scope| {
        for (flags, sandbox, http) in configs {
            let echo = &echo;
            scope.spawn(move || {
                let data = tempfile::tempdir().unwrap();
                let server = Server::start_with_flags(data.path(), flags);
                // A new thread has its parent's name until it names itself,
                // so the counts are waited for. `nimbus-sandbox-N` is cut to
                // 15 bytes: `nimbus-sandbox-`. The HTTP runtime's blocking
                // pool has the workers' name too (the start opened the data
                // directory on it): on a server at rest its idle threads end
                // after 10 s, the workers stay.
                let counts = || (threads_named(&server, "nimbus-sandbox"), threads_named(&server, "nimbus-http"));
                let what = format!("{sandbox} nimbus-sandbox and {http} nimbus-http threads with {flags:?}");
                wait_until(&what, || counts() == (sandbox, http));
                assert_invokes(&server, echo, "threads");
                server.stop();
            });
        }
    });
}

#[test]
fn region_and_account_id_are_in_every_arn() {
    let bundles = bundles();
    let data = tempfile::tempdir().unwrap();
    let server = Server::start_with_flags(data.path(), &["--region", "eu-west-3", "--account-id", "123456789012"]);
    let api = Lambda { addr: &server.addr };
    let created = api.create("placed", &zip(bundles.path(), "echo"), json!({}));
    assert_eq!(created["FunctionArn"], "arn:aws:lambda:eu-west-3:123456789012:function:placed", "{created}");
    let published = api.call("POST", "/2015-03-31/functions/placed/versions", json!({}));
    assert_eq!(published.json()["FunctionArn"], "arn:aws:lambda:eu-west-3:123456789012:function:placed:1");
    let alias =
        api.call("POST", "/2015-03-31/functions/placed/aliases", json!({ "Name": "live", "FunctionVersion": "1" }));
    assert_eq!(alias.json()["AliasArn"], "arn:aws:lambda:eu-west-3:123456789012:function:placed:live");
    // A function may be named by its ARN in this region and account.
    let by_arn = api.get("arn:aws:lambda:eu-west-3:123456789012:function:placed").expect("GetFunction by ARN");
    assert_eq!(by_arn.status, 200, "{}", by_arn.text());
    let missing = api.get("nobody").expect("GetFunction");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["Message"], "Function not found: arn:aws:lambda:eu-west-3:123456789012:function:nobody");
    server.stop();

    let refused = nimbus(data.path(), &["serve", "--account-id", "12345"], b"");
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("an account id is twelve digits, not '12345'"), "{}", refused.stderr);
}

/// The `instructions` column of every usage record, read from the ledger's
/// SQLite file with Python's `sqlite3` (the API does not show it).
fn ledger_instructions(data_dir: &Path) -> String {
    let ledger = data_dir.join("registry.sqlite3");
    let code = "import sqlite3, sys\n\
                rows = sqlite3.connect(sys.argv[1]).execute('SELECT instructions FROM usage ORDER BY rowid')\n\
                print(' '.join(str(r[0]) for r in rows))";
    let out = Command::new("python3").args(["-c", code]).arg(&ledger).output().expect("run python3");
    assert!(out.status.success(), "reading {}: {}", ledger.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8").trim().to_string()
}

#[test]
fn fuel_metering_keeps_instruction_counts_in_the_ledger() {
    let bundles = bundles();
    let echo = zip(bundles.path(), "echo");
    let metered = tempfile::tempdir().unwrap();
    let unmetered = tempfile::tempdir().unwrap();
    for (data, flags) in [(&metered, &["--fuel-metering"][..]), (&unmetered, &[][..])] {
        let server = Server::start_with_flags(data.path(), flags);
        let api = Lambda { addr: &server.addr };
        api.create("fuel", &echo, json!({}));
        // The second event is read in five 63 KiB chunks, the first in one.
        for payload in ["{}".to_string(), format!("\"{}\"", "x".repeat(300_000))] {
            assert_eq!(api.invoke("fuel", payload.as_bytes()).expect("invoke").status, 200);
        }
        server.stop();
    }

    let counts: Vec<u64> = ledger_instructions(metered.path())
        .split(' ')
        .map(|n| n.parse().unwrap_or_else(|_| panic!("not an instruction count: {n:?}")))
        .collect();
    assert_eq!(counts.len(), 2, "{counts:?}");
    assert!(counts[0] > 0, "{counts:?}");
    // More chunks, more trips around the guest's loop: more instructions.
    assert!(counts[1] > counts[0], "{counts:?}");
    assert_eq!(ledger_instructions(unmetered.path()), "None None", "no counts without --fuel-metering");
}
