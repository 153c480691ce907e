//! Guests whose `_start` is one long body of back-to-back host calls (no
//! loop, so no epoch check ever runs in their wasm): the deadline, the
//! response and log caps and `/tmp`'s size must still hold, checked in the
//! host calls themselves.

use crate::guests::{assert_healthy, engine, invoke, invoke_on, log, prepare_on};
use nimbus_sandbox::limits::MIB;
use nimbus_sandbox::{Bundle, EngineConfig, InvocationResult, Outcome, SandboxEngine};
use std::time::Duration;

/// How far past its timeout a guest may end.
const SLACK: Duration = Duration::from_millis(100);

/// A module whose `_start` runs `setup` then `call` `count` times, unrolled.
/// It imports `imports` (WAT import fields) and has `pages` of memory.
fn unrolled(imports: &str, pages: u32, setup: &str, call: &str, count: usize) -> Vec<u8> {
    let mut text =
        format!("(module {imports} (memory (export \"memory\") {pages}) (func (export \"_start\") {setup}\n");
    for n in 0..count {
        text.push_str(&call.replace("{n}", &n.to_string()));
        text.push('\n');
    }
    text.push_str("))");
    wat::parse_str(&text).expect("the unrolled guest compiles")
}

/// Runs `wasm` once with a 1 s timeout.
fn run_for_a_second(name: &str, wasm: &[u8]) -> InvocationResult {
    let bundle = Bundle::from_module(wasm).expect("bundle");
    let function = prepare_on(engine(), &bundle, name, |config| config.timeout = Duration::from_secs(1));
    invoke(&function, b"{}")
}

fn assert_timed_out_on_time(result: &InvocationResult) {
    assert_eq!(result.outcome, Outcome::Timeout { timeout: Duration::from_secs(1) }, "log: {}", log(result));
    let ran = Duration::from_micros(result.metrics.duration_us);
    assert!(ran >= Duration::from_secs(1), "stopped early: {ran:?}");
    assert!(ran <= Duration::from_secs(1) + SLACK, "stopped {ran:?} after it started (timeout 1 s)");
}

/// A module that opens `/tmp/f` and then calls `fd_pwrite` of 64 MiB (a
/// short write of at most 1 MiB, as the sandbox bounds it) `count` times,
/// at the offset `offset` (WAT, `{n}` being the call's number).
fn pwrites_to_tmp(offset: &str, count: usize) -> Vec<u8> {
    unrolled(
        r#"(import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "fd_pwrite" (func $pwrite (param i32 i32 i32 i64 i32) (result i32)))
           (data (i32.const 0) "f")"#,
        1025,
        // fd 3 is /var/task, 4 is /tmp: open /tmp/f (create, write) as fd at 16.
        "(drop (call $open (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 1) (i64.const 536870911) (i64.const 536870911) (i32.const 0) (i32.const 16)))
         (i32.store (i32.const 32) (i32.const 65536))
         (i32.store (i32.const 36) (i32.const 67108864))",
        &format!("(drop (call $pwrite (i32.load (i32.const 16)) (i32.const 32) (i32.const 1) {offset} (i32.const 40)))"),
        count,
    )
}

#[test]
fn back_to_back_random_get_of_32_mib_ends_at_the_deadline() {
    let wasm = unrolled(
        r#"(import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))"#,
        513,
        "",
        "(drop (call $random (i32.const 0) (i32.const 33554432)))",
        20_000,
    );
    assert_timed_out_on_time(&run_for_a_second("random", &wasm));
    assert_healthy(engine());
}

#[test]
fn back_to_back_writes_to_one_tmp_region_end_at_the_deadline() {
    // 64 MiB at offset N (the call's number) of /tmp/f, again and again:
    // /tmp never outgrows its limit, so only the deadline can end it. Each
    // call moves at most 1 MiB, so the 100,000 calls copy 100 GiB, about
    // 7 s of copying on a quiet machine (20,000 were once done within the
    // second).
    let wasm = pwrites_to_tmp("(i64.const {n})", 100_000);
    assert_timed_out_on_time(&run_for_a_second("rewrite", &wasm));
    assert_healthy(engine());
}

#[test]
fn back_to_back_writes_at_growing_offsets_stop_at_the_tmp_limit() {
    // A small /tmp, so the limit comes long before the deadline.
    let data = tempfile::tempdir().unwrap();
    let mut config = EngineConfig { pool_size: 2, ..EngineConfig::new(data.path()) };
    config.limits.max_tmp_bytes = 24 * MIB;
    let small_tmp = SandboxEngine::new(config).unwrap();
    let wasm = pwrites_to_tmp("(i64.const {n}000000)", 20_000);
    let bundle = Bundle::from_module(&wasm).unwrap();
    let function = prepare_on(&small_tmp, &bundle, "grow", |config| config.timeout = Duration::from_secs(1));
    let result = invoke_on(&small_tmp, &function, b"{}");
    assert_eq!(result.outcome, Outcome::EphemeralStorageExceeded { limit_bytes: 24 * MIB }, "log: {}", log(&result));
    assert_healthy(&small_tmp);
}

#[test]
fn back_to_back_writes_to_stdout_and_stderr_stay_within_their_caps() {
    let write = |fd: u32| {
        unrolled(
            r#"(import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))"#,
            1025,
            "(i32.store (i32.const 32) (i32.const 65536)) (i32.store (i32.const 36) (i32.const 67108864))",
            &format!("(drop (call $write (i32.const {fd}) (i32.const 32) (i32.const 1) (i32.const 40)))"),
            20_000,
        )
    };
    let stdout = run_for_a_second("stdout", &write(1));
    assert_eq!(stdout.outcome, Outcome::ResponseTooLarge { limit_bytes: 6 * MIB as usize });
    let stderr = run_for_a_second("stderr", &write(2));
    assert_eq!(stderr.outcome, Outcome::Success { response: Vec::new() });
    assert!(stderr.log.len() <= MIB as usize + 200, "the log keeps its cap: {} bytes", stderr.log.len());
    assert!(log(&stderr).ends_with("bytes dropped (limit 1048576 bytes)\n"));
    assert_healthy(engine());
}

#[test]
fn more_buffers_than_iov_max_are_refused() {
    // fd_write with 1025 iovecs answers EINVAL (28), which the guest exits with.
    let wasm = unrolled(
        r#"(import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))"#,
        1,
        "",
        "(call $exit (call $write (i32.const 1) (i32.const 0) (i32.const 1025) (i32.const 60000)))",
        1,
    );
    let result = run_for_a_second("iovecs", &wasm);
    assert_eq!(result.outcome.error_message().as_deref(), Some("Runtime exited with error: exit status 28"));
}
