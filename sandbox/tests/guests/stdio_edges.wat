;; stdio_edges: the corner cases of fd_read and fd_write on stdio, each
;; call's errno (or byte count) recorded as one digit ('0' + value). It
;; writes "ab", the first 4 bytes of its event, then the ten digits:
;;   0 fd_write on stdin (EBADF 8)      1 fd_read on stdout (EBADF 8)
;;   2 fd_read on fd 7, never open (8)  3,4 fd_write [empty, "ab"] (0, 2)
;;   5,6 fd_read [empty, 4 bytes] (0, 4) 7 fd_write "log\n" on stderr (0)
;;   8,9 fd_write with only empty buffers (0, 0 bytes)
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0 and 8: two iovecs, 100: a call's count, 200: the digits,
  ;; 300: "ab", 310: "log\n", 400: what is read.
  (data (i32.const 300) "ab")
  (data (i32.const 310) "log\n")

  (func $record (param $at i32) (param $value i32)
    (i32.store8 (i32.add (i32.const 200) (local.get $at)) (i32.add (i32.const 48) (local.get $value))))

  (func $iovec (param $at i32) (param $buf i32) (param $len i32)
    (i32.store (local.get $at) (local.get $buf))
    (i32.store (i32.add (local.get $at) (i32.const 4)) (local.get $len)))

  (func (export "_start")
    (call $iovec (i32.const 0) (i32.const 300) (i32.const 2))
    (call $record (i32.const 0) (call $fd_write (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 100)))
    (call $record (i32.const 1) (call $fd_read (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 100)))
    (call $record (i32.const 2) (call $fd_read (i32.const 7) (i32.const 0) (i32.const 1) (i32.const 100)))

    (call $iovec (i32.const 0) (i32.const 300) (i32.const 0))
    (call $iovec (i32.const 8) (i32.const 300) (i32.const 2))
    (call $record (i32.const 3) (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 100)))
    (call $record (i32.const 4) (i32.load (i32.const 100)))

    (call $iovec (i32.const 8) (i32.const 400) (i32.const 4))
    (call $record (i32.const 5) (call $fd_read (i32.const 0) (i32.const 0) (i32.const 2) (i32.const 100)))
    (call $record (i32.const 6) (i32.load (i32.const 100)))

    (call $iovec (i32.const 0) (i32.const 310) (i32.const 4))
    (call $record (i32.const 7) (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 100)))

    (call $iovec (i32.const 0) (i32.const 310) (i32.const 0))
    (call $record (i32.const 8) (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 100)))
    (call $record (i32.const 9) (i32.load (i32.const 100)))

    (call $iovec (i32.const 0) (i32.const 400) (i32.const 4))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 100)))
    (call $iovec (i32.const 0) (i32.const 200) (i32.const 10))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 100))))
)
