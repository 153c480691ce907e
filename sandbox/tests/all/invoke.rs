//! One invocation of each test guest: how it ends, what it returns and logs,
//! and that the engine still serves the next invocation afterwards.

use crate::guests::{assert_healthy, bundle, bundle_with, engine, invoke, invoke_on, log, prepare, prepare_on, wasm};
use nimbus_sandbox::limits::MIB;
use nimbus_sandbox::{
    ArtifactSource, Bundle, EngineConfig, Error, Invocation, InvocationLimits, Outcome, SandboxEngine,
};
use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The response of a successful invocation.
fn response(outcome: &Outcome) -> &[u8] {
    match outcome {
        Outcome::Success { response } => response,
        other => panic!("expected success, got {other:?}"),
    }
}

/// A small engine of its own, for the tests of an engine's configuration.
fn own_engine(data_dir: &std::path::Path, tweak: impl FnOnce(&mut EngineConfig)) -> SandboxEngine {
    let mut config = EngineConfig { pool_size: 2, ..EngineConfig::new(data_dir) };
    tweak(&mut config);
    SandboxEngine::new(config).expect("an engine of the test's own")
}

#[test]
fn echo_returns_its_event_and_only_the_first_start_is_cold() {
    let echo = prepare("echo", |_| {});
    let event = br#"{"name":"world"}"#;

    let first = invoke(&echo, event);
    assert_eq!(first.outcome, Outcome::Success { response: event.to_vec() }, "log: {}", log(&first));
    assert_eq!(first.outcome.error_type(), None);
    assert!(first.metrics.cold_start, "the first invocation of a prepared function is cold");
    assert!(first.metrics.duration_us > 0);
    assert!(first.metrics.peak_memory_bytes >= 65536, "peak {}", first.metrics.peak_memory_bytes);
    assert_eq!(first.metrics.instructions, None, "fuel metering is off on the shared engine");
    assert!(first.log.is_empty());

    // Larger than the guest's buffer, with every byte value: read in a loop.
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let second = invoke(&echo, &big);
    assert!(
        second.outcome == Outcome::Success { response: big },
        "second invocation: {:?}",
        second.outcome.error_json()
    );
    assert!(!second.metrics.cold_start, "later invocations are warm");

    let empty = invoke(&echo, b"");
    assert_eq!(empty.outcome, Outcome::Success { response: vec![] });
    assert_healthy(engine());
}

#[test]
fn loop_times_out_at_its_timeout() {
    let looping = prepare("loop", |config| config.timeout = Duration::from_secs(1));
    let started = Instant::now();
    let result = invoke(&looping, b"{}");
    let elapsed = started.elapsed();

    assert_eq!(result.outcome, Outcome::Timeout { timeout: Duration::from_secs(1) });
    assert_eq!(result.outcome.error_type(), Some("Sandbox.Timedout"));
    assert_eq!(result.outcome.error_message().unwrap(), "Task timed out after 1.00 seconds");
    assert!(elapsed >= Duration::from_secs(1), "stopped early, after {elapsed:?}");
    assert!(elapsed < Duration::from_millis(1100), "stopped late, after {elapsed:?}");
    assert!(result.metrics.duration_us >= 1_000_000, "duration {} µs", result.metrics.duration_us);
    assert_healthy(engine());
}

#[test]
fn a_guest_sleeping_in_poll_oneoff_times_out_at_its_timeout() {
    let sleeper = prepare("sleep_long", |config| config.timeout = Duration::from_secs(1));
    let started = Instant::now();
    let result = invoke(&sleeper, b"{}");
    let elapsed = started.elapsed();

    assert_eq!(result.outcome, Outcome::Timeout { timeout: Duration::from_secs(1) });
    assert!(elapsed >= Duration::from_secs(1), "stopped early, after {elapsed:?}");
    assert!(elapsed < Duration::from_millis(1100), "stopped late, after {elapsed:?}");
    assert_healthy(engine());
}

