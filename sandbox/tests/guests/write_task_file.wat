;; write_task_file: tries to create `new.txt` in the bundle's files (fd 3,
;; /var/task, read-only) with write rights; writes `denied` to stdout when
;; path_open fails and `created` when it succeeds.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "new.txt")
  (data (i32.const 80) "denied")
  (data (i32.const 96) "created")

  ;; 0: iovec, 8: bytes written, 32: the opened fd, 64: path, 80/96: answers.
  (func (export "_start")
    ;; oflags: CREAT (1); rights: FD_WRITE (1<<6).
    (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 7)
          (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 32))
      (then
        (i32.store (i32.const 0) (i32.const 80))
        (i32.store (i32.const 4) (i32.const 6)))
      (else
        (i32.store (i32.const 0) (i32.const 96))
        (i32.store (i32.const 4) (i32.const 7))))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
)
