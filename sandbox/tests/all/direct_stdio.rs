//! Stdio two ways: a module whose descriptors can never change has its
//! `fd_read`/`fd_write` answered by the sandbox itself; any other module
//! (here: the same guest importing `fd_close` too) has wasmtime-wasi's.
//! Both must behave the same.

use crate::guests::{engine, invoke, log, prepare_on};
use nimbus_sandbox::limits::MIB;
use nimbus_sandbox::{Bundle, InvocationResult, Outcome};
use std::path::Path;

/// The guest `name` invoked with `event` both ways: (direct, wasmtime-wasi).
fn both_ways(name: &str, event: &[u8]) -> (InvocationResult, InvocationResult) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guests").join(format!("{name}.wat"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let with_fd_close = text.replacen(
        "(module",
        "(module (import \"wasi_snapshot_preview1\" \"fd_close\" (func (param i32) (result i32)))",
        1,
    );
    let [direct, wasi] = [text, with_fd_close].map(|source| {
        let bundle = Bundle::from_module(&wat::parse_str(&source).expect("the guest compiles")).expect("bundle");
        let function = prepare_on(engine(), &bundle, name, |_| {});
        invoke(&function, event)
    });
    (direct, wasi)
}

#[test]
fn the_corner_cases_of_stdio_answer_the_same_both_ways() {
    let event = br#"{"key":"value"}"#;
    let (direct, wasi) = both_ways("stdio_edges", event);
    let expected = [&b"ab"[..], &event[..4], b"8880204000"].concat();
    assert_eq!(direct.outcome, Outcome::Success { response: expected }, "direct; log: {}", log(&direct));
    assert_eq!(wasi.outcome, direct.outcome, "wasmtime-wasi");
    assert_eq!(log(&direct), "log\n");
    assert_eq!(log(&wasi), "log\n");
}

#[test]
fn a_large_event_echoes_the_same_both_ways() {
    let event: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let (direct, wasi) = both_ways("echo", &event);
    assert!(direct.outcome == Outcome::Success { response: event }, "direct: {:?}", direct.outcome.error_json());
    assert!(wasi.outcome == direct.outcome, "wasmtime-wasi: {:?}", wasi.outcome.error_json());
}

#[test]
fn the_output_limits_hold_both_ways() {
    let (direct, wasi) = both_ways("stdout_flood", b"{}");
    let too_large = Outcome::ResponseTooLarge { limit_bytes: 6 * MIB as usize };
    assert_eq!(direct.outcome, too_large);
    assert_eq!(wasi.outcome, too_large);

    let (direct, wasi) = both_ways("stderr_flood", b"{}");
    assert_eq!(direct.outcome, Outcome::Success { response: b"done".to_vec() });
    assert_eq!(wasi.outcome, direct.outcome);
    assert_eq!(direct.log, wasi.log, "the same truncated log");
}

#[test]
fn a_buffer_outside_memory_traps_both_ways() {
    let (direct, wasi) = both_ways("stdio_bad_pointer", b"{}");
    for (way, result) in [("direct", &direct), ("wasmtime-wasi", &wasi)] {
        assert!(matches!(result.outcome, Outcome::Trap { .. }), "{way}: {:?}", result.outcome);
    }
}
