//! One invocation as the executor holds it: its future, its tenant and the
//! state that lets a waker (a timer, a yield) put it back in the run queue
//! exactly once.

use super::run_queue::TenantId;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Wake, Waker};

/// What an invocation's future is, once boxed.
pub(crate) type BoxedJob = Pin<Box<dyn Future<Output = ()> + Send>>;

/// In a run queue, waiting for a thread.
const QUEUED: u8 = 0;
/// Being polled.
const RUNNING: u8 = 1;
/// Being polled, and woken meanwhile: ready again as soon as the poll ends.
const RUNNING_WOKEN: u8 = 2;
/// Waiting for a wake (a timer).
const IDLE: u8 = 3;
/// Finished.
const DONE: u8 = 4;

/// Where a woken task goes: the executor's queue.
pub(crate) trait Requeue: Send + Sync {
    /// Puts a ready task back in the run queue.
    fn requeue(&self, task: Arc<Task>);
}

/// An invocation held by the executor.
pub(crate) struct Task {
    pub(crate) tenant: TenantId,
    /// The memory size it runs with (its CPU share's weight).
    pub(crate) memory_mb: u32,
    state: AtomicU8,
    /// Only the thread that moved the state to `RUNNING` touches it.
    future: Mutex<Option<BoxedJob>>,
    queue: Weak<dyn Requeue>,
}

/// What a poll came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Polled {
    /// The invocation finished.
    Done,
    /// It waits for a wake (a timer); its waker requeues it.
    Waiting,
    /// It yielded (or was woken while polled): ready again at once.
    Ready,
}

impl Task {
    /// A task, ready to be queued, that its wakers requeue in `queue`.
    pub(crate) fn new(tenant: TenantId, memory_mb: u32, future: BoxedJob, queue: Weak<dyn Requeue>) -> Arc<Self> {
        Arc::new(Self { tenant, memory_mb, state: AtomicU8::new(QUEUED), future: Mutex::new(Some(future)), queue })
    }

    /// Polls the future once (the caller took the task from the queue).
    pub(crate) fn poll(self: &Arc<Self>) -> Polled {
        self.state.store(RUNNING, Ordering::Release);
        let waker = Waker::from(Arc::clone(self));
        let mut cx = Context::from_waker(&waker);
        let mut slot = self.future.lock().unwrap_or_else(|e| e.into_inner());
        let Some(future) = slot.as_mut() else {
            self.state.store(DONE, Ordering::Release);
            return Polled::Done;
        };
        // A panic is a bug of ours: the invocation's caller sees its answer
        // dropped (a ServiceException); the thread goes on.
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| future.as_mut().poll(&mut cx)));
        match polled {
            Ok(Poll::Pending) => {
                drop(slot);
                match self.state.compare_exchange(RUNNING, IDLE, Ordering::AcqRel, Ordering::Acquire) {
                    Ok(_) => Polled::Waiting,
                    Err(_) => {
                        self.state.store(QUEUED, Ordering::Release);
                        Polled::Ready
                    }
                }
            }
            Ok(Poll::Ready(())) | Err(_) => {
                *slot = None;
                self.state.store(DONE, Ordering::Release);
                Polled::Done
            }
        }
    }
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        loop {
            match self.state.load(Ordering::Acquire) {
                IDLE => {
                    if self.state.compare_exchange(IDLE, QUEUED, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                        if let Some(queue) = self.queue.upgrade() {
                            queue.requeue(Arc::clone(self));
                        }
                        return;
                    }
                }
                RUNNING => {
                    if self.state.compare_exchange(RUNNING, RUNNING_WOKEN, Ordering::AcqRel, Ordering::Acquire).is_ok()
                    {
                        return;
                    }
                }
                // Already queued, already woken, or finished.
                _ => return,
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    struct Collect(Mutex<Vec<Arc<Task>>>);

    /// A queue that is gone: for tasks whose wakers never requeue.
    pub(crate) fn nowhere() -> Weak<dyn Requeue> {
        Weak::<Collect>::new()
    }

    impl Requeue for Collect {
        fn requeue(&self, task: Arc<Task>) {
            self.0.lock().unwrap().push(task);
        }
    }

    #[test]
    fn a_task_woken_while_waiting_is_requeued_once() {
        let woken: Arc<Mutex<Option<Waker>>> = Arc::default();
        let keep = Arc::clone(&woken);
        let mut polls = 0;
        let queue: Arc<Collect> = Arc::new(Collect(Mutex::new(Vec::new())));
        let as_requeue: Arc<dyn Requeue> = queue.clone();
        let task = Task::new(
            1,
            128,
            Box::pin(std::future::poll_fn(move |cx| {
                polls += 1;
                if polls == 1 {
                    *keep.lock().unwrap() = Some(cx.waker().clone());
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            })),
            Arc::downgrade(&as_requeue),
        );
        assert_eq!(task.poll(), Polled::Waiting);
        let waker = woken.lock().unwrap().take().unwrap();
        waker.wake_by_ref();
        waker.wake_by_ref();
        assert_eq!(queue.0.lock().unwrap().len(), 1, "queued once however often it is woken");
        assert_eq!(task.poll(), Polled::Done);
        waker.wake();
        assert_eq!(queue.0.lock().unwrap().len(), 1, "a finished task is never queued again");
    }

    #[test]
    fn a_task_that_wakes_itself_is_ready_again() {
        let mut yielded = false;
        let task = Task::new(
            1,
            128,
            Box::pin(std::future::poll_fn(move |cx| {
                if yielded {
                    return Poll::Ready(());
                }
                yielded = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            })),
            nowhere(),
        );
        assert_eq!(task.poll(), Polled::Ready);
        assert_eq!(task.poll(), Polled::Done);
    }
}
