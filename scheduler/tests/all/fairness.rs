//! Fair execution on one sandbox thread: no function stalls another,
//! functions (not invocations) share the CPU, a sleeping guest costs no
//! thread, a caller that has gone is not served, and the control plane
//! never holds up an invocation.

use crate::support::{create, create_from_wasm, scheduler_with};
use nimbus_scheduler::model::{PublishVersionRequest, UpdateFunctionCodeRequest};
use nimbus_scheduler::{InvokeRequest, Scheduler, UsageQuery};
use std::time::{Duration, Instant};

/// One sandbox thread, room for many concurrent invocations.
fn one_thread(account_concurrency: u32) -> (Scheduler, tempfile::TempDir) {
    scheduler_with(|config| {
        config.sandbox_threads = 1;
        config.account_concurrency = account_concurrency;
    })
}

/// Creates `name` running the guest `guest` with `timeout` seconds.
async fn function(s: &Scheduler, name: &str, guest: &str, timeout: i64) {
    let mut request = create(name, guest);
    request.timeout = Some(timeout);
    s.create_function(request).await.unwrap();
}

/// Starts an invocation of `name` in the background.
fn start(s: &Scheduler, name: &str) -> tokio::task::JoinHandle<nimbus_scheduler::InvokeResponse> {
    let s = s.clone();
    let name = name.to_string();
    tokio::spawn(async move { s.invoke(InvokeRequest::new(name, b"{}".to_vec())).await.unwrap() })
}

