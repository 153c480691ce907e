;; echo: reads all of stdin (fd_read until it returns 0 bytes) and writes it
;; unchanged to stdout, then returns from `_start` (no proc_exit).
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)

  ;; 0: read iovec, 8: bytes read, 16: write iovec, 24: bytes written,
  ;; 1024..65536: the buffer.
  (func (export "_start")
    (local $n i32)
    (local $ptr i32)
    (local $written i32)
    (loop $read
      (i32.store (i32.const 0) (i32.const 1024))
      (i32.store (i32.const 4) (i32.const 64512))
      (if (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8))
        (then (return)))
      (local.set $n (i32.load (i32.const 8)))
      (if (i32.eqz (local.get $n)) (then (return)))
      (local.set $ptr (i32.const 1024))
      ;; Write all $n bytes, however many fd_write takes at a time.
      (loop $write
        (i32.store (i32.const 16) (local.get $ptr))
        (i32.store (i32.const 20) (local.get $n))
        (if (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))
          (then (return)))
        (local.set $written (i32.load (i32.const 24)))
        (if (i32.eqz (local.get $written)) (then (return)))
        (local.set $ptr (i32.add (local.get $ptr) (local.get $written)))
        (local.set $n (i32.sub (local.get $n) (local.get $written)))
        (br_if $write (local.get $n)))
      (br $read)))
)