#[test]
fn a_short_sleep_in_poll_oneoff_fires_its_clock() {
    let sleeper = prepare("sleep_briefly", |_| {});
    let result = invoke(&sleeper, b"{}");

    assert_eq!(result.outcome, Outcome::Success { response: b"awake:7".to_vec() }, "{}", log(&result));
    assert!(result.metrics.duration_us >= 20_000, "slept only {} µs", result.metrics.duration_us);
}

#[test]
fn memory_bomb_is_out_of_memory_at_the_functions_memory_size() {
    let bomb = prepare("memory_bomb", |_| {});
    let result = invoke(&bomb, b"{}");

    assert_eq!(result.outcome, Outcome::OutOfMemory { memory_mb: 128 });
    assert_eq!(result.outcome.error_type(), Some("Runtime.OutOfMemory"));
    assert!(
        result.metrics.peak_memory_bytes <= 128 * MIB,
        "peak memory {} is over the limit",
        result.metrics.peak_memory_bytes
    );
    assert!(result.metrics.peak_memory_bytes > 64 * MIB, "peak memory {}", result.metrics.peak_memory_bytes);
    assert_healthy(engine());
}

#[test]
fn recursion_traps_on_stack_overflow() {
    let recursion = prepare("recursion", |_| {});
    let result = invoke(&recursion, b"{}");

    assert!(matches!(result.outcome, Outcome::Trap { .. }), "got {:?}", result.outcome);
    assert_eq!(result.outcome.error_type(), Some("Runtime.Trap"));
    let message = result.outcome.error_message().unwrap();
    assert!(message.contains("stack"), "message: {message}");
    assert_healthy(engine());
}

#[test]
fn unreachable_traps() {
    let unreachable = prepare("unreachable", |_| {});
    let result = invoke(&unreachable, b"{}");

    assert!(matches!(result.outcome, Outcome::Trap { .. }), "got {:?}", result.outcome);
    assert_eq!(result.outcome.error_type(), Some("Runtime.Trap"));
    let message = result.outcome.error_message().unwrap();
    assert!(message.contains("unreachable"), "message: {message}");
    assert_healthy(engine());
}

#[test]
fn stdout_flood_is_a_response_too_large() {
    let flood = prepare("stdout_flood", |_| {});
    let result = invoke(&flood, b"{}");

    assert_eq!(result.outcome, Outcome::ResponseTooLarge { limit_bytes: 6 * MIB as usize });
    assert_eq!(result.outcome.error_type(), Some("Function.ResponseSizeTooLarge"));
    assert_healthy(engine());
}

#[test]
fn stderr_flood_truncates_the_log_and_still_succeeds() {
    let flood = prepare("stderr_flood", |_| {});
    let result = invoke(&flood, b"{}");

    assert_eq!(result.outcome, Outcome::Success { response: b"done".to_vec() });
    let marker = format!("[nimbus] log truncated: {} more bytes dropped (limit {} bytes)\n", 100 * MIB - MIB, MIB);
    let text = log(&result);
    assert!(text.ends_with(&marker), "log ends with {:?}", &text[text.len().saturating_sub(120)..]);
    // The kept prefix, the newline that ends it, then the marker.
    assert!(result.log.len() <= MIB as usize + 1 + marker.len(), "log is {} bytes", result.log.len());
    assert!(result.log[..MIB as usize].iter().all(|&b| b == b'x'), "the log keeps the first bytes written");
    assert_healthy(engine());
}

#[test]
fn read_task_file_reads_the_bundles_files() {
    let include = tempfile::tempdir().unwrap();
    let contents = "hello from /var/task\nsecond line\n";
    std::fs::write(include.path().join("data.txt"), contents).unwrap();
    let bundle = bundle_with("read_task_file", None, Some(include.path()));
    let reader = prepare_on(engine(), &bundle, "read_task_file", |_| {});

    let result = invoke(&reader, b"{}");
    assert_eq!(result.outcome, Outcome::Success { response: contents.as_bytes().to_vec() });
    assert_healthy(engine());
}

#[test]
fn write_task_file_is_denied() {
    let writer = prepare("write_task_file", |_| {});
    let result = invoke(&writer, b"{}");

    assert_eq!(result.outcome, Outcome::Success { response: b"denied".to_vec() });
    assert!(!writer.files_dir().join("new.txt").exists(), "the guest created a file in /var/task");
    assert_healthy(engine());
}

