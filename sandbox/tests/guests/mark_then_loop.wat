;; mark_then_loop: creates `running` in /tmp (fd 4), so that a test sees on
;; the host's disk that its instance is up, then spins until its timeout.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close"
    (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "running")
  (func (export "_start")
    ;; oflags CREAT (1); rights FD_WRITE (1<<6); the new fd goes to 32.
    (if (call $path_open (i32.const 4) (i32.const 0) (i32.const 64) (i32.const 7)
          (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 32))
      (then (call $proc_exit (i32.const 1))))
    (drop (call $fd_close (i32.load (i32.const 32))))
    (loop $forever
      (br $forever)))
)
