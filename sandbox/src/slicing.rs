//! Time slices: when a running guest gives its thread to other work, and
//! how long it was then kept off it.
//!
//! An invocation is a future. Whoever polls it (the scheduler's executor)
//! may hand it a [`YieldSignal`]; once the guest has run for a whole slice
//! and the signal says that other work waits, the guest yields at its next
//! epoch check (or between the chunks of a long host call) and its future
//! returns `Pending`, to be polled again when its turn comes. The time
//! between yielding and running again is not the guest's: it is counted
//! apart, so that the invocation's duration (what is billed) leaves it out.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Says whether other work waits for the thread a guest runs on.
pub trait YieldSignal: Send + Sync {
    /// Whether other work is ready to run: a guest that has used its whole
    /// slice then yields.
    fn others_waiting(&self) -> bool;
}

/// One invocation's slice bookkeeping, shared between its store and the
/// futures it yields through.
pub(crate) struct SliceClock {
    signal: Option<Arc<dyn YieldSignal>>,
    slice: Duration,
    origin: Instant,
    /// When the guest last got its thread (ns since `origin`).
    running_since_ns: AtomicU64,
    /// Time spent ready but kept off the thread (ns).
    descheduled_ns: AtomicU64,
}

impl SliceClock {
    pub(crate) fn new(signal: Option<Arc<dyn YieldSignal>>, slice: Duration, start: Instant) -> Arc<Self> {
        Arc::new(Self {
            signal,
            slice,
            origin: start,
            running_since_ns: AtomicU64::new(0),
            descheduled_ns: AtomicU64::new(0),
        })
    }

    fn ns_since_origin(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.origin).as_nanos() as u64
    }

    /// Whether the guest has had its slice and others wait for the thread.
    pub(crate) fn should_yield(&self) -> bool {
        let Some(signal) = &self.signal else { return false };
        let ran = self.ns_since_origin(Instant::now()).saturating_sub(self.running_since_ns.load(Ordering::Relaxed));
        ran >= self.slice.as_nanos() as u64 && signal.others_waiting()
    }

    /// The guest runs again at `now`, having been ready since `ready_at`.
    pub(crate) fn resumed(&self, ready_at: Instant, now: Instant) {
        let waited = now.saturating_duration_since(ready_at).as_nanos() as u64;
        self.descheduled_ns.fetch_add(waited, Ordering::Relaxed);
        self.running_since_ns.store(self.ns_since_origin(now), Ordering::Relaxed);
    }

    /// Time the guest was ready to run but kept off its thread.
    pub(crate) fn descheduled(&self) -> Duration {
        Duration::from_nanos(self.descheduled_ns.load(Ordering::Relaxed))
    }

    /// A future that gives the thread away once and counts how long the
    /// guest then waited for it.
    pub(crate) fn yield_now(self: &Arc<Self>) -> YieldNow {
        YieldNow { clock: Arc::clone(self), yielded_at: None }
    }
}

/// Returns `Pending` once (waking itself, so it is ready at once), then
/// `Ready`, counting the time in between as descheduled.
pub(crate) struct YieldNow {
    clock: Arc<SliceClock>,
    yielded_at: Option<Instant>,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.yielded_at {
            None => {
                self.yielded_at = Some(Instant::now());
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Some(at) => {
                self.clock.resumed(at, Instant::now());
                Poll::Ready(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::task::Waker;

    struct Flag(AtomicBool);

    impl YieldSignal for Flag {
        fn others_waiting(&self) -> bool {
            self.0.load(Ordering::Relaxed)
        }
    }

    #[test]
    fn a_guest_yields_only_after_its_slice_and_only_when_others_wait() {
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let clock = SliceClock::new(Some(flag.clone()), Duration::from_millis(5), Instant::now());
        assert!(!clock.should_yield(), "nobody waits");
        flag.0.store(true, Ordering::Relaxed);
        assert!(!clock.should_yield(), "the slice is not over");
        std::thread::sleep(Duration::from_millis(6));
        assert!(clock.should_yield());
        assert!(!SliceClock::new(None, Duration::ZERO, Instant::now()).should_yield(), "no signal, no yield");
    }

    #[test]
    fn yielding_counts_the_wait_as_descheduled_and_starts_a_new_slice() {
        let flag = Arc::new(Flag(AtomicBool::new(true)));
        let clock = SliceClock::new(Some(flag), Duration::from_millis(5), Instant::now());
        let mut yielding = clock.yield_now();
        let mut cx = Context::from_waker(Waker::noop());
        assert!(Pin::new(&mut yielding).poll(&mut cx).is_pending());
        std::thread::sleep(Duration::from_millis(10));
        assert!(Pin::new(&mut yielding).poll(&mut cx).is_ready());
        assert!(clock.descheduled() >= Duration::from_millis(10));
        assert!(!clock.should_yield(), "a new slice started when it resumed");
    }
}
