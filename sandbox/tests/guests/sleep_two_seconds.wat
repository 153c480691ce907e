;; sleep_two_seconds: sleeps 2 s with poll_oneoff (one relative clock
;; subscription), then writes `awake`. A sleeping guest must hold no thread.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; 0..48: subscription; 64..96: event; 128: events written;
  ;; 200: iovec; 216: bytes written; 256: "awake".
  (data (i32.const 256) "awake")
  (func (export "_start")
    (i64.store (i32.const 0) (i64.const 1))
    (i32.store8 (i32.const 8) (i32.const 0))              ;; tag: clock
    (i32.store (i32.const 16) (i32.const 1))               ;; clock id: monotonic
    (i64.store (i32.const 24) (i64.const 2000000000))      ;; 2 s
    (i32.store16 (i32.const 40) (i32.const 0))             ;; relative
    (if (call $poll_oneoff (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128))
      (then (call $proc_exit (i32.const 1))))
    (i32.store (i32.const 200) (i32.const 256))
    (i32.store (i32.const 204) (i32.const 5))
    (drop (call $fd_write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 216)))))
