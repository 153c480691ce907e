;; stderr_flood: writes 100 MB ("x" bytes) to stderr in 64 KiB chunks,
;; ignoring errors, then writes `done` to stdout and returns normally.
;; The log must be truncated, the invocation must still succeed.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 16) "done")

  ;; 0: iovec {65536, 65536}, 8: bytes written, 16: "done", 32: iovec for
  ;; "done", 65536..131072: the chunk.
  (func (export "_start")
    (local $chunks i32)
    (memory.fill (i32.const 65536) (i32.const 0x78) (i32.const 65536))
    (i32.store (i32.const 0) (i32.const 65536))
    (i32.store (i32.const 4) (i32.const 65536))
    (local.set $chunks (i32.const 1600))
    (loop $write
      (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $chunks (i32.sub (local.get $chunks) (i32.const 1)))
      (br_if $write (local.get $chunks)))
    (i32.store (i32.const 32) (i32.const 16))
    (i32.store (i32.const 36) (i32.const 4))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 8))))
)
