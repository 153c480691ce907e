//! A fixed pool of OS threads that run wasm, fed by a channel. Wasm never
//! runs on a Tokio worker (wasmtime-wasi's synchronous calls would block it,
//! and hang), and a fixed pool measured faster than `spawn_blocking` per
//! request (PERF-NOTES.md). How much may wait is bounded by the concurrency
//! permits taken before a job is sent.

use crate::error::{Error, Result};
use crossbeam_channel::{Sender, unbounded};

type Job = Box<dyn FnOnce() + Send>;

/// The pool. Dropping it lets the threads finish their jobs and exit.
pub(crate) struct SandboxThreads {
    jobs: Sender<Job>,
}

impl SandboxThreads {
    pub(crate) fn start(count: usize) -> Result<Self> {
        // A multi-consumer channel: idle threads wait on it without a lock.
        let (jobs, queue) = unbounded::<Job>();
        for n in 0..count.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("nimbus-sandbox-{n}"))
                .spawn(move || {
                    // A panic is a bug of ours: the job's caller sees its
                    // reply dropped (a ServiceException); the thread goes on.
                    for job in queue {
                        drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)));
                    }
                })
                .map_err(|e| Error::service("starting the sandbox threads", e))?;
        }
        Ok(Self { jobs })
    }

    /// Hands `job` to a sandbox thread; it answers through whatever channel
    /// it carries.
    pub(crate) fn submit(&self, job: impl FnOnce() + Send + 'static) -> Result<()> {
        self.jobs
            .send(Box::new(job))
            .map_err(|_| Error::Service("the sandbox threads have stopped".into()))
    }
}
