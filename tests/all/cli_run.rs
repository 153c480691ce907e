//! `nimbus run`: one invocation, printed as Lambda's tools print it.

use crate::cli::{arg, assert_one_line_error, guest, nimbus};

/// The REPORT line's shape, with the request id a UUID.
fn assert_report_line(stderr: &str, memory_mb: u32) {
    let last = stderr.lines().last().expect("a report line");
    let words: Vec<&str> = last.split(' ').collect();
    assert_eq!(words[..2], ["REPORT", "RequestId:"], "{last}");
    assert_eq!(words[2].len(), 36, "a UUID request id: {last}");
    assert_eq!(words[3], "Duration:");
    let duration: f64 = words[4].parse().expect("duration in ms");
    assert_eq!(words[5..8], ["ms", "Billed", "Duration:"]);
    let billed: f64 = words[8].parse().expect("billed ms");
    assert!(billed >= duration.max(1.0) && billed < duration + 1.0 + f64::EPSILON, "{last}");
    assert_eq!(billed.fract(), 0.0);
    assert_eq!(words[9..12], ["ms", "Memory", "Size:"]);
    assert_eq!(words[12], memory_mb.to_string());
    assert_eq!(words[13..17], ["MB", "Max", "Memory", "Used:"]);
    assert!(words[17].parse::<u32>().expect("max memory") >= 1);
    assert_eq!(words[18], "MB");
}

#[test]
fn echo_from_stdin_prints_the_response_and_a_report_line() {
    let data = tempfile::tempdir().unwrap();
    let ran = nimbus(data.path(), &["run", arg(&guest("echo")), "--event", "-"], br#"{"name":"world"}"#);
    assert_eq!(ran.code, 0, "stderr: {}", ran.stderr);
    assert_eq!(ran.stdout, r#"{"name":"world"}"#);
    assert_report_line(&ran.stderr, 128);
}

#[test]
fn the_default_event_is_an_empty_object_and_memory_is_configurable() {
    let data = tempfile::tempdir().unwrap();
    let ran = nimbus(data.path(), &["run", arg(&guest("echo")), "--memory", "256"], b"");
    assert_eq!(ran.code, 0, "stderr: {}", ran.stderr);
    assert_eq!(ran.stdout, "{}");
    assert_report_line(&ran.stderr, 256);
}

#[test]
fn an_event_file_is_read() {
    let data = tempfile::tempdir().unwrap();
    let event = data.path().join("event.json");
    std::fs::write(&event, br#"{"from":"file"}"#).unwrap();
    let ran = nimbus(data.path(), &["run", arg(&guest("echo")), "--event", arg(&event)], b"");
    assert_eq!(ran.stdout, r#"{"from":"file"}"#);
}

#[test]
fn a_timeout_exits_1_with_lambdas_error_json() {
    let data = tempfile::tempdir().unwrap();
    let ran = nimbus(data.path(), &["run", arg(&guest("loop")), "--timeout", "1"], b"");
    assert_eq!(ran.code, 1, "stderr: {}", ran.stderr);
    let error: serde_json::Value = serde_json::from_str(ran.stdout.trim()).expect("error JSON");
    assert_eq!(error["errorType"], "Sandbox.Timedout");
    assert_eq!(error["errorMessage"], "Task timed out after 1.00 seconds");
    assert_report_line(&ran.stderr, 128);
}

#[test]
fn a_function_error_is_the_guests_own_json() {
    let data = tempfile::tempdir().unwrap();
    let ran = nimbus(data.path(), &["run", arg(&guest("exit_error"))], b"");
    assert_eq!(ran.code, 1);
    let error: serde_json::Value = serde_json::from_str(ran.stdout.trim()).expect("error JSON");
    assert_eq!(error["errorType"], "InputError");
    assert_eq!(error["errorMessage"], "bad input");
}

#[test]
fn env_flags_reach_the_function() {
    let data = tempfile::tempdir().unwrap();
    let ran = nimbus(
        data.path(),
        &["run", arg(&guest("print_env")), "--env", "STAGE=dev", "--env", "EMPTY=", "--name", "envy"],
        b"",
    );
    assert_eq!(ran.code, 0, "stderr: {}", ran.stderr);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    for expected in ["STAGE=dev", "EMPTY=", "NIMBUS_FUNCTION_NAME=envy", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128"] {
        assert!(lines.contains(&expected), "{expected} missing from {lines:?}");
    }
}

#[test]
fn a_bad_env_flag_is_a_usage_error() {
    let data = tempfile::tempdir().unwrap();
    let ran = nimbus(data.path(), &["run", arg(&guest("echo")), "--env", "NOEQUALS"], b"");
    assert_eq!(ran.code, 2);
    assert!(ran.stderr.contains("expected KEY=VALUE"), "{}", ran.stderr);
}

#[test]
fn a_missing_file_is_one_line() {
    let data = tempfile::tempdir().unwrap();
    let ran = nimbus(data.path(), &["run", "/nonexistent/f.wasm"], b"");
    assert_one_line_error(&ran);
    assert!(ran.stderr.contains("/nonexistent/f.wasm"));
}

#[test]
fn a_file_that_is_neither_zip_nor_wasm_is_one_line() {
    let data = tempfile::tempdir().unwrap();
    let junk = data.path().join("junk.bin");
    std::fs::write(&junk, b"\x7fELF not a function").unwrap();
    let ran = nimbus(data.path(), &["run", arg(&junk)], b"");
    assert_one_line_error(&ran);
    assert!(ran.stderr.contains("neither a zip bundle nor a WebAssembly module"), "{}", ran.stderr);
}

#[test]
fn a_broken_zip_is_one_line() {
    let data = tempfile::tempdir().unwrap();
    let broken = data.path().join("broken.zip");
    std::fs::write(&broken, b"PK\x03\x04 truncated").unwrap();
    let ran = nimbus(data.path(), &["run", arg(&broken)], b"");
    assert_one_line_error(&ran);
}

#[test]
fn a_module_without_start_is_one_line() {
    let data = tempfile::tempdir().unwrap();
    let module = data.path().join("lib.wat");
    std::fs::write(&module, "(module (func (export \"main\")))").unwrap();
    let ran = nimbus(data.path(), &["run", arg(&module)], b"");
    assert_one_line_error(&ran);
    assert!(ran.stderr.contains("_start"), "{}", ran.stderr);
}

#[test]
fn an_out_of_range_memory_is_one_line() {
    let data = tempfile::tempdir().unwrap();
    let ran = nimbus(data.path(), &["run", arg(&guest("echo")), "--memory", "64"], b"");
    assert_one_line_error(&ran);
    assert!(ran.stderr.contains("128"), "{}", ran.stderr);
}