#[test]
fn tmp_is_writable_and_fresh_for_every_invocation() {
    let roundtrip = prepare("tmp_roundtrip", |_| {});
    let first = invoke(&roundtrip, b"{}");
    assert_eq!(response(&first.outcome), b"fresh:hello tmp", "first invocation");
    let second = invoke(&roundtrip, b"{}");
    assert_eq!(response(&second.outcome), b"fresh:hello tmp", "second invocation saw the first one's /tmp");
    assert_healthy(engine());
}

#[test]
fn tmp_flood_exceeds_ephemeral_storage() {
    let data_dir = tempfile::tempdir().unwrap();
    let small_tmp = own_engine(data_dir.path(), |config| {
        config.pool_size = 4;
        config.limits = InvocationLimits { max_tmp_bytes: 4 * MIB, ..Default::default() };
    });
    let flood = prepare_on(&small_tmp, &bundle("tmp_flood"), "tmp_flood", |config| {
        config.timeout = Duration::from_secs(10);
    });

    let started = Instant::now();
    let result = invoke_on(&small_tmp, &flood, b"{}");
    assert_eq!(result.outcome, Outcome::EphemeralStorageExceeded { limit_bytes: 4 * MIB });
    assert_eq!(result.outcome.error_type(), Some("Sandbox.EphemeralStorageExceeded"));
    assert!(started.elapsed() < Duration::from_secs(9), "stopped only near the timeout");
    assert_healthy(&small_tmp);
}

#[test]
fn print_env_sees_its_context_and_own_variables_only() {
    let printer = prepare("print_env", |config| {
        config.env = BTreeMap::from([("GREETING".to_string(), "hello world".to_string())]);
    });
    let request_id = "print-env-request-7f1c";
    let before_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis();
    let result = engine()
        .invoke(&printer, Invocation::new(request_id, b"{}".to_vec()))
        .expect("the sandbox runs the invocation");

    let output = String::from_utf8(response(&result.outcome).to_vec()).unwrap();
    let env: BTreeMap<&str, &str> =
        output.lines().map(|line| line.split_once('=').unwrap_or_else(|| panic!("not KEY=VALUE: {line:?}"))).collect();
    let expected = [
        ("NIMBUS_REQUEST_ID", request_id),
        ("NIMBUS_FUNCTION_NAME", "print_env"),
        ("NIMBUS_FUNCTION_VERSION", "$LATEST"),
        ("NIMBUS_MEMORY_MB", "128"),
        ("AWS_LAMBDA_FUNCTION_NAME", "print_env"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ("GREETING", "hello world"),
    ];
    for (key, value) in expected {
        assert_eq!(env.get(key), Some(&value), "{key} in {output}");
    }

    let deadline_ms: u128 = env["NIMBUS_DEADLINE_MS"].parse().expect("NIMBUS_DEADLINE_MS is unix ms");
    let timeout_ms = printer.config().timeout.as_millis();
    assert!(
        (before_ms..=before_ms + timeout_ms + 1000).contains(&deadline_ms),
        "deadline {deadline_ms} is not within [{before_ms}, {before_ms} + {timeout_ms} + 1000]"
    );

    // Nothing of the host's environment.
    assert!(!env.contains_key("PATH") && !env.contains_key("HOME"), "host variables leaked: {output}");
    for (key, _) in std::env::vars() {
        let ours = expected.iter().any(|(name, _)| *name == key) || key == "NIMBUS_DEADLINE_MS";
        assert!(ours || !env.contains_key(key.as_str()), "host variable {key} leaked");
    }
    assert_eq!(env.len(), expected.len() + 1, "unexpected variables in {output}");
    assert_healthy(engine());
}

#[test]
fn exit_with_error_json_is_the_guests_error() {
    let failing = prepare("exit_error", |_| {});
    let result = invoke(&failing, b"{}");

    assert_eq!(
        result.outcome,
        Outcome::FunctionError { error_type: "InputError".into(), error_message: "bad input".into() }
    );
    assert_eq!(result.outcome.error_type(), Some("InputError"));
    assert_healthy(engine());
}

#[test]
fn exit_without_json_is_a_runtime_exit_error() {
    let failing = prepare("exit_plain", |_| {});
    let result = invoke(&failing, b"{}");

    assert_eq!(
        result.outcome,
        Outcome::FunctionError {
            error_type: "Runtime.ExitError".into(),
            error_message: "Runtime exited with error: exit status 2".into()
        }
    );
    assert_eq!(result.outcome.error_type(), Some("Runtime.ExitError"));
    assert_healthy(engine());
}

#[test]
fn a_full_pool_refuses_invocations_until_a_slot_is_free() {
    let data_dir = tempfile::tempdir().unwrap();
    let one_slot = own_engine(data_dir.path(), |config| config.pool_size = 1);
    let looping =
        prepare_on(&one_slot, &bundle("mark_then_loop"), "loop", |config| config.timeout = Duration::from_secs(2));
    let echo = prepare_on(&one_slot, &bundle("echo"), "echo", |_| {});

    std::thread::scope(|scope| {
        let running = scope.spawn(|| invoke_on(&one_slot, &looping, b"{}"));
        // The guest marks its /tmp once its instance holds the only slot.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !file_named_under("running", data_dir.path()) {
            assert!(Instant::now() < deadline, "the looping guest never started");
            std::thread::sleep(Duration::from_millis(1));
        }

        let refused = one_slot.invoke(&echo, Invocation::new("refused", b"{}".to_vec()));
        assert!(
            matches!(refused, Err(Error::InstanceLimitExceeded { pool_size: 1 })),
            "expected InstanceLimitExceeded, got {refused:?}"
        );

        let looped = running.join().unwrap();
        assert_eq!(looped.outcome, Outcome::Timeout { timeout: Duration::from_secs(2) });
    });

    let served = invoke_on(&one_slot, &echo, b"after");
    assert_eq!(served.outcome, Outcome::Success { response: b"after".to_vec() });
    assert!(served.metrics.cold_start, "a refused invocation does not count as the first start");
    assert_healthy(&one_slot);
}

