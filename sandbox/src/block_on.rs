//! Waits for a future on the current thread: what [`crate::SandboxEngine::invoke`]
//! runs an invocation with when nobody else polls it (`nimbus run`, tests,
//! the benchmark). Written here rather than taken from a crate because it
//! is these few lines: park the thread until the future's waker unparks it.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

/// Wakes the thread that waits.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` until it is ready, parking the thread in between.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn waits_for_a_wake_from_another_thread() {
        let mut woken = false;
        let started = Instant::now();
        let value = block_on(std::future::poll_fn(|cx| {
            if woken {
                return Poll::Ready(7);
            }
            woken = true;
            let waker = cx.waker().clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                waker.wake();
            });
            Poll::Pending
        }));
        assert_eq!(value, 7);
        assert!(started.elapsed() >= Duration::from_millis(20));
    }
}
