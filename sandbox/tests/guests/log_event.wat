;; log_event: reads all of stdin (its event) and writes it unchanged to
;; stderr (so that it is in the invocation's log) and then to stdout (its
;; response). Events up to 64,512 bytes; a destination receives its record
;; through it.
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)

  ;; Writes bytes [$ptr, $ptr + $n) to $fd, however many fd_write takes at a
  ;; time. 16: write iovec, 24: bytes written.
  (func $write_all (param $fd i32) (param $ptr i32) (param $n i32)
    (local $written i32)
    (block $done
      (loop $write
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store (i32.const 16) (local.get $ptr))
        (i32.store (i32.const 20) (local.get $n))
        (br_if $done (call $fd_write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24)))
        (local.set $written (i32.load (i32.const 24)))
        (br_if $done (i32.eqz (local.get $written)))
        (local.set $ptr (i32.add (local.get $ptr) (local.get $written)))
        (local.set $n (i32.sub (local.get $n) (local.get $written)))
        (br $write))))

  ;; 0: read iovec, 8: bytes read; the event goes to 1024..65536.
  (func (export "_start")
    (local $len i32)
    (block $eof
      (loop $read
        (i32.store (i32.const 0) (i32.add (i32.const 1024) (local.get $len)))
        (i32.store (i32.const 4) (i32.sub (i32.const 64512) (local.get $len)))
        (br_if $eof (i32.eqz (i32.load (i32.const 4))))
        (br_if $eof (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $eof (i32.eqz (i32.load (i32.const 8))))
        (local.set $len (i32.add (local.get $len) (i32.load (i32.const 8))))
        (br $read)))
    (call $write_all (i32.const 2) (i32.const 1024) (local.get $len))
    (call $write_all (i32.const 1) (i32.const 1024) (local.get $len)))
)
