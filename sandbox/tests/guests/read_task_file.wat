;; read_task_file: opens `data.txt` in the bundle's files (fd 3, /var/task)
;; for reading, and copies its contents to stdout. Writes `open failed` to
;; stdout if it cannot open it.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close"
    (func $fd_close (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "data.txt")
  (data (i32.const 80) "open failed")

  ;; 0: read iovec, 8: bytes read, 16: write iovec, 24: bytes written,
  ;; 32: the opened fd, 64: path, 80: failure text, 1024..65536: buffer.
  (func (export "_start")
    (local $fd i32)
    (local $n i32)
    (local $ptr i32)
    (local $written i32)
    ;; rights: FD_READ (1<<1) | FD_SEEK (1<<2); lookupflags: SYMLINK_FOLLOW.
    (if (call $path_open (i32.const 3) (i32.const 1) (i32.const 64) (i32.const 8)
          (i32.const 0) (i64.const 6) (i64.const 0) (i32.const 0) (i32.const 32))
      (then
        (i32.store (i32.const 16) (i32.const 80))
        (i32.store (i32.const 20) (i32.const 11))
        (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
        (return)))
    (local.set $fd (i32.load (i32.const 32)))
    (loop $read
      (i32.store (i32.const 0) (i32.const 1024))
      (i32.store (i32.const 4) (i32.const 64512))
      (if (call $fd_read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))
        (then (return)))
      (local.set $n (i32.load (i32.const 8)))
      (if (i32.eqz (local.get $n))
        (then
          (drop (call $fd_close (local.get $fd)))
          (return)))
      (local.set $ptr (i32.const 1024))
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
