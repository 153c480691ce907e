//! A fixed pool of OS threads that run wasm, fed by a channel. Wasm never
//! runs on a Tokio worker (wasmtime-wasi's synchronous calls would block it,
//! and hang), and a fixed pool measured faster than `spawn_blocking` per
//! request (PERF-NOTES.md). How much may wait is bounded by the concurrency
//! permits taken before a job is sent.
//!
//! The threads also commit the usage ledger: a thread that finds no more
//! work queued commits the records pending so far before it waits (see
//! `ledger.rs`), so a burst of invocations shares one commit.

use crate::error::{Error, Result};
use crate::ledger::{FULL_BATCH, Ledger};
use crossbeam_channel::{Receiver, Sender, TryRecvError, unbounded};
use std::sync::Arc;

type Job = Box<dyn FnOnce() + Send>;

/// The pool. Dropping it lets the threads finish their jobs, commit their
/// records and exit.
pub(crate) struct SandboxThreads {
    jobs: Sender<Job>,
}

impl SandboxThreads {
    pub(crate) fn start(count: usize, ledger: &Arc<Ledger>) -> Result<Self> {
        // A multi-consumer channel: idle threads wait on it without a lock.
        let (jobs, queue) = unbounded::<Job>();
        for n in 0..count.max(1) {
            let queue = queue.clone();
            let ledger = Arc::clone(ledger);
            std::thread::Builder::new()
                .name(format!("nimbus-sandbox-{n}"))
                // In wasmtime-wasi's runtime context for good: each WASI
                // call then skips entering it (measured: hello.c 5.2 -> 5.0 µs).
                .spawn(move || nimbus_sandbox::with_wasi_runtime(|| work(&queue, &ledger)))
                .map_err(|e| Error::service("starting the sandbox threads", e))?;
        }
        Ok(Self { jobs })
    }

    /// Hands `job` to a sandbox thread; it answers through whatever channel
    /// it carries.
    pub(crate) fn submit(&self, job: impl FnOnce() + Send + 'static) -> Result<()> {
        self.jobs.send(Box::new(job)).map_err(|_| Error::Service("the sandbox threads have stopped".into()))
    }
}

/// One thread's life: run jobs; commit the ledger when out of work (or when
/// enough records are pending), then wait for more.
fn work(queue: &Receiver<Job>, ledger: &Ledger) {
    loop {
        let job = match queue.try_recv() {
            Ok(job) => job,
            Err(TryRecvError::Empty) => {
                ledger.commit(true);
                match queue.recv() {
                    Ok(job) => job,
                    Err(_) => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        // A panic is a bug of ours: the job's caller sees its reply dropped
        // (a ServiceException); the thread goes on.
        drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)));
        if ledger.pending_len() >= FULL_BATCH {
            ledger.commit(false);
        }
    }
    ledger.commit(true);
}
