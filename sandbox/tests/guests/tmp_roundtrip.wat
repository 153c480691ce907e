;; tmp_roundtrip: checks that /tmp (fd 4) starts empty and works.
;; First opens `state.txt` without O_CREAT: writes `stale:` to stdout if it
;; exists, `fresh:` if not. Then creates `state.txt`, writes `hello tmp`,
;; closes it, reopens it, reads it back and appends what it read to stdout.
;; A correct run prints `fresh:hello tmp`.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close"
    (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "state.txt")
  (data (i32.const 80) "stale:")
  (data (i32.const 96) "fresh:")
  (data (i32.const 112) "hello tmp")

  ;; 0: iovec, 8: byte count, 32: opened fd, 64: path, 80/96: prefixes,
  ;; 112: content, 1024..2048: read buffer.

  ;; Writes `len` bytes at `ptr` to `fd`; exits with status 1 on failure.
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (if (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))
      (then (call $proc_exit (i32.const 1)))))

  ;; Opens `state.txt` in /tmp; returns the errno, the fd goes to 32.
  (func $open (param $oflags i32) (param $rights i64) (result i32)
    (call $path_open (i32.const 4) (i32.const 0) (i32.const 64) (i32.const 9)
      (local.get $oflags) (local.get $rights) (i64.const 0) (i32.const 0) (i32.const 32)))

  (func (export "_start")
    (local $fd i32)
    ;; rights FD_READ (1<<1)
    (if (call $open (i32.const 0) (i64.const 2))
      (then (call $write (i32.const 1) (i32.const 96) (i32.const 6)))
      (else
        (drop (call $fd_close (i32.load (i32.const 32))))
        (call $write (i32.const 1) (i32.const 80) (i32.const 6))))
    ;; oflags CREAT (1) | TRUNC (8); rights FD_WRITE (1<<6) | FD_SEEK (1<<2)
    (if (call $open (i32.const 9) (i64.const 68))
      (then (call $proc_exit (i32.const 2))))
    (local.set $fd (i32.load (i32.const 32)))
    (call $write (local.get $fd) (i32.const 112) (i32.const 9))
    (if (call $fd_close (local.get $fd))
      (then (call $proc_exit (i32.const 3))))
    ;; Reopen for reading (FD_READ | FD_SEEK) and read it back.
    (if (call $open (i32.const 0) (i64.const 6))
      (then (call $proc_exit (i32.const 4))))
    (local.set $fd (i32.load (i32.const 32)))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 1024))
    (if (call $fd_read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))
      (then (call $proc_exit (i32.const 5))))
    (call $write (i32.const 1) (i32.const 1024) (i32.load (i32.const 8)))
    (drop (call $fd_close (local.get $fd))))
)
