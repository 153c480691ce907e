//! A fixed pool of OS threads that run wasm, fed by a channel. Wasm never
//! runs on a Tokio worker (wasmtime-wasi's synchronous calls would block it,
//! and hang), and a fixed pool measured faster than `spawn_blocking` per
//! request (PERF-NOTES.md). How much may wait is bounded by the concurrency
//! permits taken before a job is sent.

use crate::error::{Error, Result};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// The pool. Dropping it lets the threads finish their jobs and exit.
pub(crate) struct SandboxThreads {
    jobs: Mutex<Sender<Job>>,
}

impl SandboxThreads {
    pub(crate) fn start(count: usize) -> Result<Self> {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..count.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("nimbus-sandbox-{n}"))
                .spawn(move || {
                    loop {
                        let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        match job {
                            // A panic is a bug of ours: the caller gets a
                            // ServiceException, the thread keeps serving.
                            Ok(job) => drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))),
                            Err(_) => return,
                        }
                    }
                })
                .map_err(|e| Error::service("starting the sandbox threads", e))?;
        }
        Ok(Self { jobs: Mutex::new(jobs) })
    }

    /// Runs `work` on a sandbox thread and awaits its result.
    pub(crate) async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = reply.send(work());
        });
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(job)
            .map_err(|_| Error::Service("the sandbox threads have stopped".into()))?;
        answer.await.map_err(|_| Error::Service("a sandbox thread failed".into()))
    }
}
