//! The executor: the sandbox threads and what they run.
//!
//! Each invocation is a future (the sandbox runs a guest on a fiber). The
//! sandbox threads take ready invocations from one [`RunQueue`], which
//! orders them so that each function gets a fair share of the CPU; a guest
//! that has run for a time slice while others wait yields its thread (the
//! [`YieldSignal`] this executor gives every invocation), and a sleeping
//! guest is no thread's business until its timer wakes it. So a new
//! invocation starts within a slice or two however many long ones run, and
//! a thousand sleepers cost no threads.
//!
//! Wasm never runs on a Tokio worker: host calls do short, bounded blocking
//! I/O, and a fixed pool of threads measured faster than `spawn_blocking`
//! per request (see `docs/performance-notes.md`).
//!
//! The threads also commit the journal (usage records, event changes): a
//! thread that finds no ready invocation commits what is pending so far
//! before it waits (see `journal/mod.rs`), so a burst of invocations shares
//! one commit.

mod run_queue;
mod task;

pub(crate) use run_queue::TenantId;

use crate::error::{Error, Result};
use crate::journal::{FULL_BATCH, Journal};
use nimbus_sandbox::YieldSignal;
use run_queue::RunQueue;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use task::{Polled, Requeue, Task};

/// The sandbox threads and their run queue. Dropping it lets the threads
/// finish what they are polling, commit their records and exit; queued
/// invocations are dropped (their callers see their answer lost).
pub(crate) struct Executor {
    shared: Arc<Shared>,
}

/// What the threads share.
struct Shared {
    queue: Mutex<Queue>,
    work: Condvar,
    /// Ready invocations not being polled: read without the lock by every
    /// running guest's epoch check.
    ready: AtomicUsize,
    journal: Arc<Journal>,
}

struct Queue {
    run: RunQueue,
    idle_threads: usize,
    stopping: bool,
}

impl Executor {
    /// Starts `threads` sandbox threads; a guest yields after `slice` when
    /// others wait.
    pub(crate) fn start(threads: usize, slice: Duration, journal: &Arc<Journal>) -> Result<Self> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue { run: RunQueue::new(slice), idle_threads: 0, stopping: false }),
            work: Condvar::new(),
            ready: AtomicUsize::new(0),
            journal: Arc::clone(journal),
        });
        for n in 0..threads.max(1) {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("nimbus-sandbox-{n}"))
                .spawn(move || work(&shared))
                .map_err(|e| Error::service("starting the sandbox threads", e))?;
        }
        Ok(Self { shared })
    }

    /// What tells a running guest that others wait for its thread.
    pub(crate) fn yield_signal(&self) -> Arc<dyn YieldSignal> {
        Arc::clone(&self.shared) as Arc<dyn YieldSignal>
    }

    /// Queues `job`, an invocation of `tenant` running with `memory_mb`
    /// (the weight of its CPU share).
    pub(crate) fn spawn(
        &self,
        tenant: TenantId,
        memory_mb: u32,
        job: impl Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let requeue: Arc<dyn Requeue> = Arc::clone(&self.shared) as Arc<dyn Requeue>;
        let task = Task::new(tenant, memory_mb, Box::pin(job), Arc::downgrade(&requeue));
        if !self.shared.push(task) {
            return Err(Error::Service("the sandbox threads have stopped".into()));
        }
        Ok(())
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.work.notify_all();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a ready task and wakes an idle thread; false once stopping.
    fn push(&self, task: Arc<Task>) -> bool {
        let mut queue = self.lock();
        if queue.stopping {
            return false;
        }
        queue.run.push(task);
        self.ready.store(queue.run.ready(), Ordering::Release);
        let wake = queue.idle_threads > 0;
        drop(queue);
        if wake {
            self.work.notify_one();
        }
        true
    }
}

impl Requeue for Shared {
    fn requeue(&self, task: Arc<Task>) {
        self.push(task);
    }
}

impl YieldSignal for Shared {
    fn others_waiting(&self) -> bool {
        self.ready.load(Ordering::Acquire) > 0
    }
}

/// One sandbox thread's life: settle the last poll and take the next task
/// under one lock; poll it; commit the journal when out of work (or when
/// enough records are pending), then wait for more.
fn work(shared: &Shared) {
    let mut last: Option<(Arc<Task>, Duration, Polled)> = None;
    loop {
        let task = {
            let mut queue = shared.lock();
            if let Some((task, spent, polled)) = last.take() {
                queue.run.polled(task, spent, polled == Polled::Ready);
            }
            let next = queue.run.pop();
            shared.ready.store(queue.run.ready(), Ordering::Release);
            match next {
                Some(task) => task,
                None if queue.stopping => break,
                None => {
                    drop(queue);
                    if shared.journal.pending_len() > 0 {
                        shared.journal.commit(true);
                        continue;
                    }
                    let mut queue = shared.lock();
                    queue.idle_threads += 1;
                    while queue.run.ready() == 0 && !queue.stopping {
                        queue = shared.work.wait(queue).unwrap_or_else(|e| e.into_inner());
                    }
                    queue.idle_threads -= 1;
                    continue;
                }
            }
        };
        let started = Instant::now();
        let polled = task.poll();
        last = Some((task, started.elapsed(), polled));
        if shared.journal.pending_len() >= FULL_BATCH {
            shared.journal.commit(false);
        }
    }
    shared.journal.commit(true);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn executor(threads: usize) -> (Executor, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("db")).unwrap();
        (Executor::start(threads, Duration::from_millis(1), &journal).unwrap(), dir)
    }

    #[test]
    fn jobs_run_and_a_blocked_thread_does_not_stop_the_others() {
        let (executor, _dir) = executor(2);
        let (release, blocked) = mpsc::channel::<()>();
        // A job that holds its thread (a test hook, not a guest).
        executor.spawn(1, 128, async move { blocked.recv().unwrap() }).unwrap();
        let (done, finished) = mpsc::channel();
        for n in 0..10 {
            let done = done.clone();
            executor.spawn(2, 128, async move { done.send(n).unwrap() }).unwrap();
        }
        let mut got: Vec<i32> = (0..10).map(|_| finished.recv_timeout(Duration::from_secs(10)).unwrap()).collect();
        got.sort();
        assert_eq!(got, (0..10).collect::<Vec<_>>());
        release.send(()).unwrap();
    }

    #[test]
    fn a_job_queued_behind_a_busy_thread_runs_in_its_turn() {
        let (executor, _dir) = executor(1);
        let (release, blocked) = mpsc::channel::<()>();
        executor.spawn(1, 128, async move { blocked.recv().unwrap() }).unwrap();
        let (done, finished) = mpsc::channel();
        executor.spawn(2, 128, async move { done.send(()).unwrap() }).unwrap();
        assert!(finished.recv_timeout(Duration::from_millis(100)).is_err(), "the only thread is held");
        release.send(()).unwrap();
        finished.recv_timeout(Duration::from_secs(10)).expect("runs once the thread is free");
    }

    #[test]
    fn the_yield_signal_says_whether_work_waits() {
        let (executor, _dir) = executor(1);
        let signal = executor.yield_signal();
        assert!(!signal.others_waiting());
        let (release, blocked) = mpsc::channel::<()>();
        let (started, running) = mpsc::channel();
        executor
            .spawn(1, 128, async move {
                started.send(()).unwrap();
                blocked.recv().unwrap()
            })
            .unwrap();
        running.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(!signal.others_waiting(), "the running job is not waiting");
        executor.spawn(2, 128, async {}).unwrap();
        assert!(signal.others_waiting());
        release.send(()).unwrap();
    }
}
