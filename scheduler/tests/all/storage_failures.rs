//! A registry change whose SQLite write fails changes nothing: the caller
//! gets a `ServiceException`, what is served stays what is stored, and a
//! restart finds the same. The database is made unwritable mid-run with
//! triggers that refuse every write to the registry's tables (the ledger's
//! table stays writable, so invocations are still recorded).

use crate::support::{ROLE, create, zip};
use base64::Engine as _;
use nimbus_scheduler::model::*;
use nimbus_scheduler::{Error, InvokeRequest, Scheduler, SchedulerConfig};
use std::path::Path;
use std::time::Duration;

const TABLES: [&str; 3] = ["functions", "versions", "aliases"];

fn open(dir: &Path) -> Scheduler {
    let mut config = SchedulerConfig::new(dir);
    config.sandbox_threads = 1;
    config.account_concurrency = 100;
    Scheduler::open(config).unwrap()
}

/// Another connection to the registry's database, as an outside event
/// would make its file unwritable.
fn database(dir: &Path) -> rusqlite::Connection {
    let connection = rusqlite::Connection::open(dir.join("registry.sqlite3")).unwrap();
    connection.busy_timeout(Duration::from_secs(10)).unwrap();
    connection
}

fn refuse_writes(connection: &rusqlite::Connection) {
    for table in TABLES {
        for event in ["INSERT", "UPDATE", "DELETE"] {
            connection
                .execute_batch(&format!(
                    "CREATE TRIGGER refuse_{event}_{table} BEFORE {event} ON {table} \
                     BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated)'); END;"
                ))
                .unwrap();
        }
    }
}

fn allow_writes(connection: &rusqlite::Connection) {
    for table in TABLES {
        for event in ["INSERT", "UPDATE", "DELETE"] {
            connection.execute_batch(&format!("DROP TRIGGER refuse_{event}_{table};")).unwrap();
        }
    }
}

#[track_caller]
fn assert_storage_failed<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Service(message)) => assert!(message.starts_with("registry storage failed: "), "{message}"),
        other => panic!("expected a ServiceException, got {other:?}"),
    }
}

/// What a client can see of the registry: `f`'s code, timeout, versions,
/// aliases and reservation, and whether `g` exists.
async fn observed(s: &Scheduler) -> (String, u32, Vec<String>, Vec<(String, String)>, Option<u32>, bool) {
    let f = s.get_function("f", None).await.unwrap();
    let versions = s.list_versions("f", None, None).await.unwrap().items.into_iter().map(|v| v.version).collect();
    let aliases = s.list_aliases("f", None, None, None).await.unwrap();
    let aliases = aliases.items.into_iter().map(|a| (a.name, a.function_version)).collect();
    let reserved = s.get_function_concurrency("f").await.unwrap().map(|c| c.reserved_concurrent_executions);
    let g_exists = s.get_function("g", None).await.is_ok();
    (f.configuration.code_sha256, f.configuration.timeout, versions, aliases, reserved, g_exists)
}

/// `f` still runs its first code (the echo guest) and its alias's version.
async fn assert_serves_the_old_function(s: &Scheduler) {
    let answer = s.invoke(InvokeRequest::new("f", br#"{"old":true}"#.to_vec())).await.unwrap();
    assert_eq!(answer.payload, br#"{"old":true}"#, "$LATEST runs the stored code");
    let mut through_alias = InvokeRequest::new("f", b"{}".to_vec());
    through_alias.qualifier = Some("live".into());
    assert_eq!(s.invoke(through_alias).await.unwrap().executed_version, "1");
}

#[tokio::test]
async fn a_failed_registry_write_changes_nothing_in_memory_or_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    s.create_function(create("f", "echo")).await.unwrap();
    s.publish_version("f", PublishVersionRequest::default()).await.unwrap();
    let live = CreateAliasRequest { name: "live".into(), function_version: "1".into(), ..Default::default() };
    s.create_alias("f", live).await.unwrap();
    s.put_function_concurrency("f", 5).await.unwrap();
    let before = observed(&s).await;
    let unreserved = s.account_settings().await.unwrap().account_limit.unreserved_concurrent_executions;
    assert_eq!(unreserved, 95);

    let db = database(dir.path());
    refuse_writes(&db);
    let new_code = base64::engine::general_purpose::STANDARD.encode(zip("print_env"));
    let code = UpdateFunctionCodeRequest { zip_file: Some(new_code), ..Default::default() };
    assert_storage_failed(s.update_function_code("f", code).await);
    let timeout = UpdateFunctionConfigurationRequest { timeout: Some(9), ..Default::default() };
    assert_storage_failed(s.update_function_configuration("f", timeout).await);
    assert_storage_failed(s.publish_version("f", PublishVersionRequest::default()).await);
    assert_storage_failed(s.delete_function("f", None).await);
    let beta = CreateAliasRequest { name: "beta".into(), function_version: "1".into(), ..Default::default() };
    assert_storage_failed(s.create_alias("f", beta).await);
    let to_latest = UpdateAliasRequest { function_version: Some("$LATEST".into()), ..Default::default() };
    assert_storage_failed(s.update_alias("f", "live", to_latest).await);
    assert_storage_failed(s.delete_alias("f", "live").await);
    assert_storage_failed(s.put_function_concurrency("f", 7).await);
    assert_storage_failed(s.delete_function_concurrency("f").await);
    let mut g = create("g", "echo");
    g.role = Some(ROLE.into());
    assert_storage_failed(s.create_function(g).await);

    assert_eq!(observed(&s).await, before, "what is served after the failed writes");
    let unreserved = s.account_settings().await.unwrap().account_limit.unreserved_concurrent_executions;
    assert_eq!(unreserved, 95, "the account's pool follows only stored reservations");
    assert_serves_the_old_function(&s).await;

    allow_writes(&db);
    s.shutdown(Duration::from_secs(10)).await;
    drop(s);
    let s = open(dir.path());
    assert_eq!(observed(&s).await, before, "what a restart finds");
    assert_serves_the_old_function(&s).await;
}