/// Waits until `count` invocations are in flight (admitted, not finished).
async fn wait_in_flight(s: &Scheduler, count: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let gauge = format!("nimbus_concurrent_executions {count}\n");
    while !s.metrics().encode().contains(&gauge) {
        assert!(Instant::now() < deadline, "never {count} in flight:\n{}", s.metrics().encode());
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// `count` echo invocations one after another: their latencies, sorted.
async fn echo_latencies(s: &Scheduler, name: &str, count: usize) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(count);
    for n in 0..count {
        let event = format!(r#"{{"n":{n}}}"#).into_bytes();
        let started = Instant::now();
        let response = s.invoke(InvokeRequest::new(name, event.clone())).await.unwrap();
        latencies.push(started.elapsed());
        assert_eq!(response.payload, event);
    }
    latencies.sort();
    latencies
}

fn p99(sorted: &[Duration]) -> Duration {
    sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_answers_while_a_loop_holds_the_only_thread() {
    let (s, _dir) = one_thread(10);
    function(&s, "loop", "loop", 2).await;
    function(&s, "echo", "echo", 3).await;
    let looping = start(&s, "loop");
    wait_in_flight(&s, 1).await;
    let latencies = echo_latencies(&s, "echo", 50).await;
    assert!(!looping.is_finished(), "the loop is still running: the echoes did not wait behind it");
    assert!(p99(&latencies) < Duration::from_millis(100), "echo latencies beside the loop: {latencies:?}");
    let timed_out = looping.await.unwrap();
    assert!(String::from_utf8_lossy(&timed_out.payload).contains("Sandbox.Timedout"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_invocations_of_one_function_get_one_functions_share() {
    // Eight loops of `many` against one loop of `one`, all on one thread
    // for 2 s: each function should get half of it, so the single loop
    // runs about as long as the eight together (eight times each of them).
    let (s, _dir) = one_thread(20);
    function(&s, "many", "loop", 2).await;
    function(&s, "one", "loop", 2).await;
    let many: Vec<_> = (0..8).map(|_| start(&s, "many")).collect();
    let one = start(&s, "one");
    for handle in many {
        handle.await.unwrap();
    }
    one.await.unwrap();
    let billed = |name: &str| {
        let s = s.clone();
        let name = name.to_string();
        async move {
            let usage = s.usage(UsageQuery { function: Some(name), ..Default::default() }).await.unwrap();
            (usage.totals.invocations, usage.totals.billed_ms)
        }
    };
    let (many_invocations, many_ms) = billed("many").await;
    let (one_invocations, one_ms) = billed("one").await;
    assert_eq!((many_invocations, one_invocations), (8, 1));
    let per_many = many_ms as f64 / 8.0;
    assert!(
        one_ms as f64 > 3.0 * per_many,
        "the single loop ran {one_ms} ms, each of the eight {per_many} ms: it should have had about eight times as long"
    );
    assert!(
        (one_ms as f64) > 0.5 * many_ms as f64,
        "the single loop's function had {one_ms} ms of the thread against {many_ms} ms for the eight"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_sleepers_hold_no_thread() {
    let (s, _dir) = one_thread(300);
    function(&s, "sleeper", "sleep_two_seconds", 10).await;
    function(&s, "echo", "echo", 3).await;
    let sleepers: Vec<_> = (0..200).map(|_| start(&s, "sleeper")).collect();
    wait_in_flight(&s, 200).await;
    let latencies = echo_latencies(&s, "echo", 200).await;
    assert!(
        sleepers.iter().filter(|handle| handle.is_finished()).count() < 200,
        "the sleepers were still asleep while the echoes ran"
    );
    assert!(p99(&latencies) < Duration::from_millis(20), "echo latencies beside 200 sleepers: {latencies:?}");
    for sleeper in sleepers {
        assert_eq!(sleeper.await.unwrap().payload, b"awake");
    }
}

/// A guest that holds its thread without yielding for a while: one body of
/// back-to-back cheap host calls (no loop, so no epoch check, and calls
/// that never yield).
fn straight_line_wasm(calls: usize) -> Vec<u8> {
    let mut text = String::from(
        r#"(module (import "wasi_snapshot_preview1" "clock_time_get" (func $now (param i32 i64 i32) (result i32)))
           (memory (export "memory") 1) (func (export "_start")"#,
    );
    // Varied arguments, so the module does not compress like a zip bomb.
    for n in 0..calls {
        text.push_str(&format!(" (drop (call $now (i32.const 1) (i64.const {}) (i32.const 0)))", n * 7919));
    }
    text.push_str("))");
    wat::parse_str(&text).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invocation_whose_caller_has_gone_before_it_starts_is_not_run() {
    let (s, _dir) = one_thread(10);
    let mut busy = create_from_wasm("busy", &straight_line_wasm(200_000));
    busy.timeout = Some(30);
    s.create_function(busy).await.unwrap();
    function(&s, "echo", "echo", 3).await;
    // `busy` takes the only thread first and keeps it for a while.
    let holding = start(&s, "busy");
    wait_in_flight(&s, 1).await;
    let mut gone = InvokeRequest::new("echo", b"{\"gone\":1}".to_vec());
    let gone_id = "00000000-0000-4000-8000-0000000000aa";
    gone.request_id = Some(gone_id.into());
    // The caller gives up while its invocation waits behind `busy`.
    let waited = tokio::time::timeout(Duration::from_millis(5), s.invoke(gone)).await;
    assert!(waited.is_err(), "the echo could not run while `busy` held the thread");
    assert!(!holding.is_finished(), "`busy` still held the thread when the caller left");
    holding.await.unwrap();
    // Another echo runs after it: had the abandoned one run, it would be in
    // the ledger before this one.
    s.invoke(InvokeRequest::new("echo", b"{}".to_vec())).await.unwrap();
    let logs = s.logs("echo", 10).await.unwrap();
    assert_eq!(logs.len(), 1, "only the second echo ran: {logs:?}");
    assert_ne!(logs[0].request_id, gone_id);
    let usage = s.usage(UsageQuery { function: Some("echo".into()), ..Default::default() }).await.unwrap();
    assert_eq!(usage.totals.invocations, 1);
}

/// A module of about 1 MB that takes Cranelift a while: a few thousand
/// functions of a few hundred instructions calling each other.
fn compile_heavy_wasm() -> Vec<u8> {
    const FUNCTIONS: usize = 3_000;
    let mut text = String::from(
        r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32))) (memory (export "memory") 1)"#,
    );
    for i in 0..FUNCTIONS {
        text.push_str(&format!("(func $f{i} (param i32) (result i32) local.get 0"));
        for k in 0..40 {
            text.push_str(&format!(" i32.const {} i32.add i32.const {k} i32.xor", i * 40 + k));
        }
        if i + 1 < FUNCTIONS {
            text.push_str(&format!(" call $f{}", i + 1));
        }
        text.push_str(")\n");
    }
    text.push_str(r#"(func (export "_start") i32.const 0 call $f0 drop))"#);
    wat::parse_str(&text).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compiling_and_publishing_never_hold_up_an_invocation() {
    let (s, _dir) = one_thread(10);
    function(&s, "echo", "echo", 3).await;
    let heavy = compile_heavy_wasm();
    let control = {
        let s = s.clone();
        tokio::spawn(async move {
            s.create_function(create_from_wasm("heavy", &heavy)).await.unwrap();
            // Another module (one more function): compiled again.
            let mut changed = heavy.clone();
            changed.extend_from_slice(&[0, 4, 3, b'n', b'e', b'w']); // a custom section named "new"
            let zip = nimbus_sandbox::build_bundle(&changed, None, None).unwrap();
            let zip_file = Some(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, zip));
            s.update_function_code("heavy", UpdateFunctionCodeRequest { zip_file, ..Default::default() })
                .await
                .unwrap();
            s.publish_version("heavy", PublishVersionRequest::default()).await.unwrap();
        })
    };
    let mut latencies = Vec::new();
    while !control.is_finished() {
        latencies.extend(echo_latencies(&s, "echo", 20).await);
    }
    control.await.unwrap();
    latencies.sort();
    assert!(latencies.len() >= 20, "the control plane ran alongside {} echoes", latencies.len());
    assert!(p99(&latencies) < Duration::from_millis(20), "echo latencies while compiling: {latencies:?}");
}