#[test]
fn fuel_metering_counts_instructions() {
    let data_dir = tempfile::tempdir().unwrap();
    let metered = own_engine(data_dir.path(), |config| config.fuel_metering = true);
    let echo = prepare_on(&metered, &bundle("echo"), "echo", |_| {});
    let result = invoke_on(&metered, &echo, b"{}");
    assert_eq!(result.outcome, Outcome::Success { response: b"{}".to_vec() });
    assert!(matches!(result.metrics.instructions, Some(n) if n > 0), "instructions: {:?}", result.metrics.instructions);

    let unmetered = invoke(&prepare("echo", |_| {}), b"{}");
    assert_eq!(unmetered.metrics.instructions, None);
    assert_healthy(&metered);
}

#[test]
fn a_new_engine_loads_compiled_code_from_the_cache() {
    let data_dir = tempfile::tempdir().unwrap();
    let bundle = Bundle::from_module(&wasm("echo")).unwrap();

    let first = own_engine(data_dir.path(), |_| {});
    let compiled = prepare_on(&first, &bundle, "echo", |_| {});
    assert_eq!(compiled.artifact_source(), ArtifactSource::Compiled);
    assert_eq!(first.compilations(), 1);
    drop(compiled);
    drop(first);

    let restarted = own_engine(data_dir.path(), |_| {});
    let cached = prepare_on(&restarted, &bundle, "echo", |_| {});
    assert_eq!(cached.artifact_source(), ArtifactSource::Cache);
    assert_eq!(restarted.compilations(), 0);
    let result = invoke_on(&restarted, &cached, b"cached");
    assert_eq!(result.outcome, Outcome::Success { response: b"cached".to_vec() });
    assert_healthy(&restarted);
}

/// Whether a file called `name` is anywhere under `dir`.
fn file_named_under(name: &str, dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).into_iter().flatten().flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() { file_named_under(name, &path) } else { entry.file_name() == name }
    })
}
