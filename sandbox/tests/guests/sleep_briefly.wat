;; sleep_briefly: sleeps 20 ms with poll_oneoff, then writes `awake` and the
;; userdata of the event it got back (`awake:7` when the clock fired).
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; 0..48: subscription; 64..96: event; 128: events written;
  ;; 200: iovec; 216: bytes written; 256: "awake:" and a digit.
  (data (i32.const 256) "awake:")
  (func (export "_start")
    (i64.store (i32.const 0) (i64.const 7))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 20000000))     ;; 20 ms
    (i32.store16 (i32.const 40) (i32.const 0))
    (if (call $poll_oneoff (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128))
      (then (call $proc_exit (i32.const 1))))
    (if (i32.ne (i32.load (i32.const 128)) (i32.const 1))
      (then (call $proc_exit (i32.const 2))))
    ;; the event's userdata (7) as one ASCII digit
    (i32.store8 (i32.const 262) (i32.add (i32.const 48) (i32.wrap_i64 (i64.load (i32.const 64)))))
    (i32.store (i32.const 200) (i32.const 256))
    (i32.store (i32.const 204) (i32.const 7))
    (drop (call $fd_write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 216)))))
