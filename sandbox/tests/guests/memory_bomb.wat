;; memory_bomb: grows its memory 16 pages (1 MiB) at a time until
;; `memory.grow` returns -1, then executes `unreachable`. The sandbox should
;; stop it at the function's memory size before that.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $grow
      (br_if $grow
        (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    unreachable)
)
