//! Guests the end-to-end tests write as WAT here, for what the checked-in
//! guests of `sandbox/tests/guests/` do not do.

/// Sleeps `ms` milliseconds (one `poll_oneoff` on the monotonic clock),
/// then answers `says` (ASCII, no quotes or backslashes). Holds a
/// concurrency slot for as long as it sleeps, whatever runs it.
pub fn sleeper(ms: u64, says: &str) -> String {
    assert!(says.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\'), "{says:?}");
    let (nanos, len) = (ms * 1_000_000, says.len());
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0..48: the clock subscription; 64..96: its event; 128: events written;
  ;; 200: iovec; 216: bytes written; 256: the answer.
  (data (i32.const 256) "{says}")
  (func (export "_start")
    (i64.store (i32.const 0) (i64.const 1))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const {nanos}))
    (i64.store (i32.const 32) (i64.const 0))
    (i32.store16 (i32.const 40) (i32.const 0))
    (drop (call $poll_oneoff (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
    (i32.store (i32.const 200) (i32.const 256))
    (i32.store (i32.const 204) (i32.const {len}))
    (drop (call $fd_write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 216)))))
"#
    )
}
