;; print_env: reads its environment with environ_sizes_get + environ_get
;; and writes every `KEY=VALUE` string followed by `\n` to stdout.
(module
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get"
    (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 48) "\n")

  ;; 0: count, 4: buffer size, 8: bytes written, 16: two iovecs, 48: "\n",
  ;; 1024: the pointer array (count * 4), then the strings after it.
  (func (export "_start")
    (local $count i32)
    (local $strings i32)
    (local $needed i32)
    (local $i i32)
    (local $s i32)
    (local $len i32)
    (if (call $environ_sizes_get (i32.const 0) (i32.const 4))
      (then (call $proc_exit (i32.const 1))))
    (local.set $count (i32.load (i32.const 0)))
    (local.set $strings
      (i32.add (i32.const 1024) (i32.mul (local.get $count) (i32.const 4))))
    ;; Grow the memory when the environment does not fit in the first page.
    (local.set $needed (i32.add (local.get $strings) (i32.load (i32.const 4))))
    (if (i32.gt_u (local.get $needed) (i32.const 65536))
      (then
        (drop (memory.grow
          (i32.shr_u (i32.add (local.get $needed) (i32.const 65535)) (i32.const 16))))))
    (if (call $environ_get (i32.const 1024) (local.get $strings))
      (then (call $proc_exit (i32.const 2))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $s
          (i32.load (i32.add (i32.const 1024) (i32.mul (local.get $i) (i32.const 4)))))
        ;; strlen
        (local.set $len (i32.const 0))
        (block $end
          (loop $scan
            (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $s) (local.get $len)))))
            (local.set $len (i32.add (local.get $len) (i32.const 1)))
            (br $scan)))
        (i32.store (i32.const 16) (local.get $s))
        (i32.store (i32.const 20) (local.get $len))
        (i32.store (i32.const 24) (i32.const 48))
        (i32.store (i32.const 28) (i32.const 1))
        ;; fd_write takes only the first non-empty iovec: write them one by one.
        (if (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8))
          (then (call $proc_exit (i32.const 3))))
        (if (call $fd_write (i32.const 1) (i32.const 24) (i32.const 1) (i32.const 8))
          (then (call $proc_exit (i32.const 3))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each))))
)
