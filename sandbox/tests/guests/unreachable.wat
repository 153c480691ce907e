;; unreachable: executes the `unreachable` instruction at once.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    unreachable)
)
