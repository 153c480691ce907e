;; recursion: unbounded (non-tail) recursion, ending in a stack overflow.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func $deeper (param $depth i32) (result i32)
    (i32.add
      (call $deeper (i32.add (local.get $depth) (i32.const 1)))
      (i32.const 1)))
  (func (export "_start")
    (drop (call $deeper (i32.const 0))))
)
