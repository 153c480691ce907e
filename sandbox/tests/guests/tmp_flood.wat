;; tmp_flood: creates /tmp/big (fd 4) and appends 64 KiB chunks ("x"
;; bytes) to it forever, ignoring errors. Only the /tmp limit (or the
;; timeout) can stop it. Exits with status 1 if it cannot create the file.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 2)
  (data (i32.const 64) "big")

  ;; 0: iovec {65536, 65536}, 8: bytes written, 32: the fd, 64: path,
  ;; 65536..131072: the chunk.
  (func (export "_start")
    (local $fd i32)
    ;; oflags CREAT (1); rights FD_WRITE (1<<6) | FD_SEEK (1<<2)
    (if (call $path_open (i32.const 4) (i32.const 0) (i32.const 64) (i32.const 3)
          (i32.const 1) (i64.const 68) (i64.const 0) (i32.const 0) (i32.const 32))
      (then (call $proc_exit (i32.const 1))))
    (local.set $fd (i32.load (i32.const 32)))
    (memory.fill (i32.const 65536) (i32.const 0x78) (i32.const 65536))
    (i32.store (i32.const 0) (i32.const 65536))
    (i32.store (i32.const 4) (i32.const 65536))
    (loop $forever
      (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br $forever)))
)
